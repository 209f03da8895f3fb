package runtime

import (
	"slices"
	"strings"
	"testing"
)

// TestPrepareEnvAsRunc: runc's prepareEnv on process.env, apart from HOME's
// lookup in /etc/passwd (which needs a container root: the integration
// tests cover it), so every case here sets HOME or expects an error.
func TestPrepareEnvAsRunc(t *testing.T) {
	cases := []struct {
		name string
		in   []string
		want []string
		err  string
	}{
		{name: "absent", in: nil, want: nil},
		{name: "kept", in: []string{"HOME=/h", "A=1"}, want: []string{"HOME=/h", "A=1"}},
		{name: "last-wins-at-last-place", in: []string{"A=1", "HOME=/h", "B=2", "A=3"}, want: []string{"HOME=/h", "B=2", "A=3"}},
		{name: "value-with-equals", in: []string{"HOME=/h", "A=b=c"}, want: []string{"HOME=/h", "A=b=c"}},
		{name: "empty-value", in: []string{"HOME=/h", "A="}, want: []string{"HOME=/h", "A="}},
		{name: "missing-equals", in: []string{"HOME=/h", "A"}, err: "invalid environment variable: missing '='"},
		{name: "missing-equals-even-if-duplicate", in: []string{"A", "A=1", "HOME=/h"}, err: "missing '='"},
		{name: "empty-name", in: []string{"=1", "HOME=/h"}, err: "name cannot be empty"},
		{name: "nul", in: []string{"HOME=/h", "A=x\x00y"}, err: `invalid environment variable "A": contains nul byte`},
		// As runc: only the value that is kept is checked for NUL.
		{name: "nul-overridden", in: []string{"A=x\x00y", "A=1", "HOME=/h"}, want: []string{"A=1", "HOME=/h"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := prepareEnv(tc.in, 0)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("prepareEnv(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Fatalf("prepareEnv(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestLookPathErrorsAsRunc: exec.LookPath's words for the failures that
// need no particular credentials.
func TestLookPathErrorsAsRunc(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		file string
		env  []string
		want string
	}{
		{"/nonexistent", nil, `exec: "/nonexistent": stat /nonexistent: no such file or directory`},
		{dir, nil, `exec: "` + dir + `": is a directory`},
		{"sh", nil, `exec: "sh": executable file not found in $PATH`},
		{"sh", []string{"PATH=/nonexistent"}, `exec: "sh": executable file not found in $PATH`},
	}
	for _, tc := range cases {
		if _, err := lookPath(tc.file, tc.env); err == nil || err.Error() != tc.want {
			t.Errorf("lookPath(%q, %q) = %v; want %q", tc.file, tc.env, err, tc.want)
		}
	}
}
