package integration

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Processes as runc 1.5 treats them: the rlimits a container gets, exec's
// exit codes and --ignore-paused, ps with ps(1) arguments, the words of
// init's errors, and the fds that reach the container. Each test runs the
// same steps on gorunc and, when it is at hand, on runc 1.5
// ($RUNC_REF), so the expectations are runc's.

// asRunc runs body once with gorunc and once with runc 1.5 (skipped, with
// the reason, when runc 1.5 is not there).
func asRunc(t *testing.T, args []string, body func(t *testing.T, e *env)) {
	bins := []struct{ name, path string }{{"gorunc", os.Getenv("GORUNC")}}
	runc, why := runc15()
	if runc != "" {
		bins = append(bins, struct{ name, path string }{"runc-1.5", runc})
	}
	for _, b := range bins {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, args...)
			e.bin = b.path
			body(t, e)
		})
	}
	if runc == "" {
		t.Logf("runc half skipped: %s", why)
	}
}

// rlimitNames are /proc/PID/limits' names for the spec's rlimit types.
var rlimitNames = map[string]struct {
	name     string
	resource int
}{
	"RLIMIT_AS": {"Max address space", unix.RLIMIT_AS}, "RLIMIT_CORE": {"Max core file size", unix.RLIMIT_CORE},
	"RLIMIT_CPU": {"Max cpu time", unix.RLIMIT_CPU}, "RLIMIT_DATA": {"Max data size", unix.RLIMIT_DATA},
	"RLIMIT_FSIZE": {"Max file size", unix.RLIMIT_FSIZE}, "RLIMIT_LOCKS": {"Max file locks", unix.RLIMIT_LOCKS},
	"RLIMIT_MEMLOCK": {"Max locked memory", unix.RLIMIT_MEMLOCK}, "RLIMIT_MSGQUEUE": {"Max msgqueue size", unix.RLIMIT_MSGQUEUE},
	"RLIMIT_NICE": {"Max nice priority", unix.RLIMIT_NICE}, "RLIMIT_NOFILE": {"Max open files", unix.RLIMIT_NOFILE},
	"RLIMIT_NPROC": {"Max processes", unix.RLIMIT_NPROC}, "RLIMIT_RSS": {"Max resident set", unix.RLIMIT_RSS},
	"RLIMIT_RTPRIO": {"Max realtime priority", unix.RLIMIT_RTPRIO}, "RLIMIT_RTTIME": {"Max realtime timeout", unix.RLIMIT_RTTIME},
	"RLIMIT_SIGPENDING": {"Max pending signals", unix.RLIMIT_SIGPENDING}, "RLIMIT_STACK": {"Max stack size", unix.RLIMIT_STACK},
}

// testRlimits is one limit of every type, soft below hard where the host
// allows, never above this process's hard limit: without
// CAP_SYS_RESOURCE a hard limit can only be lowered.
func testRlimits(t *testing.T) []specs.POSIXRlimit {
	want := map[string][2]uint64{
		"RLIMIT_AS": {1 << 40, 1 << 41}, "RLIMIT_CORE": {0, 1 << 20}, "RLIMIT_CPU": {1000, 2000},
		"RLIMIT_DATA": {1 << 40, 1 << 41}, "RLIMIT_FSIZE": {1 << 40, 1 << 41}, "RLIMIT_LOCKS": {1000, 2000},
		"RLIMIT_MEMLOCK": {1 << 20, 1 << 22}, "RLIMIT_MSGQUEUE": {1 << 18, 1 << 19}, "RLIMIT_NICE": {0, 0},
		// The conformance suite's process_rlimits case: soft below hard.
		"RLIMIT_NOFILE": {3000, 4000},
		// Root's processes count against NPROC: stay near the host's.
		"RLIMIT_NPROC": {0, 0}, "RLIMIT_RSS": {1 << 40, 1 << 41}, "RLIMIT_RTPRIO": {0, 0},
		"RLIMIT_RTTIME": {1_000_000, 2_000_000}, "RLIMIT_SIGPENDING": {1000, 2000}, "RLIMIT_STACK": {8 << 20, 1 << 30},
	}
	var out []specs.POSIXRlimit
	for typ, v := range want {
		var cur unix.Rlimit
		if err := unix.Getrlimit(rlimitNames[typ].resource, &cur); err != nil {
			t.Fatalf("getrlimit %s: %v", typ, err)
		}
		soft, hard := v[0], v[1]
		if typ == "RLIMIT_NPROC" {
			soft, hard = cur.Max-1, cur.Max
		}
		hard = min(hard, cur.Max)
		soft = min(soft, hard)
		out = append(out, specs.POSIXRlimit{Type: typ, Soft: soft, Hard: hard})
	}
	slices.SortFunc(out, func(a, b specs.POSIXRlimit) int { return strings.Compare(a.Type, b.Type) })
	return out
}

// parseLimits reads /proc/PID/limits' text into type -> [soft, hard].
func parseLimits(t *testing.T, text string) map[string][2]uint64 {
	byName := map[string]string{}
	for typ, n := range rlimitNames {
		byName[n.name] = typ
	}
	got := map[string][2]uint64{}
	value := func(s string) uint64 {
		if s == "unlimited" {
			return unix.RLIM_INFINITY
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("limits: %q: %v", s, err)
		}
		return n
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 26 {
			continue
		}
		typ, ok := byName[strings.TrimSpace(line[:26])]
		if !ok {
			continue
		}
		f := strings.Fields(line[26:])
		got[typ] = [2]uint64{value(f[0]), value(f[1])}
	}
	return got
}

func checkLimits(t *testing.T, how, text string, want []specs.POSIXRlimit) {
	t.Helper()
	got := parseLimits(t, text)
	for _, rl := range want {
		if g := got[rl.Type]; g != [2]uint64{rl.Soft, rl.Hard} {
			t.Errorf("%s: %s is %d/%d, config says %d/%d", how, rl.Type, g[0], g[1], rl.Soft, rl.Hard)
		}
	}
}

// TestRlimitsExactAsRunc: every process.rlimits type arrives exactly, in
// run's process and in exec's (exec takes the container's process, rlimits
// included). The runtime runs with its soft NOFILE below the hard one, the
// case where Go raises its own soft limit at start and restores the saved
// value at execve unless setrlimit was called (go.dev/issue/46279).
func TestRlimitsExactAsRunc(t *testing.T) {
	asRunc(t, []string{"cat", "/proc/self/limits"}, func(t *testing.T, e *env) {
		rls := testRlimits(t)
		e.spec.Process.Rlimits = rls
		e.writeSpec()
		r := e.runWith(runOpts{lowNofile: true}, "run", "--bundle", e.bundle, "rl-run")
		if r.code != 0 {
			t.Fatalf("run: exit %d: %s", r.code, r.stderr)
		}
		checkLimits(t, "run", r.stdout, rls)

		e.spec.Process.Args = []string{"sleep", "100"}
		e.writeSpec()
		if r := e.runWith(runOpts{lowNofile: true}, "run", "-d", "--bundle", e.bundle, "rl-exec"); r.code != 0 {
			t.Fatalf("run -d: exit %d: %s", r.code, r.stderr)
		}
		r = e.runWith(runOpts{lowNofile: true}, "exec", "rl-exec", "cat", "/proc/self/limits")
		if r.code != 0 {
			t.Fatalf("exec: exit %d: %s", r.code, r.stderr)
		}
		checkLimits(t, "exec", r.stdout, rls)
	})
}

// runOpts: how runWith starts the runtime.
type runOpts struct {
	lowNofile bool       // under a shell whose soft NOFILE is below the hard one
	extra     []*os.File // the runtime's fds 3, 4, ... (nil: closed)
	timeout   time.Duration
}

// runWith is env.run with runOpts; on timeout the runtime (which it
// started) is killed and the code is -1.
func (e *env) runWith(o runOpts, args ...string) result {
	e.t.Helper()
	args = append([]string{"--root", e.root}, args...)
	name := e.bin
	if o.lowNofile {
		args = append([]string{"-c", `ulimit -Sn 1024 && exec "$0" "$@"`, e.bin}, args...)
		name = "/bin/sh"
	}
	cmd := exec.Command(name, args...)
	cmd.ExtraFiles = o.extra
	out, errf := e.tempFile(), e.tempFile()
	defer out.Close()
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = out, errf
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("%s %v: %v", name, args, err)
	}
	if o.timeout == 0 {
		o.timeout = time.Minute
	}
	timer := time.AfterFunc(o.timeout, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	if !timer.Stop() { // expired: killed
		return result{stdout: readAll(out), stderr: readAll(errf), code: -1}
	}
	return resultOf(e.t, fmt.Sprintf("%s %v", name, args), err, out, errf)
}

// TestExecPausedExit255AsRunc: exec exits 255 with "exec failed: ..." for
// everything after its flags were parsed (runc's fatalWithCode(err, 255)),
// 1 for usage errors; a paused container refuses exec unless
// --ignore-paused; the words podman maps to 126/127 are kept.
func TestExecPausedExit255AsRunc(t *testing.T) {
	cases := []struct {
		name   string
		paused bool
		args   []string // "ID" is the container
		code   int
		msg    string
	}{
		{name: "paused", paused: true, args: []string{"exec", "ID", "true"}, code: 255,
			msg: "cannot exec in a paused container (use --ignore-paused to override)"},
		{name: "paused -d", paused: true, args: []string{"exec", "-d", "ID", "true"}, code: 255,
			msg: "cannot exec in a paused container (use --ignore-paused to override)"},
		{name: "not found", args: []string{"exec", "ID", "nosuch"}, code: 255, msg: "executable file not found in $PATH"},
		{name: "no such file", args: []string{"exec", "ID", "/nosuch"}, code: 255, msg: "no such file or directory"},
		{name: "not executable", args: []string{"exec", "ID", "/etc/passwd"}, code: 255, msg: "permission denied"},
		{name: "-d not found", args: []string{"exec", "-d", "ID", "nosuch"}, code: 255, msg: "executable file not found in $PATH"},
		{name: "bad cwd", args: []string{"exec", "--cwd", "/nosuch", "ID", "true"}, code: 255, msg: "exec failed: "},
		{name: "missing container", args: []string{"exec", "nosuch-ctr", "true"}, code: 255, msg: "container does not exist"},
		{name: "no command", args: []string{"exec", "ID"}, code: 255, msg: "exec failed: "},
		{name: "bad --process", args: []string{"exec", "-p", "/nonexistent.json", "ID"}, code: 255, msg: "exec failed: "},
		{name: "unknown flag", args: []string{"exec", "--no-such-flag", "ID", "true"}, code: 1, msg: "no-such-flag"},
		{name: "no id", args: []string{"exec"}, code: 1},
		{name: "exit code passes", args: []string{"exec", "ID", "sh", "-c", "exit 7"}, code: 7},
	}
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "ctr")
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.paused {
					e.must("pause", "ctr")
					defer e.must("resume", "ctr")
				}
				args := slices.Clone(c.args)
				for i, a := range args {
					if a == "ID" {
						args[i] = "ctr"
					}
				}
				r := e.runWith(runOpts{timeout: 30 * time.Second}, args...)
				if r.code != c.code {
					t.Errorf("%v: exit %d, want %d (stderr %q)", args, r.code, c.code, r.stderr)
				}
				if !strings.Contains(r.stderr, c.msg) {
					t.Errorf("%v: stderr %q, want %q in it", args, r.stderr, c.msg)
				}
				// runc's prefix on every exec failure; gorunc's own
				// "gorunc: " before it.
				if c.code == 255 && !strings.Contains(r.stderr, "exec failed: ") {
					t.Errorf("%v: stderr %q, want \"exec failed: \" in it", args, r.stderr)
				}
			})
		}
		// --ignore-paused: not refused; the process joins the frozen
		// cgroup, so exec (runc's too, on cgroup v1) waits for resume.
		e.must("pause", "ctr")
		cmd := exec.Command(e.bin, "--root", e.root, "exec", "-d", "--ignore-paused", "ctr", "true")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		s := startCmd(t, cmd)
		// Returning at once is fine too, when not refused.
		s.within(time.Second)
		e.must("resume", "ctr")
		if exited, err := s.within(20 * time.Second); !exited {
			s.kill(false)
			t.Errorf("exec -d --ignore-paused still waiting 20s after resume")
		} else if err != nil {
			t.Errorf("exec -d --ignore-paused, resumed: %v: %s", err, stderr.String())
		}
	})
}

// TestPsArgsAsRunc: everything after the id goes to ps(1), "--" included
// (runc's SkipArgReorder); the first PID column selects the container's
// lines; runc's words for a missing PID column and a bad format.
func TestPsArgsAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "ctr")
		pid := e.state("ctr").Pid
		// `run -d` returns once the process is started, which for both
		// runtimes can be before init has exec'd `sleep`: ps would show
		// "init" (the flake seen in full runs).
		waitFile(t, fmt.Sprintf("/proc/%d/comm", pid), "sleep\n")
		line := regexp.MustCompile(`(?m)^\s*(\S+\s+)?` + strconv.Itoa(pid) + `\s.*sleep`)
		cases := []struct {
			args   []string
			code   int
			header string // a word of the header line
			msg    string // in stderr
		}{
			{args: []string{"ps", "ctr"}, header: "UID"},
			{args: []string{"ps", "ctr", "-e", "-f"}, header: "PPID"},
			{args: []string{"ps", "ctr", "-o", "pid,comm"}, header: "COMMAND"},
			{args: []string{"ps", "--", "ctr", "-o", "pid,comm"}, header: "COMMAND"},
			{args: []string{"ps", "ctr", "--", "-o", "pid,comm"}, code: 1, msg: "garbage option"},
			{args: []string{"ps", "ctr", "-o", "comm"}, code: 1, msg: "couldn't find PID field in ps output"},
			{args: []string{"ps", "--format", "x", "ctr"}, code: 1, msg: "invalid format option"},
		}
		for _, c := range cases {
			r := e.run(c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
				t.Errorf("%v: exit %d (want %d), stderr %q (want %q in it)", c.args, r.code, c.code, r.stderr, c.msg)
				continue
			}
			if c.code != 0 {
				continue
			}
			lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
			if !strings.Contains(lines[0], c.header) || len(lines) != 2 || !line.MatchString(lines[1]) {
				t.Errorf("%v: output %q, want the header (with %s) and init's line (pid %d)", c.args, r.stdout, c.header, pid)
			}
		}
		if out := e.must("ps", "--format", "json", "ctr"); strings.TrimSpace(out) != fmt.Sprintf("[%d]", pid) {
			t.Errorf("ps --format json: %q, want [%d]", out, pid)
		}
	})
}

// TestInitErrorWordsAsRunc: an error of init or exec-init reaches the
// caller as one line in runc's words ("unable to start container process:
// error during container init: ..."), ending in what podman maps to 127
// and 126.
func TestInitErrorWordsAsRunc(t *testing.T) {
	cases := []struct {
		cmd, arg0, tail string
	}{
		{"run", "nosuch", "executable file not found in $PATH"},
		{"run", "/nosuch", "no such file or directory"},
		{"run", "/etc/passwd", "permission denied"},
		{"create", "nosuch", "executable file not found in $PATH"},
		{"exec", "nosuch", "executable file not found in $PATH"},
		{"exec", "/etc/passwd", "permission denied"},
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		for i, c := range cases {
			id := fmt.Sprintf("c%d", i)
			var r result
			want := "unable to start container process: error during container init: "
			if c.cmd == "exec" {
				e.spec.Process.Args = []string{"sleep", "100"}
				e.writeSpec()
				e.must("run", "-d", "--bundle", e.bundle, id)
				r = e.run("exec", id, c.arg0)
				want = "exec failed: unable to start container process: "
			} else {
				e.spec.Process.Args = []string{c.arg0}
				e.writeSpec()
				r = e.run(c.cmd, "--bundle", e.bundle, id)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code == 0 || len(lines) != 1 || !strings.Contains(lines[0], want) || !strings.Contains(lines[0], c.tail) || strings.Contains(lines[0], "init:  ") {
				t.Errorf("%s %s: exit %d, stderr %q; want one line with %q and %q", c.cmd, c.arg0, r.code, r.stderr, want, c.tail)
			}
			if strings.Contains(r.stderr, "gorunc init:") || strings.Contains(r.stderr, "gorunc exec-init:") {
				t.Errorf("%s %s: stderr names gorunc's internal command: %q", c.cmd, c.arg0, r.stderr)
			}
			e.run("delete", "--force", id)
		}
	})
}

// TestNoRuntimeFdInContainerAsRunc: an fd the caller leaked to the runtime
// (opened without O_CLOEXEC, like an engine's lock file) reaches neither
// init, while the container is created, nor any container process, in
// every way a process starts; --preserve-fds passes exactly its fds.
func TestNoRuntimeFdInContainerAsRunc(t *testing.T) {
	// The process lists its own fds through a child (ls), so that the
	// listing opens nothing in the process listed.
	lister := []string{"sh", "-c", `ls -l /proc/$$/fd; echo end`}
	modes := []string{"run", "run -d", "create+start", "exec", "exec -d"}
	for _, preserve := range []int{0, 2} {
		for _, mode := range modes {
			t.Run(fmt.Sprintf("%s preserve-fds %d", mode, preserve), func(t *testing.T) {
				asRunc(t, nil, func(t *testing.T, e *env) {
					checkFds(t, e, mode, preserve, lister)
				})
			})
		}
	}
}

func checkFds(t *testing.T, e *env, mode string, preserve int, lister []string) {
	dir := t.TempDir()
	leakPath := filepath.Join(dir, "run.lock")
	// Not O_CLOEXEC: inherited by the runtime, as a careless caller's.
	leak, err := unix.Open(leakPath, unix.O_RDWR|unix.O_CREAT, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	leakFile := os.NewFile(uintptr(leak), leakPath)
	defer leakFile.Close()
	var extra []*os.File
	var preserved []string
	for i := range preserve {
		p := filepath.Join(dir, fmt.Sprintf("preserved-%d", i))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		extra = append(extra, f)
		preserved = append(preserved, p)
	}
	// The leak at the runtime's fd 9, after a gap of closed fds.
	for len(extra) < 6 {
		extra = append(extra, nil)
	}
	extra = append(extra, leakFile)
	out := e.tempFile()
	defer out.Close()
	// Output to a file in the bundle: a detached process keeps the
	// stdio it was given.
	outPath := out.Name()
	pfd := []string{"--preserve-fds", strconv.Itoa(preserve)}
	runOut := func(args ...string) result {
		t.Helper()
		cmd := exec.Command(e.bin, append([]string{"--root", e.root}, args...)...)
		cmd.ExtraFiles = extra
		cmd.Stdout = out
		errf := e.tempFile()
		defer errf.Close()
		cmd.Stderr = errf
		err := cmd.Run()
		r := result{stderr: readAll(errf)}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	must := func(args ...string) {
		t.Helper()
		if r := runOut(args...); r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	first := lister
	if strings.HasPrefix(mode, "exec") {
		first = []string{"sleep", "100"}
	}
	e.spec.Process.Args = first
	e.writeSpec()
	switch mode {
	case "run":
		must(append(append([]string{"run"}, pfd...), "--bundle", e.bundle, "ctr")...)
	case "run -d":
		must(append(append([]string{"run", "-d"}, pfd...), "--bundle", e.bundle, "ctr")...)
	case "create+start":
		must(append(append([]string{"create"}, pfd...), "--bundle", e.bundle, "ctr")...)
		pid := e.state("ctr").Pid
		ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, ent := range ents {
			if target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, ent.Name())); target == leakPath {
				t.Errorf("created container's init holds the caller's leaked fd as its fd %s", ent.Name())
			}
		}
		must("start", "ctr")
	case "exec", "exec -d":
		e.must("run", "-d", "--bundle", e.bundle, "ctr")
		args := []string{"exec"}
		if mode == "exec -d" {
			args = append(args, "-d")
		}
		must(append(append(append(args, pfd...), "ctr"), lister...)...)
	}
	// Wait for the lister's last line.
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(outPath)
		text = string(data)
		if strings.HasSuffix(text, "end\n") || time.Now().After(deadline) {
			break
		}
	}
	if !strings.HasSuffix(text, "end\n") {
		t.Fatalf("no fd listing from the container: %q", text)
	}
	seen := map[int]string{}
	for _, l := range strings.Split(strings.TrimSuffix(text, "end\n"), "\n") {
		// "lrwx------ 1 root root 64 Nov 30 10:44 3 -> /path"
		f := strings.Fields(l)
		i := slices.Index(f, "->")
		if i < 1 || i+1 >= len(f) {
			continue
		}
		fd, err := strconv.Atoi(f[i-1])
		if err != nil {
			continue
		}
		seen[fd] = strings.Join(f[i+1:], " ")
	}
	for fd, target := range seen {
		switch {
		case target == leakPath:
			t.Errorf("the caller's leaked fd reached the container as fd %d", fd)
		case fd <= 2:
		case fd < 3+preserve:
			if target != preserved[fd-3] {
				t.Errorf("preserved fd %d is %q, want %q", fd, target, preserved[fd-3])
			}
		default:
			t.Errorf("fd %d -> %q reached the container (listing %q)", fd, target, text)
		}
	}
	for i := range preserve {
		if _, ok := seen[3+i]; !ok {
			t.Errorf("preserved fd %d missing (listing %q)", 3+i, text)
		}
	}
}

// assertExecError: a failed exec is one line "gorunc: exec failed: ..."
// naming want, exit 255 (runc's fatalWithCode(err, 255)).
func assertExecError(t *testing.T, r result, want string) {
	t.Helper()
	assertErrorLine(t, r, 255, "gorunc: exec failed: ", want)
}

// TestUnknownCapabilityWarnsAsRunc: a capability name this build or kernel
// does not know is left out with runc 1.5's warning, and the container
// runs (gorunc refused the config); exec --cap the same. The known ones are
// still applied exactly.
func TestUnknownCapabilityWarnsAsRunc(t *testing.T) {
	const warning = "ignoring unknown or unavailable capabilities: [CAP_BOGUS]"
	asRunc(t, []string{"sh", "-c", "grep CapBnd /proc/self/status"}, func(t *testing.T, e *env) {
		caps := []string{"CAP_KILL", "CAP_BOGUS"}
		e.spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
		e.writeSpec()
		r := e.run("run", "--bundle", e.bundle, "uc")
		if r.code != 0 || !strings.Contains(r.stderr, warning) {
			t.Fatalf("run: exit %d, stderr %q; want 0 and the warning", r.code, r.stderr)
		}
		// CAP_KILL is bit 5.
		if !strings.Contains(r.stdout, "0000000000000020") {
			t.Errorf("bounding set %q, want CAP_KILL alone", r.stdout)
		}
		e.spec.Process.Args = []string{"sleep", "100"}
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "ucx")
		r = e.run("exec", "--cap", "CAP_BOGUS", "ucx", "true")
		if r.code != 0 || !strings.Contains(r.stderr, warning) {
			t.Errorf("exec --cap CAP_BOGUS: exit %d, stderr %q; want 0 and the warning", r.code, r.stderr)
		}
	})
}
