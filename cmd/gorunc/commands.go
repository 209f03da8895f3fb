package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/nsexec"
	"github.com/gorunc/gorunc/runtime"
)

// onlyID parses the arguments of a command that has no flags but --help
// and takes one id.
func onlyID(cmd string, args []string) (string, error) {
	pos, err := newFlags(cmd).Parse(args, -1)
	if err != nil {
		return "", err
	}
	return needID(cmd, pos)
}

// needID checks the positional arguments of a command that takes one id.
func needID(cmd string, args []string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("%s: expects exactly one container id, got %d arguments", cmd, len(args))
	}
	return args[0], nil
}

func createFlags(cmd string, o *runtime.CreateOptions) *flagSet {
	fs := newFlags(cmd)
	o.Bundle = "."
	fs.String(&o.Bundle, "bundle", "b")
	fs.String(&o.PidFile, "pid-file")
	fs.String(&o.ConsoleSocket, "console-socket")
	fs.String(&o.PidfdSocket, "pidfd-socket")
	fs.Bool(&o.NoPivot, "no-pivot")
	fs.Bool(&o.NoNewKeyring, "no-new-keyring")
	fs.Int(&o.PreserveFDs, "preserve-fds")
	return fs
}

func cmdCreate(g *globals, args []string) (int, error) {
	var o runtime.CreateOptions
	pos, err := createFlags("create", &o).Parse(args, -1)
	if err != nil {
		return 1, err
	}
	if o.ID, err = needID("create", pos); err != nil {
		return 1, err
	}
	o.SystemdCgroup = g.systemd
	_, _, err = g.store().Create(o)
	return 0, err
}

func cmdRun(g *globals, args []string) (int, error) {
	var o runtime.RunOptions
	fs := createFlags("run", &o.CreateOptions)
	fs.Bool(&o.Detach, "detach", "d")
	fs.Bool(&o.Keep, "keep")
	fs.Bool(&o.NoSubreaper, "no-subreaper")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	if o.ID, err = needID("run", pos); err != nil {
		return 1, err
	}
	o.SystemdCgroup = g.systemd
	return g.store().Run(o)
}

func cmdStart(g *globals, args []string) (int, error) {
	id, err := onlyID("start", args)
	if err != nil {
		return 1, err
	}
	// Done before the Go runtime started, and failed once init was
	// released (nsexec/cli.c): its error is the answer.
	if msg := nsexec.StartFailure(); msg != "" {
		return 1, errors.New(msg)
	}
	return 0, g.store().Start(id)
}

func cmdState(g *globals, args []string) (int, error) {
	id, err := onlyID("state", args)
	if err != nil {
		return 1, err
	}
	c, err := g.store().Get(id)
	if err != nil {
		return 1, err
	}
	// runc's bytes: its containerState, "pid": 0 once stopped, "owner": "",
	// and no newline after the closing brace.
	data, err := json.MarshalIndent(containerState(c.State(), false), "", "  ")
	if err != nil {
		return 1, err
	}
	_, err = os.Stdout.Write(data)
	return 0, err
}

func printJSON(v any, indent string) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", indent)
	return enc.Encode(v)
}

func cmdKill(g *globals, args []string) (int, error) {
	all := false
	fs := newFlags("kill")
	fs.Bool(&all, "all", "a")
	// runc's parser takes an undefined "-N" after the id as an argument:
	// `kill ID -1` reaches kill(2) (and fails there), it is no flag.
	var negative []string
	if n := len(args); n >= 2 && isNegativeNumber(args[n-1]) && !strings.HasPrefix(args[n-2], "-") {
		args, negative = args[:n-1], args[n-1:]
	}
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	pos = append(pos, negative...)
	if len(pos) < 1 || len(pos) > 2 {
		return 1, errors.New("kill: usage: gorunc kill [--all] ID [SIGNAL]")
	}
	// runc looks the container up before it parses the signal: a missing
	// container is "does not exist" whatever the signal says.
	s := g.store()
	if _, err := s.Get(pos[0]); err != nil {
		return 1, err
	}
	sig := unix.SIGTERM
	if len(pos) == 2 {
		if sig, err = parseSignal(pos[1]); err != nil {
			return 1, err
		}
	}
	return 0, s.Kill(pos[0], sig, all)
}

func isNegativeNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && strings.HasPrefix(s, "-")
}

// parseSignal takes "KILL", "SIGKILL", "kill" or a number. Like runc, any
// number is accepted here and kill(2) judges it (0 probes, 99 fails with
// EINVAL); only numbers that do not fit kill(2)'s int are refused, where
// runc would pass a truncated value on.
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if int64(int32(n)) != n {
			return 0, fmt.Errorf("kill: signal %s is out of range", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("kill: unknown signal %q", s)
}

func cmdDelete(g *globals, args []string) (int, error) {
	force := false
	fs := newFlags("delete")
	fs.Bool(&force, "force", "f")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	id, err := needID("delete", pos)
	if err != nil {
		return 1, err
	}
	return 0, g.store().Delete(id, force)
}

func cmdPause(g *globals, args []string) (int, error) {
	id, err := onlyID("pause", args)
	if err != nil {
		return 1, err
	}
	return 0, g.store().Pause(id)
}

func cmdResume(g *globals, args []string) (int, error) {
	id, err := onlyID("resume", args)
	if err != nil {
		return 1, err
	}
	return 0, g.store().Resume(id)
}
