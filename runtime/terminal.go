package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/containerd/console"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/rootfs"
)

// Terminals (process.terminal: true), as runc does them:
//
//	gorunc (runtime side)                      gorunc init (container side)
//	connect(--console-socket)  or, for a
//	foreground run, socketpair()
//	pass the connection as an extra fd ------> after pivot_root: open the
//	                                           container's /dev/pts/ptmx (its
//	                                           own devpts; checked), unlock,
//	                                           slave by TIOCGPTPEER, bind it
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
//
// clearONLCR is for a master that gorunc itself proxies (a foreground `run`
// or `exec -t`): runc's recvtty clears ONLCR on the master it receives, so
// that the process's "\n" reaches the caller as "\n", not "\r\n" (the
// caller's own terminal adds its "\r", as for any program). gorunc clears
// it here, before the master is sent, so that the process cannot write
// before it is cleared (an exec'd process may run before the runtime has
// received the master). A master sent to a --console-socket keeps the
// kernel's default modes, as with runc: the listener (containerd's shim,
// conmon) sets them.
func setupConsole(sock *os.File, p *specs.Process, mount, clearONLCR bool) error {
	defer sock.Close()
	pty, slave, err := allocPty()
	if err != nil {
		return fmt.Errorf("process.terminal: %w", err)
	}
	// The listener owns the master once sent; ours goes at exec anyway.
	defer pty.Close()
	defer slave.Close()
	if cs := p.ConsoleSize; cs != nil && cs.Height != 0 && cs.Width != 0 {
		if err := pty.Resize(console.WinSize{Height: uint16(cs.Height), Width: uint16(cs.Width)}); err != nil {
			return fmt.Errorf("process.consoleSize: %w", err)
		}
	}
	if clearONLCR {
		// On the master, as runc: TCSETS on a pty master sets the
		// termios of the pair's slave, where output is processed.
		if err := console.ClearONLCR(pty.Fd()); err != nil {
			return fmt.Errorf("clear ONLCR on the pty: %w", err)
		}
	}
	if mount {
		if err := mountConsole(slave); err != nil {
			return err
		}
	}
	if err := SendConsole(sock, pty); err != nil {
		return err
	}
	// The slave is the container's own devpts node: give it to the
	// process's user (group stays devpts' gid=), so that a non-root
	// process can use its terminal, as runc's fixStdioPermissions does.
	if err := unix.Fchown(int(slave.Fd()), int(p.User.UID), -1); err != nil {
		return fmt.Errorf("chown pty slave %s: %w", slave.Name(), err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(int(slave.Fd()), fd, 0); err != nil {
			return fmt.Errorf("dup pty slave onto fd %d: %w", fd, err)
		}
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("make %s the controlling terminal: %w", slave.Name(), err)
	}
	return nil
}

// allocPty opens a pty pair in the container's devpts without trusting a
// name in the container's /dev, which the image or the container can make
// a symlink (CVE-2025-52565, runc's safeAllocPty): /dev/pts/ptmx is opened
// without following a symlink and checked to be a devpts ptmx before it is
// opened for real, and the slave comes from the master (TIOCGPTPEER), not
// from /dev/pts/N, which could lead to a host file that init would then
// chown and bind over /dev/console.
func allocPty() (console.Console, *os.File, error) {
	fd, err := openInRoot("/dev/pts/ptmx", unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return nil, nil, fmt.Errorf("open the container's /dev/pts/ptmx (is /dev/pts a devpts newinstance mount?): %w", err)
	}
	// Named as runc names the master it sends over the console socket.
	handle := os.NewFile(uintptr(fd), "/dev/ptmx")
	defer handle.Close()
	// devpts' ptmx is char 5:2 with inode number 2 (fs/devpts/inode.c).
	if err := checkDevpts(handle, "ptmx handle", unix.Mkdev(5, 2), 2); err != nil {
		return nil, nil, fmt.Errorf("verify ptmx handle: %w", err)
	}
	f, err := pathrs.Reopen(handle, unix.O_RDWR|unix.O_NOCTTY)
	if err != nil {
		return nil, nil, fmt.Errorf("reopen ptmx to get new pty pair: %w", err)
	}
	pty, slavePath, err := console.NewPtyFromFile(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("new pty: %w", err)
	}
	slave, err := ptyPeer(pty, slavePath)
	if err != nil {
		pty.Close()
		return nil, nil, fmt.Errorf("failed to get peer end of newly-allocated console: %w", err)
	}
	return pty, slave, nil
}

// ptyPeer opens the slave of pty. TIOCGPTPEER (Linux 4.13) needs no path;
// before it, slavePath is opened without following a symlink and checked
// to be that pty's devpts node (char 136:N).
func ptyPeer(pty console.Console, slavePath string) (*os.File, error) {
	const flags = unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC
	fd, _, errno := unix.Syscall(unix.SYS_IOCTL, pty.Fd(), unix.TIOCGPTPEER, flags)
	if errno == 0 {
		return os.NewFile(fd, slavePath), nil
	}
	if errno != unix.EINVAL && errno != unix.ENOTTY {
		return nil, fmt.Errorf("TIOCGPTPEER: %w", errno)
	}
	n, err := unix.IoctlGetUint32(int(pty.Fd()), unix.TIOCGPTN)
	if err != nil {
		return nil, fmt.Errorf("get peer number of pty: %w", err)
	}
	hfd, err := openInRoot(slavePath, unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", slavePath, err)
	}
	handle := os.NewFile(uintptr(hfd), slavePath)
	defer handle.Close()
	if err := checkDevpts(handle, "pty peer handle", unix.Mkdev(136, n), 0); err != nil {
		return nil, fmt.Errorf("verify pty peer handle: %w", err)
	}
	return pathrs.Reopen(handle, flags)
}

// checkDevpts fails unless f (called what, in runc's words) is the char
// device rdev on a devpts mount, with inode number ino when not 0.
func checkDevpts(f *os.File, what string, rdev, ino uint64) error {
	var st unix.Stat_t
	var fs unix.Statfs_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("fstat %s: %w", f.Name(), err)
	}
	if err := unix.Fstatfs(int(f.Fd()), &fs); err != nil {
		return fmt.Errorf("fstatfs %s: %w", f.Name(), err)
	}
	switch {
	case fs.Type != unix.DEVPTS_SUPER_MAGIC:
		return fmt.Errorf("%s is not on a real devpts mount: super magic is %#x", what, fs.Type)
	case ino != 0 && st.Ino != ino:
		return fmt.Errorf("%s has wrong inode number: %d", what, st.Ino)
	case st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != rdev:
		return fmt.Errorf("%s is not the char device %d:%d: ftype %#o %d:%d", what,
			unix.Major(rdev), unix.Minor(rdev), st.Mode&unix.S_IFMT, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	return nil
}

// openInRoot opens path (close-on-exec) with every component resolved
// inside "/", the container's root once init has pivoted, without magic
// links: a /dev or /dev/pts that the image made a symlink to
// /proc/1/root/... (the host's root, with the host's pid namespace) leads
// nowhere outside (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS; before
// Linux 5.6, open(2) as before). An EAGAIN (a rename or mount raced a ".."
// step) is tried again a bounded number of times, as pathrs-lite does.
func openInRoot(path string, flags int) (int, error) {
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(root)
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	for tries := 0; ; tries++ {
		fd, err := unix.Openat2(root, path, &how)
		switch {
		case errors.Is(err, unix.ENOSYS):
			return unix.Open(path, flags|unix.O_CLOEXEC, 0)
		case errors.Is(err, unix.EAGAIN) && tries < 128:
			continue
		}
		return fd, err
	}
}

// mountConsole binds the pty slave over /dev/console, creating an empty
// file there first as runc does (runtime-spec config.md "process.terminal":
// the runtime creates /dev/console). The target is opened without
// following a symlink and the bind goes to that handle, so a /dev/console
// made or swapped into a symlink cannot send the pty over a file elsewhere
// (CVE-2025-52565); an existing node is reached through O_PATH, never
// opened.
func mountConsole(slave *os.File) error {
	fd, err := openInRoot("/dev/console", unix.O_PATH|unix.O_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		var dev, created int
		if dev, err = openInRoot("/dev", unix.O_PATH|unix.O_DIRECTORY); err == nil {
			created, err = unix.Openat(dev, "console", unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o666)
			unix.Close(dev)
		}
		if err == nil {
			unix.Close(created)
			fd, err = openInRoot("/dev/console", unix.O_PATH|unix.O_NOFOLLOW)
		}
	}
	if err != nil {
		return fmt.Errorf("create /dev/console mount target: %w", err)
	}
	target := os.NewFile(uintptr(fd), "/dev/console")
	defer target.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("create /dev/console mount target: fstat: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return fmt.Errorf("create /dev/console mount target: open /dev/console: %w", unix.ELOOP)
	}
	if err := rootfs.BindFd(slave, target); err != nil {
		return fmt.Errorf("bind %s over /dev/console: %w", slave.Name(), err)
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

// lastOutputGrace is how long a foreground terminal waits for the
// container's last output once the process has exited.
const lastOutputGrace = time.Second

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
