package runtime

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// RunOptions are run's flags beyond create's.
type RunOptions struct {
	CreateOptions
	Detach bool
	// Keep leaves the stopped container's state after a foreground run.
	Keep bool
}

// Run is create + start, then, in the foreground, waits for the container
// while forwarding signals to it, and returns its exit code (128+N when
// killed by signal N, as a shell reports it).
func (s Store) Run(o RunOptions) (int, error) {
	o.Foreground = !o.Detach
	var sigs chan os.Signal
	if o.Foreground {
		// Registered before init exists so no signal meant for the
		// container is lost (or kills gorunc) in between.
		sigs = make(chan os.Signal, 64)
		signal.Notify(sigs)
		defer signal.Stop(sigs)
	}
	_, proc, err := s.Create(o.CreateOptions)
	if err != nil {
		return 0, err
	}
	if err := s.Start(o.ID); err != nil {
		s.Delete(o.ID, true)
		if o.Foreground {
			proc.Wait()
		}
		return 0, err
	}
	if o.Detach {
		return 0, nil
	}
	code := waitForwarding(proc, sigs)
	if !o.Keep {
		if err := s.Delete(o.ID, true); err != nil {
			return code, err
		}
	}
	return code, nil
}

func waitForwarding(proc *os.Process, sigs chan os.Signal) int {
	done := make(chan *os.ProcessState, 1)
	go func() {
		st, _ := proc.Wait()
		done <- st
	}()
	for {
		select {
		case sig := <-sigs:
			s := sig.(syscall.Signal)
			// SIGCHLD is ours; SIGURG is the Go runtime's preemption
			// signal, not the user's.
			if s == unix.SIGCHLD || s == unix.SIGURG {
				continue
			}
			proc.Signal(s)
		case st := <-done:
			if st == nil {
				return 255
			}
			ws := st.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		}
	}
}
