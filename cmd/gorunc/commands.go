package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/runtime"
)

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
	_, _, err = g.store().Create(o)
	return 0, err
}

func cmdRun(g *globals, args []string) (int, error) {
	var o runtime.RunOptions
	fs := createFlags("run", &o.CreateOptions)
	fs.Bool(&o.Detach, "detach", "d")
	fs.Bool(&o.Keep, "keep")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return 1, err
	}
	if o.ID, err = needID("run", pos); err != nil {
		return 1, err
	}
	return g.store().Run(o)
}

func cmdStart(g *globals, args []string) (int, error) {
	id, err := needID("start", args)
	if err != nil {
		return 1, err
	}
	return 0, g.store().Start(id)
}

func cmdState(g *globals, args []string) (int, error) {
	id, err := needID("state", args)
	if err != nil {
		return 1, err
	}
	c, err := g.store().Get(id)
	if err != nil {
		return 1, err
	}
	return 0, printJSON(c.State(), "  ")
}

func printJSON(v any, indent string) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", indent)
	return enc.Encode(v)
}

func cmdList(g *globals, args []string) (int, error) {
	format, quiet := "table", false
	fs := newFlags("list")
	fs.String(&format, "format", "f")
	fs.Bool(&quiet, "quiet", "q")
	if _, err := fs.Parse(args, 0); err != nil {
		return 1, err
	}
	s := g.store()
	ids, err := s.List()
	if err != nil {
		return 1, err
	}
	var states []runtime.State
	for _, id := range ids {
		c, err := s.Get(id)
		if err != nil {
			continue // deleted while we listed
		}
		states = append(states, c.State())
	}
	switch {
	case quiet:
		for _, st := range states {
			fmt.Println(st.ID)
		}
	case format == "json":
		if states == nil {
			states = []runtime.State{}
		}
		return 0, printJSON(states, "")
	case format == "table":
		w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
		fmt.Fprintln(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
		for _, st := range states {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", st.ID, st.Pid, st.Status, st.Bundle, st.Created.Format(time.RFC3339Nano), st.Owner)
		}
		return 0, w.Flush()
	default:
		return 1, fmt.Errorf("list: --format %q: must be table or json", format)
	}
	return 0, nil
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
	id, err := needID("pause", args)
	if err != nil {
		return 1, err
	}
	return 0, g.store().Pause(id)
}

func cmdResume(g *globals, args []string) (int, error) {
	id, err := needID("resume", args)
	if err != nil {
		return 1, err
	}
	return 0, g.store().Resume(id)
}
