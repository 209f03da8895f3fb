package integration

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestSeccomp(t *testing.T) {
	eacces := uint(13)
	cases := []struct {
		name     string
		nnp      bool
		syscalls []specs.LinuxSyscall
		script   string
		wantOut  string
		wantCode int
	}{
		{
			name: "errno rule, no_new_privs", nnp: true,
			syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eacces}},
			script:   "mkdir /tmp/x 2>&1; echo rc=$?", wantOut: "Permission denied",
		},
		{
			name: "errno rule, without no_new_privs", nnp: false,
			syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eacces}},
			script:   "mkdir /tmp/x 2>&1; echo rc=$?", wantOut: "Permission denied",
		},
		{
			name: "kill rule", nnp: true,
			syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActKillProcess}},
			script:   "mkdir /tmp/x", wantCode: 128 + 31,
		},
		{
			name: "args filter matches only the given value", nnp: true,
			// kill(2) with signal 0 passes, with SIGUSR1 (10) is refused.
			syscalls: []specs.LinuxSyscall{{Names: []string{"kill"}, Action: specs.ActErrno, ErrnoRet: &eacces,
				Args: []specs.LinuxSeccompArg{{Index: 1, Value: 10, Op: specs.OpEqualTo}}}},
			script: "trap '' USR1; kill -0 $$ && echo sig0-ok; kill -USR1 $$ 2>&1", wantOut: "sig0-ok", wantCode: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", c.script)
			e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
			e.spec.Process.NoNewPrivileges = c.nnp
			e.spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: c.syscalls}
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "sc")
			if r.code != c.wantCode {
				t.Fatalf("exit %d, want %d (stdout %q stderr %q)", r.code, c.wantCode, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, c.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", r.stdout, c.wantOut)
			}
			if c.name == "args filter matches only the given value" && !strings.Contains(r.stdout, "Permission denied") {
				t.Errorf("kill -USR1 was not refused: %q", r.stdout)
			}
		})
	}
}

func TestSeccompBadProfile(t *testing.T) {
	notify := []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}
	cases := []struct {
		name    string
		profile specs.LinuxSeccomp
		want    string
	}{
		{"unknown action", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"}, "SCMP_ACT_FOO"},
		{"notify without listenerPath", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: notify}, "linux.seccomp.listenerPath: required"},
		{"listenerPath nobody listens on", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: notify,
			ListenerPath: "/nonexistent/agent.sock"}, "linux.seccomp.listenerPath /nonexistent/agent.sock"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "true")
			e.spec.Process.NoNewPrivileges = true
			e.spec.Linux.Seccomp = &c.profile
			e.writeSpec()
			assertOneLineError(t, e.run("run", "--bundle", e.bundle, "bad"), c.want)
			noCgroup(t, strings.Split(e.spec.Linux.CgroupsPath, "/")[0])
		})
	}
}

// TestSeccompDockerDefault: Docker's default profile (as Docker hands it to
// a runtime for a default container, seccomp/testdata) loads, a busybox
// shell works under it, and what it leaves out (unshare without
// CAP_SYS_ADMIN) is refused.
func TestSeccompDockerDefault(t *testing.T) {
	data, err := os.ReadFile("../../seccomp/testdata/docker-default-amd64.oci.json")
	if err != nil {
		t.Fatal(err)
	}
	var profile specs.LinuxSeccomp
	if err := json.Unmarshal(data, &profile); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "sh", "-c", "grep Seccomp: /proc/self/status; echo hi | cat; ls / >/dev/null && echo ls-ok; "+
		"ps >/dev/null && echo ps-ok; mkdir /tmp/d && echo mkdir-ok; unshare -u true 2>&1 || echo unshare-refused")
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
	e.spec.Process.NoNewPrivileges = true
	e.spec.Linux.Seccomp = &profile
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "docker")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Seccomp:\t2", "hi", "ls-ok", "ps-ok", "mkdir-ok", "unshare-refused"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output %q lacks %q", r.stdout, want)
		}
	}
}

// TestSeccompNotifyListener: with SCMP_ACT_NOTIFY the listener fd reaches
// the agent at listenerPath with the container process state (runtime-spec
// config-linux.md "Seccomp"); once the agent closes it, the notified
// syscall fails with ENOSYS, which shows the fd was the filter's.
func TestSeccompNotifyListener(t *testing.T) {
	e := newEnv(t, "sh", "-c", "mkdir /tmp/x 2>&1; echo done")
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
	e.spec.Process.NoNewPrivileges = true
	sock := filepath.Join(t.TempDir(), "agent.sock")
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction:    specs.ActAllow,
		ListenerPath:     sock,
		ListenerMetadata: "test-metadata",
		Syscalls:         []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
	}
	e.writeSpec()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type got struct {
		state specs.ContainerProcessState
		fds   int
		err   error
	}
	ch := make(chan got, 1)
	go func() {
		c, err := l.AcceptUnix()
		if err != nil {
			ch <- got{err: err}
			return
		}
		defer c.Close()
		buf, oob := make([]byte, 1<<16), make([]byte, 64)
		n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		var g got
		g.err = err
		if err == nil {
			g.err = json.Unmarshal(buf[:n], &g.state)
			msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
			for _, m := range msgs {
				fds, _ := unix.ParseUnixRights(&m)
				g.fds += len(fds)
				for _, fd := range fds {
					unix.Close(fd) // the agent gives up: notified syscalls get ENOSYS
				}
			}
		}
		ch <- g
	}()
	// A notified mkdir waits for the agent, which closes the listener
	// as soon as it has it: the syscall then fails with ENOSYS.
	r := e.run("run", "--bundle", e.bundle, "notify")
	g := <-ch
	if g.err != nil {
		t.Fatal(g.err)
	}
	if g.fds != 1 || len(g.state.Fds) != 1 || g.state.Fds[0] != specs.SeccompFdName ||
		g.state.State.ID != "notify" || g.state.Pid <= 0 || g.state.Metadata != "test-metadata" {
		t.Errorf("agent got %d fds and %+v", g.fds, g.state)
	}
	if r.code != 0 || !strings.Contains(r.stdout, "Function not implemented") || !strings.Contains(r.stdout, "done") {
		t.Errorf("run: exit %d, stdout %q, stderr %q; want mkdir to fail with ENOSYS", r.code, r.stdout, r.stderr)
	}
}
