package relpath

import "testing"

func TestUnder(t *testing.T) {
	for _, tc := range []struct {
		base, target, rel string
		ok                bool
	}{
		{"/a", "/a", ".", true},
		{"/a", "/a/b/c", "b/c", true},
		{"/a", "/a/..b", "..b", true},
		{"/", "/..data/x", "..data/x", true},
		{"/a", "/", "", false},
		{"/a", "/b", "", false},
		{"/a/b", "/a", "", false},
		{"/a", "/ab", "", false},
		{"/a", "/a/../b", "", false},
		{"/a", "relative", "", false},
	} {
		rel, ok := Under(tc.base, tc.target)
		if rel != tc.rel || ok != tc.ok {
			t.Errorf("Under(%q, %q) = %q, %v; want %q, %v", tc.base, tc.target, rel, ok, tc.rel, tc.ok)
		}
	}
}
