package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// startRun is one `gorunc start` or `gorunc state`: its result, and
// whether the Go runtime ran in it (GODEBUG=inittrace=1 has the runtime print a line for each
// package init; a start done before the Go runtime prints none).
type startRun struct {
	result
	goRan bool
}

// start runs `gorunc [--root] [flags] start id` (--root e.root unless
// flags has one). goStart adds --debug, which the commands done before the
// Go runtime (nsexec/cli.c) leave to Go: the reference they are compared
// with. wrap, if any, runs the command (strace).
func (e *env) start(id string, goStart bool, wrap []string, flags ...string) startRun {
	e.t.Helper()
	return e.beforeGo([]string{"start", id}, goStart, wrap, flags...)
}

// beforeGo is start for the command words (command, its flags, the id,
// its arguments).
func (e *env) beforeGo(words []string, goStart bool, wrap []string, flags ...string) startRun {
	e.t.Helper()
	args := flags
	if !slices.Contains(flags, "--root") {
		args = append([]string{"--root", e.root}, flags...)
	}
	if goStart {
		args = append(args, "--debug")
	}
	argv := append(append(append(wrap, e.bin), args...), words...)
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, errf := e.tempFile(), e.tempFile()
	defer out.Close()
	defer errf.Close()
	c.Stdout, c.Stderr = out, errf
	r := resultOf(e.t, "gorunc "+strings.Join(words, " "), c.Run(), out, errf)
	var keep []string
	ran := false
	for _, l := range strings.Split(r.stderr, "\n") {
		switch {
		case strings.HasPrefix(l, "init "):
			ran = true
		case strings.HasPrefix(l, "gorunc: "):
			keep = append(keep, l)
		}
	}
	r.stderr = strings.Join(keep, "\n")
	return startRun{r, ran}
}

// createdFor is a created container id running sleep, its config changed
// by spec and the container then readied by prepare (each when not nil).
func createdFor(t *testing.T, id string, spec func(*specs.Spec), prepare func(*testing.T, *env, string)) *env {
	t.Helper()
	e := newEnv(t, "sleep", "100")
	if spec != nil {
		spec(e.spec)
	}
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, id)
	if prepare != nil {
		prepare(t, e, id)
	}
	return e
}

// compareBeforeGo: Go ran for the reference (--debug) and, as preGo says,
// not for the command before Go; both gave the same exit code, output and
// error line.
func compareBeforeGo(t *testing.T, cmd string, goRun, preRun startRun, preGo bool) {
	t.Helper()
	if !goRun.goRan {
		t.Fatalf("--debug %s did not run Go: the comparison has no reference", cmd)
	}
	if preRun.goRan == preGo {
		t.Errorf("%s ran the Go runtime: %v, want %v", cmd, preRun.goRan, !preGo)
	}
	if preRun.code != goRun.code || preRun.stdout != goRun.stdout || preRun.stderr != goRun.stderr {
		t.Errorf("%s before Go: exit %d %q %q\nGo's: exit %d %q %q", cmd, preRun.code, preRun.stdout, preRun.stderr, goRun.code, goRun.stdout, goRun.stderr)
	}
}

// TestStartBeforeGo compares `gorunc start` done before the Go runtime
// with Go's Store.Start on the same situations, side by side: the same exit
// code and error line, and the same container afterwards. The created
// container's start (with --log, with --systemd-cgroup's flag spelling)
// must not start Go at all; every other case must reach Go, whose words
// are the answer.
func TestStartBeforeGo(t *testing.T) {
	cases := []struct {
		name string
		// prepare readies the created container id (and the env's
		// config before create, when spec is set).
		spec    func(*specs.Spec)
		prepare func(t *testing.T, e *env, id string)
		flags   []string
		// preGo: start is done without the Go runtime.
		preGo   bool
		want    string // the error; "" for success
		running bool   // the container runs after
	}{
		{name: "created", preGo: true, running: true},
		{name: "created, --log json", flags: []string{"--log", "LOG", "--log-format=json"}, preGo: true, running: true},
		{name: "already running", prepare: func(t *testing.T, e *env, id string) { e.must("start", id) },
			want: "cannot start an already running container", running: true},
		{name: "init died", prepare: func(t *testing.T, e *env, id string) {
			syscall.Kill(e.state(id).Pid, syscall.SIGKILL)
			e.waitStatus(id, "stopped")
		}, want: "cannot start a container that has stopped"},
		{name: "paused", prepare: func(t *testing.T, e *env, id string) { e.must("pause", id) },
			want: "cannot start a container in the paused state"},
		{name: "poststart hook", spec: func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/true"}}}
		}, running: true},
		{name: "no such container", prepare: func(t *testing.T, e *env, id string) { e.must("delete", "--force", id) },
			want: "does not exist"},
		{name: "root not clean", flags: []string{"--root", "ROOT/"}, running: true},
		{name: "unknown flag", flags: []string{"--rootless", "false"}, running: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [2]startRun
			var logs [2]string
			for i, goStart := range []bool{true, false} {
				id := "sc"
				e := createdFor(t, id, c.spec, c.prepare)
				var flags []string
				for _, f := range c.flags {
					switch f {
					case "LOG":
						logs[i] = filepath.Join(t.TempDir(), "log.json")
						f = logs[i]
					case "ROOT/":
						f = e.root + "/"
					}
					flags = append(flags, f)
				}
				got[i] = e.start(id, goStart, nil, flags...)
				// The two runs' paths differ by the env's names only.
				got[i].stderr = strings.NewReplacer(e.root, "ROOT", e.cgroupsPath, "CGROUP").Replace(got[i].stderr)
				if c.want == "" && got[i].code != 0 {
					t.Fatalf("start (Go %v): exit %d: %s", goStart, got[i].code, got[i].stderr)
				}
				if c.want != "" {
					assertOneLineError(t, got[i].result, c.want)
				}
				if c.want != "does not exist" {
					st := e.state(id).Status
					if want := map[bool]string{true: "running", false: "stopped"}[c.running]; c.name != "paused" && st != want {
						t.Errorf("after start (Go %v): status %s, want %s", goStart, st, want)
					}
					if _, err := os.Lstat(filepath.Join(e.root, id, "exec.fifo")); c.running && !os.IsNotExist(err) {
						t.Errorf("after start (Go %v): exec.fifo still there (%v)", goStart, err)
					}
					e.must("delete", "--force", id)
				}
			}
			compareBeforeGo(t, "start", got[0], got[1], c.preGo)
			for i, l := range logs {
				if l == "" {
					continue
				}
				if data, err := os.ReadFile(l); err != nil {
					t.Errorf("--log file (Go %v): %v", i == 0, err)
				} else if i == 1 && len(data) != 0 {
					t.Errorf("--log of a start that succeeded: %q, want it empty", data)
				}
			}
		})
	}
}

// TestStartBeforeGoLocked: a container another command holds locked is
// Go's to wait for; start waits, then starts it once the lock is let go.
func TestStartBeforeGoLocked(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "lk")
	fd, err := unix.Open(filepath.Join(e.root, "lk"), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		unix.Close(fd)
	}()
	r := e.start("lk", false, nil)
	if r.code != 0 || !r.goRan {
		t.Fatalf("start of a locked container: exit %d, Go ran %v: %s", r.code, r.goRan, r.stderr)
	}
	if st := e.state("lk").Status; st != "running" {
		t.Errorf("status %s after start, want running", st)
	}
}

// TestStartBeforeGoFailsAfterFifo: once start has released init, a
// failure is its own to report, in Go's words: here the fifo's removal,
// refused by an immutable state directory. strace shows whose removal
// failed: cli.c's unlinkat is relative to the container's directory,
// os.Remove's is by path and followed by an rmdir.
func TestStartBeforeGoFailsAfterFifo(t *testing.T) {
	for _, tool := range []string{"chattr", "strace"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (scripts/install-deps.sh installs it)", tool)
		}
	}
	for _, goStart := range []bool{true, false} {
		e := newEnv(t, "sleep", "100")
		e.writeSpec()
		e.must("create", "--bundle", e.bundle, "ff")
		dir := filepath.Join(e.root, "ff")
		if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("chattr +i on %s: %v: %s (the file system has no immutable flag)", dir, err, out)
		}
		trace := filepath.Join(t.TempDir(), "trace")
		r := e.start("ff", goStart, []string{"strace", "-f", "-qq", "-e", "trace=unlinkat,unlink,rmdir", "-o", trace})
		exec.Command("chattr", "-i", dir).Run()
		assertOneLineError(t, r.result, "remove exec fifo: remove "+filepath.Join(dir, "exec.fifo")+": operation not permitted")
		data, _ := os.ReadFile(trace)
		byDir := regexp.MustCompile(`unlinkat\(\d+, "exec.fifo", 0\)\s*= -1 EPERM`).Match(data)
		if byDir == goStart {
			t.Errorf("start (Go %v): the removal was cli.c's: %v, want %v; strace:\n%s", goStart, byDir, !goStart, data)
		}
		e.must("delete", "--force", "ff")
	}
}

// TestStateBeforeGo compares `gorunc state` done before the Go runtime with
// Go's (--debug) byte for byte, in every status and with annotations (sorted,
// a repeated key's last value); what it leaves to Go (strings Go would
// escape, no such container) must reach Go.
func TestStateBeforeGo(t *testing.T) {
	cases := []struct {
		name string
		// config rewrites config.json's bytes; prepare readies the
		// created container.
		config  func(string) string
		prepare func(t *testing.T, e *env, id string)
		flags   []string
		preGo   bool
		status  string
	}{
		{name: "created", preGo: true, status: "created"},
		{name: "running", prepare: func(t *testing.T, e *env, id string) { e.must("start", id) }, preGo: true, status: "running"},
		{name: "paused", prepare: func(t *testing.T, e *env, id string) { e.must("pause", id) }, preGo: true, status: "paused"},
		{name: "stopped", prepare: func(t *testing.T, e *env, id string) {
			syscall.Kill(e.state(id).Pid, syscall.SIGKILL)
			e.waitStatus(id, "stopped")
		}, preGo: true, status: "stopped"},
		{name: "annotations", config: func(c string) string {
			return strings.Replace(c, "{", `{"annotations":{"org.b":"2","org.a":"1","org.b":"3","e":""},`, 1)
		}, flags: []string{"--log", "LOG", "--log-format", "json"}, preGo: true, status: "created"},
		{name: "annotation Go escapes", config: func(c string) string {
			return strings.Replace(c, "{", `{"annotations":{"a":"<b>"},`, 1)
		}, status: "created"},
		{name: "annotation outside ASCII", config: func(c string) string {
			return strings.Replace(c, "{", `{"annotations":{"a":"café"},`, 1)
		}, status: "created"},
		{name: "annotation with an escape", config: func(c string) string {
			return strings.Replace(c, "{", `{"annotations":{"a":"\u00e9"},`, 1)
		}, status: "created"},
		{name: "no such container", prepare: func(t *testing.T, e *env, id string) { e.must("delete", "--force", id) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.writeSpec()
			if c.config != nil {
				path := filepath.Join(e.bundle, "config.json")
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(c.config(string(data))), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			id := "st"
			e.must("create", "--bundle", e.bundle, id)
			if c.prepare != nil {
				c.prepare(t, e, id)
			}
			flags := slices.Clone(c.flags)
			if i := slices.Index(flags, "LOG"); i >= 0 {
				flags[i] = filepath.Join(t.TempDir(), "log.json")
			}
			goRun := e.beforeGo([]string{"state", id}, true, nil, flags...)
			preRun := e.beforeGo([]string{"state", id}, false, nil, flags...)
			compareBeforeGo(t, "state", goRun, preRun, c.preGo)
			if c.status != "" && !strings.Contains(preRun.stdout, `"status": "`+c.status+`"`) {
				t.Errorf("state says %q, want status %s", preRun.stdout, c.status)
			}
			if c.name == "annotations" && !strings.Contains(preRun.stdout, `"e": "",
    "org.a": "1",
    "org.b": "3"`) {
				t.Errorf("annotations not sorted, or not the last of a key: %s", preRun.stdout)
			}
			if i := slices.Index(c.flags, "LOG"); i >= 0 {
				if data, err := os.ReadFile(flags[i]); err != nil {
					t.Errorf("--log file: %v", err)
				} else if strings.Contains(string(data), `"level":"error"`) {
					t.Errorf("--log of a state that succeeded: %q", data)
				}
			}
		})
	}
}

// TestKillBeforeGo compares `gorunc kill` done before the Go runtime with
// Go's (--debug): the same exit code and error line, and the same effect
// on the container. A signal to init of a created or running container is
// done before Go; the rest (a SIGKILL for the whole cgroup, a paused or
// stopped container, words Go parses, a signal kill(2) refuses) must reach
// Go.
func TestKillBeforeGo(t *testing.T) {
	cases := []struct {
		name    string
		spec    func(*specs.Spec)
		prepare func(t *testing.T, e *env, id string)
		args    []string // after the id
		flags   []string // before kill (--all)
		preGo   bool
		want    string // the error; "" for success
		status  string // after
		stopped bool   // init is in state T after
	}{
		{name: "default signal", preGo: true, status: "stopped"}, // created init has no handler: TERM ends it
		{name: "KILL", args: []string{"KILL"}, preGo: true, status: "stopped"},
		{name: "sigstop", args: []string{"sigstop"}, preGo: true, status: "created", stopped: true},
		{name: "number", args: []string{"19"}, preGo: true, status: "created", stopped: true},
		{name: "running, TERM", prepare: func(t *testing.T, e *env, id string) { e.must("start", id) }, args: []string{"TERM"}, preGo: true, status: "running"},
		{name: "KILL without a pid namespace", spec: func(s *specs.Spec) {
			s.Linux.Namespaces = withoutNamespace(s.Linux.Namespaces, specs.PIDNamespace)
		}, args: []string{"9"}, status: "stopped"},
		{name: "paused, KILL", prepare: func(t *testing.T, e *env, id string) { e.must("pause", id) }, args: []string{"KILL"}, status: "stopped"},
		{name: "stopped", prepare: func(t *testing.T, e *env, id string) {
			syscall.Kill(e.state(id).Pid, syscall.SIGKILL)
			e.waitStatus(id, "stopped")
		}, args: []string{"TERM"}, want: "container not running", status: "stopped"},
		{name: "unknown signal", args: []string{"FOO"}, want: `unknown signal "FOO"`, status: "created"},
		{name: "signal kill(2) refuses", args: []string{"99"}, want: "unable to signal init: invalid argument", status: "created"},
		{name: "leading zero", args: []string{"019"}, status: "created", stopped: true},
		{name: "--all", flags: []string{"--all"}, args: []string{"KILL"}, status: "stopped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [2]startRun
			for i, goKill := range []bool{true, false} {
				id := "kc"
				e := createdFor(t, id, c.spec, c.prepare)
				pid := e.state(id).Pid
				got[i] = e.beforeGo(append(append(append([]string{"kill"}, c.flags...), id), c.args...), goKill, nil)
				r := got[i].result
				if c.want == "" && r.code != 0 {
					t.Fatalf("kill (Go %v): exit %d: %s", goKill, r.code, r.stderr)
				}
				if c.want != "" {
					assertOneLineError(t, got[i].result, c.want)
				}
				if c.status == "stopped" {
					e.waitStatus(id, "stopped")
				} else if st := e.state(id).Status; st != c.status {
					t.Errorf("after kill (Go %v): status %s, want %s", goKill, st, c.status)
				}
				if c.status != "stopped" {
					var ps procState
					deadline := time.Now().Add(2 * time.Second)
					for ps = readProcState(pid); (ps == 'T') != c.stopped && time.Now().Before(deadline); ps = readProcState(pid) {
						time.Sleep(10 * time.Millisecond)
					}
					if (ps == 'T') != c.stopped {
						t.Errorf("after kill (Go %v): init's state %c, want stopped %v", goKill, ps, c.stopped)
					}
				}
				e.must("delete", "--force", id)
			}
			compareBeforeGo(t, "kill", got[0], got[1], c.preGo)
		})
	}
}

type procState byte

// readProcState is /proc/PID/stat's state letter, 0 when it cannot be read.
func readProcState(pid int) procState {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0
	}
	return procState(data[i+2])
}

// TestListBeforeGo compares `gorunc list` done before the Go runtime with
// Go's (--debug) byte for byte: the table, the json and the ids, of an empty
// root and of containers in every status (with annotations, sorted, a
// repeated key's last value; an entry that is no container's, skipped by
// both). A root that holds what the C list leaves to Go (a string Go would
// escape, a create's directory to sweep, an unknown format, no root) must
// reach Go, whose answer is the reference.
func TestListBeforeGo(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	formats := [][]string{nil, {"-q"}, {"--quiet"}, {"-f", "json"}, {"--format", "json"}, {"--format=json"}, {"--format", "table"}, {"-q", "-f", "json"}}
	compare := func(t *testing.T, preGo bool, flags ...string) startRun {
		t.Helper()
		words := append([]string{"list"}, flags...)
		goRun := e.beforeGo(words, true, nil)
		preRun := e.beforeGo(words, false, nil)
		compareBeforeGo(t, strings.Join(words, " "), goRun, preRun, preGo)
		return preRun
	}
	t.Run("empty", func(t *testing.T) {
		for _, f := range formats {
			compare(t, true, f...)
		}
	})
	// An annotated created container, one running, one paused, one
	// stopped, each with a cgroup of its own; a file and a directory
	// that are no container's.
	base := e.spec.Linux.CgroupsPath
	configure := func(id string, annotations map[string]string) {
		e.spec.Linux.CgroupsPath = strings.Replace(base, "/", "-"+id+"/", 1)
		e.spec.Annotations = annotations
		e.writeSpec()
	}
	configure("l-created", map[string]string{"org.b": "2", "org.a": "1"})
	e.must("create", "--bundle", e.bundle, "l-created")
	configure("l-running", nil)
	e.must("run", "-d", "--bundle", e.bundle, "l-running")
	configure("l-paused", nil)
	e.must("run", "-d", "--bundle", e.bundle, "l-paused")
	e.must("pause", "l-paused")
	configure("l-stopped", nil)
	e.must("create", "--bundle", e.bundle, "l-stopped")
	syscall.Kill(e.state("l-stopped").Pid, syscall.SIGKILL)
	e.waitStatus("l-stopped", "stopped")
	if err := os.WriteFile(filepath.Join(e.root, "a-file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(e.root, "not an id"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Before the env's own cleanup, which deletes every entry.
	t.Cleanup(func() {
		os.Remove(filepath.Join(e.root, "a-file"))
		os.Remove(filepath.Join(e.root, "not an id"))
	})
	t.Run("statuses", func(t *testing.T) {
		for _, f := range formats {
			compare(t, true, f...)
		}
		out := compare(t, true, "-f", "json").stdout
		for _, want := range []string{`"id":"l-paused","pid":`, `"status":"paused"`, `"status":"created"`, `"status":"running"`,
			`"id":"l-stopped","pid":0,"status":"stopped"`, `"annotations":{"org.a":"1","org.b":"2"}`} {
			if !strings.Contains(out, want) {
				t.Errorf("list -f json has no %s: %s", want, out)
			}
		}
	})
	t.Run("many", func(t *testing.T) {
		// Enough for the list to be split between the CPUs (64 a part,
		// as ListStates' workers): copies of l-running's state under ids
		// of their own, removed after (they share its init and cgroup).
		data, err := os.ReadFile(filepath.Join(e.root, "l-running", "state.json"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 140 {
			id := fmt.Sprintf("l-copy-%03d", i)
			dir := filepath.Join(e.root, id)
			t.Cleanup(func() { os.RemoveAll(dir) })
			if err := os.Mkdir(dir, 0o711); err != nil {
				t.Fatal(err)
			}
			copied := strings.Replace(string(data), `"id":"l-running"`, `"id":"`+id+`"`, 1)
			if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(copied), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range formats {
			compare(t, true, f...)
		}
		if out := compare(t, true, "-q").stdout; strings.Count(out, "\n") != 144 || !strings.Contains(out, "l-copy-139\nl-created\n") {
			t.Errorf("list -q of 144 containers: %q", out)
		}
	})
	t.Run("Go's", func(t *testing.T) {
		compare(t, false, "--format", "yaml")
		compare(t, false, "--format")
		compare(t, false, "-f", "json", "extra")
		// Go's list sweeps it: the list without Go first, which must
		// leave it to Go.
		old := filepath.Join(e.root, fmt.Sprintf("~new~1~%d", time.Now().Add(-time.Hour).UnixNano()))
		if err := os.Mkdir(old, 0o700); err != nil {
			t.Fatal(err)
		}
		preRun := e.beforeGo([]string{"list"}, false, nil)
		goRun := e.beforeGo([]string{"list"}, true, nil)
		compareBeforeGo(t, "list", goRun, preRun, false)
		if _, err := os.Stat(old); err == nil {
			t.Errorf("list left %s, a create's directory an hour old", old)
		}
		// encoding/json writes "\u003c1\u003e": a string with escapes.
		configure("l-escaped", map[string]string{"org.a": "<1>"})
		e.must("create", "--bundle", e.bundle, "l-escaped")
		for _, f := range formats {
			compare(t, false, f...)
		}
	})
	t.Run("no root", func(t *testing.T) {
		goRun := e.beforeGo([]string{"list"}, true, nil, "--root", filepath.Join(e.root, "missing"))
		preRun := e.beforeGo([]string{"list"}, false, nil, "--root", filepath.Join(e.root, "missing"))
		compareBeforeGo(t, "list", goRun, preRun, false)
		if goRun.code == 0 {
			t.Errorf("list of a missing root succeeded: %q", goRun.stdout)
		}
	})
}
