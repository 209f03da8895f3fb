package runtime

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/seccomp"
)

// SCMP_ACT_NOTIFY (runtime-spec config-linux.md "Seccomp", listenerPath):
// loading the filter yields a listener fd, which "the runtime MUST send ...
// over the socket at listenerPath using SCM_RIGHTS", with the container
// process state as the message. The filter must be loaded by the process it
// filters (init or exec-init), and listenerPath resolves only in the
// runtime's mount namespace, so the parent sends it on:
//
//	init / exec-init                        gorunc create / exec
//	block signals
//	seccomp(NEW_LISTENER) -> fd N
//	write {"type":"seccomp","fd":N} -------> pidfd_open(child), pidfd_getfd(N)
//	  (the only syscall before the agent     connect(listenerPath),
//	  can have the listener)                 sendmsg(state, SCM_RIGHTS fd)
//	restore signals
//	<------------------- seccomp-ack -------
//	close(N); carry on ("ready", execve)
//
// Until the agent holds the listener, a notified syscall of init waits for
// an answer nobody can give: any such syscall between loading the filter
// and handing the fd over hangs `gorunc run` for good. Hence, as runc
// (libcontainer syncParentSeccomp), the child writes only the fd's number,
// in one write(2) that the profile may not notify (seccomp.Validate refuses
// SCMP_ACT_NOTIFY on write, with runc's wording), and the parent takes the
// fd itself with pidfd_getfd(2) (Linux 5.6) instead of a sendmsg(2) that a
// profile could notify. Everything after that write, the wait for the ack
// included, may be notified: the agent answers it.
//
// The Go runtime must not slip a syscall in either: seccomp(2) and write(2)
// are raw (no scheduler entry, whose slow path parks the thread on a futex
// that another thread must wake), the message buffer is allocated before
// the filter (no mmap), signals are blocked across the window (a
// preemption signal's handler ends in rt_sigreturn), and the window is one
// nosplit function (no stack check, where a goroutine marked for
// preemption would enter the scheduler: installAndTell). The filter is per
// thread unless the profile asks for TSYNC; with TSYNC the other Go
// threads' futex/nanosleep/mmap calls may be notified too, but nothing in
// the window waits for them, and they are answered once the agent has the
// fd.

func notifies(p *seccomp.Program) bool {
	return p != nil && p.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
}

// filterLoader loads a child's seccomp filter and, when the filter
// notifies, hands its listener to the parent over the sync socket.
type filterLoader struct {
	prog *seccomp.Program
	ch   *channel
	sock *os.File
}

// load installs the filter on the calling (locked) thread.
func (l filterLoader) load() error {
	if !notifies(l.prog) {
		_, err := loadSeccomp(l.prog)
		return err
	}
	q, err := seccomp.Prepare(l.prog)
	if err != nil {
		return fmt.Errorf("linux.seccomp: %w", err)
	}
	// Built now: nothing may allocate once the filter is in. The fd's
	// digits go right-aligned into the spaces (whitespace to JSON).
	msg := []byte(`{"type":"` + string(msgSeccomp) + `","fd":` + strings.Repeat(" ", fdDigits) + "}\n")
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		return fmt.Errorf("block signals: %w", err)
	}
	fd, loadErr, writeErr := installAndTell(q, int(l.sock.Fd()), msg, len(msg)-2)
	runtime.KeepAlive(q)
	runtime.KeepAlive(msg)
	// From here on every syscall may be notified: the agent is getting
	// the listener.
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	if loadErr != 0 {
		// Nothing was installed: no syscall is filtered yet.
		return fmt.Errorf("linux.seccomp: %w", q.Err(loadErr))
	}
	defer unix.Close(fd)
	if writeErr != 0 {
		return fmt.Errorf("send seccomp listener fd number: %w", writeErr)
	}
	// The fd stays open until the parent has its copy.
	_, err = l.ch.recv(msgSeccompAck)
	return err
}

// fdDigits is the room for the listener's fd number in the message.
const fdDigits = 10

// installAndTell is the window itself: the seccomp(2) that returns the
// listener, its number written into msg before end, the write(2) of msg.
// It is nosplit and calls only nosplit code. A stack check is where Go
// preempts a goroutine that sysmon has seen running for 10 ms (signals are
// blocked, so only there): the goroutine would go to the scheduler, which
// wakes another thread with futex(FUTEX_WAKE), a syscall the profile may
// notify. That hung `gorunc run` (futex notified, TSYNC) in 1 to 3 of 32
// runs on a loaded host, with init's thread in the notified FUTEX_WAKE and
// the parent still waiting for the number.
//
//go:nosplit
func installAndTell(q *seccomp.Prepared, sock int, msg []byte, end int) (fd int, loadErr, writeErr unix.Errno) {
	r, errno := q.Install()
	if errno != 0 {
		return -1, errno, 0
	}
	for i, n := end-1, r; ; i-- {
		msg[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			break
		}
	}
	_, _, errno = unix.RawSyscall(unix.SYS_WRITE, uintptr(sock), uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
	return int(r), 0, errno
}

// forwardListener is the parent's half: take the listener from child pid
// (which must be a child not yet waited for, so that its pid cannot have
// been reused: init and exec-init are ours or reparented to us as
// subreaper) and give it, with the state, to the agent at listenerPath.
// st is the container's state; pid is the process the filter belongs to.
func forwardListener(ch *channel, sc *specs.LinuxSeccomp, pid int, st specs.State) error {
	m, err := ch.recv(msgSeccomp)
	if err != nil {
		return err
	}
	fd, err := pidGetFd(pid, m.Fd)
	if err != nil {
		return fmt.Errorf("seccomp listener: %w", err)
	}
	defer unix.Close(fd)
	state, err := json.Marshal(specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      pid,
		Metadata: sc.ListenerMetadata,
		State:    st,
	})
	if err != nil {
		return err
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sc.ListenerPath, Net: "unix"})
	if err != nil {
		// runc's wording, which clients and runc's tests match.
		return fmt.Errorf("failed to connect with seccomp agent specified in the seccomp profile: linux.seccomp.listenerPath %s: %w", sc.ListenerPath, err)
	}
	defer conn.Close()
	if _, _, err := conn.WriteMsgUnix(state, unix.UnixRights(fd), nil); err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath %s: send: %w", sc.ListenerPath, err)
	}
	return ch.send(message{Type: msgSeccompAck})
}

// pidGetFd duplicates fd number n of process pid (pidfd_getfd(2)).
func pidGetFd(pid, n int) (int, error) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	fd, err := unix.PidfdGetfd(pidfd, n, 0)
	if err != nil {
		return -1, fmt.Errorf("pidfd_getfd %d of %d: %w", n, pid, err)
	}
	return fd, nil
}
