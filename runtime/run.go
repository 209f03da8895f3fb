package runtime

import (
	"fmt"
	"os"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/nsexec"
)

// RunOptions are run's flags beyond create's.
type RunOptions struct {
	CreateOptions
	Detach bool
	// Keep leaves the stopped container's state after a foreground run.
	Keep bool
	// NoSubreaper is --no-subreaper: gorunc does not become a child
	// subreaper (reap.go).
	NoSubreaper bool
}

// Run is create + start, then, in the foreground, waits for the container
// while forwarding signals to it, and returns its exit code (128+N when
// killed by signal N, as a shell reports it).
func (s Store) Run(o RunOptions) (int, error) {
	o.Foreground = !o.Detach
	if !o.NoSubreaper {
		s.becomeSubreaper()
	}
	var sigs <-chan unix.Signal
	if o.Foreground {
		// Every signal from here on is the container's: queued until
		// its process runs, none lost, none killing gorunc between.
		var err error
		if sigs, err = forwardSignals(); err != nil {
			return 0, err
		}
	}
	// Only the foreground needs the config before Create, which is
	// handed it; one that does not load is Create's to report.
	var spec *specs.Spec
	if o.Foreground {
		spec, o.specJSON, _ = loadConfig(o.Bundle)
		o.spec = spec
	}
	terminal := spec != nil && spec.Process != nil && spec.Process.Terminal
	var ours *os.File
	if o.Foreground && o.ConsoleSocket == "" && terminal {
		// No --console-socket: gorunc itself receives the pty master
		// over a socketpair and proxies its own stdio to it.
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 0, fmt.Errorf("create console socket: %w", err)
		}
		ours = os.NewFile(uintptr(fds[0]), "console-parent")
		defer ours.Close()
		o.console = os.NewFile(uintptr(fds[1]), "console-child")
		defer o.console.Close()
	}
	if o.Foreground && !terminal && spec != nil {
		// Without a terminal, init gets pipes, never our own stdio
		// files (stdio.go).
		uid, gid := pipeOwner(spec)
		var err error
		if o.stdio, err = newStdioPipes(uid, gid, os.Stdin, os.Stdout, os.Stderr); err != nil {
			return 0, err
		}
		// Runs last: after the container is deleted (as runc
		// destroys it before waiting for the copies), which kills
		// whatever else in it still holds a pipe.
		defer o.stdio.finish()
	}
	_, proc, err := s.Create(o.CreateOptions)
	o.stdio.closeChild()
	if err != nil {
		return 0, err
	}
	// init sent the master before it reported ready.
	proxy, err := proxyReceived(ours)
	if err != nil {
		s.Delete(o.ID, true)
		proc.Wait()
		return 0, err
	}
	if err := s.Start(o.ID); err != nil {
		s.Delete(o.ID, true)
		if o.Foreground {
			proc.Wait()
		}
		if proxy != nil {
			proxy.Close()
		}
		return 0, err
	}
	if o.Detach {
		return 0, nil
	}
	code := waitProxied(proc, sigs, proxy)
	s.Log.Debugf("run %s: process (pid %d) exited: status %d", o.ID, proc.Pid, code)
	if !o.Keep {
		if err := s.Delete(o.ID, true); err != nil {
			return code, err
		}
	}
	return code, nil
}

// forwardSignals delivers, from now until gorunc exits, every signal
// runc's CLI catches: all that a program can catch but SIGURG (the Go
// runtime's preemption, which runc drops), SIGPROF (os/signal never
// delivers it) and 32 and 33 (the C library's own, which os/signal does
// not deliver either; both runtimes die of them). waitForwarding keeps
// SIGCHLD and SIGWINCH. Signal 34 too, which the Go runtime leaves alone
// (musl's SIGSYNCCALL) and runc 1.5.1's CLI dies of, leaving its container
// running; musl takes it for __synccall (set*id for every thread),
// which the CLI never calls. Caught in C (nsexec.ForwardSignals):
// registering them with os/signal took ~3 ms of an attached run with two
// Ps, ~10 with one (docs/performance.md, "Signals caught in C").
func forwardSignals() (<-chan unix.Signal, error) {
	var sigs []unix.Signal
	for s := unix.Signal(1); s <= 64; s++ {
		switch s {
		case unix.SIGKILL, unix.SIGSTOP, unix.SIGURG, unix.SIGPROF, 32, 33:
			continue
		}
		sigs = append(sigs, s)
	}
	return nsexec.ForwardSignals(sigs)
}

// waitProxied is waitForwarding for a process whose terminal, when it has
// one, gorunc proxies: SIGWINCH resizes the pty, closed once it exits.
func waitProxied(proc *os.Process, sigs <-chan unix.Signal, proxy *Proxy) int {
	if proxy == nil {
		return waitForwarding(proc, sigs, nil)
	}
	defer proxy.Close()
	return waitForwarding(proc, sigs, proxy.Resize)
}

// waitForwarding waits for init, forwarding signals to it but SIGWINCH:
// winch, when set, handles it (resizing the pty makes the kernel signal the
// container's foreground process group itself); without a pty gorunc drops
// it, as runc does.
func waitForwarding(proc *os.Process, sigs <-chan unix.Signal, winch func()) int {
	done := make(chan *os.ProcessState, 1)
	go func() {
		st, _ := proc.Wait()
		done <- st
	}()
	for {
		select {
		case s := <-sigs:
			// SIGCHLD is ours: an orphan re-parented to us as a
			// subreaper exited.
			if s == unix.SIGCHLD {
				reapOrphans(proc.Pid)
				continue
			}
			// SIGWINCH resizes the pty we proxy, if any; runc
			// never forwards it.
			if s == unix.SIGWINCH {
				if winch != nil {
					winch()
				}
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
