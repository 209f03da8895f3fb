//go:build faultinject

package runtime

import (
	"os"

	"golang.org/x/sys/unix"
)

// faultEnv names the crash point a test wants: with _GORUNC_TEST_FAULT=NAME
// in the environment of a gorunc built with -tags faultinject,
// faultPoint(NAME) SIGKILLs gorunc itself there, as a crash or an OOM kill
// of the runtime would at that step (tests/integration/faults_test.go).
// The production build has no such variable (fault.go).
//
// Points: "after-cgroup" (create: cgroup made, its limits not yet
// written; on v1 init is started already), "after-spawn" (create: init
// started, its config not yet sent, on v1 its cgroup not yet made),
// "before-pidfile" (create: init ready and waiting on the exec fifo, pid
// file not yet written).
//
// NAME:segv faults there instead, with a nil pointer dereference: a fault
// of gorunc's own, which must still reach the Go runtime (a panic, exit
// 2) where a foreground run or exec catches signals in C (nsexec/sigs.c).
const faultEnv = "_GORUNC_TEST_FAULT"

// faultPoint kills the calling process with SIGKILL when the test fault
// named name is armed. SIGKILL, not os.Exit: no deferred cleanup runs,
// exactly as in a real crash.
func faultPoint(name string) {
	switch os.Getenv(faultEnv) {
	case name:
		unix.Kill(os.Getpid(), unix.SIGKILL)
		select {} // SIGKILL is delivered before kill(2) returns to user space; never reached
	case name + ":segv":
		var p *[1]byte
		nilDeref = p[0]
	}
}

// nilDeref keeps the faulting load from being optimized away.
var nilDeref byte
