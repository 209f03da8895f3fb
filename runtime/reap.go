package runtime

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// As runc's `run` (unless --no-subreaper), gorunc run makes itself a child
// subreaper (prctl(2) PR_SET_CHILD_SUBREAPER): a process of the container
// whose parent exits is re-parented to gorunc, not to the host's init,
// where no PID namespace stops it first. gorunc then reaps those orphans
// as they exit, so none stays a zombie while the container runs; init
// itself is left to its own Wait.

// becomeSubreaper is runc's SetSubreaper(1): a failure is only a warning.
func (s Store) becomeSubreaper() {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		s.warn("set subreaper: " + err.Error())
	}
}

// sigchldInfo is the head of siginfo_t for SIGCHLD on 64-bit Linux
// (include/uapi/asm-generic/siginfo.h: signo, errno, code, then the union
// at offset 16 holding pid, uid, status); 128 bytes in all.
type sigchldInfo struct {
	signo, errno, code, _ int32
	pid                   int32
	_                     [108]byte
}

// reapOrphans reaps every exited child but keep: it peeks (WNOWAIT) at the
// next exited child and reaps it only when it is not keep, whose status
// its own Wait must still get.
func reapOrphans(keep int) {
	for {
		var info sigchldInfo
		_, _, errno := unix.Syscall6(unix.SYS_WAITID, unix.P_ALL, 0, uintptr(unsafe.Pointer(&info)),
			unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, 0, 0)
		if errno != 0 || info.pid == 0 || int(info.pid) == keep {
			return
		}
		var ws unix.WaitStatus
		unix.Wait4(int(info.pid), &ws, unix.WNOHANG, nil)
	}
}
