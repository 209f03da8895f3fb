package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Start releases init from the exec fifo: init then execve()s the user
// process. It returns once init has passed the fifo.
func (s Store) Start(id string) error {
	c, err := s.open(id)
	if err != nil {
		return err
	}
	defer c.close()
	if err := require("start", id, c.Status(), c.Status().CanStart()); err != nil {
		return err
	}
	fifoPath := filepath.Join(c.dir(), fifoFile)
	// O_NONBLOCK: opening a fifo for reading would otherwise wait forever
	// for a writer if init died after create.
	fd, err := unix.Open(fifoPath, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fd)
	if err := awaitFifo(fd, c.rec.InitPid, c.rec.InitStart); err != nil {
		return err
	}
	if err := os.Remove(fifoPath); err != nil {
		return fmt.Errorf("remove exec fifo: %w", err)
	}
	if c.rec.Spec.Process == nil {
		return errors.New("container has no process to start: config.json has no process section")
	}
	if h := c.rec.Spec.Hooks; h != nil && len(h.Poststart) > 0 {
		// A failing poststart hook is logged, not fatal, and the next
		// ones still run: the process already runs (runtime.md
		// "Lifecycle" step 10).
		s.warn(runHooksAll("poststart", h.Poststart, c.ociState(specs.StateRunning))...)
	}
	return nil
}

// awaitFifo waits for init's byte, checking that init is still alive
// between polls.
func awaitFifo(fd, pid int, start uint64) error {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 100)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("wait for container init: %w", err)
		}
		if n > 0 && fds[0].Revents&unix.POLLIN != 0 {
			var b [1]byte
			if _, err := unix.Read(fd, b[:]); err != nil {
				return fmt.Errorf("read exec fifo: %w", err)
			}
			return nil
		}
		if !processAlive(pid, start) {
			return errors.New("container init exited before start")
		}
	}
}
