package seccomp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorunc/gorunc/seccomp/internal/sysnum"
)

// TestTablesMatchXSys re-reads the x/sys/unix sources the generator used and
// checks every committed entry, for every arch, so a bump of golang.org/x/sys
// without `go generate` fails here.
func TestTablesMatchXSys(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("cannot locate golang.org/x/sys in the module cache (go list: %v)", err)
	}
	tables := map[string]syscallTable{
		"amd64": sysAMD64, "386": sys386, "arm64": sysARM64, "arm": sysARM,
		"riscv64": sysRISCV64, "ppc64le": sysPPC64LE, "s390x": sysS390X, "loong64": sysLOONG64,
	}
	for goarch, table := range tables {
		src, err := os.ReadFile(filepath.Join(dir, "unix", "zsysnum_linux_"+goarch+".go"))
		if err != nil {
			t.Fatal(err)
		}
		entries, err := sysnum.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", goarch, err)
		}
		if len(entries) != len(table) {
			t.Errorf("%s: x/sys has %d syscalls, table has %d: run go generate", goarch, len(entries), len(table))
		}
		for _, e := range entries {
			if got, ok := table.lookup(e.Name); !ok || got != e.Nr {
				t.Errorf("%s: %s = %d in x/sys, table has %d (present %v)", goarch, e.Name, e.Nr, got, ok)
			}
		}
	}
}

func TestSysnumParse(t *testing.T) {
	src := []byte("package unix\n\nconst (\n\tSYS_READ = 0\n\tSYS__LLSEEK = 140\n\tSYS_X = 0x10 // hex\n\tFOO = 3\n)\n")
	got, err := sysnum.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []sysnum.Entry{{Name: "read", Nr: 0}, {Name: "_llseek", Nr: 140}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Parse = %v, want %v", got, want)
	}
	if _, err := sysnum.Parse([]byte("SYS_READ = banana\n")); err == nil {
		t.Error("bad number accepted")
	}
	if _, err := sysnum.Parse([]byte("package unix\n")); err == nil {
		t.Error("empty file accepted")
	}
}

func TestX32Lookup(t *testing.T) {
	tests := []struct {
		name string
		nr   uint32
		ok   bool
	}{
		{"read", x32SyscallBit | 0, true},
		{"getpid", x32SyscallBit | 39, true},
		{"rt_sigaction", x32SyscallBit | 512, true},
		{"ioctl", x32SyscallBit | 514, true},
		{"pwritev2", x32SyscallBit | 547, true},
		{"uselib", 0, false},
		{"chown32", 0, false},
	}
	for _, tc := range tests {
		nr, ok := x32Lookup(tc.name)
		if nr != tc.nr || ok != tc.ok {
			t.Errorf("x32Lookup(%q) = %#x, %v; want %#x, %v", tc.name, nr, ok, tc.nr, tc.ok)
		}
	}
}

// TestTablesSorted: lookup is a binary search, so an entry out of order (a
// hand edit of armPrivate, a generator change) would make names vanish.
func TestTablesSorted(t *testing.T) {
	tables := map[string]syscallTable{
		"amd64": sysAMD64, "386": sys386, "arm64": sysARM64, "arm": sysARM,
		"riscv64": sysRISCV64, "ppc64le": sysPPC64LE, "s390x": sysS390X, "loong64": sysLOONG64,
		"armPrivate": armPrivate,
	}
	for name, table := range tables {
		for i := 1; i < len(table); i++ {
			if table[i-1].name >= table[i].name {
				t.Errorf("%s: %q before %q", name, table[i-1].name, table[i].name)
			}
		}
		for _, e := range table {
			if nr, ok := table.lookup(e.name); !ok || nr != e.nr {
				t.Errorf("%s: lookup(%q) = %d, %v; want %d", name, e.name, nr, ok, e.nr)
			}
		}
		if _, ok := table.lookup("no_such_syscall"); ok {
			t.Errorf("%s: lookup of an unknown name succeeded", name)
		}
	}
}
