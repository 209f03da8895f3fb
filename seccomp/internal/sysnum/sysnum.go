// Package sysnum parses golang.org/x/sys/unix's zsysnum_linux_*.go files into
// kernel syscall names and numbers. It is shared by the generator and by the
// test that checks the committed tables are up to date.
package sysnum

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Entry is one syscall: its kernel name (as in asm/unistd.h, which is also
// libseccomp's spelling) and its number.
type Entry struct {
	Name string
	Nr   uint32
}

// Parse reads lines of the form `SYS_NAME = 123` and returns them sorted by
// number then name. x/sys derives SYS_X from the kernel's __NR_x by upper-casing,
// and kernel syscall names are all lower case, so lower-casing recovers them
// (SYS__LLSEEK -> _llseek).
func Parse(src []byte) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[1] != "=" || !strings.HasPrefix(f[0], "SYS_") {
			continue
		}
		nr, err := strconv.ParseUint(f[2], 0, 32)
		if err != nil {
			return nil, fmt.Errorf("line %d: number of %s: %w", line, f[0], err)
		}
		out = append(out, Entry{Name: strings.ToLower(strings.TrimPrefix(f[0], "SYS_")), Nr: uint32(nr)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no SYS_ constants found")
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Nr != out[j].Nr {
			return out[i].Nr < out[j].Nr
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}
