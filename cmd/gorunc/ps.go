package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// cmdPs prints the container's processes: their pids as JSON, or the
// lines of the host's ps(1) output (with the given ps arguments, default
// -ef) whose PID column is one of them, as runc does.
func cmdPs(g *globals, args []string) (int, error) {
	format := "table"
	fs := newFlags("ps")
	fs.String(&format, "format", "f")
	pos, err := fs.Parse(args, 1)
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
		return 1, fmt.Errorf("ps: --format %q: must be table or json", format)
	}
	psArgs := pos[1:]
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if err != nil {
		return 1, fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
	}
	lines := bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n"))
	col := -1
	for i, h := range strings.Fields(string(lines[0])) {
		if h == "PID" {
			col = i
		}
	}
	if col < 0 {
		return 1, fmt.Errorf("ps %s: output has no PID column", strings.Join(psArgs, " "))
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
		if p, err := strconv.Atoi(f[col]); err == nil && in[p] {
			fmt.Fprintf(os.Stdout, "%s\n", l)
		}
	}
	return 0, nil
}
