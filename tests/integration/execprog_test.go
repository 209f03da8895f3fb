package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// execProbe prints what exec-init leaves the exec'd process: identity,
// capabilities, seccomp, ignored and blocked signals, limits, cwd, umask,
// environment, session and terminal, and its open fds (listed by the shell
// itself: a pipeline's fds would race). The shell is the exec'd process
// itself ($$).
const execProbe = `grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp|Seccomp_filters|Cpus_allowed_list|SigBlk|SigIgn):' /proc/self/status
echo "cwd $(pwd) umask $(umask) oom_score_adj $(cat /proc/self/oom_score_adj)"; id; env | sort; ulimit -a
awk '{ print ($6 == $1 ? "own session" : "joined session"), ($7 == 0 ? "no tty" : "a tty") }' /proc/$$/stat
[ -t 0 ] && { stty size; stty -a | tail -n +2; ls -l $(tty) | cut -d' ' -f1,3,4; }
for f in /proc/$$/fd/*; do printf '%s ' "${f##*/}"; done; echo
mkdir /tmp/probe 2>&1 && rmdir /tmp/probe; true`

// TestExecSetupProgramMatchesGoExecInit: for the execs the setup program
// covers (the runtime's debug line says which exec-init ran), the exec'd
// process sees the same identity, capabilities, filter, limits,
// environment, session, terminal and fds as with Go exec-init
// (GORUNC_INIT=go), into the same container, case by case. Each case's
// container config applies to both. Fails on 1f41eae with the user
// namespace cases (Go exec-init there), and with the joined one where
// the program tried setgroups under "deny".
func TestExecSetupProgramMatchesGoExecInit(t *testing.T) {
	umask := uint32(0o027)
	mkdirRefused := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno}}}
	probe := []string{"/bin/sh", "-c", execProbe}
	cases := []struct {
		name string
		edit func(s *specs.Spec)
		args []string // exec's flags; the probe follows the id
		file bool     // --process with the probe, the flags ignored
		proc specs.Process
	}{
		{name: "base"},
		{name: "user-cwd-env", args: []string{"-u", "1000:1001", "--additional-gids", "5", "--cwd", "/tmp", "-e", "A=1", "-e", "HOME=", "-e", "A=2"}},
		{name: "caps-added", args: []string{"--cap", "CAP_SYS_ADMIN", "--cap", "CAP_NET_RAW"}},
		{name: "no-new-privs", args: []string{"--no-new-privs", "-u", "1000"}},
		{name: "container-filter-before-user", edit: func(s *specs.Spec) { s.Linux.Seccomp = mkdirRefused },
			args: []string{"-u", "1000:1000"}},
		{name: "container-filter-nnp", edit: func(s *specs.Spec) {
			s.Linux.Seccomp = mkdirRefused
			s.Process.NoNewPrivileges = true
		}},
		{name: "terminal", args: []string{"-t", "-u", "1000"}},
		{name: "process-file", file: true, proc: specs.Process{
			Env:  []string{"PATH=/bin:/usr/bin", "X=y"},
			Cwd:  "/etc",
			User: specs.User{UID: 2000, GID: 2001, AdditionalGids: []uint32{7}, Umask: &umask},
			Capabilities: &specs.LinuxCapabilities{
				Bounding: []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"}, Effective: []string{"CAP_KILL"},
				Permitted: []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"}, Inheritable: []string{"CAP_NET_BIND_SERVICE"},
				Ambient: []string{"CAP_NET_BIND_SERVICE"},
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 256, Hard: 512}, {Type: "RLIMIT_NPROC", Soft: 100, Hard: 100}},
			IOPriority:      &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6},
			Scheduler:       &specs.Scheduler{Policy: specs.SchedBatch, Nice: 5},
			NoNewPrivileges: true,
		}},
		{name: "process-file-no-env", file: true, proc: specs.Process{Cwd: "/"}},
		// The container's user namespace, its root an unprivileged
		// host uid, or host root.
		{name: "user-namespace", edit: func(s *specs.Spec) { usernsSpec(s, 200000) }, args: []string{"-u", "1000:1000", "--cap", "CAP_NET_RAW"}},
		{name: "user-namespace-root-mapped", edit: func(s *specs.Spec) {
			usernsSpec(s, 0)
			s.Linux.Seccomp = mkdirRefused
		}},
		// A user namespace joined by path whose setgroups is "deny"
		// (an unprivileged maker's, or unshare's): setgroups is
		// skipped, additional gids or not.
		{name: "joined-user-namespace-setgroups-deny", edit: func(s *specs.Spec) {
			holder := holdNS(t, []string{"user"}, "--user")
			mapUsers(t, holder, "300000")
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/" + itoa(holder) + "/ns/user"})
		}, args: []string{"-u", "1000:1000", "--additional-gids", "5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			if c.edit != nil {
				c.edit(e.spec)
			}
			e.writeSpec()
			e.must("run", "-d", "--bundle", e.bundle, "x")
			e.waitStatus("x", "running")
			var outs [2]string
			for i, bin := range []string{e.bin, goInitWrapper(t)} {
				log := filepath.Join(t.TempDir(), "log")
				args := append([]string{"--debug", "--log", log, "exec"}, c.args...)
				if c.file {
					p := c.proc
					p.Args = probe
					args = append(args, "--process", processFileAsIs(t, p), "x")
				} else {
					args = append(append(args, "x"), probe...)
				}
				saved := e.bin
				e.bin = bin
				r := e.run(args...)
				e.bin = saved
				if r.code != 0 {
					t.Fatalf("exec (GORUNC_INIT=go: %v): exit %d: %s", i == 1, r.code, r.stderr)
				}
				data, _ := os.ReadFile(log)
				want := "exec-init runs a setup program"
				if i == 1 {
					want = "Go exec-init (GORUNC_INIT=go)"
				}
				if !strings.Contains(string(data), want) {
					t.Fatalf("debug log has no %q:\n%s", want, data)
				}
				outs[i] = r.stdout + r.stderr
			}
			if outs[0] != outs[1] {
				t.Errorf("the setup program's exec differs from Go exec-init's:\n%s", lineDiff(outs[1], outs[0]))
			}
			if !strings.Contains(outs[0], "Uid:") {
				t.Errorf("the probe printed no status:\n%s", outs[0])
			}
		})
	}
}

// TestExecSetupProgramFailsAsGoExecInit: where exec-init's setup fails,
// the setup program's failure is Go exec-init's: the same exit code and
// the same words on stderr (runc's, which clients match), the container
// left running.
func TestExecSetupProgramFailsAsGoExecInit(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"no-such-program", []string{"x", "nosuchprogram"}},
		{"no-such-path", []string{"x", "/no/such"}},
		{"not-executable", []string{"x", "/etc/passwd"}},
		{"cwd-missing", []string{"--cwd", "/nope", "x", "true"}},
		{"cwd-is-a-file", []string{"--cwd", "/bin/busybox", "x", "true"}},
		{"apparmor-profile", []string{"--apparmor", "docker-default", "x", "true"}},
		{"rlimit-above-hard", nil},
	}
	e := startSleeper(t, "x")
	file := processFileAsIs(t, specs.Process{Args: []string{"true"}, Cwd: "/", Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1 << 30, Hard: 1 << 30}}})
	wrapper := goInitWrapper(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if args == nil {
				args = []string{"--process", file, "x"}
			}
			var outs [2]string
			for i, bin := range []string{e.bin, wrapper} {
				log := filepath.Join(t.TempDir(), "log")
				saved := e.bin
				e.bin = bin
				r := e.run(append([]string{"--debug", "--log", log, "exec"}, args...)...)
				e.bin = saved
				if data, _ := os.ReadFile(log); i == 0 && !strings.Contains(string(data), "exec-init runs a setup program") {
					t.Errorf("debug log has no setup program:\n%s", data)
				}
				outs[i] = fmt.Sprintf("exit %d: %s", r.code, r.stderr)
			}
			if outs[0] != outs[1] {
				t.Errorf("the setup program's outcome differs from Go exec-init's:\nprogram: %s\nGo: %s", outs[0], outs[1])
			}
			if strings.HasPrefix(outs[0], "exit 0") {
				t.Errorf("exec succeeded: %s", outs[0])
			}
			if st := e.state("x"); st.Status != "running" {
				t.Errorf("container %s after the failed exec", st.Status)
			}
		})
	}
}

// TestExecSetupProgramHelperNotDumpable (CVE-2016-9962, for the setup
// program's exec-init): the helper reads nothing the container's root
// could stall it with (TestExecInitNotDumpable stalls Go exec-init's
// runtime), so the test holds it another way: an exec --ignore-paused
// into a paused container leaves it frozen in the container's cgroup,
// before its execve, until resume. Its dumpability is read from the host:
// a process that is not dumpable has its /proc files owned by the root of
// the user namespace its memory belongs to (the host's: nsenter.c's P1 was
// executed there), one that is by its euid, the container's root (host
// uid 200000), as init after its execve, the control.
func TestExecSetupProgramHelperNotDumpable(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	userns(e, 200000)
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "hd")
	initPid := e.state("hd").Pid
	owner := func(pid int) (uint32, error) {
		var st syscall.Stat_t
		err := syscall.Stat("/proc/"+itoa(pid)+"/environ", &st)
		return st.Uid, err
	}
	// run -d returns once init has its go-ahead (the exec fifo read), as
	// runc's: init may not have executed sleep yet, and is not dumpable
	// until it has (a loaded host showed it).
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cl, _ := os.ReadFile("/proc/" + itoa(initPid) + "/cmdline"); string(cl) == "sleep\x00100\x00" {
			break
		}
	}
	if uid, err := owner(initPid); err != nil || uid != 200000 {
		t.Fatalf("control: init's environ owned by %d (%v), want 200000 (dumpable)", uid, err)
	}
	// The freezer's directory on v1 (the hybrid host's unified one
	// holds init alone), the only one on v2.
	var frozen string
	for _, d := range e.cgroupDirs("hd") {
		if frozen == "" || strings.Contains(d, "/freezer/") {
			frozen = d
		}
	}
	if frozen == "" {
		t.Fatal("no cgroup directory recorded")
	}
	e.must("pause", "hd")
	log := filepath.Join(t.TempDir(), "log")
	cmd := exec.Command(e.bin, "--root", e.root, "--debug", "--log", log, "exec", "--ignore-paused", "hd", "true")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	s := startCmd(t, cmd)
	defer func() {
		e.run("resume", "hd")
		if exited, _ := s.within(10 * time.Second); !exited {
			s.kill(false)
		}
	}()
	helper := 0
	for deadline := time.Now().Add(10 * time.Second); helper == 0 && time.Now().Before(deadline); {
		procs, _ := os.ReadFile(filepath.Join(frozen, "cgroup.procs"))
		for _, f := range strings.Fields(string(procs)) {
			pid, _ := strconv.Atoi(f)
			if cl, _ := os.ReadFile("/proc/" + f + "/cmdline"); pid != initPid && string(cl) == "gorunc\x00exec-init\x00" {
				helper = pid
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if helper == 0 {
		t.Fatalf("no exec-init in %s within 10 s: %s", frozen, out.String())
	}
	if uid, err := owner(helper); err != nil || uid != 0 {
		t.Errorf("the helper's environ is owned by %d (%v), want 0: it is dumpable", uid, err)
	}
	e.must("resume", "hd")
	if exited, err := s.within(10 * time.Second); !exited {
		t.Errorf("exec still waits 10 s after resume: %s", out.String())
	} else if err != nil {
		t.Errorf("exec after resume: %v: %s", err, out.String())
	}
	if data, _ := os.ReadFile(log); !strings.Contains(string(data), "exec-init runs a setup program") {
		t.Errorf("debug log has no setup program:\n%s", data)
	}
}
