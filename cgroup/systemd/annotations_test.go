package systemd

import (
	"reflect"
	"strings"
	"testing"
)

func TestAnnotationProperties(t *testing.T) {
	tests := []struct {
		name string
		ann  map[string]string
		want map[string]any // property name -> Go value
		err  string
	}{
		{name: "none", ann: map[string]string{"other": "x"}, want: map[string]any{}},
		{name: "uint64", ann: map[string]string{PropertyPrefix + "TimeoutStopUSec": "uint64 123456789"},
			want: map[string]any{"TimeoutStopUSec": uint64(123456789)}},
		{name: "bool", ann: map[string]string{PropertyPrefix + "CollectMode": "'inactive-or-failed'", PropertyPrefix + "IOAccounting": "false"},
			want: map[string]any{"CollectMode": "inactive-or-failed", "IOAccounting": false}},
		// ...Sec after a lowercase letter becomes ...USec, in microseconds,
		// whatever the number's D-Bus type.
		{name: "Sec int32", ann: map[string]string{PropertyPrefix + "TimeoutStopSec": "5"},
			want: map[string]any{"TimeoutStopUSec": uint64(5000000)}},
		{name: "Sec uint64", ann: map[string]string{PropertyPrefix + "RuntimeMaxSec": "uint64 2"},
			want: map[string]any{"RuntimeMaxUSec": uint64(2000000)}},
		{name: "Sec double", ann: map[string]string{PropertyPrefix + "TimeoutStopSec": "1.5"},
			want: map[string]any{"TimeoutStopUSec": uint64(1500000)}},
		// USec itself, and an uppercase letter before Sec, are left alone.
		{name: "USec kept", ann: map[string]string{PropertyPrefix + "CPUQuotaPerSecUSec": "uint64 10000"},
			want: map[string]any{"CPUQuotaPerSecUSec": uint64(10000)}},
		{name: "too short", ann: map[string]string{PropertyPrefix + "A1": "true"},
			err: "annotation org.systemd.property.A1 name incorrect: too short"},
		{name: "non-alphabetic", ann: map[string]string{PropertyPrefix + "Foo_Bar": "true"},
			err: "annotation org.systemd.property.Foo_Bar name incorrect: contains non-alphabetic character"},
		{name: "bad value", ann: map[string]string{PropertyPrefix + "TimeoutStopSec": "what"},
			err: "annotation org.systemd.property.TimeoutStopSec=what value parse error: unrecognized type \"what\""},
		{name: "Sec not a number", ann: map[string]string{PropertyPrefix + "TimeoutStopSec": "'5'"},
			err: "annotation org.systemd.property.TimeoutStopSec='5' value parse error: not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props, err := AnnotationProperties(tt.ann)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			for _, p := range props {
				got[p.Name] = p.Value.Value()
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAnnotationPropertiesSorted(t *testing.T) {
	props, err := AnnotationProperties(map[string]string{
		PropertyPrefix + "Zzz": "true", PropertyPrefix + "Aaa": "true", PropertyPrefix + "Mmm": "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range props {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "Aaa,Mmm,Zzz" {
		t.Errorf("order %v", names)
	}
}
