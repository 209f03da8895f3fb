package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Load installs p on the calling thread with
// seccomp(SECCOMP_SET_MODE_FILTER, p.Flags, &sock_fprog).
//
// The kernel requires no_new_privs (prctl PR_SET_NO_NEW_PRIVS) or
// CAP_SYS_ADMIN first (Documentation/userspace-api/seccomp_filter.rst).
// A filter attaches to one thread unless SECCOMP_FILTER_FLAG_TSYNC is set,
// and Go moves goroutines between threads: the caller must hold
// runtime.LockOSThread from Load until execve.
//
// seccomp(2) is called raw, without telling the Go scheduler: on the way
// out of an ordinary syscall the thread may park on a futex until another
// thread hands it a P back, and a profile that notifies futex would then
// wait for an agent that does not have the listener yet (runtime's
// seccomp_notify.go). Nothing after the syscall allocates on success.
//
// When p has a NOTIFY rule the returned listenerFd is the notification fd
// (to send to listenerPath); otherwise it is -1.
func Load(p *Program) (listenerFd int, err error) {
	if p == nil || len(p.Instructions) == 0 {
		return -1, errors.New("load seccomp filter: empty program")
	}
	if len(p.Instructions) > maxInsns {
		return -1, fmt.Errorf("load seccomp filter: %d instructions, the kernel allows %d", len(p.Instructions), maxInsns)
	}
	filter := make([]unix.SockFilter, len(p.Instructions))
	for i, ins := range p.Instructions {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, p.Flags, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return -1, fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, flags %#x): %w", p.Flags, errno)
	}
	if p.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
		return int(r), nil
	}
	// With TSYNC (and no TSYNC_ESRCH) a positive result is the id of a
	// thread that could not be synchronised, and nothing was installed.
	if r != 0 {
		return -1, fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread %d could not be synchronised", r)
	}
	return -1, nil
}
