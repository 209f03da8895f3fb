package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/containerd/console"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Terminals (process.terminal: true), as runc does them:
//
//	gorunc (runtime side)                      gorunc init (container side)
//	connect(--console-socket)  or, for a
//	foreground run, socketpair()
//	pass the connection as an extra fd ------> after pivot_root: open the
//	                                           container's /dev/ptmx (its own
//	                                           devpts), unlock, bind the slave
//	                                           over /dev/console, TIOCSWINSZ,
//	the socket's listener (containerd's <----- sendmsg("/dev/ptmx", SCM_RIGHTS
//	shim, conmon, or `gorunc run` itself)        master), close the socket
//	                                           slave: chown to process.user,
//	                                           dup onto 0/1/2, TIOCSCTTY
//
// The master never exists in the runtime's own mount namespace: the pty
// belongs to the container's devpts instance.

// DialConsoleSocket connects to the unix socket named by --console-socket.
// The returned file is close-on-exec; pass it to init as an extra fd.
func DialConsoleSocket(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("--console-socket %s: %w", path, err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("--console-socket %s: connect: %w", path, err)
	}
	return os.NewFile(uintptr(fd), "console-socket"), nil
}

// SendConsole sends the pty master over a connected unix socket with
// SCM_RIGHTS, as runc's utils.SendFd does: one message whose data is the
// master's name ("/dev/ptmx", which is what runc sends) and whose control
// message carries the fd.
func SendConsole(sock *os.File, master console.File) error {
	rights := unix.UnixRights(int(master.Fd()))
	if err := unix.Sendmsg(int(sock.Fd()), []byte(master.Name()), rights, nil, 0); err != nil {
		return fmt.Errorf("send pty master over the console socket: %w", err)
	}
	return nil
}

// RecvConsole receives the pty master sent by SendConsole.
func RecvConsole(sock *os.File) (*os.File, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive pty master: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, errors.New("receive pty master: no fd in the message (did init fail?)")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, errors.New("receive pty master: expected exactly one fd")
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}

// setupConsole runs in init (or an exec'd process's init) once the
// container's /dev is in place: after pivot_root, before the read-only
// remounts. It creates a pty in the container's devpts, optionally binds
// the slave over /dev/console (mount: only for the container's first
// process, with a mount namespace), sends the master over sock and makes
// the slave the caller's stdio and controlling terminal. The caller must be
// a session leader without a terminal (setsid). sock is closed.
func setupConsole(sock *os.File, p *specs.Process, mount bool) error {
	defer sock.Close()
	pty, slavePath, err := console.NewPty()
	if err != nil {
		return fmt.Errorf("process.terminal: open the container's /dev/ptmx (is /dev/pts a devpts newinstance mount?): %w", err)
	}
	// The listener owns the master once sent; ours goes at exec anyway.
	defer pty.Close()
	if cs := p.ConsoleSize; cs != nil && cs.Height != 0 && cs.Width != 0 {
		if err := pty.Resize(console.WinSize{Height: uint16(cs.Height), Width: uint16(cs.Width)}); err != nil {
			return fmt.Errorf("process.consoleSize: %w", err)
		}
	}
	if mount {
		if err := mountConsole(slavePath); err != nil {
			return err
		}
	}
	if err := SendConsole(sock, pty); err != nil {
		return err
	}
	slave, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open pty slave %s: %w", slavePath, err)
	}
	defer unix.Close(slave)
	// The slave is the container's own devpts node: give it to the
	// process's user (group stays devpts' gid=), so that a non-root
	// process can use its terminal, as runc's fixStdioPermissions does.
	if err := unix.Fchown(slave, int(p.User.UID), -1); err != nil {
		return fmt.Errorf("chown pty slave %s: %w", slavePath, err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(slave, fd, 0); err != nil {
			return fmt.Errorf("dup pty slave onto fd %d: %w", fd, err)
		}
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("make %s the controlling terminal: %w", slavePath, err)
	}
	return nil
}

// mountConsole binds the pty slave over /dev/console, creating an empty
// file there first as runc does (runtime-spec config.md "process.terminal":
// the runtime creates /dev/console).
func mountConsole(slavePath string) error {
	f, err := os.OpenFile("/dev/console", os.O_CREATE|os.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create /dev/console: %w", err)
	}
	f.Close()
	if err := unix.Mount(slavePath, "/dev/console", "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s over /dev/console: %w", slavePath, err)
	}
	return nil
}

// Proxy connects the caller's stdio to a container's pty master: stdin is
// put in raw mode when it is a terminal, stdin is copied to the master and
// the master to stdout. Resize follows the caller's window size (call it on
// SIGWINCH); Close waits briefly for the last output and restores the
// terminal. `run` uses it for a foreground terminal, and `exec -t` can too.
type Proxy struct {
	master  console.Console
	current console.Console // nil when stdin is not a terminal
	outDone chan struct{}
}

// proxyReceived receives the pty master on ours (nil: no terminal, no
// proxy) and proxies the caller's stdio to it: the foreground half of
// `run` and `exec` without --console-socket.
func proxyReceived(ours *os.File) (*Proxy, error) {
	if ours == nil {
		return nil, nil
	}
	master, err := RecvConsole(ours)
	if err != nil {
		return nil, err
	}
	return ProxyConsole(master)
}

// ProxyConsole starts proxying master. It takes ownership of master.
func ProxyConsole(master *os.File) (*Proxy, error) {
	m, err := console.ConsoleFromFile(master)
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("pty master: %w", err)
	}
	p := &Proxy{master: m, outDone: make(chan struct{})}
	if c, err := console.ConsoleFromFile(os.Stdin); err == nil {
		if err := c.SetRaw(); err != nil {
			m.Close()
			return nil, fmt.Errorf("set the terminal to raw mode: %w", err)
		}
		p.current = c
		p.Resize()
	}
	go func() {
		// Ends with EIO once every slave fd in the container is closed.
		io.Copy(os.Stdout, m)
		close(p.outDone)
	}()
	go io.Copy(m, os.Stdin)
	return p, nil
}

// Resize gives the master the caller's terminal size.
func (p *Proxy) Resize() {
	if p.current != nil {
		p.master.ResizeFrom(p.current)
	}
}

// Close waits up to lastOutputGrace for the container's last output (a
// process outside a pid namespace may keep the slave open), then restores
// the caller's terminal.
func (p *Proxy) Close() {
	select {
	case <-p.outDone:
	case <-time.After(lastOutputGrace):
	}
	if p.current != nil {
		p.current.Reset()
	}
	p.master.Close()
}
