// Command cgroup-tool is the seed's cgroup v2 helper: create, attach,
// delete, memory-max, cpu-max, pids-max and stat on paths relative to the
// cgroup2 mount (/sys/fs/cgroup, or --root / CGROUP_ROOT). It only parses
// arguments; the work is in package cgroup.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gorunc/gorunc/cgroup"
)

const usage = `usage: cgroup-tool [--root DIR] COMMAND ARGS
  create PATH
  attach PATH PID
  delete PATH
  memory-max PATH BYTES|max
  cpu-max PATH "QUOTA PERIOD"
  pids-max PATH N|max
  stat PATH
PATH is relative to the cgroup2 mount (--root, else $CGROUP_ROOT, else /sys/fs/cgroup).`

func main() {
	if err := run(os.Args[1:], os.Getenv("CGROUP_ROOT"), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cgroup-tool:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New(usage)

func run(args []string, root string, stdout io.Writer) error {
	if len(args) >= 2 && args[0] == "--root" {
		root, args = args[1], args[2:]
	}
	if len(args) < 2 {
		return errUsage
	}
	arity := map[string]int{"create": 2, "attach": 3, "delete": 2, "memory-max": 3, "cpu-max": 3, "pids-max": 3, "stat": 2}
	if n, ok := arity[args[0]]; !ok || len(args) != n {
		return errUsage
	}
	t, err := cgroup.NewTool(root)
	if err != nil {
		return err
	}
	path := args[1]
	switch args[0] {
	case "create":
		return t.Create(path)
	case "attach":
		pid, err := cgroup.ParsePid(args[2])
		if err != nil {
			return err
		}
		return t.Attach(path, pid)
	case "delete":
		return t.Delete(path)
	case "memory-max":
		return t.SetMemoryMax(path, args[2])
	case "cpu-max":
		return t.SetCPUMax(path, args[2])
	case "pids-max":
		return t.SetPidsMax(path, args[2])
	default: // stat
		st, err := t.Stat(path)
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, st.String())
		return err
	}
}
