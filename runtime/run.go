package runtime

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
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
	var sigs chan os.Signal
	var fwd *forwarding
	if o.Foreground {
		// Registered while create does its own work (forwarding): the
		// signals that would kill or stop gorunc before init exists
		// (spawn waits for fwd.fatal), every signal before the
		// container's process runs (start waits for fwd.all), so none
		// meant for it is lost or kills gorunc in between.
		fwd = forwardSignals()
		sigs = fwd.sigs
		o.signalsReady = fwd.fatal
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
	if fwd != nil {
		<-fwd.all
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

// forwarding relays every signal to a channel, registered in a goroutine
// while the caller works: signal.Notify hands each of the 64 signals to
// the Go runtime's signal thread in turn, two thread wake-ups a signal,
// 2-3 ms in all on this project's hosts (docs/performance.md, session 11).
// fatal is closed once the signals the Go runtime would die or stop of
// are registered (forwardSignals lists them), all once every signal is: until then
// the runtime catches any other signal and drops it, as it does before
// gorunc's own code runs at all. There is no signal.Stop: forwarding
// lasts until the gorunc process exits, and undoing Notify for every
// signal costs ~0.15 ms.
type forwarding struct {
	sigs       chan os.Signal
	fatal, all chan struct{}
}

func forwardSignals() *forwarding {
	// The signals the Go runtime acts on when no Notify asks for them
	// (os/signal's "Default behavior"): it exits on SIGHUP, SIGINT and
	// SIGTERM, exits with a stack dump on SIGQUIT, SIGILL, SIGTRAP,
	// SIGABRT, SIGSTKFLT and SIGSYS, and on SIGBUS, SIGFPE and SIGSEGV
	// sent by kill; SIGTSTP, SIGTTIN and SIGTTOU stop it (the system's
	// default).
	fatal := []os.Signal{
		unix.SIGHUP, unix.SIGINT, unix.SIGTERM,
		unix.SIGQUIT, unix.SIGILL, unix.SIGTRAP, unix.SIGABRT, unix.SIGSTKFLT, unix.SIGSYS,
		unix.SIGBUS, unix.SIGFPE, unix.SIGSEGV,
		unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU,
	}
	f := &forwarding{sigs: make(chan os.Signal, 64), fatal: make(chan struct{}), all: make(chan struct{})}
	go func() {
		signal.Notify(f.sigs, fatal...)
		close(f.fatal)
		// The rest; those already registered cost nothing again.
		signal.Notify(f.sigs)
		close(f.all)
	}()
	return f
}

// waitProxied is waitForwarding for a process whose terminal, when it has
// one, gorunc proxies: SIGWINCH resizes the pty, closed once it exits.
func waitProxied(proc *os.Process, sigs chan os.Signal, proxy *Proxy) int {
	if proxy == nil {
		return waitForwarding(proc, sigs, nil)
	}
	defer proxy.Close()
	return waitForwarding(proc, sigs, proxy.Resize)
}

// waitForwarding waits for init, forwarding signals to it; winch, when set,
// handles SIGWINCH instead (resizing the pty makes the kernel signal the
// container's foreground process group itself).
func waitForwarding(proc *os.Process, sigs chan os.Signal, winch func()) int {
	done := make(chan *os.ProcessState, 1)
	go func() {
		st, _ := proc.Wait()
		done <- st
	}()
	for {
		select {
		case sig := <-sigs:
			s := sig.(syscall.Signal)
			// SIGCHLD is ours: an orphan re-parented to us as a
			// subreaper exited. SIGURG is the Go runtime's
			// preemption signal, not the user's.
			if s == unix.SIGCHLD {
				reapOrphans(proc.Pid)
				continue
			}
			if s == unix.SIGURG {
				continue
			}
			if s == unix.SIGWINCH && winch != nil {
				winch()
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
