package integration

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/console"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// consoleSocket listens on a unix socket, as containerd's shim and conmon
// do, and hands over the pty master gorunc sends with SCM_RIGHTS.
type consoleSocket struct {
	path   string
	ln     *net.UnixListener
	master chan *os.File
	name   chan string
}

func newConsoleSocket(t *testing.T) *consoleSocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	cs := &consoleSocket{path: path, ln: ln, master: make(chan *os.File, 1), name: make(chan string, 1)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.AcceptUnix()
		if err != nil {
			close(cs.master)
			return
		}
		defer conn.Close()
		buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4))
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if err != nil {
			close(cs.master)
			return
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		if len(msgs) != 1 {
			close(cs.master)
			return
		}
		fds, _ := unix.ParseUnixRights(&msgs[0])
		cs.name <- string(buf[:n])
		cs.master <- os.NewFile(uintptr(fds[0]), "master")
	}()
	return cs
}

func (cs *consoleSocket) recv(t *testing.T) *os.File {
	t.Helper()
	select {
	case m, ok := <-cs.master:
		if !ok {
			t.Fatal("console socket: no pty master received")
		}
		t.Cleanup(func() { m.Close() })
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("console socket: timed out waiting for the pty master")
	}
	return nil
}

// term reads a pty master in the background so tests can wait for text.
type term struct {
	t   *testing.T
	f   io.ReadWriter
	buf chan []byte
	all bytes.Buffer
}

func newTerm(t *testing.T, f io.ReadWriter) *term {
	tm := &term{t: t, f: f, buf: make(chan []byte, 256)}
	go func() {
		for {
			b := make([]byte, 4096)
			n, err := f.Read(b)
			if n > 0 {
				tm.buf <- b[:n]
			}
			if err != nil {
				close(tm.buf)
				return
			}
		}
	}()
	return tm
}

// expect waits until the output since the last expect contains want and
// returns that output.
func (tm *term) expect(want string) string {
	tm.t.Helper()
	deadline := time.After(10 * time.Second)
	for !strings.Contains(tm.all.String(), want) {
		select {
		case b, ok := <-tm.buf:
			if !ok {
				tm.t.Fatalf("terminal closed before %q; got %q", want, tm.all.String())
			}
			tm.all.Write(b)
		case <-deadline:
			tm.t.Fatalf("timed out waiting for %q; got %q", want, tm.all.String())
		}
	}
	out := tm.all.String()
	i := strings.Index(out, want) + len(want)
	rest := out[i:]
	tm.all.Reset()
	tm.all.WriteString(rest)
	return out[:i]
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := tm.f.Write([]byte(s)); err != nil {
		tm.t.Fatalf("write to terminal: %v", err)
	}
}

func terminalSpec(e *env, args ...string) {
	e.spec.Process.Args = args
	e.spec.Process.Terminal = true
	e.spec.Process.Env = append(e.spec.Process.Env, "TERM=xterm", "PS1=prompt$ ")
	e.spec.Process.ConsoleSize = &specs.Box{Height: 40, Width: 120}
}

func TestTerminalConsoleSocket(t *testing.T) {
	e := newEnv(t)
	terminalSpec(e, "sh")
	e.writeSpec()
	cs := newConsoleSocket(t)
	e.must("run", "-d", "--bundle", e.bundle, "--console-socket", cs.path, "tty1")
	tm := newTerm(t, cs.recv(t))
	if name := <-cs.name; name != "/dev/ptmx" {
		t.Errorf("message name %q, want /dev/ptmx (as runc sends)", name)
	}
	tm.expect("prompt$ ")
	tm.send("echo hello-$((1+2))\n")
	tm.expect("hello-3")
	tm.expect("prompt$ ")
	tm.send("tty; stty size; readlink /proc/self/fd/0; echo end-$((2*2))\n")
	out := tm.expect("end-4")
	for _, want := range []string{"/dev/pts/0", "40 120"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	tm.send("test -c /dev/console && stat -c %t:%T /dev/console /dev/pts/0 | uniq | wc -l; echo end-$((3*3))\n")
	if out := tm.expect("end-9"); !strings.Contains(out, "\n1\r\n") {
		t.Errorf("/dev/console is not the pty slave: %q", out)
	}
	tm.send("exit 0\n")
	e.waitStatus("tty1", "stopped")
	e.must("delete", "tty1")
}

func TestTerminalNonRootUser(t *testing.T) {
	e := newEnv(t)
	terminalSpec(e, "sh", "-c", "id -u; echo written >/dev/tty && stat -c %u /dev/pts/0; sleep 1")
	e.spec.Process.User = specs.User{UID: 1000, GID: 1000}
	e.writeSpec()
	cs := newConsoleSocket(t)
	e.must("run", "-d", "--bundle", e.bundle, "--console-socket", cs.path, "tty2")
	tm := newTerm(t, cs.recv(t))
	out := tm.expect("written")
	out += tm.expect("1000")
	if !strings.Contains(out, "1000") {
		t.Errorf("output %q: want uid 1000", out)
	}
	e.waitStatus("tty2", "stopped")
	e.must("delete", "tty2")
}

// TestTerminalForegroundRun gives gorunc a real pty as its stdio, as a user
// at a terminal would: gorunc proxies it to the container's pty.
func TestTerminalForegroundRun(t *testing.T) {
	e := newEnv(t)
	terminalSpec(e, "sh")
	e.writeSpec()
	pty, slavePath, err := console.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	pty.Resize(console.WinSize{Height: 33, Width: 99})
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	cmd := exec.Command(e.bin, "--root", e.root, "run", "--bundle", e.bundle, "tty3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	}()
	slave.Close()
	tm := newTerm(t, pty)
	tm.expect("prompt$ ")
	// The caller's size wins over consoleSize, as with runc.
	tm.send("stty size; echo hello-$((1+2))\n")
	out := tm.expect("hello-3")
	if !strings.Contains(out, "33 99") {
		t.Errorf("stty size: %q, want 33 99", out)
	}
	tm.expect("prompt$ ")
	pty.Resize(console.WinSize{Height: 20, Width: 70})
	cmd.Process.Signal(unix.SIGWINCH)
	time.Sleep(200 * time.Millisecond)
	tm.send("stty size; echo end-$((2*2))\n")
	if out := tm.expect("end-4"); !strings.Contains(out, "20 70") {
		t.Errorf("after SIGWINCH stty size: %q, want 20 70", out)
	}
	tm.send("exit 7\n")
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 7 {
			t.Errorf("gorunc run: %v, want exit status 7", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gorunc run did not exit")
	}
}

func TestTerminalBadConsoleSocket(t *testing.T) {
	e := newEnv(t)
	terminalSpec(e, "sh")
	e.writeSpec()
	missing := filepath.Join(t.TempDir(), "nope.sock")
	for _, cmd := range [][]string{
		{"create", "--bundle", e.bundle, "--console-socket", missing, "tty4"},
		{"run", "-d", "--bundle", e.bundle, "--console-socket", missing, "tty4"},
	} {
		r := e.run(cmd...)
		want := "--console-socket " + missing + ": connect: no such file or directory"
		if r.code == 0 || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", cmd, r.code, r.stderr, want)
		}
	}
	// Detached without a socket: the existing clear error.
	r := e.run("run", "-d", "--bundle", e.bundle, "tty4")
	if r.code == 0 || !strings.Contains(r.stderr, "--console-socket is not set") {
		t.Errorf("run -d without a console socket: exit %d, %q", r.code, r.stderr)
	}
	// As runc: the socket is for detached containers, a foreground run
	// proxies the terminal itself; and it needs process.terminal.
	cs := newConsoleSocket(t)
	r = e.run("run", "--bundle", e.bundle, "--console-socket", cs.path, "tty4")
	if r.code == 0 || !strings.Contains(r.stderr, "only for a detached container") {
		t.Errorf("foreground run with --console-socket: exit %d, %q", r.code, r.stderr)
	}
	e.spec.Process.Terminal = false
	e.writeSpec()
	r = e.run("create", "--bundle", e.bundle, "--console-socket", cs.path, "tty4")
	if r.code == 0 || !strings.Contains(r.stderr, "process.terminal is false") {
		t.Errorf("create with --console-socket and no terminal: exit %d, %q", r.code, r.stderr)
	}
	if left, _ := os.ReadDir(e.root); len(left) > 0 {
		t.Errorf("state left behind: %v", left)
	}
}

// TestTerminalNoLeakedFDs: the process started on a terminal has only the
// pty as 0, 1, 2 (ls's own directory fd is 3): no console socket, sync
// socket or fifo fd reaches it.
func TestTerminalNoLeakedFDs(t *testing.T) {
	e := newEnv(t)
	terminalSpec(e, "ls", "/proc/self/fd")
	e.writeSpec()
	cs := newConsoleSocket(t)
	e.must("run", "-d", "--bundle", e.bundle, "--console-socket", cs.path, "tty5")
	tm := newTerm(t, cs.recv(t))
	e.waitStatus("tty5", "stopped")
	out := tm.expect("3")
	if fields := strings.Fields(out); strings.Join(fields, " ") != "0 1 2 3" {
		t.Errorf("fds in the container: %q, want 0 1 2 3", out)
	}
	e.must("delete", "tty5")
}

// TestTerminalUserNamespace: the pty comes from the container's own devpts
// also when the container has a user namespace; the slave belongs to the
// process's user as the container sees it.
func TestTerminalUserNamespace(t *testing.T) {
	e := newEnv(t)
	terminalSpec(e, "sh", "-c", "stat -c %u /dev/pts/0; tty; echo done-$((1+1)); sleep 1")
	e.spec.Process.User = specs.User{UID: 1000, GID: 1000}
	e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	e.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
	e.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
	// Probe without a terminal first: user namespaces are another part's.
	e.spec.Process.Terminal = false
	e.writeSpec()
	if r := e.run("run", "--bundle", e.bundle, "probe"); r.code != 0 {
		t.Skipf("a user-namespace container does not run here yet: %s", strings.TrimSpace(r.stderr))
	}
	e.spec.Process.Terminal = true
	e.writeSpec()
	cs := newConsoleSocket(t)
	e.must("run", "-d", "--bundle", e.bundle, "--console-socket", cs.path, "tty6")
	tm := newTerm(t, cs.recv(t))
	out := tm.expect("done-2")
	if !strings.Contains(out, "1000\r\n/dev/pts/0\r\n") {
		t.Errorf("output %q: want the slave owned by 1000 and tty /dev/pts/0", out)
	}
	e.waitStatus("tty6", "stopped")
	e.must("delete", "tty6")
}
