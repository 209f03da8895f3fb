package runtime

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Kill sends sig to the container's init, or with all to every process in
// its cgroup.
func (s Store) Kill(id string, sig unix.Signal, all bool) error {
	c, err := s.open(id)
	if err != nil {
		return err
	}
	defer c.close()
	st := c.Status()
	if err := require("kill", id, st, st.CanKill()); err != nil {
		return err
	}
	if all {
		m, err := c.cgroup()
		if err != nil {
			return err
		}
		if err := m.Kill(sig); err != nil {
			return fmt.Errorf("kill --all %s: %w", id, err)
		}
		if st == Paused && sig == unix.SIGKILL {
			// A frozen task acts on SIGKILL only once thawed.
			return m.Freeze(false)
		}
		return nil
	}
	if err := unix.Kill(c.rec.InitPid, sig); err != nil {
		return fmt.Errorf("kill %s: %w", id, err)
	}
	if st == Paused && sig == unix.SIGKILL {
		if m, err := c.cgroup(); err == nil {
			return m.Freeze(false)
		}
	}
	return nil
}

// Pause freezes every process of the container.
func (s Store) Pause(id string) error {
	return s.freeze(id, "pause", true)
}

// Resume thaws a paused container.
func (s Store) Resume(id string) error {
	return s.freeze(id, "resume", false)
}

func (s Store) freeze(id, op string, frozen bool) error {
	c, err := s.open(id)
	if err != nil {
		return err
	}
	defer c.close()
	st := c.Status()
	ok := st.CanResume()
	if frozen {
		ok = st.CanPause()
	}
	if err := require(op, id, st, ok); err != nil {
		return err
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	if err := m.Freeze(frozen); err != nil {
		return fmt.Errorf("%s %s: %w", op, id, err)
	}
	return nil
}
