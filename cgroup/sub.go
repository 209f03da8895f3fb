package cgroup

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Sub-cgroups for `exec --cgroup [CONTROLLER[,CONTROLLER]:]PATH` (runc 1.5):
// the exec'd process joins an existing cgroup below the container's
// instead of the container's own. Nothing is created: the sub-cgroup is
// the container's to make (through its cgroupfs mount) and to remove.

// ParseSubPaths reads exec's --cgroup arguments into a controller -> path
// map, in runc's words: one bare PATH (key "", every controller; the only
// form on cgroup v2), or any number of CONTROLLER[,CONTROLLER]:PATH.
func ParseSubPaths(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	paths := make(map[string]string, len(args))
	for _, a := range args {
		ctrls, p, ok := strings.Cut(a, ":")
		if !ok {
			if len(args) != 1 {
				return nil, fmt.Errorf("invalid --cgroup argument: %s (missing <controller>: prefix)", a)
			}
			paths[""] = a
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			if c == "" {
				return nil, fmt.Errorf("invalid --cgroup argument: %s (empty <controller> prefix)", a)
			}
			if _, dup := paths[c]; dup {
				return nil, fmt.Errorf("invalid --cgroup argument(s): controller %s specified multiple times", c)
			}
			paths[c] = p
		}
	}
	return paths, nil
}

// SubDirs resolves sub (from ParseSubPaths) against the container's
// directories (State.Paths): every controller for key "", else each named
// one, which the container must have. A path that leaves the container's
// cgroup is refused. runc 1.5.1 compares string prefixes, which lets
// "../<name>-sibling" through; runc 1.5.2 and gorunc compare whole path
// elements.
func SubDirs(own map[string]string, sub map[string]string) (map[string]string, error) {
	dirs := make(map[string]string, len(own))
	for ctrl, dir := range own {
		dirs[ctrl] = dir
	}
	if p, ok := sub[""]; ok {
		for ctrl, dir := range own {
			d, err := subDir(dir, p)
			if err != nil {
				return nil, err
			}
			dirs[ctrl] = d
		}
		return dirs, nil
	}
	for ctrl, p := range sub {
		dir, ok := own[ctrl]
		if !ok {
			return nil, fmt.Errorf("unknown controller %s in SubCgroupPaths", ctrl)
		}
		d, err := subDir(dir, p)
		if err != nil {
			return nil, err
		}
		dirs[ctrl] = d
	}
	return dirs, nil
}

func subDir(dir, p string) (string, error) {
	d := path.Join(dir, p)
	if d != dir && !strings.HasPrefix(d, dir+"/") {
		return "", fmt.Errorf("bad sub cgroup path: %s", p)
	}
	return d, nil
}

// Enter moves pid into each directory (once per directory: co-mounted
// controllers share one), in a stable order so that the error names the
// same directory every time. A sub-cgroup that does not exist is an
// error, as with runc.
func Enter(dirs map[string]string, pid int) error {
	seen := map[string]bool{}
	ordered := make([]string, 0, len(dirs))
	for _, d := range dirs {
		if !seen[d] {
			seen[d] = true
			ordered = append(ordered, d)
		}
	}
	sort.Strings(ordered)
	for _, d := range ordered {
		if err := writeFile(d, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

// EnterInitCgroup is exec's fallback on cgroup v2 when the container's
// own cgroup refuses a process (EBUSY: it enables domain controllers for
// its children, and the no-internal-processes rule applies): as runc
// 1.5, pid joins the cgroup init is in now, which must be the
// container's or one below it (runc does not check; the container could
// have moved init anywhere its cgroupfs reaches). Not used with
// exec --cgroup, which names the cgroup itself.
func EnterInitCgroup(st State, pid, initPid int) error {
	if st.Version != 2 || st.Root == "" {
		return fmt.Errorf("joining init's cgroup is a cgroup v2 fallback")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", initPid))
	if err != nil {
		return err
	}
	own, err := parseProcCgroup(f)
	f.Close()
	if err != nil {
		return err
	}
	p, ok := own[""]
	if !ok {
		return fmt.Errorf("init (pid %d) has no cgroup v2 line", initPid)
	}
	dir, ctr := path.Join(st.Root, p), st.Paths[""]
	if dir != ctr && !strings.HasPrefix(dir, ctr+"/") {
		return fmt.Errorf("init's cgroup %s is outside the container's %s", dir, ctr)
	}
	return writeFile(dir, "cgroup.procs", strconv.Itoa(pid))
}
