package runtime

import (
	"errors"
	"fmt"
	"os"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
)

const (
	// killTimeout bounds how long delete --force waits for SIGKILLed
	// processes, and for the lock once it has killed the holder's init.
	killTimeout = 10 * time.Second
	// lockGrace is how long delete --force lets another command finish
	// with the container's lock before it kills the container under it.
	lockGrace = 500 * time.Millisecond
)

// Delete removes a stopped container: its remaining processes, the cgroup
// directories gorunc made, and its state. With force a live container is
// killed first, and an id that does not exist is not an error (containerd's
// shim cleans up with `delete --force` whether or not the container is there).
func (s Store) Delete(id string, force bool) error {
	var c *Container
	var err error
	if force {
		c, err = s.openForce(id)
	} else {
		c, err = s.open(id, readSummary)
	}
	if err != nil {
		if force && errors.Is(err, ErrNotExist) {
			return nil
		}
		return err
	}
	defer c.close()
	can := Status.CanDelete
	if force {
		can = func(Status) bool { return true }
	}
	st, err := require("delete", c, can)
	if err != nil {
		return err
	}
	s.Log.Debugf("delete %s: status %s, killing what is left", id, st)
	return c.destroy()
}

// destroy removes a locked container: its processes, the cgroup
// directories gorunc made and its state, and runs the poststop hooks.
func (c *Container) destroy() error {
	id, s := c.rec.ID, c.store
	if err := c.killAll(); err != nil {
		return err
	}
	if c.rec.Cgroup.Version != 0 {
		m, err := c.cgroup()
		if err != nil {
			return err
		}
		if err := m.Destroy(); err != nil {
			return fmt.Errorf("delete %s: %w", id, err)
		}
		s.Log.Debugf("delete %s: cgroup removed (only the directories gorunc made)", id)
	}
	if h := c.hooks(); h != nil && len(h.Poststop) > 0 {
		s.Log.Debugf("delete %s: running %d poststop hooks", id, len(h.Poststop))
		s.warn(runHooksAll("poststop", h.Poststop, c.ociState(specs.StateStopped))...)
	}
	if err := os.RemoveAll(c.dir()); err != nil {
		return fmt.Errorf("delete %s: remove state: %w", id, err)
	}
	s.Log.Debugf("delete %s: state removed", id)
	return nil
}

// openForce locks the container for delete --force, which is the one
// command an operator has to clean up and so must not wait forever for
// the lock. Its holder may be a create or run stuck on init (init frozen,
// a hook that never returns): after lockGrace the container's processes
// are killed without the lock, from what state.json recorded (init's pid,
// the cgroup, which is recorded before it is made), again at each poll
// because a create may start init after the first try. The stuck command
// then sees init die, undoes its work and releases the lock; if it has
// removed the state by then, there is nothing left to delete. runc 1.5 has
// no such lock and its delete --force of a container still being created
// returns 0 and removes nothing, leaving the stuck create and its init.
func (s Store) openForce(id string) (*Container, error) {
	start := time.Now()
	for {
		c, err := s.lockAndRead(id, s.tryAcquire, readSummary)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errLocked) {
			return nil, err
		}
		waited := time.Since(start)
		if waited > lockGrace+killTimeout {
			holder := s.holder(id)
			if holder == "" {
				holder = "another gorunc command"
			}
			return nil, fmt.Errorf("delete --force %s: the container is still locked by %s %v after its processes were killed", id, holder, killTimeout)
		}
		if waited > lockGrace {
			if rec, err := s.read(id, readSummary); err == nil {
				(&Container{store: s, rec: rec}).signalAll()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// signalAll SIGKILLs init and everything in the cgroup once, without
// waiting, and thaws the cgroup: a frozen task acts on SIGKILL only once
// thawed (cgroup v1; v2 kills frozen tasks).
func (c *Container) signalAll() (cgroup.Manager, []int) {
	if c.rec.InitPid != 0 && processAlive(c.rec.InitPid, c.rec.InitStart) {
		unix.Kill(c.rec.InitPid, unix.SIGKILL)
	}
	m, err := c.cgroup()
	if err != nil {
		return nil, nil // no cgroup was made: nothing else can be left
	}
	pids, err := m.Pids()
	if err != nil || len(pids) == 0 {
		return m, nil
	}
	if err := m.Kill(unix.SIGKILL); err == nil {
		thaw(m)
	}
	return m, pids
}

// thaw thaws m if it is frozen: a frozen task acts on SIGKILL only once
// thawed (cgroup v1).
func thaw(m cgroup.Manager) {
	if frozen, _ := m.Frozen(); frozen {
		m.Freeze(false)
	}
}

// killAll SIGKILLs init and everything left in the cgroup (a container
// without a pid namespace leaves its children running when init exits),
// and waits for them to be gone.
func (c *Container) killAll() error {
	deadline := time.Now().Add(killTimeout)
	if c.privatePIDNamespace() {
		c.killInit(deadline)
	}
	for {
		m, pids := c.signalAll()
		initGone := c.rec.InitPid == 0 || !processAlive(c.rec.InitPid, c.rec.InitStart)
		if len(pids) == 0 && initGone {
			return nil
		}
		if m == nil && initGone {
			return nil
		}
		if time.Now().After(deadline) {
			if m != nil {
				if f, err := m.FrozenBy(); err == nil && f != nil {
					return fmt.Errorf("processes of %s still alive after SIGKILL: %v: %w", c.rec.ID, pids, f)
				}
			}
			return fmt.Errorf("processes of %s still alive after SIGKILL: %v", c.rec.ID, pids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// killInit SIGKILLs the init of a container with its own pid namespace and
// waits for it to exit. The kernel kills the rest of the namespace with its
// init, and init exits only once they are gone (zap_pid_ns_processes), so
// nothing needs signalling one by one: killAll's loop would otherwise find
// the dying init still in the cgroup and kill the cgroup's processes, which
// on cgroup v1 freezes and thaws it (~6 ms of a 31 ms delete --force here)
// and then sleeps a tick. It returns once init is gone, at the deadline, or
// at once when init is not there; killAll then checks the cgroup either way
// (a process that joined the cgroup but not the namespace is still killed).
func (c *Container) killInit(deadline time.Time) {
	pid := c.rec.InitPid
	if pid == 0 || c.rec.InitStart == 0 {
		return // without a start time a live pid may not be init's
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return // gone, or a kernel before 5.3: killAll's loop does it
	}
	defer unix.Close(fd)
	// The pidfd holds whichever process has the pid now: it is init only if
	// its start time, read after the open, is the one recorded.
	if !processAlive(pid, c.rec.InitStart) {
		return
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil {
		return
	}
	if m, err := c.cgroup(); err == nil {
		thaw(m)
	}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if n > 0 {
			c.store.Log.Debugf("delete %s: init killed, its pid namespace gone with it", c.rec.ID)
			return
		}
		if err != nil && err != unix.EINTR {
			return
		}
	}
}
