package runtime

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// init and exec-init are non-dumpable from their first instruction until
// the container process's execve (nsexec/nsenter.c, "Dumpability", says
// why). childMain sets it again for a gorunc built without cgo, which has
// no constructor.
func setDumpable(on bool) error {
	v := 0
	if on {
		v = 1
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(v), 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE, %d): %w", v, err)
	}
	return nil
}

// writeOwnProc runs write, a write to one of init's own /proc/self files.
// The files of a non-dumpable process belong to root of the user namespace
// its binary was executed in, which for gorunc init is always the host's;
// init as the root of a new user namespace (an unprivileged host uid) is
// refused with EACCES. Only then is write retried with init dumpable for
// that one write, as runc's nsexec does while its parent writes the id
// maps.
func writeOwnProc(write func() error) error {
	err := write()
	if !errors.Is(err, unix.EACCES) {
		return err
	}
	if err := setDumpable(true); err != nil {
		return err
	}
	err = write()
	if derr := setDumpable(false); derr != nil {
		return derr
	}
	return err
}
