package runtime

import (
	goruntime "runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// restoreSched undoes nsenter.c's SCHED_BATCH on the calling thread only
// when init was told it was set, and keeps the nice value; any other
// policy is left alone.
func TestRestoreSched(t *testing.T) {
	for _, c := range []struct {
		name   string
		policy uint32
		batch  bool
		want   uint32
	}{
		{"batch restored", unix.SCHED_BATCH, true, unix.SCHED_NORMAL},
		{"batch not ours", unix.SCHED_BATCH, false, unix.SCHED_BATCH},
		{"other stays", unix.SCHED_NORMAL, true, unix.SCHED_NORMAL},
		{"idle stays", unix.SCHED_IDLE, true, unix.SCHED_IDLE},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The thread's policy is changed: it must not go back to the
			// runtime's pool (a goroutine that exits locked takes it along).
			done := make(chan struct{})
			go func() {
				defer close(done)
				goruntime.LockOSThread()
				attr, err := unix.SchedGetAttr(0, 0)
				if err != nil {
					t.Error(err)
					return
				}
				nice := attr.Nice
				attr.Policy = c.policy
				if err := unix.SchedSetAttr(0, attr, 0); err != nil {
					t.Errorf("set policy %d: %v", c.policy, err)
					return
				}
				if err := restoreSched(c.batch); err != nil {
					t.Error(err)
					return
				}
				got, err := unix.SchedGetAttr(0, 0)
				if err != nil {
					t.Error(err)
					return
				}
				if got.Policy != c.want || got.Nice != nice {
					t.Errorf("policy %d nice %d, want policy %d nice %d", got.Policy, got.Nice, c.want, nice)
				}
			}()
			<-done
		})
	}
}

// childEnv asks for SCHED_BATCH only from SCHED_OTHER.
func TestChildEnvBatch(t *testing.T) {
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	env := childEnv(7, "X=1")
	if !slices.Contains(env, "X=1") || !slices.Contains(env, syncEnv+"=7") || !slices.Contains(env, "GOMAXPROCS=1") {
		t.Errorf("env %v lacks X=1, the sync fd or GOMAXPROCS=1", env)
	}
	asked := slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, batchEnv+"=") })
	if want := attr.Policy == unix.SCHED_NORMAL; asked != want {
		t.Errorf("policy %d: %s in env = %v, want %v", attr.Policy, batchEnv, asked, want)
	}
}
