package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// startSleeper runs a detached `sleep 100` container named id. A bind
// mount of a fresh directory at /run/marker exists only in the container's
// mount namespace.
func startSleeper(t *testing.T, id string) *env {
	t.Helper()
	e := newEnv(t, "sleep", "100")
	marker := t.TempDir()
	if err := os.WriteFile(filepath.Join(marker, "file"), []byte("only-in-container"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/run", Type: "bind", Source: marker, Options: []string{"rbind", "ro"}})
	e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, id)
	e.waitStatus(id, "running")
	return e
}

func procCgroup(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestExecSeesContainer(t *testing.T) {
	e := startSleeper(t, "ex")
	out := e.must("exec", "ex", "sh", "-c",
		`hostname; tr '\0' ' ' </proc/1/cmdline; echo; cat /run/file; echo; echo pid=$$; cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup`)
	parts := strings.SplitN(out, "---\n", 2)
	lines := strings.Split(parts[0], "\n")
	if len(parts) != 2 || len(lines) < 4 {
		t.Fatalf("output %q", out)
	}
	if lines[0] != "testhost" {
		t.Errorf("hostname %q, want the container's testhost", lines[0])
	}
	if lines[1] != "sleep 100 " {
		t.Errorf("pid 1 is %q, want the container's init (sleep 100)", lines[1])
	}
	if lines[2] != "only-in-container" {
		t.Errorf("/run/file %q: not in the container's mount namespace", lines[2])
	}
	if lines[3] == "pid=" || len(lines[3]) > len("pid=999") {
		t.Errorf("%s: not a pid of the container's pid namespace", lines[3])
	}
	self := strings.Join(lines[4:], "\n")
	if self != parts[1] {
		t.Errorf("cgroup of the exec'd process\n%s\ndiffers from init's\n%s", self, parts[1])
	}

	// The host's view too: the same cgroup directories as init.
	pidFile := filepath.Join(t.TempDir(), "pid")
	e.must("exec", "-d", "--pid-file", pidFile, "ex", "sleep", "100")
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid := atoi(t, string(data))
	if !alive(pid) {
		t.Fatalf("detached exec'd process %d is not running", pid)
	}
	init := e.state("ex").Pid
	if got, want := procCgroup(t, pid), procCgroup(t, init); got != want {
		t.Errorf("host view: exec'd process in\n%s\ninit in\n%s", got, want)
	}
	for _, ns := range []string{"mnt", "pid", "net", "ipc", "uts", "cgroup"} {
		a, _ := os.Readlink("/proc/" + itoa(pid) + "/ns/" + ns)
		b, _ := os.Readlink("/proc/" + itoa(init) + "/ns/" + ns)
		if a != b || a == "" {
			t.Errorf("%s namespace: exec'd %q, init %q", ns, a, b)
		}
	}
	e.must("delete", "--force", "ex")
	waitGone(t, pid)
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); alive(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("exec'd process %d still alive after delete --force", pid)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(strings.TrimSpace(s)), &n); err != nil || n <= 0 {
		t.Fatalf("not a pid: %q", s)
	}
	return n
}

func TestExecExitCode(t *testing.T) {
	e := startSleeper(t, "code")
	for _, c := range []struct {
		script string
		want   int
	}{
		{"exit 0", 0}, {"exit 3", 3}, {"kill -9 $$", 137}, {"kill -TERM $$", 143},
	} {
		if r := e.run("exec", "code", "sh", "-c", c.script); r.code != c.want {
			t.Errorf("%s: exit %d, want %d (stderr %q)", c.script, r.code, c.want, r.stderr)
		}
	}
}

func TestExecFlagsAndProcessFile(t *testing.T) {
	e := startSleeper(t, "pf")
	script := `id -u; id -G; pwd; echo "$FOO"`
	out := e.must("exec", "-e", "FOO=from-flag", "--cwd", "/tmp", "-u", "1000:1001", "--additional-gids", "5",
		"--no-new-privs", "pf", "sh", "-c", script)
	if want := "1000\n1001 5\n/tmp\nfrom-flag\n"; out != want {
		t.Errorf("flags: output %q, want %q", out, want)
	}
	p := specs.Process{
		Args: []string{"sh", "-c", script},
		Env:  []string{"PATH=/bin", "FOO=from-file"},
		Cwd:  "/etc",
		User: specs.User{UID: 2000, GID: 2001},
	}
	data, _ := json.Marshal(p)
	file := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out = e.must("exec", "--process", file, "pf")
	if want := "2000\n2001\n/etc\nfrom-file\n"; out != want {
		t.Errorf("--process: output %q, want %q", out, want)
	}
}

func TestExecNotRunning(t *testing.T) {
	e := startSleeper(t, "np")
	e.must("pause", "np")
	assertExecError(t, e.run("exec", "np", "true"), "cannot exec in a paused container (use --ignore-paused to override)")
	e.must("resume", "np")
	e.must("exec", "np", "true")
	e.must("kill", "np", "KILL")
	e.waitStatus("np", "stopped")
	assertExecError(t, e.run("exec", "np", "true"), "cannot exec in a stopped container")
}

func TestExecCreatedContainer(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "cr")
	if out := e.must("exec", "cr", "hostname"); out != "testhost\n" {
		t.Errorf("exec in created container: %q", out)
	}
	if s := e.state("cr"); s.Status != "created" {
		t.Errorf("exec changed the status to %s", s.Status)
	}
}

func TestExecBadInput(t *testing.T) {
	e := startSleeper(t, "bad")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-u", "abc", "bad", "id"}, `--user "abc": want UID[:GID] as numbers`},
		{[]string{"-u", "1:x", "bad", "id"}, `--user "1:x": want UID[:GID] as numbers`},
		{[]string{"--additional-gids", "g", "bad", "id"}, `--additional-gids "g": not a number`},
		{[]string{"bad"}, "no command given"},
		{[]string{"nosuch", "true"}, "container does not exist"},
		{[]string{"bad", "/no/such/binary"}, `exec: "/no/such/binary": stat /no/such/binary: no such file or directory`},
		{[]string{"--cwd", "/no/such/dir", "bad", "true"}, "process.cwd /no/such/dir: no such file or directory"},
		{[]string{"--process", "/no/such/file", "bad"}, "--process: open /no/such/file: no such file or directory"},
	} {
		assertExecError(t, e.run(append([]string{"exec"}, c.args...)...), c.want)
	}
	// A usage error is not an exec failure: 1, as with runc.
	assertOneLineError(t, e.run("exec"), "exec: usage")
	if s := e.state("bad"); s.Status != "running" {
		t.Errorf("after bad input the container is %s", s.Status)
	}
}

func TestExecTty(t *testing.T) {
	e := startSleeper(t, "tty")
	// Foreground: gorunc proxies its own stdio (here not a terminal).
	r := e.run("exec", "-t", "tty", "sh", "-c", "tty; exit 4")
	if r.code != 4 || !strings.Contains(r.stdout, "/dev/pts/") {
		t.Errorf("exec -t: exit %d, stdout %q, stderr %q; want 4 and a /dev/pts tty", r.code, r.stdout, r.stderr)
	}
	// Detached with a console socket, as containerd's shim does it.
	cs := newConsoleSocket(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	e.must("exec", "-d", "-t", "--console-socket", cs.path, "--pid-file", pidFile, "tty",
		"sh", "-c", `tty; read x; echo "got-$x"`)
	tm := newTerm(t, cs.recv(t))
	tm.expect("/dev/pts/")
	tm.send("hello\n")
	tm.expect("got-hello")
	data, _ := os.ReadFile(pidFile)
	waitGone(t, atoi(t, string(data)))

	assertExecError(t, e.run("exec", "-t", "-d", "tty", "true"), "--tty with --detach needs --console-socket")
	assertExecError(t, e.run("exec", "--console-socket", cs.path, "tty", "true"), "--console-socket needs --tty")
}

// TestExecForwardsSignals: signals to a foreground exec reach the exec'd
// process (one forwarded, one the Go runtime would die of were it not
// registered), whose exit status exec then reports.
func TestExecForwardsSignals(t *testing.T) {
	e := startSleeper(t, "es")
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(e.bin, "--root", e.root, "exec", "es", "sh", "-c",
		"trap 'echo got-usr1' USR1; trap 'echo got-term; exit 42' TERM; echo ready; while true; do sleep 0.1; done")
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitContains(out, "ready", 10*time.Second)
	cmd.Process.Signal(syscall.SIGUSR1)
	waitContains(out, "got-usr1", 10*time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("exec still runs 10 s after SIGTERM; output %q", readAll(out))
	}
	if code := cmd.ProcessState.ExitCode(); code != 42 || !strings.Contains(readAll(out), "got-usr1\ngot-term") {
		t.Errorf("exit %d, output %q; want 42 after got-usr1 and got-term", code, readAll(out))
	}
}

// TestExecOOMScoreAdjAsRunc: an exec'd process gets the container's
// process.oomScoreAdj, as runc's (its nsexec writes the config's into each
// exec's helper), not the caller's; raised, which needs no privilege.
// Fails on 269a6a2 (the exec'd process had gorunc's own, 0 here).
func TestExecOOMScoreAdjAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		adj := 500
		e.spec.Process.OOMScoreAdj = &adj
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "oom")
		if out := e.must("exec", "oom", "cat", "/proc/self/oom_score_adj"); out != "500\n" {
			t.Errorf("exec'd process's oom_score_adj %q, want 500", out)
		}
		p := filepath.Join(t.TempDir(), "process.json")
		data, _ := json.Marshal(specs.Process{Args: []string{"cat", "/proc/self/oom_score_adj"}, Cwd: "/", Env: []string{"PATH=/bin"}})
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out := e.must("exec", "--process", p, "oom"); out != "500\n" {
			t.Errorf("exec --process: oom_score_adj %q, want the container's 500", out)
		}
	})
}
