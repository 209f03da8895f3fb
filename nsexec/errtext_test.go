package nsexec

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestErrtextIsGos: zerrtext.c holds exactly the texts of Go's syscall
// package, so the C code words errors as Go does with any libc (rerun `go
// generate ./nsexec` after a Go upgrade when this fails).
func TestErrtextIsGos(t *testing.T) {
	data, err := os.ReadFile("zerrtext.c")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]map[int]string{}
	table := ""
	start := regexp.MustCompile(`^const char \*const (\w+)\[\] = \{$`)
	entry := regexp.MustCompile(`^\t\[(\d+)\] = (".*"),$`)
	for _, line := range strings.Split(string(data), "\n") {
		if m := start.FindStringSubmatch(line); m != nil {
			table = m[1]
			tables[table] = map[int]string{}
		} else if m := entry.FindStringSubmatch(line); m != nil && table != "" {
			n, _ := strconv.Atoi(m[1])
			s, err := strconv.Unquote(m[2])
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			tables[table][n] = s
		}
	}
	for _, c := range []struct {
		table, unknown string
		max            int
		text           func(int) string
	}{
		{"gorunc_errno_text", "errno ", 4095, func(i int) string { return syscall.Errno(i).Error() }},
		{"gorunc_signal_text", "signal ", 64, func(i int) string { return syscall.Signal(i).String() }},
	} {
		got := tables[c.table]
		for i := 1; i <= c.max; i++ {
			want, ok := c.text(i), true
			if want == c.unknown+strconv.Itoa(i) {
				want, ok = "", false
			}
			if s, has := got[i]; has != ok || s != want {
				t.Errorf("%s[%d] = %q (present %v), Go's text %q", c.table, i, s, has, want)
			}
		}
		if len(got) < 30 {
			t.Errorf("%s: only %d entries parsed", c.table, len(got))
		}
	}
}
