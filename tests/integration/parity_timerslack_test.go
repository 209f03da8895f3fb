package integration

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// callerSlack is the timer slack the tests start the runtimes with: not
// the kernel's default (50 us), so a child that got its slack from
// anything but its caller shows.
const callerSlack = 70001

// TestChildrenGetTheCallersTimerSlack: gorunc's CLI raises its own timer
// slack before the Go runtime starts (nsenter.c, "Timer slack"), and a
// thread's slack is inherited by what it clones and kept across execve.
// The container's process (under the setup program and under Go init),
// an exec'd process and a hook must still get the caller's slack, as
// runc's do; runc's CLI keeps the caller's, gorunc's runs with a larger
// one (the hook reads its parent, the CLI). Before the change the CLI
// kept the caller's slack (the last check fails there); with the raise
// and no nsexec.StartAsCaller every child had the CLI's (checked, both).
func TestChildrenGetTheCallersTimerSlack(t *testing.T) {
	runc, why := runc15()
	bins := []struct{ name, path string }{{"gorunc", ""}, {"gorunc-goinit", goInitWrapper(t)}, {"runc-1.5", runc}}
	for _, b := range bins {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "runc-1.5" && runc == "" {
				t.Skip(why)
			}
			out := t.TempDir()
			e := newEnv(t, "sh", "-c", "cat /proc/self/timerslack_ns > /out/init; exec sleep 60")
			if b.path != "" {
				e.bin = b.path
			}
			e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/out", Type: "bind", Source: out, Options: []string{"rbind", "rw"}})
			e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{
				Path: "/bin/sh",
				Args: []string{"sh", "-c", "cat /proc/self/timerslack_ns /proc/$PPID/timerslack_ns > " + filepath.Join(out, "hook")},
			}}}
			e.writeSpec()
			var ex result
			withTimerSlack(t, callerSlack, func() {
				if r := e.run("run", "-d", "--bundle", e.bundle, "ts"); r.code != 0 {
					t.Fatalf("run -d: exit %d: %s", r.code, r.stderr)
				}
				ex = e.run("exec", "ts", "cat", "/proc/self/timerslack_ns")
			})
			if ex.code != 0 {
				t.Fatalf("exec: exit %d: %s", ex.code, ex.stderr)
			}
			want := strconv.Itoa(callerSlack)
			if got := strings.TrimSpace(ex.stdout); got != want {
				t.Errorf("exec'd process's timer slack %s, want the caller's %s", got, want)
			}
			if got := waitWritten(t, filepath.Join(out, "init")); got != want {
				t.Errorf("container process's timer slack %s, want the caller's %s", got, want)
			}
			hook := strings.Fields(waitWritten(t, filepath.Join(out, "hook")))
			if len(hook) != 2 {
				t.Fatalf("hook wrote %q, want its slack and its parent's", hook)
			}
			if hook[0] != want {
				t.Errorf("hook's timer slack %s, want the caller's %s", hook[0], want)
			}
			cli, _ := strconv.Atoi(hook[1])
			switch {
			case b.name == "runc-1.5" && cli != callerSlack:
				t.Errorf("runc's CLI runs with timer slack %d, want the caller's %d", cli, callerSlack)
			case b.name != "runc-1.5" && cli <= callerSlack:
				t.Errorf("gorunc's CLI runs with timer slack %d, want its own, larger than the caller's %d", cli, callerSlack)
			}
		})
	}
}

// withTimerSlack runs fn, which starts the runtime, on a thread whose
// timer slack is ns, the thread's own slack restored after.
func withTimerSlack(t *testing.T, ns int, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatalf("PR_GET_TIMERSLACK: %v", err)
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(ns), 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_TIMERSLACK: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(old), 0, 0, 0) //nolint:errcheck // test thread
	fn()
}

// waitWritten is what a container or hook wrote to path, once it ends
// in a newline,
// waited for up to 10 s.
func waitWritten(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(data), "\n") {
			return strings.TrimSpace(string(data))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not written after 10 s (%v, %q)", path, err, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
