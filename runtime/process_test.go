package runtime

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/moby/sys/capability"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestApplyUserKeepsNotDumpable: Go init's and exec-init's switch to
// process.user leaves them non-dumpable (they hold the host's fds until
// execve) whatever fs.suid_dumpable makes of the id change: with 1 the
// kernel made them dumpable again. Only a host with fs.suid_dumpable=1
// (the cgroup v2 VM tier sets it for this test) tells the difference.
func TestApplyUserKeepsNotDumpable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: setresuid")
	}
	if err := setDumpable(false); err != nil {
		t.Fatal(err)
	}
	defer setDumpable(true)
	type result struct {
		dumpable int
		err      error
	}
	done := make(chan result, 1)
	go func() {
		// Never unlocked: the thread that became uid 1000 ends with
		// this goroutine (applyUser changes only the calling thread).
		runtime.LockOSThread()
		if err := applyUser(specs.User{UID: 1000, GID: 1000}, false); err != nil {
			done <- result{err: err}
			return
		}
		d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		done <- result{d, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.dumpable != 0 {
		s, _ := os.ReadFile("/proc/sys/fs/suid_dumpable")
		t.Errorf("dumpable %d after the user switch (fs.suid_dumpable %q), want 0", r.dumpable, s)
	}
}

// TestCapNumber: names are matched exactly as runc's map of
// "CAP_"+upper-case names matches them, for every capability the library
// knows.
func TestCapNumber(t *testing.T) {
	known := capability.ListKnown()
	for _, c := range known {
		name := "CAP_" + strings.ToUpper(c.String())
		if got, ok := capNumber(known, name); !ok || got != c {
			t.Errorf("%s: %v %v, want %v", name, got, ok, c)
		}
	}
	for _, tc := range []struct {
		name string
		want capability.Cap
		ok   bool
	}{
		{"CAP_SYS_ADMIN", capability.CAP_SYS_ADMIN, true},
		{"CAP_CHOWN", capability.CAP_CHOWN, true},
		{"CAP_sys_admin", 0, false}, // runc's lookup is case-sensitive
		{"SYS_ADMIN", 0, false},
		{"CAP_", 0, false},
		{"CAP_SYS_ADMINX", 0, false},
		{"CAP_NOT_A_CAPABILITY", 0, false},
		{"", 0, false},
	} {
		if got, ok := capNumber(known, tc.name); got != tc.want || ok != tc.ok {
			t.Errorf("%q: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
