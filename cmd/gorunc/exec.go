package main

import (
	"errors"

	"github.com/gorunc/gorunc/runtime"
)

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
	fs.Strings(&o.Env, "env", "e")
	fs.String(&o.Cwd, "cwd")
	fs.String(&o.User, "user", "u")
	fs.Strings(&o.AdditionalGids, "additional-gids", "g")
	fs.Strings(&o.Caps, "cap", "c")
	fs.Bool(&o.NoNewPrivs, "no-new-privs")
	fs.Int(&o.PreserveFDs, "preserve-fds")
	fs.String(&o.ProcessLabel, "process-label")
	fs.String(&o.ApparmorProfile, "apparmor")
	pos, err := fs.Parse(args, 1)
	if err != nil {
		return 1, err
	}
	if len(pos) == 0 {
		return 1, errors.New("exec: usage: gorunc exec [flags] ID COMMAND [ARG...] (or --process FILE)")
	}
	o.ID, o.Args = pos[0], pos[1:]
	return g.store().Exec(o)
}
