//go:build amd64

package seccomp

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestAMD64AgainstUnix spot-checks the amd64 table against the unix.SYS_*
// constants compiled into this very binary.
func TestAMD64AgainstUnix(t *testing.T) {
	want := map[string]uint32{
		"read": unix.SYS_READ, "write": unix.SYS_WRITE, "openat": unix.SYS_OPENAT,
		"mkdir": unix.SYS_MKDIR, "mkdirat": unix.SYS_MKDIRAT, "getpid": unix.SYS_GETPID,
		"clone": unix.SYS_CLONE, "clone3": unix.SYS_CLONE3, "seccomp": unix.SYS_SECCOMP,
		"kexec_load": unix.SYS_KEXEC_LOAD, "arch_prctl": unix.SYS_ARCH_PRCTL,
		"newfstatat": unix.SYS_NEWFSTATAT, "pidfd_open": unix.SYS_PIDFD_OPEN,
		"io_uring_setup": unix.SYS_IO_URING_SETUP, "personality": unix.SYS_PERSONALITY,
	}
	for name, nr := range want {
		if got, ok := sysAMD64.lookup(name); !ok || got != nr {
			t.Errorf("%s: table %d (present %v), unix.SYS_* %d", name, got, ok, nr)
		}
	}
}
