package lazyjson

import (
	"encoding/json"
	"testing"
)

func TestAppendStringMatchesMarshal(t *testing.T) {
	for _, s := range []string{
		"", "plain", `q"uote\back`, "\x00\x01\b\f\n\r\t\x1f\x7f", "<a href='x'>&amp;</a>",
		"caf\u00e9 \u2028 \u2029 \U0001f600", "bad \xff\xfe utf8 \xe2\x80", "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc",
	} {
		want, _ := json.Marshal(s)
		if got := string(AppendString(nil, s)); got != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a<b>&\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := string(AppendString(nil, s)); got != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	})
}
