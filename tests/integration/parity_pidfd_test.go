package integration

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// --pidfd-socket (create, run, exec): what containerd's shim receives is
// runc 1.5's message: the data "standard" (a container's init) or "setns"
// (an exec'd process) with one pidfd in SCM_RIGHTS, the pidfd of that very
// process as seen from the host (never exec-init's intermediate process).

// pidfdMsg is what one connection to the socket carried.
type pidfdMsg struct {
	data string
	fds  []int
	err  error
}

// listenPidfd listens on a unix socket at a short path (sun_path holds 108
// bytes, t.TempDir's may not fit) and receives the first connection's
// message on the returned channel.
func listenPidfd(t *testing.T) (string, <-chan pidfdMsg) {
	t.Helper()
	dir, err := os.MkdirTemp("", "pfd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan pidfdMsg, 1)
	go func() {
		conn, err := l.AcceptUnix()
		if err != nil {
			ch <- pidfdMsg{err: err}
			return
		}
		defer conn.Close()
		buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4*16))
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if err != nil {
			ch <- pidfdMsg{err: err}
			return
		}
		m := pidfdMsg{data: string(buf[:n])}
		cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		for _, c := range cmsgs {
			fds, ferr := unix.ParseUnixRights(&c)
			if ferr == nil {
				m.fds = append(m.fds, fds...)
			}
		}
		m.err = err
		ch <- m
	}()
	return path, ch
}

// checkPidfd asserts that the message names kind and carries exactly one
// fd, a pidfd of pid (host's view) that can signal it.
func checkPidfd(t *testing.T, ch <-chan pidfdMsg, kind string, pid int) {
	t.Helper()
	var m pidfdMsg
	select {
	case m = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received on --pidfd-socket within 10s")
	}
	for _, fd := range m.fds {
		defer unix.Close(fd)
	}
	if m.err != nil {
		t.Fatalf("receive: %v", m.err)
	}
	if m.data != kind || len(m.fds) != 1 {
		t.Fatalf("received %q with %d fds, want %q with one pidfd", m.data, len(m.fds), kind)
	}
	fd := m.fds[0]
	if target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd)); err != nil || target != "anon_inode:[pidfd]" {
		t.Errorf("received fd is %q (%v), want a pidfd", target, err)
	}
	if err := unix.PidfdSendSignal(fd, 0, nil, 0); err != nil {
		t.Errorf("pidfd_send_signal(0): %v", err)
	}
	info, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nPid:\t" + strconv.Itoa(pid) + "\n"; !strings.Contains(string(info), want) {
		t.Errorf("pidfd's fdinfo does not name pid %d:\n%s", pid, info)
	}
}

func TestPidfdSocketAsRunc(t *testing.T) {
	cases := []struct {
		name string
		// start runs the command under test with --pidfd-socket sock
		// and returns the pid the pidfd must name (host's view).
		start func(e *env, id, sock string) int
		kind  string
	}{
		{name: "create", kind: "standard", start: func(e *env, id, sock string) int {
			e.must("create", "--bundle", e.bundle, "--pidfd-socket", sock, id)
			return e.state(id).Pid
		}},
		{name: "run -d", kind: "standard", start: func(e *env, id, sock string) int {
			e.must("run", "-d", "--bundle", e.bundle, "--pidfd-socket", sock, id)
			return e.state(id).Pid
		}},
		{name: "exec -d", kind: "setns", start: func(e *env, id, sock string) int {
			e.must("run", "-d", "--bundle", e.bundle, id)
			pidFile := filepath.Join(e.t.TempDir(), "pid")
			e.must("exec", "-d", "--pid-file", pidFile, "--pidfd-socket", sock, id, "sleep", "100")
			data, err := os.ReadFile(pidFile)
			if err != nil {
				e.t.Fatal(err)
			}
			pid, err := strconv.Atoi(string(data))
			if err != nil {
				e.t.Fatalf("pid file %q: %v", data, err)
			}
			return pid
		}},
	}
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.writeSpec()
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// e's helpers fail this subtest, not its parent.
				se := *e
				se.t = t
				sock, ch := listenPidfd(t)
				id := "pidfd" + strconv.Itoa(i)
				pid := c.start(&se, id, sock)
				checkPidfd(t, ch, c.kind, pid)
				se.must("delete", "--force", id)
			})
		}
	})
}

// A --pidfd-socket that is not there: runc 1.5's words ("dail" is its
// spelling), exit 1 (255 for exec, as every exec failure), and nothing left
// behind. runc itself leaves the state directory of a create or run that
// fails so, hence the comparison in a root of its own.
func TestPidfdSocketMissing(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "running")
	missing := filepath.Join(t.TempDir(), "no-such-socket")
	want := "failed to dail " + missing + ": dial unix " + missing + ": connect: no such file or directory"
	runc, why := runc15()
	// runc's bundle: the same config in a cgroup of its own (runc
	// refuses the running container's before it dials).
	runcBundle := t.TempDir()
	if runc != "" {
		spec := *e.spec
		linux := *spec.Linux
		linux.CgroupsPath += "-runc"
		spec.Linux = &linux
		data, err := json.Marshal(&spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(runcBundle, "config.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		prefix string
	}{
		{name: "create", args: []string{"create", "--bundle", e.bundle, "--pidfd-socket", missing, "fresh"}, code: 1},
		{name: "run -d", args: []string{"run", "-d", "--bundle", e.bundle, "--pidfd-socket", missing, "fresh"}, code: 1},
		{name: "exec", args: []string{"exec", "--pidfd-socket", missing, "running", "true"}, code: 255, prefix: "exec failed: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.run(c.args...)
			if r.code != c.code || runcMessage(r.stderr) != c.prefix+want {
				t.Errorf("exit %d, %q; want exit %d, %q", r.code, r.stderr, c.code, c.prefix+want)
			}
			if _, err := e.tryState("fresh"); err == nil {
				t.Errorf("a failed %s left container fresh behind", c.name)
			}
			if _, err := os.Stat(filepath.Join(e.root, "fresh")); err == nil {
				t.Errorf("a failed %s left its state directory behind", c.name)
			}
			if runc == "" {
				return
			}
			// The running container is gorunc's: runc's exec gets an id
			// it does not know, so only create and run are compared.
			if c.name == "exec" {
				return
			}
			args := append([]string{"--root", t.TempDir()}, c.args...)
			for i, a := range args {
				if a == e.bundle {
					args[i] = runcBundle
				}
			}
			rr := runBinary(t, t.TempDir(), runc, args...)
			if rr.code != r.code || !strings.HasSuffix(runcMessage(rr.stderr), want) {
				t.Errorf("runc 1.5: exit %d, %q; gorunc: exit %d, %q", rr.code, rr.stderr, r.code, r.stderr)
			}
		})
	}
	if runc == "" {
		t.Logf("runc comparison skipped: %s", why)
	}
}
