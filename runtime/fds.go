package runtime

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// checkPreserved is --preserve-fds' validation: every fd from 3 to 3+n-1
// must be open in the caller.
func checkPreserved(n int) error {
	for fd := 3; fd < 3+n; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return fmt.Errorf("--preserve-fds %d: fd %d is not open", n, fd)
		}
	}
	return nil
}

// preserved are those fds as files for exec.Cmd.ExtraFiles, in order, so
// the child sees them at the same numbers.
func preserved(n int) []*os.File {
	var files []*os.File
	for fd := 3; fd < 3+n; fd++ {
		files = append(files, os.NewFile(uintptr(fd), "preserved"))
	}
	return files
}

// syncPair is the socketpair between the runtime and init or exec-init
// (sync.go): the parent keeps the first, the child inherits the second.
func syncPair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("create sync socket: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "sync-parent"), os.NewFile(uintptr(fds[1]), "sync-child"), nil
}

// newMemfd is an empty close-on-exec memfd named name: the setup program
// and plan, a hook's stdin too large for a pipe.
func newMemfd(name string) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	return os.NewFile(uintptr(fd), name), nil
}
