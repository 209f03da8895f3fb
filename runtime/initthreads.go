package runtime

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// Threads of init. A pids.max of the container's cgroup, or of a parent
// (a pod's, a systemd slice's TasksMax), counts every thread of `gorunc
// init` and `gorunc exec-init`, and a thread the Go runtime cannot create is
// fatal ("runtime/cgo: pthread_create failed: Resource temporarily
// unavailable"). Where each thread comes from (perf uprobes on runtime.newm
// with call chains, Go 1.26; numbers in docs/performance.md):
//
//	M0        the main thread; init()'s LockOSThread keeps the main
//	          goroutine on it (credentials, capabilities, seccomp and the
//	          namespaces init unshares are per-thread), and it execve()s.
//	sysmon    runtime.main starts it in every Go program.
//	template  runtime.main starts it in every cgo binary (nsenter.c is
//	          cgo); LockOSThread would start it too.
//	worker 1  runtime.main's gcenable blocks on a channel while the main
//	          goroutine is locked to M0 during package init: the P goes to
//	          a new M that runs bgsweep and bgscavenge. It then carries
//	          every hand-off: the locked main goroutine cannot run on it,
//	          so each time M0 gives up its P (sysmon retakes it from a
//	          syscall longer than a sysmon tick, preempts the goroutine
//	          after 10 ms, or the goroutine blocks) the P goes to worker 1
//	          and comes back to M0 through it.
//	worker 2+ a hand-off that finds worker 1 not yet parked again starts a
//	          new M. Worker 1 hands the P back to M0 with a futex wake and
//	          parks itself right after; the kernel lets the woken M0
//	          preempt it (wakeup preemption) when both share a CPU, and M0
//	          then reaches the next hand-off first. Measured: 18% of inits
//	          had a worker 2 from gcenable's second receive alone, and 1 in
//	          100 a worker 3, the 6th task that failed under pids.max=5.
//
// None of these is gorunc's code: init starts no goroutine, the GC never
// runs (its heap stays under the first GC goal; probes on runtime.gcStart
// never fired, so GOGC=off changes nothing) and GOMAXPROCS=1 leaves no
// idle P for a second M to run. What gorunc controls is the race for
// worker 2+: a SCHED_BATCH thread woken up does not preempt the running
// one (sched(7); kernel/sched/fair.c, check_preempt_wakeup_fair), so the
// worker parks before M0 runs. nsenter.c sets it before the Go runtime
// starts, when batchEnv asks, and init restores SCHED_OTHER on M0 before
// it becomes the container's process (restoreSched); createContainer hooks,
// which init runs before that, inherit SCHED_BATCH. The floor is 4 threads
// (M0, sysmon, template, worker 1); gcenable's race still gives 1 init in
// 50 a worker 2, in runtime.main before any gorunc code (its tid is below
// the template thread's).

// batchEnv asks nsenter.c for SCHED_BATCH (see above).
const batchEnv = "_GORUNC_BATCH"

// childEnv is the environment of init and exec-init: GOMAXPROCS=1, so the
// runtime has one P and no second M runs Go code beside M0, and batchEnv
// when gorunc itself runs under SCHED_OTHER (any other policy the child
// keeps, as runc's init keeps the runtime's).
func childEnv(syncFD int, extra ...string) []string {
	env := append(extra, syncEnv+"="+strconv.Itoa(syncFD), "GOMAXPROCS=1")
	if attr, err := unix.SchedGetAttr(0, 0); err == nil && attr.Policy == unix.SCHED_NORMAL {
		env = append(env, batchEnv+"=1")
	}
	return env
}

// restoreSched gives the calling thread (M0, the one that execve()s)
// SCHED_OTHER back when nsenter.c switched it to SCHED_BATCH, keeping its
// nice value; before the process's own scheduler (applyProcSched) and
// before any seccomp filter, which need not allow sched_setattr.
func restoreSched(batch bool) error {
	if !batch {
		return nil
	}
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return fmt.Errorf("sched_getattr: %w", err)
	}
	if attr.Policy != unix.SCHED_BATCH {
		return nil
	}
	attr.Policy = unix.SCHED_NORMAL
	if err := unix.SchedSetAttr(0, attr, 0); err != nil {
		return fmt.Errorf("restore SCHED_OTHER: %w", err)
	}
	return nil
}
