package systemd

import (
	"bytes"
	"testing"
)

// The expected bytes are runc's RangeToBits answers (its TestRangeToBits).
func TestRangeToBits(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		err  bool
	}{
		{in: "", err: true},
		{in: "0", want: []byte{1}},
		{in: "1", want: []byte{2}},
		{in: "0-1", want: []byte{3}},
		{in: "0,1", want: []byte{3}},
		{in: ",0,1,", want: []byte{3}},
		{in: "0-3", want: []byte{0x0f}},
		{in: "0,1,2-3", want: []byte{0x0f}},
		{in: "4-7", want: []byte{0xf0}},
		{in: "0-7", want: []byte{0xff}},
		{in: "0-15", want: []byte{0xff, 0xff}},
		{in: "16", want: []byte{0, 0, 1}},
		{in: "0-3,32-33", want: []byte{0x0f, 0, 0, 0, 0x03}},
		{in: " 1 , 3 ", want: []byte{0x0a}},
		{in: "1-a", err: true},
		{in: "3-1", err: true},
		{in: "-1", err: true},
		{in: "a", err: true},
	}
	for _, tt := range tests {
		got, err := RangeToBits(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("RangeToBits(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("RangeToBits(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestVersionNumber(t *testing.T) {
	for in, want := range map[string]int{`"252.22-1~deb12u1"`: 252, "v245.4-1.fc32": 245, "245": 245, "245-1.fc32": 245, "": 0, "x": 0} {
		if got := VersionNumber(in); got != want {
			t.Errorf("VersionNumber(%q) = %d, want %d", in, got, want)
		}
	}
}
