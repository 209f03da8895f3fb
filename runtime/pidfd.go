package runtime

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// --pidfd-socket (create, run, exec; runc >= 1.2): the caller, typically
// containerd's shim, gets a pidfd of the container's process over a unix
// socket, so that it can wait for and signal that very process however pids
// get reused. The message is runc 1.5's, as its init sends it from inside
// the container (libcontainer setupPidfd, utils.SendRawFd): one sendmsg
// whose data is the kind of process, "standard" for a container's init and
// "setns" for an exec'd one, and whose SCM_RIGHTS carries the pidfd.
//
//	gorunc                                 receiver (--pidfd-socket)
//	connect, before anything is made  ---> accept
//	process ready (blocked on the exec
//	fifo, or about to execve)
//	pidfd_open(pid) ---- "standard"|"setns" + SCM_RIGHTS{pidfd} ---->
//	close                              ---> EOF
//
// gorunc sends from the parent instead of from init: the pid it opens is
// one it holds (an unreaped child, or init whose start time is checked after
// the open), so the pidfd is the container's process and never exec-init's
// intermediate one.
const (
	pidfdKindInit = "standard"
	pidfdKindExec = "setns"
)

// dialPidfdSocket connects to --pidfd-socket path, before anything exists,
// so that a bad path leaves nothing behind.
func dialPidfdSocket(path string) (*net.UnixConn, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		// runc 1.5's wording, misspelling included (utils_linux.go
		// setupPidfdSocket), so that callers matching it still do.
		return nil, fmt.Errorf("failed to dail %s: %w", path, err)
	}
	return conn.(*net.UnixConn), nil
}

// sendPidfd sends a pidfd of the process pid, which started at start (clock
// ticks since boot, /proc/PID/stat field 22), named kind. The start time is
// checked once the pidfd holds the pid: a process that died and whose pid
// was reused in between is refused, never sent.
func sendPidfd(conn *net.UnixConn, pid int, start uint64, kind string) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ENOSYS) {
		return errors.New("--pidfd-socket requires >= v5.3 kernel")
	}
	if err != nil {
		return fmt.Errorf("--pidfd-socket: pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(fd)
	if st, err := procStat(pid); err != nil || st.start != start {
		return fmt.Errorf("--pidfd-socket: process %d exited before its pidfd was sent", pid)
	}
	if _, _, err := conn.WriteMsgUnix([]byte(kind), unix.UnixRights(fd), nil); err != nil {
		return fmt.Errorf("--pidfd-socket: send pidfd: %w", err)
	}
	return nil
}
