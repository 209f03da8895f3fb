package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
)

// Start releases init from the exec fifo: init then execve()s the user
// process. It returns once init has passed the fifo.
func (s Store) Start(id string) error {
	c, err := s.openFor("start", id, Status.CanStart, readSummary)
	if err != nil {
		return err
	}
	defer c.close()
	// nil when no cgroup was recorded: then nothing can freeze init.
	m, _ := c.cgroup()
	if m != nil {
		// A freeze after create holds init on the fifo: runc 1.5 reports
		// such a container as paused and refuses ("cannot start a
		// container in the paused state"); under a frozen ancestor it
		// waits forever. Both are refused here, naming the freeze.
		if f, err := m.FrozenBy(); err == nil && f != nil {
			return fmt.Errorf("%w (%v)", refused("start", id, Paused), f)
		}
	}
	fifoPath := filepath.Join(c.dir(), fifoFile)
	// O_NONBLOCK: opening a fifo for reading would otherwise wait forever
	// for a writer if init died after create.
	fd, err := unix.Open(fifoPath, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fd)
	if err := awaitFifo(fd, c.rec.InitPid, c.rec.InitStart, m); err != nil {
		return err
	}
	if err := os.Remove(fifoPath); err != nil {
		return fmt.Errorf("remove exec fifo: %w", err)
	}
	s.Log.Debugf("start %s: init (pid %d) passed the exec fifo and execs the process", id, c.rec.InitPid)
	if !c.hasProcess() {
		return errors.New("container has no process to start: config.json has no process section")
	}
	if h := c.hooks(); h != nil && len(h.Poststart) > 0 {
		// A failing poststart hook is logged, not fatal, and the next
		// ones still run: the process already runs (runtime.md
		// "Lifecycle" step 10).
		s.Log.Debugf("start %s: running %d poststart hooks", id, len(h.Poststart))
		s.warn(runHooksAll("poststart", h.Poststart, c.ociState(specs.StateRunning))...)
	}
	return nil
}

// fifoTimeout bounds start's wait for init's byte. A live init blocked in
// open(exec.fifo) answers within milliseconds of our open; one that does
// not for this long is stuck somewhere no check below sees (D state).
const fifoTimeout = 30 * time.Second

// awaitFifo waits for init's byte, checking between polls that init is
// still alive and can run (not frozen, not stopped), so that start never
// waits forever on an init that cannot answer.
func awaitFifo(fd, pid int, start uint64, m cgroup.Manager) error {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	begin := time.Now()
	var stuckSince time.Time
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
		if err := stuck("container init", pid, m); err == nil {
			stuckSince = time.Time{}
		} else if stuckSince.IsZero() {
			stuckSince = time.Now()
		} else if time.Since(stuckSince) >= stuckGrace {
			return err
		}
		if time.Since(begin) > fifoTimeout {
			return fmt.Errorf("container init (pid %d) did not take the exec fifo within %v", pid, fifoTimeout)
		}
	}
}
