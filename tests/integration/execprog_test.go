package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
// container config applies to both.
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
