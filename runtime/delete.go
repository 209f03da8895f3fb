package runtime

import (
	"errors"
	"fmt"
	"os"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// killTimeout bounds how long delete --force waits for SIGKILLed processes.
const killTimeout = 10 * time.Second

// Delete removes a stopped container: its remaining processes, the cgroup
// directories gorunc made, and its state. With force a live container is
// killed first, and an id that does not exist is not an error (containerd's
// shim cleans up with `delete --force` whether or not the container is there).
func (s Store) Delete(id string, force bool) error {
	c, err := s.open(id)
	if err != nil {
		if force && errors.Is(err, ErrNotExist) {
			return nil
		}
		return err
	}
	defer c.close()
	st := c.Status()
	if !st.CanDelete() && !force {
		return fmt.Errorf("cannot delete container %s that is not stopped: %s (use --force)", id, st)
	}
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
	}
	if h := c.rec.Spec; h != nil && h.Hooks != nil && len(h.Hooks.Poststop) > 0 {
		s.warn(runHooksAll("poststop", h.Hooks.Poststop, c.ociState(specs.StateStopped))...)
	}
	if err := os.RemoveAll(c.dir()); err != nil {
		return fmt.Errorf("delete %s: remove state: %w", id, err)
	}
	return nil
}

// killAll SIGKILLs init and everything left in the cgroup (a container
// without a pid namespace leaves its children running when init exits),
// and waits for them to be gone.
func (c *Container) killAll() error {
	if c.rec.InitPid != 0 && processAlive(c.rec.InitPid, c.rec.InitStart) {
		unix.Kill(c.rec.InitPid, unix.SIGKILL)
	}
	m, err := c.cgroup()
	if err != nil {
		return nil // no cgroup was made: nothing else can be left
	}
	deadline := time.Now().Add(killTimeout)
	for {
		pids, err := m.Pids()
		if err != nil || len(pids) == 0 {
			if !processAlive(c.rec.InitPid, c.rec.InitStart) || c.rec.InitPid == 0 {
				return nil
			}
		} else if err := m.Kill(unix.SIGKILL); err == nil {
			// A frozen cgroup must be thawed for SIGKILL to act.
			if frozen, _ := m.Frozen(); frozen {
				m.Freeze(false)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes of %s still alive after SIGKILL: %v", c.rec.ID, pids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
