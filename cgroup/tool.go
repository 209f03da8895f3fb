package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Tool is the seed's cgroup-tool: small operations on a cgroup v2
// hierarchy, paths relative to its mount point. cmd/cgroup-tool only
// parses arguments and calls these.
type Tool struct {
	root string
	ops  ops
}

// NewTool opens the cgroup2 hierarchy at root (DefaultRoot when empty),
// refusing a v1 host with the one-line reason (the seed's Common Error 4).
func NewTool(root string) (*Tool, error) {
	if root == "" {
		root = DefaultRoot
		v, err := HostVersion()
		if err != nil {
			return nil, err
		}
		if v != 2 {
			return nil, fmt.Errorf("this tool needs cgroup v2 (the host has cgroup v1 at %s)", DefaultRoot)
		}
	}
	if !fileExists(root, "cgroup.controllers") {
		return nil, fmt.Errorf("this tool needs cgroup v2 (%s has no cgroup.controllers, so it is not a cgroup2 mount)", root)
	}
	return &Tool{root: root}, nil
}

// dir resolves a path relative to the hierarchy root; the root itself is
// only allowed where allowRoot says so (stat, attach).
func (t *Tool) dir(p string, allowRoot bool) (string, error) {
	if err := ValidatePath(p); err != nil {
		return "", fmt.Errorf("cgroup path %q must not contain \"..\"", p)
	}
	rel := strings.Trim(filepath.Clean("/"+p), "/")
	if rel == "" && !allowRoot {
		return "", fmt.Errorf("cgroup path %q names the root cgroup; give a child path", p)
	}
	return filepath.Join(t.root, rel), nil
}

// Create makes the cgroup (and missing parents) and enables the cpu,
// memory and pids controllers, where the root offers them, in every
// ancestor so that memory-max, cpu-max and pids-max work on it.
func (t *Tool) Create(p string) error {
	d, err := t.dir(p, false)
	if err != nil {
		return err
	}
	if _, err := t.ops.mkdirAll(t.root, d); err != nil {
		return err
	}
	avail, err := readList(t.root, "cgroup.controllers")
	if err != nil {
		return err
	}
	var want []string
	for _, c := range []string{"cpu", "memory", "pids"} {
		if avail[c] {
			want = append(want, c)
		}
	}
	return (&v2Manager{root: t.root, dir: d}).enableControllers(want)
}

// Attach moves pid into the cgroup.
func (t *Tool) Attach(p string, pid int) error {
	d, err := t.dir(p, true)
	if err != nil {
		return err
	}
	if pid <= 0 {
		return fmt.Errorf("pid %d: want a positive process id", pid)
	}
	return (&v2Manager{root: t.root, dir: d}).Apply(pid)
}

// Delete removes one empty cgroup; while it is busy the error names the
// processes still inside (the seed's Common Error 5).
func (t *Tool) Delete(p string) error {
	d, err := t.dir(p, false)
	if err != nil {
		return err
	}
	if _, err := os.Stat(d); err != nil {
		return fmt.Errorf("delete cgroup %s: %w", p, err)
	}
	return rmdirRetry(t.ops, d)
}

// The value patterns are compiled when a value is checked, not at package
// initialisation: every gorunc process links this package, and compiling
// them cost each one 141 allocations (GODEBUG=inittrace=1; docs/performance.md,
// "Hot path, session 4") for cgroup-tool's sake.
const (
	numOrMax = `^([0-9]+|max)$`
	cpuMaxRe = `^([0-9]+|max)( [0-9]+)?$`
)

// SetMemoryMax writes memory.max: bytes or "max".
func (t *Tool) SetMemoryMax(p, v string) error {
	return t.set(p, "memory.max", v, numOrMax, `a number of bytes or "max"`)
}

// SetCPUMax writes cpu.max: "QUOTA PERIOD", "max PERIOD" or "QUOTA".
func (t *Tool) SetCPUMax(p, v string) error {
	return t.set(p, "cpu.max", strings.Join(strings.Fields(v), " "), cpuMaxRe, `"QUOTA PERIOD" in microseconds, QUOTA may be "max"`)
}

// SetPidsMax writes pids.max: a number or "max".
func (t *Tool) SetPidsMax(p, v string) error {
	return t.set(p, "pids.max", v, numOrMax, `a number of processes or "max"`)
}

func (t *Tool) set(p, file, v, pattern, want string) error {
	d, err := t.dir(p, false)
	if err != nil {
		return err
	}
	if !regexp.MustCompile(pattern).MatchString(v) {
		return fmt.Errorf("%s value %q: want %s", file, v, want)
	}
	if err := writeFile(d, file, v); err != nil {
		return (&v2Manager{root: t.root, dir: d}).explainWrite(err)
	}
	return nil
}

// ToolStat is what `cgroup-tool stat` prints.
type ToolStat struct {
	MemoryCurrent uint64
	CPUUsageUsec  uint64
	PidsCurrent   uint64
}

func (s ToolStat) String() string {
	return fmt.Sprintf("memory.current %d\ncpu.stat usage_usec %d\npids.current %d\n", s.MemoryCurrent, s.CPUUsageUsec, s.PidsCurrent)
}

// Stat reads memory.current, usage_usec of cpu.stat and pids.current.
func (t *Tool) Stat(p string) (ToolStat, error) {
	var st ToolStat
	d, err := t.dir(p, true)
	if err != nil {
		return st, err
	}
	m := &v2Manager{root: t.root, dir: d}
	if st.MemoryCurrent, err = readUint(d, "memory.current"); err != nil {
		return st, m.explainWrite(err)
	}
	cpu, err := readKV(d, "cpu.stat")
	if err != nil {
		return st, m.explainWrite(err)
	}
	st.CPUUsageUsec = cpu["usage_usec"]
	if st.PidsCurrent, err = readUint(d, "pids.current"); err != nil {
		return st, m.explainWrite(err)
	}
	return st, nil
}

// ParsePid parses a process id argument.
func ParsePid(s string) (int, error) {
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid %q: want a positive number", s)
	}
	return pid, nil
}
