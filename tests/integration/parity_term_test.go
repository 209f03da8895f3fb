package integration

import (
	"bytes"
	"encoding/json"
	"errors"
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

// Parity with runc 1.5 on terminals, HOME and the executable check. Every
// test here passes with GORUNC=$RUNC_REF too, except where a
// comment says gorunc is deliberately stricter.

// onPty runs the runtime with a fresh pty as its stdin, stderr and
// controlling terminal, as a user at a terminal would, and as its stdout
// too unless stdout is given. It returns what reached stdout and the exit
// code.
func onPty(t *testing.T, e *env, stdout *os.File, args ...string) (string, int) {
	t.Helper()
	pty, slavePath, err := console.NewPty()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	cmd := exec.Command(e.bin, append([]string{"--root", e.root}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	slave.Close()
	// The master reads EIO once every slave fd is closed: the runtime
	// and the container are gone.
	var out bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 4096)
		for {
			n, err := pty.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not exit; terminal so far: %q", args, out.String())
	}
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		t.Fatalf("%v: the terminal stayed open after exit", args)
	}
	if stdout != nil {
		out.Reset()
		out.WriteString(readAll(stdout))
	}
	var ee *exec.ExitError
	switch {
	case runErr == nil:
		return out.String(), 0
	case errors.As(runErr, &ee):
		return out.String(), ee.ExitCode()
	}
	t.Fatalf("%v: %v", args, runErr)
	return "", 0
}

const twoLines = "echo first; echo second"

// terminalCRLFCases: what the caller sees of twoLines. A Linux pty starts
// with ONLCR set, which turns every "\n" written to it into "\r\n". runc
// clears it on the container's pty (tty.go recvtty: console.ClearONLCR on
// the master it proxies) and leaves output processing on in the caller's
// terminal (containerd/console's SetRaw keeps OPOST): on a terminal the
// caller's own ONLCR adds the one "\r" any program gets; with stdout
// redirected to a file the bytes arrive as written. A pty that kept ONLCR
// gives "\r\r\n" and "\r\n".
var terminalCRLFCases = []struct {
	name   string
	toFile bool
	want   string
}{
	{name: "stdout-terminal", want: "first\r\nsecond\r\n"},
	{name: "stdout-file", toFile: true, want: "first\nsecond\n"},
}

// TestRunTerminalNoCRLFAsRunc: a foreground `run` of a terminal process.
func TestRunTerminalNoCRLFAsRunc(t *testing.T) {
	for _, tc := range terminalCRLFCases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", twoLines)
			e.spec.Process.Terminal = true
			e.writeSpec()
			var stdout *os.File
			if tc.toFile {
				stdout = e.tempFile()
			}
			out, code := onPty(t, e, stdout, "run", "--bundle", e.bundle, "crlf-run")
			if code != 0 || out != tc.want {
				t.Errorf("run: exit %d, output %q; want exit 0 and %q", code, out, tc.want)
			}
		})
	}
}

// TestExecTerminalNoCRLFAsRunc: the same for `exec -t` without
// --console-socket, which goes through the same recvtty in runc.
func TestExecTerminalNoCRLFAsRunc(t *testing.T) {
	for _, tc := range terminalCRLFCases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.writeSpec()
			e.must("run", "-d", "--bundle", e.bundle, "crlf-exec")
			var stdout *os.File
			if tc.toFile {
				stdout = e.tempFile()
			}
			out, code := onPty(t, e, stdout, "exec", "-t", "crlf-exec", "sh", "-c", twoLines)
			if code != 0 || out != tc.want {
				t.Errorf("exec -t: exit %d, output %q; want exit 0 and %q", code, out, tc.want)
			}
			e.must("kill", "crlf-exec", "KILL")
			e.waitStatus("crlf-exec", "stopped")
			e.must("delete", "crlf-exec")
		})
	}
}

// TestConsoleSocketKeepsONLCRAsRunc: with --console-socket the master goes
// to the caller untouched. runc's container side never changes the pty's
// modes (libcontainer setupConsole); the listener decides (containerd's
// shim and conmon clear ONLCR themselves). So "\n" arrives as "\r\n".
func TestConsoleSocketKeepsONLCRAsRunc(t *testing.T) {
	e := newEnv(t, "sh", "-c", twoLines+"; sleep 1")
	e.spec.Process.Terminal = true
	e.writeSpec()
	cs := newConsoleSocket(t)
	e.must("run", "-d", "--bundle", e.bundle, "--console-socket", cs.path, "crlf-sock")
	tm := newTerm(t, cs.recv(t))
	if out := tm.expect("second\r\n"); out != "first\r\nsecond\r\n" {
		t.Errorf("console socket: %q, want %q", out, "first\r\nsecond\r\n")
	}
	e.waitStatus("crlf-sock", "stopped")
	e.must("delete", "crlf-sock")
}

// unquoteLog undoes the quoting of runc's logfmt error line
// (msg="... \"x\" ..."), so one expected text fits both runtimes.
func unquoteLog(stderr string) string {
	return strings.ReplaceAll(stderr, `\"`, `"`)
}

// writeRootfsFile writes rel under rootfs with mode and owner uid:uid.
func writeRootfsFile(t *testing.T, rootfs, rel, data string, mode os.FileMode, uid int) {
	t.Helper()
	p := filepath.Join(rootfs, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, uid, uid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

const testPasswd = "root:x:0:0:root:/root:/bin/sh\n" +
	"app:x:1000:1000:app:/home/app:/bin/sh\n" +
	"nohome:x:1001:1001:nohome::/bin/sh\n" +
	"app2:x:1000:1000:second entry for 1000:/home/second:/bin/sh\n"

// TestHomeFromPasswdAsRunc: when process.env has no HOME (or an empty
// one), runc sets HOME from the process user's entry in the container's
// /etc/passwd, or "/" when there is none (libcontainer/env.go prepareEnv,
// getUserHome); along the way the environment is checked and a name set
// twice keeps its last value. For `run` and for `exec`.
func TestHomeFromPasswdAsRunc(t *testing.T) {
	const path = "PATH=/bin:/sbin:/usr/bin"
	cases := []struct {
		name   string
		uid    uint32
		env    []string // nil: process.env absent
		passwd func(t *testing.T, rootfs string)
		want   string // the process's environment, one per line
		err    string // when set: the runtime fails with this text
	}{
		{name: "root", env: []string{path}, want: path + "\nHOME=/root\n"},
		{name: "user", uid: 1000, env: []string{path}, want: path + "\nHOME=/home/app\n"},
		{name: "empty-home-field", uid: 1001, env: []string{path}, want: path + "\nHOME=\n"},
		{name: "no-entry", uid: 2000, env: []string{path}, want: path + "\nHOME=/\n"},
		{name: "empty-HOME-replaced", uid: 1000, env: []string{"HOME=", path}, want: path + "\nHOME=/home/app\n"},
		{name: "HOME-kept", uid: 1000, env: []string{"HOME=/custom", path}, want: "HOME=/custom\n" + path + "\n"},
		// "env": [] in config.json (the struct's omitempty would drop it).
		{name: "env-empty", env: []string{}, want: "HOME=/root\n"},
		{name: "env-absent", env: nil, want: ""},
		{name: "duplicates-keep-last", env: []string{"A=1", path, "A=2"}, want: path + "\nA=2\nHOME=/root\n"},
		{name: "no-passwd", uid: 1000, env: []string{path}, want: path + "\nHOME=/\n",
			passwd: func(t *testing.T, rootfs string) { os.Remove(filepath.Join(rootfs, "etc/passwd")) }},
		{name: "unreadable-passwd", uid: 1000, env: []string{path}, want: path + "\nHOME=/home/app\n",
			passwd: func(t *testing.T, rootfs string) {
				writeRootfsFile(t, rootfs, "etc/passwd", testPasswd, 0o600, 0)
			}},
		{name: "symlink-in-root", uid: 1000, env: []string{path}, want: path + "\nHOME=/elsewhere\n",
			passwd: func(t *testing.T, rootfs string) {
				writeRootfsFile(t, rootfs, "srv/passwd", "app:x:1000:1000::/elsewhere:/bin/sh\n", 0o644, 0)
				os.Remove(filepath.Join(rootfs, "etc/passwd"))
				// Absolute: resolved in the container's root.
				if err := os.Symlink("/srv/passwd", filepath.Join(rootfs, "etc/passwd")); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "missing-equals", env: []string{path, "BAD"}, err: "invalid environment variable: missing '='"},
		{name: "empty-name", env: []string{path, "=x"}, err: "invalid environment variable: name cannot be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "/bin/env")
			rootfs := ownRootfs(t, e)
			writeRootfsFile(t, rootfs, "etc/passwd", testPasswd, 0o644, 0)
			if tc.passwd != nil {
				tc.passwd(t, rootfs)
			}
			e.spec.Process.User.UID = tc.uid
			e.spec.Process.Env = tc.env
			e.writeSpec()
			if tc.env != nil && len(tc.env) == 0 {
				writeEmptyEnv(t, e.bundle)
			}
			r := e.run("run", "--bundle", e.bundle, "home")
			if tc.err != "" {
				if r.code != 1 || !strings.Contains(unquoteLog(r.stderr), tc.err) {
					t.Errorf("run: exit %d, stderr %q; want exit 1 and %q", r.code, r.stderr, tc.err)
				}
				return
			}
			if r.code != 0 || r.stdout != tc.want {
				t.Errorf("run: exit %d, environment %q (stderr %q); want %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}

// writeEmptyEnv rewrites the bundle's config.json with "env": [].
func writeEmptyEnv(t *testing.T, bundle string) {
	t.Helper()
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["process"].(map[string]any)["env"] = []string{}
	if data, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExecHomeFromPasswdAsRunc: `exec` prepares the environment as `run`
// does, with --env appended to the container's (runc's exec.go) before
// the duplicates go.
func TestExecHomeFromPasswdAsRunc(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	rootfs := ownRootfs(t, e)
	writeRootfsFile(t, rootfs, "etc/passwd", testPasswd, 0o644, 0)
	e.spec.Process.Env = []string{"PATH=/bin:/sbin:/usr/bin", "TERM=xterm"}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "home-exec")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"/bin/env"}, "PATH=/bin:/sbin:/usr/bin\nTERM=xterm\nHOME=/root\n"},
		{[]string{"--user", "1000", "/bin/env"}, "PATH=/bin:/sbin:/usr/bin\nTERM=xterm\nHOME=/home/app\n"},
		{[]string{"--user", "2000", "--env", "HOME=", "/bin/env"}, "PATH=/bin:/sbin:/usr/bin\nTERM=xterm\nHOME=/\n"},
		{[]string{"--env", "A=1", "--env", "PATH=/bin", "/bin/env"}, "TERM=xterm\nA=1\nPATH=/bin\nHOME=/root\n"},
	} {
		args := append([]string{"exec"}, tc.args[:len(tc.args)-1]...)
		args = append(args, "home-exec", tc.args[len(tc.args)-1])
		r := e.run(args...)
		if r.code != 0 || r.stdout != tc.want {
			t.Errorf("%v: exit %d, environment %q (stderr %q); want %q", args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	e.must("kill", "home-exec", "KILL")
	e.waitStatus("home-exec", "stopped")
	e.must("delete", "home-exec")
}

// TestHomePasswdStaysInRoot: the container's /etc/passwd is read without
// following a magic link out of its root. Without a pid namespace the
// container's /proc shows the host's processes, and /proc/PID/root/...
// leads to the host's filesystem (PID: this test, whose capabilities init
// matches, so the kernel's ptrace check lets init through). runc 1.5.1
// opens the file with a plain open(2) and follows the link, HOME then
// comes from a host file: gorunc is stricter here and this test fails with
// runc (HOME=/host-file).
func TestHomePasswdStaysInRoot(t *testing.T) {
	e := newEnv(t, "/bin/env")
	rootfs := ownRootfs(t, e)
	host := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(host, []byte("root:x:0:0:root:/host-file:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(rootfs, "etc/passwd"))
	if err := os.Symlink("/proc/"+itoa(os.Getpid())+"/root"+host, filepath.Join(rootfs, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	var nss []specs.LinuxNamespace
	for _, ns := range e.spec.Linux.Namespaces {
		if ns.Type != specs.PIDNamespace {
			nss = append(nss, ns)
		}
	}
	e.spec.Linux.Namespaces = nss
	e.spec.Process.Env = []string{"PATH=/bin"}
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "home-escape")
	if r.code != 0 || r.stdout != "PATH=/bin\nHOME=/\n" {
		t.Errorf("exit %d, environment %q (stderr %q); want HOME=/ (the link leads out of the root)", r.code, r.stdout, r.stderr)
	}
}

// TestExecPermissionAsRunc: runc looks the program up with Go's
// exec.LookPath after the user switch, so a file counts as executable when
// execve(2) would run it for the process's effective credentials and
// capabilities (faccessat2 AT_EACCESS), not its real ones (access(2)).
// Failures are create/exec errors in exec.LookPath's words, which clients
// match: podman maps "permission denied" to 126 and "no such file or
// directory" to 127.
func TestExecPermissionAsRunc(t *testing.T) {
	noDAC := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	withDAC := append([]string{"CAP_DAC_OVERRIDE"}, noDAC...)
	cases := []struct {
		name string
		uid  uint32
		// effective and permitted capabilities (bounding is both).
		eff, perm []string
		env       []string
		args      []string
		err       string // "": runs and prints "ran"
	}{
		{name: "other-uid-only", eff: noDAC, perm: noDAC, args: []string{"/priv/u1000/echo", "ran"},
			err: `exec: "/priv/u1000/echo": permission denied`},
		{name: "other-uid-only-as-2000", uid: 2000, eff: noDAC, perm: noDAC, args: []string{"/priv/u1000/echo", "ran"},
			err: `exec: "/priv/u1000/echo": permission denied`},
		{name: "owner", uid: 1000, eff: noDAC, perm: noDAC, args: []string{"/priv/u1000/echo", "ran"}},
		// A non-root user whose effective set has CAP_DAC_OVERRIDE may
		// run a file only root may execute: execve allows it.
		{name: "dac-override-effective", uid: 1000, eff: withDAC, perm: withDAC, args: []string{"/priv/u0/echo", "ran"}},
		// Root with CAP_DAC_OVERRIDE only permitted: execve refuses
		// (it checks the effective set), and so does the lookup.
		{name: "dac-override-permitted-only", eff: noDAC, perm: withDAC, args: []string{"/priv/u1000/echo", "ran"},
			err: `exec: "/priv/u1000/echo": permission denied`},
		{name: "not-executable", eff: noDAC, perm: noDAC, args: []string{"/etc/passwd"},
			err: `exec: "/etc/passwd": permission denied`},
		{name: "missing", eff: noDAC, perm: noDAC, args: []string{"/nonexistent"},
			err: `exec: "/nonexistent": stat /nonexistent: no such file or directory`},
		{name: "directory", eff: noDAC, perm: noDAC, args: []string{"/etc"},
			err: `exec: "/etc": is a directory`},
		{name: "not-in-PATH", eff: noDAC, perm: noDAC, args: []string{"nosuchprogram"},
			err: `exec: "nosuchprogram": executable file not found in $PATH`},
		// runc clears its own environment: without PATH in process.env
		// the search path is empty, not a default one.
		{name: "no-PATH", eff: noDAC, perm: noDAC, env: []string{"HOME=/"}, args: []string{"echo", "ran"},
			err: `exec: "echo": executable file not found in $PATH`},
		{name: "relative-PATH-entry", eff: noDAC, perm: noDAC, env: []string{"PATH=:/nonexistent"}, args: []string{"echo", "ran"},
			err: `exec: "echo": cannot run executable found relative to current directory`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "/bin/sleep", "100")
			rootfs := ownRootfs(t, e)
			busybox, err := os.ReadFile(filepath.Join(rootfs, "bin/busybox"))
			if err != nil {
				t.Fatal(err)
			}
			// busybox picks the applet from argv[0]'s base name.
			writeRootfsFile(t, rootfs, "priv/u1000/echo", string(busybox), 0o700, 1000)
			writeRootfsFile(t, rootfs, "priv/u0/echo", string(busybox), 0o700, 0)
			if tc.env != nil {
				e.spec.Process.Env = tc.env
			}
			e.writeSpec()
			// The same process for `run` and, in a running container,
			// for `exec --process`.
			p := *e.spec.Process
			p.Args = tc.args
			p.Cwd = "/bin"
			p.User.UID, p.User.GID = tc.uid, tc.uid
			p.Capabilities = &specs.LinuxCapabilities{Bounding: tc.perm, Effective: tc.eff, Permitted: tc.perm}
			e.must("run", "-d", "--bundle", e.bundle, "perm-exec")
			pf := filepath.Join(t.TempDir(), "process.json")
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(pf, data, 0o644); err != nil {
				t.Fatal(err)
			}
			execR := e.run("exec", "--process", pf, "perm-exec")
			e.must("kill", "perm-exec", "KILL")
			e.waitStatus("perm-exec", "stopped")
			e.must("delete", "perm-exec")

			e.spec.Process = &p
			e.writeSpec()
			runR := e.run("run", "--bundle", e.bundle, "perm-run")
			if tc.err == "" {
				if runR.code != 0 || runR.stdout != "ran\n" {
					t.Errorf("run: exit %d, stdout %q, stderr %q; want it to run", runR.code, runR.stdout, runR.stderr)
				}
				if execR.code != 0 || execR.stdout != "ran\n" {
					t.Errorf("exec: exit %d, stdout %q, stderr %q; want it to run", execR.code, execR.stdout, execR.stderr)
				}
				return
			}
			// run fails as create does, before the process exists:
			// exit 1, not the 127 of an execve that failed after start.
			if runR.code != 1 || !strings.Contains(unquoteLog(runR.stderr), tc.err) {
				t.Errorf("run: exit %d, stderr %q; want exit 1 and %q", runR.code, runR.stderr, tc.err)
			}
			if execR.code == 0 || !strings.Contains(unquoteLog(execR.stderr), tc.err) {
				t.Errorf("exec: exit %d, stderr %q; want a failure with %q", execR.code, execR.stderr, tc.err)
			}
		})
	}
}
