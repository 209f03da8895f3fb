package runtime

import (
	"os"
	"time"

	"github.com/gorunc/gorunc/runlog"
)

// With --debug the parent gives init (and exec-init) the write end of a
// pipe, as runc gives runc init _LIBCONTAINER_LOGPIPE: the child writes
// each step as a JSON line {"level","msg","time"} and the parent relays
// the lines into its own log (runlog.Forward), so the init-side steps
// (mounts, pivot_root, seccomp) appear in --log beside the parent's. The
// child closes its end before it blocks on the exec fifo or execs, which
// ends the relay; without --debug there is no pipe.

// forwardBound is how long the parent waits for the relay to reach EOF
// once the child has answered: the child closes its end right after, so
// only a child stopped in between makes this bound matter.
const forwardBound = 2 * time.Second

// logPipe is the parent's half: w goes to the child, done closes at EOF.
type logPipe struct {
	w    *os.File
	done <-chan struct{}
}

// openLogPipe starts relaying a new pipe into log; nil without --debug.
func openLogPipe(log *runlog.Logger) (*logPipe, error) {
	if !log.Enabled() {
		return nil, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	done := log.Forward(r)
	go func() { <-done; r.Close() }()
	return &logPipe{w: w, done: done}, nil
}

// sent closes the parent's copy of the write end, once the child has its
// own: only then does EOF come when the child closes its end.
func (p *logPipe) sent() {
	if p != nil {
		p.w.Close()
	}
}

// wait waits, within forwardBound, until the child's lines are relayed.
func (p *logPipe) wait() {
	if p == nil {
		return
	}
	p.sent()
	select {
	case <-p.done:
	case <-time.After(forwardBound):
	}
}

// openChildLog is the child's half: a JSON logger on the log role's fd,
// which is close-on-exec (closeExtraFDs) so the container's process never
// gets it.
func (cfg *initConfig) openChildLog() {
	fd, ok := cfg.FDs[fdLog]
	if !ok {
		return
	}
	cfg.logFile = os.NewFile(uintptr(fd), "logpipe")
	cfg.log = runlog.New(runlog.Options{W: cfg.logFile, JSON: true, Debug: true})
}

// debugf logs one of the child's steps (nothing without --debug).
func (cfg *initConfig) debugf(format string, args ...any) { cfg.log.Debugf(format, args...) }

// logsAfterFilter says whether a step after the seccomp filter may be
// logged: not without --debug (the arguments alone allocate), nor under a
// notifying filter, whose agent would serve the Go runtime's futex calls
// that logging can cause.
func (cfg *initConfig) logsAfterFilter() bool {
	return cfg.log != nil && !notifies(cfg.Seccomp)
}

// closeLog ends the parent's relay: called before the child blocks on the
// exec fifo, or hands over to the container's process.
func (cfg *initConfig) closeLog() {
	if cfg.logFile != nil {
		cfg.logFile.Close()
		cfg.logFile, cfg.log = nil, nil
	}
}
