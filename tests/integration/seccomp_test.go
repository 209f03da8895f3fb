package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

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
			// A profile written before statx, openat2 and the new mount
			// API (the runtime-tools suite's is one): without
			// no_new_privs the filter is in place before init reopens
			// the exec fifo and reads its setgroups file, which must not
			// need those syscalls. gorunc failed create here ("open exec
			// fifo: ... statx ... operation not permitted"), and runc
			// 1.5.1 fails it ("error closing exec fds: ... statx ...").
			name: "old profile without statx/openat2, without no_new_privs", nnp: false,
			syscalls: []specs.LinuxSyscall{{Names: []string{"statx", "openat2", "fsopen", "fsmount", "fsconfig", "open_tree", "move_mount", "mount_setattr"},
				Action: specs.ActErrno, ErrnoRet: &eacces}},
			script: "echo started", wantOut: "started",
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
			ListenerPath: "/nonexistent/agent.sock"}, "failed to connect with seccomp agent specified in the seccomp profile: linux.seccomp.listenerPath /nonexistent/agent.sock"},
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
	// The agent gives up at once: notified syscalls then get ENOSYS.
	a := startAgent(t, false)
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction:    specs.ActAllow,
		ListenerPath:     a.path,
		ListenerMetadata: "test-metadata",
		Syscalls:         []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
	}
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "notify")
	a.checkState(t, "notify", "test-metadata")
	if r.code != 0 || !strings.Contains(r.stdout, "Function not implemented") || !strings.Contains(r.stdout, "done") {
		t.Errorf("run: exit %d, stdout %q, stderr %q; want mkdir to fail with ENOSYS", r.code, r.stdout, r.stderr)
	}
}

// TestSeccompNotifyInitSyscalls: a profile may notify the syscalls the
// runtime itself makes after loading the filter (handing the listener over,
// waiting for `start`, execve) and the ones the Go runtime's threads make.
// The listener can only reach the agent through the runtime, so each of
// those must either not be needed before the agent has it, or be refused
// up front as runc refuses write; never a hang. The agent answers every
// notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE, so the container must
// run to its end. RUNC_REF=/path/to/runc runs the same table against runc.
func TestSeccompNotifyInitSyscalls(t *testing.T) {
	cases := []struct {
		name  string
		names []string
		flags []specs.LinuxSeccompFlag
		// refused is the error both runtimes give for the profile.
		refused string
		// userns puts the container in a user namespace; uid is
		// process.user.uid: the parent's pidfd_getfd must still reach
		// an init that is no longer root, or not dumpable.
		userns bool
		uid    uint32
	}{
		{name: "sendmsg", names: []string{"sendmsg"}},
		{name: "write", names: []string{"write"}, refused: "SCMP_ACT_NOTIFY cannot be used for the write syscall"},
		{name: "close", names: []string{"close"}},
		{name: "read", names: []string{"read"}},
		{name: "futex", names: []string{"futex"}},
		{name: "execve", names: []string{"execve"}},
		{name: "mmap", names: []string{"mmap"}},
		{name: "rt_sigprocmask", names: []string{"rt_sigprocmask"}},
		{name: "rt_sigreturn", names: []string{"rt_sigreturn"}},
		{name: "nanosleep", names: []string{"nanosleep", "clock_nanosleep"}},
		{name: "epoll", names: []string{"epoll_pwait", "epoll_wait", "epoll_ctl"}},
		// With TSYNC every Go thread of init is filtered, not only the
		// one that execve()s.
		{name: "futex nanosleep tsync", names: []string{"futex", "nanosleep", "clock_nanosleep", "mmap"},
			flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}},
		{name: "all but write", names: []string{"sendmsg", "recvmsg", "close", "read", "futex", "execve", "mmap",
			"munmap", "rt_sigprocmask", "rt_sigreturn", "nanosleep", "clock_nanosleep", "epoll_pwait", "sched_yield",
			"openat", "fcntl", "getpid", "tgkill", "madvise"}},
		{name: "read as uid 1000", names: []string{"sendmsg", "read", "close"}, uid: 1000},
		{name: "read in a user namespace as uid 1000", names: []string{"sendmsg", "read", "close"}, userns: true, uid: 1000},
	}
	for _, bin := range notifyRuntimes(t) {
		for _, c := range cases {
			for _, nnp := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/nnp=%v", filepath.Base(bin), c.name, nnp), func(t *testing.T) {
					e, a := notifyEnv(t, bin, nnp, &specs.LinuxSeccomp{Flags: c.flags,
						Syscalls: []specs.LinuxSyscall{{Names: c.names, Action: specs.ActNotify}}},
						"sh", "-c", "sleep 0.1 && echo out; exit 3")
					e.spec.Process.User.UID, e.spec.Process.User.GID = c.uid, c.uid
					if c.userns {
						userns(e, 200000)
					}
					e.writeSpec()
					r, _, hung := e.runBounded(20*time.Second, "run", "--bundle", e.bundle, "n")
					if hung {
						t.Fatalf("run did not return within 20s (killed): stdout %q stderr %q", r.stdout, r.stderr)
					}
					if c.refused != "" {
						if r.code == 0 || !strings.Contains(r.stderr, c.refused) {
							t.Fatalf("exit %d, stderr %q; want a refusal with %q", r.code, r.stderr, c.refused)
						}
						return
					}
					if r.code != 3 || r.stdout != "out\n" {
						t.Fatalf("exit %d, stdout %q, stderr %q; want 3 and \"out\"", r.code, r.stdout, r.stderr)
					}
					a.checkState(t, "n", "")
					t.Logf("notifications answered: %d", a.answered.Load())
				})
			}
		}
	}
}

// TestSeccompNotifyExec: exec into a container whose profile notifies
// hands the new process's listener to the agent too, as runc does: the
// agent learns the exec'd process's pid and the container as "running".
// The profile notifies the syscalls that hang a naive handover.
func TestSeccompNotifyExec(t *testing.T) {
	for _, bin := range notifyRuntimes(t) {
		for _, nnp := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/nnp=%v", filepath.Base(bin), nnp), func(t *testing.T) {
				e, a := notifyEnv(t, bin, nnp, &specs.LinuxSeccomp{ListenerMetadata: "exec-metadata",
					Syscalls: []specs.LinuxSyscall{{Names: []string{"sendmsg", "read", "close", "futex", "epoll_pwait",
						"rt_sigprocmask", "nanosleep", "clock_nanosleep", "execve"}, Action: specs.ActNotify}}},
					"sleep", "100")
				e.writeSpec()
				if r, _, hung := e.runBounded(20*time.Second, "run", "-d", "--bundle", e.bundle, "nx"); hung || r.code != 0 {
					t.Fatalf("run -d: hung %v, exit %d, stderr %q", hung, r.code, r.stderr)
				}
				initPid := e.state("nx").Pid
				r, _, hung := e.runBounded(20*time.Second, "exec", "nx", "sh", "-c", "echo hi; exit 4")
				if hung {
					t.Fatalf("exec did not return within 20s (killed): stderr %q", r.stderr)
				}
				if r.code != 4 || r.stdout != "hi\n" {
					t.Fatalf("exec: exit %d, stdout %q, stderr %q; want 4 and \"hi\"", r.code, r.stdout, r.stderr)
				}
				a.mu.Lock()
				defer a.mu.Unlock()
				if a.err != nil || len(a.states) != 2 {
					t.Fatalf("agent got %d states (err %v), want create's and exec's", len(a.states), a.err)
				}
				st := a.states[1]
				if a.fds[1] != 1 || st.State.Status != specs.StateRunning || st.State.Pid != initPid ||
					st.Pid <= 0 || st.Pid == initPid || st.Metadata != "exec-metadata" || st.State.ID != "nx" {
					t.Errorf("exec's state: %d fds, %+v; want the exec'd pid and the running container %d", a.fds[1], st, initPid)
				}
			})
		}
	}
}

// notifyRuntimes are the binaries the notify tests drive: gorunc, and the
// runc named by RUNC_REF when set, for comparison.
func notifyRuntimes(t *testing.T) []string {
	bins := []string{newEnvBin(t)}
	if ref := os.Getenv("RUNC_REF"); ref != "" {
		bins = append(bins, ref)
	}
	return bins
}

// notifyEnv is a bundle running args under profile (default action allow)
// with bin, and a CONTINUE agent at the profile's listenerPath; the caller
// writes the spec.
func notifyEnv(t *testing.T, bin string, nnp bool, profile *specs.LinuxSeccomp, args ...string) (*env, *agent) {
	e := newEnv(t, args...)
	e.bin = bin
	e.spec.Process.NoNewPrivileges = nnp
	a := startAgent(t, true)
	profile.DefaultAction = specs.ActAllow
	profile.ListenerPath = a.path
	e.spec.Linux.Seccomp = profile
	return e, a
}

// agent is a seccomp agent (runtime-spec config-linux.md "Seccomp"): it
// accepts the runtime's connection at path, reads the container process
// state with the listener fd (SCM_RIGHTS), and then either closes the fd at
// once (notified syscalls fail with ENOSYS) or answers every notification
// with SECCOMP_USER_NOTIF_FLAG_CONTINUE until no process uses the filter.
type agent struct {
	path     string
	l        *net.UnixListener
	stop     chan struct{}
	wg       sync.WaitGroup
	answered atomic.Int64

	mu     sync.Mutex
	states []specs.ContainerProcessState
	fds    []int // how many fds came with each state
	err    error
}

func startAgent(t *testing.T, serve bool) *agent {
	t.Helper()
	a := &agent{path: filepath.Join(t.TempDir(), "agent.sock"), stop: make(chan struct{})}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: a.path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	a.l = l
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for {
			c, err := l.AcceptUnix()
			if err != nil {
				return
			}
			fd := a.receive(c)
			c.Close()
			if fd < 0 {
				continue
			}
			if !serve {
				unix.Close(fd)
				continue
			}
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				defer unix.Close(fd)
				a.serve(fd)
			}()
		}
	}()
	t.Cleanup(func() {
		close(a.stop)
		l.Close()
		a.wg.Wait()
	})
	return a
}

// receive reads one message: the state as JSON and the listener fd, as
// both runc (utils.SendRawFd) and gorunc send it, in one sendmsg.
func (a *agent) receive(c *net.UnixConn) int {
	buf, oob := make([]byte, 1<<16), make([]byte, 64)
	n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.err = err
		return -1
	}
	var st specs.ContainerProcessState
	if err := json.Unmarshal(buf[:n], &st); err != nil {
		a.err = fmt.Errorf("state %q: %w", buf[:n], err)
	}
	var fds []int
	msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
	for _, m := range msgs {
		got, _ := unix.ParseUnixRights(&m)
		fds = append(fds, got...)
	}
	a.states = append(a.states, st)
	a.fds = append(a.fds, len(fds))
	for _, fd := range fds[min(1, len(fds)):] {
		unix.Close(fd)
	}
	if len(fds) == 0 {
		return -1
	}
	return fds[0]
}

// seccompNotif and seccompNotifResp are struct seccomp_notif and
// seccomp_notif_resp (include/uapi/linux/seccomp.h).
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// serve answers notifications until the filter has no users left (the
// listener then polls POLLHUP) or the test ends.
func (a *agent) serve(fd int) {
	for {
		select {
		case <-a.stop:
			return
		default:
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 100)
		if err == unix.EINTR || n == 0 {
			// EINTR (Go's preemption signal, frequent under load)
			// comes with n == -1 and no revents: not a hang-up.
			continue
		}
		if err != nil {
			return
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			return // POLLHUP: every filtered process is gone
		}
		var req seccompNotif
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req))); errno != 0 {
			continue // ENOENT: the task died before we got to it
		}
		resp := seccompNotifResp{ID: req.ID, Flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); errno == 0 {
			a.answered.Add(1)
		}
	}
}

// checkState: exactly one listener arrived, with the state of container id.
func (a *agent) checkState(t *testing.T, id, metadata string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		t.Fatal(a.err)
	}
	if len(a.states) != 1 {
		t.Fatalf("agent got %d connections, want 1", len(a.states))
	}
	st := a.states[0]
	if a.fds[0] != 1 || len(st.Fds) != 1 || st.Fds[0] != specs.SeccompFdName ||
		st.State.ID != id || st.Pid <= 0 || st.Metadata != metadata {
		t.Errorf("agent got %d fds and %+v", a.fds[0], st)
	}
}

// syscallProbe builds a tiny static program that makes each raw syscall
// number given on its command line (with invalid arguments, so that a
// syscall the filter lets through fails harmlessly in the kernel) and
// prints "nr=errno" for each. It returns a directory holding it as "probe",
// to be bind-mounted into the container. busybox has no raw-syscall applet.
func syscallProbe(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler to build the syscall probe")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "probe.c")
	if err := os.WriteFile(src, []byte(`#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		long nr = strtol(argv[i], NULL, 0);
		errno = 0;
		long r = syscall(nr, -1L, 0L, 0L, 0L, 0L, 0L);
		printf("%ld=%d\n", nr, r < 0 ? errno : 0);
	}
	return 0;
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-static", "-O2", "-o", filepath.Join(dir, "probe"), src).CombinedOutput(); err != nil {
		t.Skipf("cannot build a static syscall probe: %v: %s", err, out)
	}
	return dir
}

// TestSeccompNewerSyscallGetsENOSYSAsRunc: under Docker's default profile
// (default action ERRNO/EPERM), a syscall numbered above every syscall the
// profile names gets ENOSYS, as runc's -ENOSYS stub gives it, so a libc
// probing a syscall the profile predates falls back instead of failing;
// a syscall the profile knows of but does not allow still gets EPERM.
// Numbers (x86_64): uselib 134 is older than the profile and not in it;
// open_tree_attr 467 is newer than every name in the profile (the newest is
// removexattrat, 466) and exists on this kernel or not, either way the
// filter answers first; 1000 is in no table. runc 1.5.1 (libseccomp 2.5.4)
// answers the same: 134=1 467=38 1000=38.
func TestSeccompNewerSyscallGetsENOSYSAsRunc(t *testing.T) {
	if goruntime.GOARCH != "amd64" {
		t.Skip("the profile and the numbers are x86_64's")
	}
	probe := syscallProbe(t)
	data, err := os.ReadFile("../../seccomp/testdata/docker-default-amd64.oci.json")
	if err != nil {
		t.Fatal(err)
	}
	var profile specs.LinuxSeccomp
	if err := json.Unmarshal(data, &profile); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "/tmp/probe", "134", "467", "1000")
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "bind", Source: probe, Options: []string{"bind", "ro"}})
	e.spec.Process.NoNewPrivileges = true
	e.spec.Linux.Seccomp = &profile
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "enosys")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	want := fmt.Sprintf("134=%d\n467=%d\n1000=%d\n", unix.EPERM, unix.ENOSYS, unix.ENOSYS)
	if r.stdout != want {
		t.Errorf("probe printed %q, want %q", r.stdout, want)
	}
}
