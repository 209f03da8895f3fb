package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// cgroupDir is one hierarchy the bench process belongs to: where it is
// mounted and the bench process's own cgroup inside it.
type cgroupDir struct {
	mount string // e.g. /sys/fs/cgroup/memory
	own   string // e.g. /process_api/eed3... (from /proc/self/cgroup)
}

func (d cgroupDir) path() string { return filepath.Join(d.mount, d.own) }

// ownCgroups reads /proc/self/cgroup. On a v1 or hybrid host it returns one
// entry per v1 hierarchy (the unified one is unmounted inside the bench's
// mount namespace); on a pure v2 host the single unified entry.
func ownCgroups() ([]cgroupDir, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var v1 []cgroupDir
	var v2 *cgroupDir
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" {
			v2 = &cgroupDir{mount: "/sys/fs/cgroup", own: parts[2]}
			continue
		}
		name := strings.TrimPrefix(parts[1], "name=")
		m := filepath.Join("/sys/fs/cgroup", name)
		if _, err := os.Stat(m); err != nil {
			continue
		}
		v1 = append(v1, cgroupDir{mount: m, own: parts[2]})
	}
	if len(v1) > 0 {
		return v1, nil
	}
	if v2 != nil {
		return []cgroupDir{*v2}, nil
	}
	return nil, fmt.Errorf("no cgroup hierarchy found in /proc/self/cgroup")
}

// absPrefix returns the deepest of the bench's own cgroup paths when every
// other one is an ancestor of it. crun 1.8 resolves a relative cgroupsPath
// from the hierarchy root, not from its own cgroup, so crun is given
// "<absPrefix>/<name>": that stays inside the bench's own cgroup in every
// hierarchy, as the safety rules require.
func absPrefix(dirs []cgroupDir) (string, error) {
	deepest := "/"
	for _, d := range dirs {
		if len(d.own) > len(deepest) {
			deepest = d.own
		}
	}
	for _, d := range dirs {
		if d.own != "/" && d.own != deepest && !strings.HasPrefix(deepest, d.own+"/") {
			return "", fmt.Errorf("own cgroups %q and %q are not nested; no absolute path fits both", d.own, deepest)
		}
	}
	return deepest, nil
}

// missingAncestors lists the directories that an absolute cgroupsPath
// under prefix would make crun create (mkdir -p) in each hierarchy, so
// the bench removes them again at the end.
func missingAncestors(dirs []cgroupDir, prefix string) []string {
	var out []string
	for _, d := range dirs {
		rel := strings.TrimPrefix(prefix, d.own)
		if d.own == "/" {
			rel = prefix
		}
		p := d.path()
		for _, c := range strings.Split(strings.Trim(rel, "/"), "/") {
			if c == "" {
				continue
			}
			p = filepath.Join(p, c)
			if _, err := os.Stat(p); err != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// findCgroups lists every cgroup directory whose name starts with
// namePrefix, searched below the bench's own cgroup in each hierarchy
// (depth-limited: the bench's names sit at most a few levels deep).
func findCgroups(dirs []cgroupDir, namePrefix string) []string {
	var out []string
	for _, d := range dirs {
		root := d.path()
		base := strings.Count(root, "/")
		filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
			if err != nil || !e.IsDir() {
				return nil
			}
			if strings.Count(p, "/")-base > 4 {
				return filepath.SkipDir
			}
			if strings.HasPrefix(e.Name(), namePrefix) {
				out = append(out, p)
				return filepath.SkipDir
			}
			return nil
		})
	}
	return out
}

// killCgroupProcs SIGKILLs every process left in the given cgroups (the
// bench made them, so whatever is inside was started through the bench).
func killCgroupProcs(paths []string) {
	for _, p := range paths {
		filepath.WalkDir(p, func(q string, e os.DirEntry, err error) error {
			if err != nil || !e.IsDir() {
				return nil
			}
			data, err := os.ReadFile(filepath.Join(q, "cgroup.procs"))
			if err != nil {
				return nil
			}
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			return nil
		})
	}
}

// removeCgroups rmdirs the given cgroup directories, children first. A
// cgroup with live processes cannot be removed; the error says so.
func removeCgroups(paths []string) []error {
	var all []string
	for _, p := range paths {
		filepath.WalkDir(p, func(q string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, q)
			}
			return nil
		})
	}
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	var errs []error
	for _, p := range all {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Errorf("rmdir %s: %w", p, err))
		}
	}
	return errs
}

// holdCpusetAnchor makes an empty cgroup in the bench's own v1 cpuset
// cgroup and leaves it there for the run; the cleanup removes it with the
// containers' cgroups (its name starts with tag). The kernel keeps its
// cpuset static keys on while any cpuset cgroup but the root exists: on
// an otherwise idle host each create's cpuset mkdir turned them on again
// and its delete off (2.2-3.3 ms of kernel CPU for the first mkdir, 12 us
// for the next, here), for every runtime, and the medians moved by ~5 ms
// from one run to the next. A host running any container never pays it.
// It says what it did, or why it did nothing (no v1 cpuset hierarchy:
// on cgroup v2 a cgroup has a cpuset only where its parent enables one).
func holdCpusetAnchor(dirs []cgroupDir, tag string) (string, error) {
	for _, d := range dirs {
		// The mount point is named for its controllers ("cpuset",
		// or co-mounted "cpu,cpuset").
		if !slices.Contains(strings.Split(filepath.Base(d.mount), ","), "cpuset") {
			continue
		}
		p := filepath.Join(d.path(), tag+"-cpuset-anchor")
		if err := os.Mkdir(p, 0o755); err != nil {
			return "", fmt.Errorf("cpuset anchor: %w", err)
		}
		return p + " held for the run", nil
	}
	return "none: no v1 cpuset hierarchy", nil
}
