package cgroup

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Freeze writes FROZEN or THAWED to freezer.state and, when freezing, polls
// until the kernel reports FROZEN instead of FREEZING
// (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst).
func (m *v1Manager) Freeze(frozen bool) error {
	dir, err := m.need("freezer", "freeze")
	if err != nil {
		return err
	}
	if !frozen {
		return writeFile(dir, "freezer.state", "THAWED")
	}
	for i := range freezeRetries {
		if i%50 == 49 {
			// A task that keeps the cgroup FREEZING (caught in a
			// vfork, or under load between signal checks) is given a
			// moment thawed before the next try, as runc's freezer
			// does: a pause under load failed here otherwise.
			if err := writeFile(dir, "freezer.state", "THAWED"); err != nil {
				return err
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Rewriting FROZEN retries the freeze of tasks that were in a
		// non-freezable state at the previous attempt.
		if err := writeFile(dir, "freezer.state", "FROZEN"); err != nil {
			return err
		}
		state, err := readFile(dir, "freezer.state")
		if err != nil {
			return err
		}
		if state == "FROZEN" {
			return nil
		}
		time.Sleep(freezeDelay)
	}
	if err := writeFile(dir, "freezer.state", "THAWED"); err != nil {
		return fmt.Errorf("cgroup %s stayed FREEZING for %v, and thawing it again failed: %w", dir, freezeRetries*freezeDelay, err)
	}
	return fmt.Errorf("cgroup %s stayed FREEZING for %v; thawed it again", dir, freezeRetries*freezeDelay)
}

func (m *v1Manager) Frozen() (bool, error) {
	dir, err := m.need("freezer", "frozen")
	if err != nil {
		return false, err
	}
	return v1Frozen(dir)
}

func v1Frozen(dir string) (bool, error) {
	state, err := readRecord(dir, "freezer.state")
	if err != nil {
		return false, err
	}
	return state == "FROZEN", nil
}

// Kill signals every process listed in the cgroup (v1 has no cgroup.kill).
// For SIGKILL the cgroup is frozen around the signalling, as runc does, so
// that a process cannot fork a child that escapes the pid list.
func (m *v1Manager) Kill(sig unix.Signal) error {
	_, hasFreezer := m.paths["freezer"]
	freeze := sig == unix.SIGKILL && hasFreezer
	if freeze {
		if err := m.Freeze(true); err != nil {
			return fmt.Errorf("kill cgroup: %w", err)
		}
	}
	pids, err := m.Pids()
	if err == nil {
		err = signalPids(pids, sig)
	}
	if freeze {
		// A frozen process does not die until thawed.
		if terr := m.Freeze(false); terr != nil && err == nil {
			err = terr
		}
	}
	if err != nil {
		return fmt.Errorf("kill cgroup: %w", err)
	}
	return nil
}
