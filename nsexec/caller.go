//go:build cgo && linux

package nsexec

// extern unsigned long gorunc_caller_slack;
// extern int gorunc_cpus_pinned;
// extern int gorunc_restore_cpus(void);
import "C"

import (
	"fmt"
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"
)

// callerSlack is the timer slack this process was started with, read by
// the constructor before it raised the CLI's (nsenter.c, "Timer slack");
// 0 where it did not raise it (init, exec-init, a realtime caller), so
// that this process's threads all have the slack its children need.
var callerSlack = uint64(C.gorunc_caller_slack)

// cpusErr is why this process's threads could not all get the caller's
// CPU mask back from the one CPU the constructor pinned the CLI to
// (nsenter.c, "One P for the CLI"): nil when they have it, or were never
// pinned. Given back in nsexec's package init, before main runs and any
// child is started; StartAsCaller starts none after a failure.
var cpusErr = restoreCallerCPUs()

func restoreCallerCPUs() error {
	if C.gorunc_cpus_pinned == 0 {
		return nil
	}
	if rc := C.gorunc_restore_cpus(); rc != 0 {
		return fmt.Errorf("give the CLI's threads the caller's CPU affinity back: %w", unix.Errno(-rc))
	}
	return nil
}

// StartAsCaller calls fn, which starts child processes (exec.Cmd.Start,
// os.StartProcess), as the caller of gorunc would have: from a thread with
// the caller's timer slack and CPU mask, the two the constructor changed
// for the CLI itself (nsenter.c). A child inherits the slack of the thread
// that clones it and keeps it across execve; the CLI runs with a raised
// one, which the container's processes, hooks and helpers must not get.
// The mask was given back to every thread in the package's init; when
// that failed (cpusErr) no child is started, as it would get the one CPU
// the CLI started on.
func StartAsCaller(fn func() error) error {
	if cpusErr != nil {
		return cpusErr
	}
	if callerSlack == 0 {
		return fn()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// PR_GET_TIMERSLACK cannot fail; if it did, the child gets the
	// thread's slack as before this was done.
	cur, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil || uint64(cur) == callerSlack {
		return fn()
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(callerSlack), 0, 0, 0); err != nil {
		return fmt.Errorf("set the caller's timer slack for a child: %w", err)
	}
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(cur), 0, 0, 0) //nolint:errcheck // the thread's own slack back: best effort
	return fn()
}

// CombinedOutput is exec.Cmd.CombinedOutput for a helper gorunc runs and
// reads (ps, busctl, newuidmap): started through StartAsCaller, waited
// for on any thread.
func CombinedOutput(cmd *exec.Cmd) ([]byte, error) {
	return combinedOutput(cmd, StartAsCaller)
}
