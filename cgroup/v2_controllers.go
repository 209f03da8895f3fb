package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// available lists the controllers of the hierarchy root (its
// cgroup.controllers), used to tell controller prefixes of unified keys
// from core files such as "cgroup.max.depth".
func (m *v2Manager) available() (map[string]bool, error) {
	return readList(m.root, "cgroup.controllers")
}

// enableControllers writes "+ctrl" into cgroup.subtree_control of every
// ancestor of the container's cgroup, from the hierarchy root down, for
// each controller not enabled there yet. A controller must be enabled in
// a parent before its files appear in the child
// (Documentation/admin-guide/cgroup-v2.rst, "Enabling and Disabling").
func (m *v2Manager) enableControllers(ctrls []string) error {
	if len(ctrls) == 0 {
		return nil
	}
	rel, err := filepath.Rel(m.root, m.dir)
	if err != nil || rel == "." {
		return nil // the root cgroup itself: nothing above it
	}
	parent := m.root
	parts := strings.Split(rel, "/")
	for _, part := range parts {
		if err := enableIn(parent, ctrls); err != nil {
			return err
		}
		parent = filepath.Join(parent, part)
	}
	return nil
}

func enableIn(dir string, ctrls []string) error {
	enabled, err := readList(dir, "cgroup.subtree_control")
	if err != nil {
		return err
	}
	avail, err := readList(dir, "cgroup.controllers")
	if err != nil {
		return err
	}
	var add []string
	for _, c := range ctrls {
		if enabled[c] {
			continue
		}
		if !avail[c] {
			return fmt.Errorf("enable controller %s for the children of %s: not available there (its cgroup.controllers is %q); enable it in the parent's cgroup.subtree_control first, or the kernel lacks it",
				c, dir, strings.Join(sortedKeys(avail), " "))
		}
		add = append(add, "+"+c)
	}
	if len(add) == 0 {
		return nil
	}
	// One write enables them all; the kernel applies all or none.
	if err := writeFile(dir, "cgroup.subtree_control", strings.Join(add, " ")); err != nil {
		return explainEnable(dir, add, err)
	}
	return nil
}

// readList reads a space-separated controller list ("+" prefixes, as a
// fake cgroupfs keeps them, are ignored).
func readList(dir, file string) (map[string]bool, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, c := range strings.Fields(s) {
		set[strings.TrimPrefix(c, "+")] = true
	}
	return set, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// explainEnable gives each way enabling a controller fails its own
// message and remedy (the seed's Common Error 2).
func explainEnable(dir string, add []string, err error) error {
	what := strings.Join(add, " ")
	switch {
	case errors.Is(err, unix.EBUSY):
		pids, perr := readPids(dir)
		if perr != nil {
			return fmt.Errorf("enable %q in %s/cgroup.subtree_control: %w (no-internal-processes rule; listing its processes failed: %v)", what, dir, err, perr)
		}
		return fmt.Errorf("enable %q in %s/cgroup.subtree_control: %w: the cgroup has processes %v and the no-internal-processes rule forbids enabling controllers for its children; move them into a leaf cgroup or choose a cgroupsPath elsewhere", what, dir, err, pids)
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("enable %q in %s/cgroup.subtree_control: %w: a controller is not available in %s (see its cgroup.controllers); enable it in the parent first", what, dir, err, dir)
	}
	return fmt.Errorf("enable %q in %s/cgroup.subtree_control: %w", what, dir, err)
}
