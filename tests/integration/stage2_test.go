package integration

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// stage2MaxHWM bounds the peak RSS of a created container's init, in kB.
// Init's stage 2 (nsexec/stage2.c: the wait on the exec fifo without the Go
// runtime) measured 1156-1160 kB here: static glibc's start, the pages of
// the binary it touches and the plan. The Go init before it held 9.3 MiB
// and runc 1.5.1's holds 11 MiB, crun's 2.2 MiB (issue 18): the bound sits
// below crun's and leaves room for a larger plan (argv, env).
const stage2MaxHWM = 2048

// procStatus is the named lines of /proc/pid/status, by name.
func procStatus(t *testing.T, pid int, names ...string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, ":")
		for _, n := range names {
			if k == n {
				out[k] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

func kB(t *testing.T, v string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSuffix(v, " kB"))
	if err != nil {
		t.Fatalf("%q: %v", v, err)
	}
	return n
}

// TestCreatedInitIsOneSmallThread: a created container's init is one
// thread below stage2MaxHWM, with the Go runtime's signal dispositions, so
// that pids.max = 1 set on the container's cgroup between create and start
// lets start work (runc 1.5.1's numbers are logged), named as runc's
// ("gorunc:[2:INIT]"; it was "7", the fd it was executed through).
// `exec` into the created container sees it, and cannot open its fds
// (non-dumpable).
// Before stage 2: 4 threads, VmHWM 9.3 MiB.
func TestCreatedInitIsOneSmallThread(t *testing.T) {
	pidsDir := ownCgroup(t, "pids")
	// Both runtimes start with default dispositions, as in
	// TestKillCreatedAsRunc: under nohup (CI) HUP is ignored, and runc
	// 1.5's init keeps an inherited ignore when its CLI's signal.Notify
	// loses a race (TestIgnoredSignalsAsRunc covers inherited ones).
	defaultDispositions(t, syscall.SIGHUP, syscall.SIGINT)
	var runcSigs, runcComm string
	// runc first: gorunc's half compares with what it saw.
	bins := cgBins(t)
	slices.Reverse(bins)
	for _, b := range bins {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "sh", "-c", "echo started")
			// Without CAP_SYS_PTRACE, which reaches a non-dumpable
			// process of the same user namespace.
			caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETUID", "CAP_SETGID"}
			e.spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "small")
			pid := e.state("small").Pid
			st := procStatus(t, pid, "Threads", "VmHWM", "SigCgt", "SigIgn", "SigBlk")
			t.Logf("%s: created init: %d threads, VmHWM %s, SigCgt %s SigIgn %s SigBlk %s", b.name, atoiOr(st["Threads"]), st["VmHWM"], st["SigCgt"], st["SigIgn"], st["SigBlk"])
			sigs := st["SigCgt"] + " " + st["SigIgn"] + " " + st["SigBlk"]
			comm := strings.TrimSpace(readOr(fmt.Sprintf("/proc/%d/comm", pid)))
			if b.name != "gorunc" {
				runcSigs, runcComm = sigs, comm
				return
			}
			// runc's "runc:[2:INIT]", with gorunc's name.
			const want = "gorunc:[2:INIT]"
			if comm != want {
				t.Errorf("created init's comm %q, want %q", comm, want)
			}
			if runcComm != "" && "gorunc"+strings.TrimPrefix(runcComm, "runc") != want {
				t.Errorf("runc 1.5.1's created init's comm %q: gorunc's %q no longer has its shape", runcComm, want)
			}
			if st["Threads"] != "1" {
				t.Errorf("created init has %s threads, want 1", st["Threads"])
			}
			if hwm := kB(t, st["VmHWM"]); hwm > stage2MaxHWM {
				t.Errorf("created init VmHWM %d kB, want at most %d", hwm, stage2MaxHWM)
			}
			if runcSigs != "" && sigs != runcSigs {
				t.Errorf("created init's SigCgt SigIgn SigBlk %s, runc 1.5.1's %s", sigs, runcSigs)
			}
			if r := e.run("exec", "small", "grep", "Threads", "/proc/1/status"); r.code != 0 || strings.TrimSpace(r.stdout) != "Threads:\t1" {
				t.Errorf("exec before start: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
			for _, f := range []string{"/proc/1/fd/0", "/proc/1/exe"} {
				if r := e.run("exec", "small", "readlink", f); r.code == 0 {
					t.Errorf("exec before start read %s (%q): init is dumpable", f, r.stdout)
				}
			}
			// The container's own pids cgroup (v1 here): 1 task.
			cg := filepath.Join(pidsDir, e.spec.Linux.CgroupsPath)
			mustWrite(t, filepath.Join(cg, "pids.max"), "1")
			if r := e.run("start", "small"); r.code != 0 {
				t.Fatalf("start under pids.max=1: exit %d: %s", r.code, r.stderr)
			}
			e.waitStatus("small", "stopped")
			if ev := readOr(filepath.Join(cg, "pids.events")); ev != "max 0" {
				t.Errorf("pids.events %q, want max 0", ev)
			}
		})
	}
}

func atoiOr(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestKillCreatedAsRunc: `kill` of a created container with each signal
// leaves it in the state runc 1.5.1 leaves its own (Go's handlers: HUP,
// INT, TERM and QUIT end init, USR1 is dropped, KILL kills), and `delete`
// answers as runc's; a container whose init dropped the signal still
// starts. Stage 2 must answer as the Go runtime did: with the kernel's
// default dispositions a pid namespace's init would drop them all.
func TestKillCreatedAsRunc(t *testing.T) {
	type outcome struct {
		status string
		delete int
	}
	// Both runtimes start with default dispositions, whatever this test
	// inherited: `make test` under nohup (or CI) ignores HUP, and runc
	// 1.5's init keeps an inherited ignore when its CLI's signal.Notify
	// loses a race (TestIgnoredSignalsAsRunc), so runc's answer to kill
	// HUP then varied from run to run.
	defaultDispositions(t, syscall.SIGHUP, syscall.SIGINT)
	got := map[string]map[string]outcome{}
	sigs := []string{"TERM", "INT", "HUP", "USR1", "QUIT", "KILL"}
	for _, b := range cgBins(t) {
		got[b.name] = map[string]outcome{}
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "true")
			e.writeSpec()
			for _, sig := range sigs {
				id := "k" + strings.ToLower(sig)
				e.must("create", "--bundle", e.bundle, id)
				if r := e.run("kill", id, sig); r.code != 0 {
					t.Fatalf("kill %s %s: exit %d: %s", id, sig, r.code, r.stderr)
				}
				// An ignored signal shows only as nothing happening.
				status := "created"
				for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if status = e.state(id).Status; status != "created" {
						break
					}
				}
				if status == "created" {
					if r := e.run("start", id); r.code != 0 {
						t.Errorf("start after %s: exit %d: %s", sig, r.code, r.stderr)
					} else {
						e.waitStatus(id, "stopped")
					}
				}
				got[b.name][sig] = outcome{status, e.run("delete", id).code}
			}
		})
	}
	for _, sig := range sigs {
		g, ok := got["gorunc"][sig]
		r, rok := got["runc-1.5"][sig]
		t.Logf("kill %s of a created container: gorunc %+v, runc %+v", sig, g, r)
		if ok && rok && g != r {
			t.Errorf("kill %s: gorunc %+v, runc 1.5.1 %+v", sig, g, r)
		}
	}
}

// defaultDispositions makes the processes this test starts begin with the
// default disposition of sigs, even where the test itself was started with
// them ignored (Go keeps an inherited ignore of HUP and INT, and execve
// passes an ignore on): a handler, which execve resets to the default,
// until the test ends.
func defaultDispositions(t *testing.T, sigs ...os.Signal) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	t.Cleanup(func() { signal.Stop(c) })
}

// statusLines is what TestStage2StatusAsBefore compares of the process's
// own /proc/self/status.
var statusLines = regexp.MustCompile(`^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Sig(Blk|Ign|Cgt)):`)

// TestStage2StatusAsBefore: the identity of the container's process, as
// /proc/self/status shows it, is runc 1.5.1's for root, for a non-root
// user with ambient capabilities, with noNewPrivileges and a filter stage 2
// loads, with a filter loaded before the user switch (which stage 2 runs
// under), and with a user namespace (where init keeps the Go wait).
func TestStage2StatusAsBefore(t *testing.T) {
	nbs := []string{"CAP_NET_BIND_SERVICE", "CAP_KILL"}
	seccompNNP := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mknod"}, Action: specs.ActErrno}}}
	cases := []struct {
		name  string
		tweak func(*specs.Spec)
	}{
		{"root", func(s *specs.Spec) {}},
		{"user-ambient", func(s *specs.Spec) {
			s.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10}}
			s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: nbs, Effective: nbs, Permitted: nbs, Inheritable: nbs, Ambient: nbs}
		}},
		{"nnp-seccomp", func(s *specs.Spec) {
			s.Process.NoNewPrivileges = true
			s.Linux.Seccomp = seccompNNP
		}},
		{"seccomp-before-user", func(s *specs.Spec) {
			s.Process.User = specs.User{UID: 1000, GID: 1000}
			s.Linux.Seccomp = seccompNNP
		}},
		{"userns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			s.Mounts = withoutMount(s.Mounts, "/sys")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := map[string]string{}
			for _, b := range cgBins(t) {
				e := cgEnv(t, b, "cat", "/proc/self/status")
				c.tweak(e.spec)
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "st")
				if r.code != 0 {
					t.Fatalf("%s run: %s", b.name, r.stderr)
				}
				var keep []string
				for _, l := range strings.Split(r.stdout, "\n") {
					if statusLines.MatchString(l) {
						keep = append(keep, l)
					}
				}
				out[b.name] = strings.Join(keep, "\n")
				if len(keep) < 10 {
					t.Fatalf("%s: status lines missing in %q", b.name, r.stdout)
				}
			}
			if r, ok := out["runc-1.5"]; ok && withoutRacyIgn(out["gorunc"]) != withoutRacyIgn(r) {
				t.Errorf("the process's status lines differ\ngorunc:\n%s\nrunc 1.5.1:\n%s", out["gorunc"], r)
			}
		})
	}
}

// withoutRacyIgn clears SIGHUP and SIGINT from a SigIgn line: when the
// test runs with them ignored (under nohup), runc 1.5.1's process keeps
// the ignore or not depending on a race in runc (TestIgnoredSignalsAsRunc).
func withoutRacyIgn(status string) string {
	return sigIgnLine.ReplaceAllStringFunc(status, func(l string) string {
		v, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(l, "SigIgn:")), 16, 64)
		if err != nil {
			return l
		}
		return fmt.Sprintf("SigIgn:\t%016x", v&^3)
	})
}

var sigIgnLine = regexp.MustCompile(`(?m)^SigIgn:\s*[0-9a-f]+$`)

func withoutMount(ms []specs.Mount, dest string) []specs.Mount {
	var keep []specs.Mount
	for _, m := range ms {
		if m.Destination != dest {
			keep = append(keep, m)
		}
	}
	return keep
}

// TestStage2FallsBackWhenExecveatDenied: a seccomp profile loaded before
// the user switch (noNewPrivileges false) that refuses execveat leaves Go
// init's wait in place (a debug line says so), and the container starts
// as before. GORUNC_INIT=go keeps Go init: the setup program's stage 2
// runs in init's own process, with no execveat.
func TestStage2FallsBackWhenExecveatDenied(t *testing.T) {
	e := newEnv(t, "sh", "-c", "exit 7")
	// Go init: the setup program never execs stage 2.
	e.bin = goInitWrapper(t)
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"execveat"}, Action: specs.ActErrno}}}
	e.writeSpec()
	log := filepath.Join(t.TempDir(), "log.json")
	if r := e.run("--debug", "--log", log, "--log-format", "json", "create", "--bundle", e.bundle, "fb"); r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(log)
	if !strings.Contains(string(data), "stage 2 not started") || !strings.Contains(string(data), "operation not permitted") {
		t.Errorf("no fallback line in the debug log:\n%s", data)
	}
	if n := atoiOr(procStatus(t, e.state("fb").Pid, "Threads")["Threads"]); n < 2 {
		t.Errorf("init has %d thread(s): not the Go wait", n)
	}
	if r := e.run("start", "fb"); r.code != 0 {
		t.Fatalf("start: exit %d: %s", r.code, r.stderr)
	}
	e.waitStatus("fb", "stopped")
}

// TestStartContainerHooksInStage2: startContainer hooks run from init's
// stage 2 (its one thread is the hook's parent) and fail in the words Go
// init used (runc's): a timeout, a hook that cannot start, one that leaves
// a child holding its output (exec.Cmd's WaitDelay). runc 1.5.1's stderr
// is logged. Before stage 2 the hook's parent had 4 threads.
func TestStartContainerHooksInStage2(t *testing.T) {
	one := 1
	cases := []struct {
		name string
		hook specs.Hook
		want string // in stderr; "" for success
	}{
		{"parent-threads", specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", `grep Threads /proc/$PPID/status > /hooks/probe; cat >> /hooks/probe`}}, ""},
		{"timeout", specs.Hook{Path: "/bin/sleep", Args: []string{"sleep", "10"}, Timeout: &one}, "error running startContainer hook #0: hook ran past specified timeout of 1.0s"},
		{"missing", specs.Hook{Path: "/nonexistent"}, "error running startContainer hook #0: fork/exec /nonexistent: no such file or directory"},
		{"signal", specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo a; echo b; kill -SEGV $$"}}, "error running startContainer hook #0: signal: segmentation fault, stdout: a\\nb, stderr: "},
		{"wait-delay", specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 3 & echo bg"}}, "error running startContainer hook #0: exec: WaitDelay expired before I/O complete"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range cgBins(t) {
				dir := t.TempDir()
				e := cgEnv(t, b, "true")
				e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/hooks", Type: "bind", Source: dir, Options: []string{"bind", "rw"}})
				e.spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{c.hook}}
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "h")
				if b.name != "gorunc" {
					t.Logf("%s: exit %d, stderr %q", b.name, r.code, r.stderr)
					continue
				}
				if c.want == "" {
					if r.code != 0 {
						t.Fatalf("run: exit %d: %s", r.code, r.stderr)
					}
					data, _ := os.ReadFile(filepath.Join(dir, "probe"))
					if !strings.HasPrefix(string(data), "Threads:\t1\n") || !strings.Contains(string(data), `"status":"created"`) {
						t.Errorf("hook recorded %q, want its parent's 1 thread and the created state", data)
					}
					continue
				}
				if r.code == 0 || !strings.Contains(r.stderr, c.want) {
					t.Errorf("run: exit %d, stderr %q lacks %q", r.code, r.stderr, c.want)
				}
			}
		})
	}
}

// TestIgnoredSignalsAsRunc: a CLI started with SIGHUP, SIGINT and 34 ignored
// (`nohup`, a shell's `trap ” HUP INT`) does not pass the ignore on: runc's
// CLI calls signal.Notify for every signal as it starts init, so its init,
// and the container's process, start with default dispositions. So `kill
// HUP` still ends a created container, and the process's SigIgn is 0.
// (`make test` under nohup failed TestKillCreatedAsRunc on this.) runc 1.5
// makes that Notify call in a goroutine that races with init's start
// (signals.go newSignalHandler), so its init keeps the ignore now and then
// (1 of 2 runs here): runc's outcome is logged, gorunc's asserted.
func TestIgnoredSignalsAsRunc(t *testing.T) {
	type outcome struct {
		killed string // status after kill HUP of a created container
		sigIgn string // the started process's SigIgn
	}
	got := map[string]outcome{}
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "grep", "SigIgn", "/proc/self/status")
			e.writeSpec()
			// create with HUP and INT ignored; the container's stdout is out.
			ignoring := func(out *os.File, id string) result {
				t.Helper()
				cmd := exec.Command("sh", "-c", `trap "" HUP INT 34; exec "$0" "$@"`, e.bin, "--root", e.root, "create", "--bundle", e.bundle, id)
				errf := e.tempFile()
				defer errf.Close()
				cmd.Stdout, cmd.Stderr = out, errf
				return resultOf(t, "create "+id+" (HUP and INT ignored)", cmd.Run(), e.tempFile(), errf)
			}
			out := e.tempFile()
			defer out.Close()
			if r := ignoring(out, "khup"); r.code != 0 {
				t.Fatalf("create: exit %d: %s", r.code, r.stderr)
			}
			e.must("kill", "khup", "HUP")
			var o outcome
			o.killed = "created"
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if o.killed = e.state("khup").Status; o.killed != "created" {
					break
				}
			}
			e.run("delete", "--force", "khup")
			if r := ignoring(out, "ign"); r.code != 0 {
				t.Fatalf("create: exit %d: %s", r.code, r.stderr)
			}
			e.must("start", "ign")
			e.waitStatus("ign", "stopped")
			e.run("delete", "--force", "ign")
			o.sigIgn = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(readAll(out)), "SigIgn:"))
			got[b.name] = o
		})
	}
	g, r := got["gorunc"], got["runc-1.5"]
	t.Logf("gorunc %+v, runc 1.5.1 %+v", g, r)
	// Only SIGHUP, SIGINT and 34: a signal the runtimes' glibc or Go
	// leave alone (32, ignored by some callers) stays ignored with both.
	// 34 is reset as gorunc always did (musl's sigaction refuses it: sigs.c
	// goes to the kernel), though runc 1.5.1's process keeps it ignored
	// (logged above; open question, not a musl one).
	ign, err := strconv.ParseUint(g.sigIgn, 16, 64)
	if g.killed != "stopped" || err != nil || ign&(1<<33|3) != 0 {
		t.Errorf("gorunc %+v, want status stopped and SIGHUP, SIGINT, 34 not in SigIgn (runc 1.5.1's when its Notify wins the race)", g)
	}
}

// initMaxHWM bounds, in kB, the peak RSS of a created container's init run
// from gorunc-init: 164-168 kB (Go init's stage 2) and 260-264 kB (the
// setup program) here, 496-596 kB from gorunc's own binary; crun's forked
// child holds 288 kB in the cgroup v2 VM (issue 18's row).
const initMaxHWM = 384

// TestCreatedInitRunsFromGoruncInit: with gorunc-init beside gorunc, a
// created container's init runs from it whichever init set the container
// up (the setup program, or Go init, whose stage 2 is executed from it),
// and stays under initMaxHWM; a gorunc copied alone starts itself.
func TestCreatedInitRunsFromGoruncInit(t *testing.T) {
	bin := os.Getenv("GORUNC")
	inits := initsBeside(bin)
	if bin == "" || len(inits) != 1 {
		t.Skipf("needs GORUNC with one gorunc-init beside it (make build): %v", inits)
	}
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	alone := filepath.Join(t.TempDir(), "gorunc")
	if out, err := exec.Command("cp", bin, alone).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v: %s", err, out)
	}
	for _, c := range []struct {
		name, bin string
		exe       int64
	}{
		{"setup program", bin, size(inits[0])},
		{"Go init", goInitWrapper(t), size(inits[0])},
		{"gorunc alone", alone, size(bin)},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "true")
			e.bin = c.bin
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "c")
			pid := e.state("c").Pid
			if got := size(fmt.Sprintf("/proc/%d/exe", pid)); got != c.exe {
				t.Errorf("created init runs a binary of %d bytes, want %d", got, c.exe)
			}
			hwm := kB(t, procStatus(t, pid, "VmHWM")["VmHWM"])
			t.Logf("created init: VmHWM %d kB", hwm)
			if c.exe != size(bin) && hwm > initMaxHWM {
				t.Errorf("created init VmHWM %d kB, want at most %d", hwm, initMaxHWM)
			}
			e.must("start", "c")
			e.waitStatus("c", "stopped")
			e.must("delete", "c")
		})
	}
}
