package runtime

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ErrNotRunning is runc's libcontainer.ErrNotRunning, word for word:
// containerd's runc shim (pkg/process checkKillError) maps an error
// containing "container not running" to "process already finished"
// (NotFound), which is how a StopContainer on an exited container
// completes; any other text is an "unknown error after kill" that the
// kubelet retries forever.
var ErrNotRunning = errors.New("container not running")

// Kill sends sig to the container's init, as runc 1.5's `runc kill` does
// (kill.go, libcontainer Container.signal):
//   - SIGKILL to a container without a private pid namespace kills every
//     process in its cgroup, whether or not init is still alive (the kernel
//     kills a pid namespace with its init, nothing kills a shared one);
//   - otherwise a container whose init is gone answers ErrNotRunning, and
//     init is never signalled by a pid that may have been reused;
//   - SIGKILL to a paused container thaws it: a frozen task dies only once
//     thawed.
//
// all is runc's obsolete --all: since runc 1.2 it signals nothing more, it
// only turns ErrNotRunning into success, because containerd's shim runs
// `kill --all ID 9` after init exits and expects exit 0 (runc 1.1 signalled
// every process in the cgroup instead; see docs/clients.md).
func (s Store) Kill(id string, sig unix.Signal, all bool) error {
	c, err := s.open(id, readSummary)
	if err != nil {
		return err
	}
	defer c.close()
	err = c.signal(sig)
	if all && errors.Is(err, ErrNotRunning) {
		return nil
	}
	return err
}

func (c *Container) signal(sig unix.Signal) error {
	// A directory without state (a create that died before its first
	// write) has no spec, no cgroup and no init: "not running" below.
	if sig == unix.SIGKILL && c.hasSpec() && !c.privatePIDNamespace() {
		m, err := c.cgroup()
		if err == nil {
			err = m.Kill(unix.SIGKILL)
		}
		if err != nil {
			return fmt.Errorf("kill %s: unable to kill all processes: %w", c.rec.ID, err)
		}
		return nil
	}
	st, err := require("kill", c, Status.CanKill)
	if err != nil {
		return err
	}
	if err := unix.Kill(c.rec.InitPid, sig); err != nil {
		return fmt.Errorf("kill %s: unable to signal init: %w", c.rec.ID, err)
	}
	if st == Paused && sig == unix.SIGKILL {
		m, err := c.cgroup()
		if err == nil {
			err = m.Freeze(false)
		}
		if err != nil {
			return fmt.Errorf("kill %s: thaw after SIGKILL: %w", c.rec.ID, err)
		}
	}
	return nil
}

// privatePIDNamespace: config.json asks for a new pid namespace (one with
// no path to join), runc's Namespaces.IsPrivate(NEWPID).
func (c *Container) privatePIDNamespace() bool {
	for _, ns := range c.namespaces() {
		if ns.Type == specs.PIDNamespace {
			return ns.Path == ""
		}
	}
	return false
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
	can := Status.CanResume
	if frozen {
		can = Status.CanPause
	}
	c, err := s.openFor(op, id, can, readSummary)
	if err != nil {
		return err
	}
	defer c.close()
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	if err := m.Freeze(frozen); err != nil {
		return fmt.Errorf("%s %s: %w", op, id, err)
	}
	return nil
}
