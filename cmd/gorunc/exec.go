package main

import (
	"errors"
	"fmt"

	"github.com/gorunc/gorunc/runtime"
)

// execFailed is runc's exit code when exec fails before the process runs
// (runc's exec.go: fatalWithCode(fmt.Errorf("exec failed: %w", err), 255));
// usage errors exit 1 there as everywhere.
const execFailed = 255

// cmdExec is `gorunc exec [flags] ID COMMAND [ARG...]`. Parsing stops at
// the second positional argument, so the command's own flags stay its own.
func cmdExec(g *globals, args []string) (int, error) {
	var o runtime.ExecOptions
	fs := newFlags("exec")
	fs.String(&o.ProcessFile, "process", "p")
	fs.Bool(&o.Tty, "tty", "t")
	fs.Bool(&o.Detach, "detach", "d")
	fs.String(&o.PidFile, "pid-file")
	fs.String(&o.ConsoleSocket, "console-socket")
	fs.String(&o.PidfdSocket, "pidfd-socket")
	fs.Strings(&o.Env, "env", "e")
	fs.String(&o.Cwd, "cwd")
	fs.String(&o.User, "user", "u")
	fs.Strings(&o.AdditionalGids, "additional-gids", "g")
	fs.Strings(&o.Caps, "cap", "c")
	fs.Bool(&o.NoNewPrivs, "no-new-privs")
	fs.Int(&o.PreserveFDs, "preserve-fds")
	fs.String(&o.ProcessLabel, "process-label")
	fs.String(&o.ApparmorProfile, "apparmor")
	fs.Bool(&o.IgnorePaused, "ignore-paused")
	fs.Strings(&o.Cgroups, "cgroup")
	pos, err := fs.Parse(args, 1)
	if err != nil {
		return 1, err
	}
	if len(pos) == 0 {
		return 1, errors.New("exec: usage: gorunc exec [flags] ID COMMAND [ARG...] (or --process FILE)")
	}
	o.ID, o.Args = pos[0], pos[1:]
	code, err := g.store().Exec(o)
	if err != nil {
		return execFailed, exitCodeError{code: execFailed, err: fmt.Errorf("exec failed: %w", err)}
	}
	return code, nil
}

// exitCodeError is a failure that exits with code instead of 1.
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }
