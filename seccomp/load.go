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
	q, err := Prepare(p)
	if err != nil {
		return -1, err
	}
	r, errno := q.Install()
	runtime.KeepAlive(q)
	if errno != 0 {
		return -1, q.Err(errno)
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

// Prepared is a program in the kernel's form, ready for seccomp(2): what
// Load does before the syscall, for a caller that must make the syscall
// itself from code that may not enter the Go scheduler (Install).
type Prepared struct {
	flags  uintptr
	prog   unix.SockFprog
	filter []unix.SockFilter
}

// Prepare checks p and lays it out for Install.
func Prepare(p *Program) (*Prepared, error) {
	if p == nil || len(p.Instructions) == 0 {
		return nil, errors.New("load seccomp filter: empty program")
	}
	if len(p.Instructions) > maxInsns {
		return nil, fmt.Errorf("load seccomp filter: %d instructions, the kernel allows %d", len(p.Instructions), maxInsns)
	}
	q := &Prepared{flags: p.Flags, filter: make([]unix.SockFilter, len(p.Instructions))}
	for i, ins := range p.Instructions {
		q.filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	q.prog = unix.SockFprog{Len: uint16(len(q.filter)), Filter: &q.filter[0]}
	return q, nil
}

// Install is seccomp(SECCOMP_SET_MODE_FILTER) of the prepared program on
// the calling thread. It is nosplit and calls only nosplit code, so it can
// be called between a filter and the hand-over of its listener (no stack
// check, so no preemption into the scheduler). The caller keeps q alive.
//
//go:nosplit
func (q *Prepared) Install() (uintptr, unix.Errno) {
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, q.flags, uintptr(unsafe.Pointer(&q.prog)))
	return r, errno
}

// Err is Install's errno as Load reports it.
func (q *Prepared) Err(errno unix.Errno) error {
	return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, flags %#x): %w", q.flags, errno)
}
