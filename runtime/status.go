package runtime

import (
	"errors"
	"fmt"
)

// Status is a container's place in the OCI lifecycle (runtime-spec
// runtime.md "State": creating, created, running, stopped; "paused" is the
// runc extension every client knows).
type Status string

const (
	// Creating: create is running; the init process is not yet waiting.
	Creating Status = "creating"
	// Created: init has set up the container and blocks on the exec fifo;
	// "the user-specified program has not yet been executed".
	Created Status = "created"
	// Running: the user process has been executed and has not exited.
	Running Status = "running"
	// Paused: every process of the container is frozen in its cgroup.
	Paused Status = "paused"
	// Stopped: "the container process has exited", or never started.
	Stopped Status = "stopped"
)

// The predicates below are the only place that decides which operation is
// allowed in which status, so an invalid transition cannot be reached by
// forgetting a check in one command.

// CanStart: runtime.md "start": "This operation MUST generate an error if
// it is not provided the container ID. Attempting to start a container that
// is not created MUST have no effect on the container and MUST generate an
// error."
func (s Status) CanStart() bool { return s == Created }

// CanKill: runtime.md "kill": "Attempting to send a signal to a container
// that is neither created nor running MUST have no effect on the container
// and MUST generate an error." Paused containers can be signalled (runc).
func (s Status) CanKill() bool { return s == Created || s == Running || s == Paused }

// CanDelete: runtime.md "delete": "Attempting to delete a container that is
// not stopped MUST have no effect on the container and MUST generate an
// error." --force overrides this. A created container is deleted without
// --force too, as runc does (delete.go kills it first): containerd's shim
// deletes a task that was created but never started with a plain
// `delete ID` (pkg/process createdState.Delete).
func (s Status) CanDelete() bool { return s == Stopped || s == Created }

// CanPause and CanResume follow runc.
func (s Status) CanPause() bool  { return s == Running || s == Created }
func (s Status) CanResume() bool { return s == Paused }

// CanExec: a new process can join only a container whose init is live and
// not frozen.
func (s Status) CanExec() bool { return s == Created || s == Running }

// CanExecIgnoringPaused is exec --ignore-paused: a frozen container takes
// the process too (it starts frozen, as runc's does).
func (s Status) CanExecIgnoringPaused() bool { return s.CanExec() || s == Paused }

// CanUpdate: new resources need a live cgroup with a live container in it
// (runc allows created, running and paused).
func (s Status) CanUpdate() bool { return s == Created || s == Running || s == Paused }

// CanStats: events and its --stats read a live container's cgroup (runc
// refuses a stopped one).
func (s Status) CanStats() bool { return s == Created || s == Running || s == Paused }

// CanCheckpoint: CRIU dumps processes that run (or are frozen); runc
// refuses created and stopped containers.
func (s Status) CanCheckpoint() bool { return s == Running || s == Paused }

// require is every command's status guard, as gVisor's requireStatus: it
// derives the container's status once and returns it, or, when can does
// not allow op in it, the error runc 1.5.1 prints, word for word, because
// clients match those words (docs/clients.md): "container not running"
// above all. Start and exec in a paused container also name the freeze
// that holds it (the operator's own, or an ancestor's).
func require(op string, c *Container, can func(Status) bool) (Status, error) {
	s := c.Status()
	if can(s) {
		return s, nil
	}
	err := refused(op, c.rec.ID, s)
	if s == Paused && (op == "start" || op == "exec") {
		err = c.namingFreeze(err)
	}
	return s, err
}

// refused is runc 1.5.1's error for op in status s (libcontainer's state
// transitions, its delete.go, exec.go, events.go and checkpoint.go). The
// CLI adds runc's prefix where runc has one ("exec failed: "); the
// container's id appears only where runc names it.
func refused(op, id string, s Status) error {
	switch op + " " + string(s) {
	case "start running":
		return errors.New("cannot start an already running container")
	case "start paused":
		return errors.New("cannot start a container in the paused state")
	case "start stopped":
		return errors.New("cannot start a container that has stopped")
	case "exec paused":
		return errors.New("cannot exec in a paused container (use --ignore-paused to override)")
	case "exec stopped":
		return errors.New("cannot exec in a stopped container")
	}
	switch op {
	case "kill", "pause", "update":
		return ErrNotRunning
	case "resume":
		return errors.New("container not paused")
	case "delete":
		return fmt.Errorf("cannot delete container %s that is not stopped: %s", id, s)
	case "events":
		return fmt.Errorf("container with id %s is not running", id)
	case "checkpoint":
		return fmt.Errorf("Container cannot be checkpointed in %s state", s)
	}
	// A status runc has no words for (creating: another gorunc command
	// is still making the container).
	return fmt.Errorf("cannot %s container %s: it is %s", op, id, s)
}

// namingFreeze adds to a refusal of a paused container which cgroup holds
// the freeze: the operator's own, or one an ancestor's owner froze.
func (c *Container) namingFreeze(refused error) error {
	if m, err := c.cgroup(); err == nil {
		if f, err := m.FrozenBy(); err == nil && f != nil {
			return fmt.Errorf("%w (%v)", refused, f)
		}
	}
	return refused
}
