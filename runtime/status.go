package runtime

import "fmt"

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

// require returns the error a command prints for a disallowed status,
// naming the container and ending in runc's own words, which clients
// match (docs/clients.md): "container not running" above all.
func require(op, id string, s Status, ok bool) error {
	if ok {
		return nil
	}
	switch op {
	case "resume":
		return fmt.Errorf("cannot resume container %s: container not paused", id)
	case "start", "exec in":
		if why := refusal(op, s); why != "" {
			return fmt.Errorf("container %s: %s", id, why)
		}
		return fmt.Errorf("cannot %s container %s: container is %s", op, id, s)
	}
	// kill, pause, update: libcontainer's ErrNotRunning.
	return fmt.Errorf("cannot %s container %s: %w", op, id, ErrNotRunning)
}

// refusal is runc's message for start and exec in a status that does not
// allow them (libcontainer's state transitions and exec.go).
func refusal(op string, s Status) string {
	switch op + " " + string(s) {
	case "start running":
		return "cannot start an already running container"
	case "start paused":
		return "cannot start a container in the paused state"
	case "start stopped":
		return "cannot start a container that has stopped"
	case "exec in paused":
		return "cannot exec in a paused container"
	case "exec in stopped":
		return "cannot exec in a stopped container"
	}
	return ""
}

// namingFreeze adds to a refusal of a paused container which cgroup holds
// the freeze: the operator's own, or one an ancestor's owner froze.
func (c *Container) namingFreeze(s Status, refused error) error {
	if s != Paused {
		return refused
	}
	if m, err := c.cgroup(); err == nil {
		if f, err := m.FrozenBy(); err == nil && f != nil {
			return fmt.Errorf("%w (%v)", refused, f)
		}
	}
	return refused
}
