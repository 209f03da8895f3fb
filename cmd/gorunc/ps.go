package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/gorunc/gorunc/nsexec"
)

// cmdPs prints the container's processes: their pids as JSON, or the
// lines of the host's ps(1) output (with the given ps arguments, default
// -ef) whose first PID column is one of them, as runc does. As runc's
// (SkipArgReorder), flags come before the id: everything after it, "--"
// included, is ps's.
func cmdPs(g *globals, args []string) (int, error) {
	format := "table"
	fs := newFlags("ps")
	fs.String(&format, "format", "f")
	pos, err := fs.Parse(args, 0)
	if err != nil {
		return 1, err
	}
	if len(pos) < 1 {
		return 1, fmt.Errorf("ps: usage: gorunc ps [--format table|json] ID [ps options]")
	}
	c, err := g.store().Get(pos[0])
	if err != nil {
		return 1, err
	}
	pids, err := c.Processes()
	if err != nil {
		return 1, err
	}
	switch format {
	case "json":
		if pids == nil {
			pids = []int{}
		}
		return 0, printJSON(pids, "")
	case "table":
	default:
		// runc's words.
		return 1, fmt.Errorf("ps: --format %q: invalid format option (table or json)", format)
	}
	psArgs := pos[1:]
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	// ps's own complaints are part of its answer, as with runc.
	out, err := nsexec.CombinedOutput(exec.Command("ps", psArgs...))
	if err != nil {
		return 1, fmt.Errorf("ps %s: %w: %s", strings.Join(psArgs, " "), err, bytes.TrimSpace(out))
	}
	lines := bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n"))
	col := slices.Index(strings.Fields(string(lines[0])), "PID")
	if col < 0 {
		return 1, fmt.Errorf("ps %s: couldn't find PID field in ps output", strings.Join(psArgs, " "))
	}
	in := map[int]bool{}
	for _, p := range pids {
		in[p] = true
	}
	fmt.Fprintf(os.Stdout, "%s\n", lines[0])
	for _, l := range lines[1:] {
		f := strings.Fields(string(l))
		if len(f) <= col {
			continue
		}
		p, err := strconv.Atoi(f[col])
		if err != nil {
			return 1, fmt.Errorf("ps: unable to parse pid: %w", err)
		}
		if in[p] {
			fmt.Fprintf(os.Stdout, "%s\n", l)
		}
	}
	return 0, nil
}
