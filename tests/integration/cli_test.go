package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestVersion(t *testing.T) {
	e := newEnv(t)
	for _, flag := range []string{"--version", "-v"} {
		out := e.must(flag)
		lines := strings.Split(out, "\n")
		if !strings.HasPrefix(lines[0], "gorunc version ") || !strings.Contains(out, "\nspec: 1.") {
			t.Errorf("%s: %q, want runc's shape", flag, out)
		}
	}
}

// TestJSONLogOnError: containerd's shim reads the last error-level line of
// the JSON log as the reason a command failed.
func TestJSONLogOnError(t *testing.T) {
	e := newEnv(t)
	logPath := filepath.Join(t.TempDir(), "log.json")
	r := e.run("--log", logPath, "--log-format", "json", "start", "missing")
	if r.code != 1 {
		t.Fatalf("exit %d", r.code)
	}
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var entry map[string]string
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &entry); err != nil {
		t.Fatalf("last log line is not JSON: %q", lines[len(lines)-1])
	}
	if entry["level"] != "error" || !strings.Contains(entry["msg"], "does not exist") || entry["time"] == "" {
		t.Errorf("log entry %v, want level=error, the message and a time", entry)
	}
}

func TestSpec(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	e.must("spec", "--bundle", dir)
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["ociVersion"] == nil || cfg["process"] == nil || cfg["linux"] == nil {
		t.Errorf("spec wrote %s", data)
	}
	assertOneLineError(t, e.run("spec", "--bundle", dir), "File config.json exists. Remove it first")
	rootless := t.TempDir()
	e.must("spec", "--rootless", "--bundle", rootless)
	if data, _ := os.ReadFile(filepath.Join(rootless, "config.json")); !strings.Contains(string(data), "uidMappings") {
		t.Errorf("spec --rootless has no uid mappings")
	}
}

func TestNoPivot(t *testing.T) {
	e := newEnv(t, "sh", "-c", "cat /proc/self/mountinfo | wc -l; ls /")
	e.writeSpec()
	r := e.run("run", "--no-pivot", "--bundle", e.bundle, "np")
	if r.code != 0 || !strings.Contains(r.stdout, "bin") {
		t.Fatalf("run --no-pivot: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestPreserveFDs: fd 3 of the caller reaches the process as fd 3, and
// nothing else of the caller's or the runtime's does.
func TestPreserveFDs(t *testing.T) {
	e := newEnv(t, "sh", "-c", "cat <&3; ls /proc/self/fd | tr '\\n' ' '")
	e.writeSpec()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pw.WriteString("through-fd-3\n")
	pw.Close()
	defer pr.Close()
	cmd := exec.Command(e.bin, "--root", e.root, "run", "--preserve-fds", "1", "--bundle", e.bundle, "pf")
	cmd.ExtraFiles = []*os.File{pr}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(string(out), "through-fd-3") {
		t.Errorf("fd 3 did not reach the process: %q", out)
	}
	// 0 1 2, the preserved 3, and ls's own directory fd.
	fds := strings.Fields(strings.SplitN(string(out), "\n", 2)[1])
	if len(fds) != 5 {
		t.Errorf("open fds in the container: %v, want 0 1 2 3 and ls's own", fds)
	}
}

// TestRunForwardsSignals: a signal to the foreground gorunc reaches the
// container's process, whose exit status gorunc then reports.
func TestRunForwardsSignals(t *testing.T) {
	e := newEnv(t, "sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; while true; do sleep 0.1; done")
	e.writeSpec()
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(e.bin, "--root", e.root, "run", "--bundle", e.bundle, "sig")
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitContains(out, "ready", 10*time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 42 || !strings.Contains(readAll(out), "got-term") {
		t.Errorf("exit %d, output %q; want 42 after got-term", code, readAll(out))
	}
}

// TestRunForwardsSignalsDuringCreate: SIGTERM reaching the foreground
// gorunc once init exists (here from a createRuntime hook, whose parent is
// gorunc) is held and forwarded after start, never gorunc's death: run
// catches every signal it forwards before it starts init
// (runtime.forwardSignals). The process may see the signal before its trap is set (exit
// 143, 128+SIGTERM) or after (43); gorunc reports either, alive. No pid
// namespace: the kernel drops a signal to a namespace's pid 1 that has no
// handler for it yet, which would leave the outcome to that race.
func TestRunForwardsSignalsDuringCreate(t *testing.T) {
	e := newEnv(t, "sh", "-c", "trap 'echo got-term; exit 43' TERM; while true; do sleep 0.1; done")
	e.spec.Linux.Namespaces = slices.DeleteFunc(e.spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == specs.PIDNamespace })
	e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "kill -TERM $PPID"}}}}
	e.writeSpec()
	cmd := exec.Command(e.bin, "--root", e.root, "run", "--bundle", e.bundle, "sigc")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		e.run("delete", "-f", "sigc")
		t.Fatalf("run still waits 20 s after the hook's SIGTERM: the signal was not forwarded; output %q", out.String())
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		e.run("delete", "-f", "sigc")
		t.Fatalf("gorunc run died of %v sent once init existed; output %q", ws.Signal(), out.String())
	}
	if code := ws.ExitStatus(); code != 43 && code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit %d, output %q; want 43 (trapped) or 143 (before the trap)", code, out.String())
	}
}

// TestRunForwardsSignalsAsRunc: the signals a foreground run forwards to
// the container's process are runc 1.5's: every one a program can catch,
// sent by kill, those the Go runtime would take for a fault of its own
// (SIGSEGV, SIGBUS, ...) included, but SIGURG, SIGPROF and SIGWINCH (runc
// resizes a terminal on it and forwards it never). Not sent: SIGCHLD
// (the container's shell gets its own), 32 and 33 (the C library's; both
// runtimes die of them), and 34, of which runc 1.5.1's CLI dies too,
// leaving its container running: gorunc forwards it (checked alone).
// Catching them in C (nsexec/sigs.c) must not change the set: the first
// build forwarded SIGWINCH without a terminal.
func TestRunForwardsSignalsAsRunc(t *testing.T) {
	var sigs []int
	for n := 1; n <= 64; n++ {
		switch syscall.Signal(n) {
		case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, 32, 33, 34:
			continue
		}
		sigs = append(sigs, n)
	}
	traps := "for n in 34"
	for _, n := range sigs {
		traps += " " + strconv.Itoa(n)
	}
	traps += `; do trap "echo got-$n" $n; done; echo ready; while :; do sleep 0.05; done`
	asRunc(t, []string{"sh", "-c", traps}, func(t *testing.T, e *env) {
		e.writeSpec()
		out, err := os.CreateTemp(t.TempDir(), "out")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(e.bin, "--root", e.root, "run", "--bundle", e.bundle, "fwd")
		cmd.Stdout = out
		run := startCmd(t, cmd)
		defer func() {
			e.run("kill", "fwd", "KILL")
			if exited, _ := run.within(10 * time.Second); !exited {
				run.kill(false)
				t.Errorf("run did not end 10 s after the container was killed")
			}
			e.run("delete", "-f", "fwd")
		}()
		if !waitContains(out, "ready\n", 10*time.Second) {
			t.Fatalf("container not ready in 10 s: %q", readAll(out))
		}
		var want []int
		for _, n := range sigs {
			switch syscall.Signal(n) {
			case syscall.SIGURG, syscall.SIGPROF, syscall.SIGWINCH:
				continue
			}
			want = append(want, n)
		}
		send := sigs
		if e.bin == os.Getenv("GORUNC") {
			send = append([]int{34}, sigs...)
		}
		// Each waited for (a loaded host may take a while), those runc
		// drops briefly; the set is read from the output at the end, so
		// a late one still counts.
		for _, n := range send {
			cmd.Process.Signal(syscall.Signal(n))
			wait := 500 * time.Millisecond
			if n == 34 || slices.Contains(want, n) {
				wait = 5 * time.Second
			}
			waitContains(out, "got-"+strconv.Itoa(n)+"\n", wait)
		}
		var got []int
		output := readAll(out)
		for _, n := range sigs {
			if strings.Contains(output, "got-"+strconv.Itoa(n)+"\n") {
				got = append(got, n)
			}
		}
		if e.bin == os.Getenv("GORUNC") && !strings.Contains(output, "got-34\n") {
			t.Errorf("signal 34 not forwarded")
		}
		if !slices.Equal(got, want) {
			t.Errorf("forwarded %v, want %v", got, want)
		}
	})
}

// TestFaultPanicWhileForwarding: a fault of gorunc's own while a
// foreground run forwards signals (a nil pointer dereference at a fault
// point of the fault build, init started) is still the Go runtime's: a
// panic, exit 2, not a handler that swallows it and returns to the
// faulting instruction forever (nsexec/sigs.c hands a fault-reporting
// SIGSEGV to the handler it replaced). With a terminal (gorunc proxies
// it) and with stdio pipes, whose copies run's deferred wait used to wait
// for for good: gorunc still held the process's ends (stdio.finish).
func TestFaultPanicWhileForwarding(t *testing.T) {
	bin := faultBin(t)
	for _, terminal := range []bool{true, false} {
		t.Run(map[bool]string{true: "terminal", false: "stdio pipes"}[terminal], func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.spec.Process.Terminal = terminal
			e.writeSpec()
			cmd := exec.Command(bin, "--root", e.root, "run", "--bundle", e.bundle, "fpanic")
			cmd.Env = append(os.Environ(), "_GORUNC_TEST_FAULT=after-spawn:segv")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			run := startCmd(t, cmd)
			exited, err := run.within(20 * time.Second)
			if !exited {
				run.kill(true)
			}
			e.run("delete", "-f", "fpanic")
			if !exited {
				t.Fatalf("run still runs 20 s after its fault; stderr %q", stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "nil pointer dereference") {
				t.Errorf("run after its fault: %v, stderr %q; want exit 2 and the Go runtime's panic", err, stderr.String())
			}
			// init, never sent its config, exits on the closed pipe by itself.
			deadline := time.Now().Add(5 * time.Second)
			for len(groupPids(cmd.Process.Pid)) > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if left := groupPids(cmd.Process.Pid); len(left) > 0 {
				t.Errorf("processes %v of the panicked run left", left)
			}
		})
	}
}

// TestHookNotReadingStdinNoSigpipe: a hook that closes its stdin without
// reading the state must not make gorunc raise SIGPIPE, which a foreground
// run forwards to the container's process (which here would print
// got-pipe or die of it, exit 141). With a state larger than a pipe
// (a 200 KiB annotation) os/exec's copy hit that every time.
func TestHookNotReadingStdinNoSigpipe(t *testing.T) {
	for _, tt := range []struct {
		name       string
		annotation int
	}{{"small state", 0}, {"state larger than a pipe", 200 << 10}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", "trap 'echo got-pipe' PIPE; sleep 0.3; echo done")
			e.spec.Linux.Namespaces = slices.DeleteFunc(e.spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == specs.PIDNamespace })
			e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "exec 0<&-; sleep 0.1"}}}}
			if tt.annotation > 0 {
				e.spec.Annotations = map[string]string{"big": strings.Repeat("x", tt.annotation)}
			}
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "pipe")
			if r.code != 0 || strings.TrimSpace(r.stdout) != "done" {
				e.run("delete", "-f", "pipe")
				t.Errorf("exit %d, stdout %q, stderr %q; want 0 and done (no SIGPIPE forwarded)", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestKillAll(t *testing.T) {
	// No pid namespace: killing init alone would leave the children.
	e := newEnv(t, "sh", "-c", "sleep 100 & sleep 100 & wait")
	e.spec.Linux.Namespaces = e.spec.Linux.Namespaces[1:]
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "ka")
	var pids []int
	deadline := time.Now().Add(5 * time.Second)
	for len(pids) < 3 && time.Now().Before(deadline) {
		json.Unmarshal([]byte(e.must("ps", "--format", "json", "ka")), &pids)
		time.Sleep(10 * time.Millisecond)
	}
	if len(pids) != 3 {
		t.Fatalf("ps: %v, want init and two sleeps", pids)
	}
	e.must("kill", "--all", "ka", "KILL")
	e.waitStatus("ka", "stopped")
	deadline = time.Now().Add(5 * time.Second)
	for _, p := range pids {
		for alive(p) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(p) {
			t.Errorf("pid %d survived kill --all", p)
		}
	}
}
