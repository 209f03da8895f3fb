package integration

import (
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
	return e.beforeGo("start", id, goStart, wrap, flags...)
}

// beforeGo is start for command cmd.
func (e *env) beforeGo(cmd, id string, goStart bool, wrap []string, flags ...string) startRun {
	e.t.Helper()
	args := flags
	if !slices.Contains(flags, "--root") {
		args = append([]string{"--root", e.root}, flags...)
	}
	if goStart {
		args = append(args, "--debug")
	}
	argv := append(append(append(wrap, e.bin), args...), cmd, id)
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, errf := e.tempFile(), e.tempFile()
	defer out.Close()
	defer errf.Close()
	c.Stdout, c.Stderr = out, errf
	r := resultOf(e.t, "gorunc "+cmd+" "+id, c.Run(), out, errf)
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
				e := newEnv(t, "sleep", "100")
				if c.spec != nil {
					c.spec(e.spec)
				}
				e.writeSpec()
				id := "sc"
				e.must("create", "--bundle", e.bundle, id)
				if c.prepare != nil {
					c.prepare(t, e, id)
				}
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
			goRun, preRun := got[0], got[1]
			if !goRun.goRan {
				t.Fatalf("--debug start did not run Go: the comparison has no reference")
			}
			if preRun.goRan == c.preGo {
				t.Errorf("start ran the Go runtime: %v, want %v", preRun.goRan, !c.preGo)
			}
			if preRun.code != goRun.code || preRun.stderr != goRun.stderr {
				t.Errorf("start before Go: exit %d %q; Go's: exit %d %q", preRun.code, preRun.stderr, goRun.code, goRun.stderr)
			}
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
			goRun := e.beforeGo("state", id, true, nil, flags...)
			preRun := e.beforeGo("state", id, false, nil, flags...)
			if !goRun.goRan {
				t.Fatalf("--debug state did not run Go: the comparison has no reference")
			}
			if preRun.goRan == c.preGo {
				t.Errorf("state ran the Go runtime: %v, want %v", preRun.goRan, !c.preGo)
			}
			if preRun.code != goRun.code || preRun.stdout != goRun.stdout || preRun.stderr != goRun.stderr {
				t.Errorf("state before Go: exit %d %q %q\nGo's: exit %d %q %q", preRun.code, preRun.stdout, preRun.stderr, goRun.code, goRun.stdout, goRun.stderr)
			}
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
