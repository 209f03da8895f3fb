package cgroup

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/internal/relpath"
)

// v1Manager drives one directory per controller hierarchy
// (Documentation/admin-guide/cgroup-v1/cgroups.rst), as on legacy and
// hybrid hosts. Co-mounted controllers (cpu,cpuacct) share a directory.
type v1Manager struct {
	mounts  map[string]v1Mount // controller -> hierarchy mount
	paths   map[string]string  // controller -> the container's directory
	created []string
	// applied: Apply ran, so State reports Created, not Planned.
	applied bool
	// ready are the directories an earlier Apply made (or found) and
	// filled (cpuset): create applies before init exists, to write
	// limits, and again with init's pid, which then only writes
	// cgroup.procs (9 mkdir EEXIST and 2 cpuset reads fewer on a hybrid
	// host; docs/performance.md, "Hot path, session 4").
	ready map[string]bool
	// rootless: the caller may be denied the hybrid cgroup2 hierarchy,
	// which enforces nothing; the container then goes without it.
	rootless bool
	ops      ops
}

func newV1(mounts map[string]v1Mount, paths map[string]string, o ops) *v1Manager {
	return &v1Manager{mounts: mounts, paths: paths, ops: o}
}

func (m *v1Manager) controllers() []string {
	out := make([]string, 0, len(m.paths))
	for c := range m.paths {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Apply creates the directory in every mounted controller hierarchy and,
// on a hybrid host, in the cgroup2 one (mkdir -p, recording only what it
// made) and moves pid into each.
func (m *v1Manager) Apply(pid int) error {
	m.applied = true
	seen := map[string]bool{}
	for _, ctrl := range m.controllers() {
		dir := m.paths[ctrl]
		if seen[dir] {
			continue
		}
		seen[dir] = true
		var err error
		if !m.ready[dir] {
			var made []string
			made, err = m.ops.mkdirAll(m.mounts[ctrl].Mountpoint, dir)
			m.created = append(m.created, made...)
			if err != nil {
				err = fmt.Errorf("create cgroup for %s: %w", hierarchyName(ctrl), err)
			}
		}
		if err == nil && pid > 0 && ctrl == unifiedKey {
			err = movePid(dir, ctrl, pid)
		}
		if err != nil && ctrl == unifiedKey && m.rootless && IsPermission(err) {
			// A hybrid host's cgroup2 hierarchy has no controllers
			// (runc's fs driver does not use it), and a user owning
			// its v1 cgroups rarely owns the common ancestor there that
			// a move needs (delegation.go).
			delete(m.paths, ctrl)
			continue
		}
		if err != nil {
			return err
		}
		if ctrl == "cpuset" && !m.ready[dir] {
			if err := fillCpusets(m.mounts[ctrl].Mountpoint, dir); err != nil {
				return err
			}
		}
		if pid > 0 && ctrl != unifiedKey {
			if err := movePid(dir, ctrl, pid); err != nil {
				return err
			}
		}
		if m.ready == nil {
			m.ready = map[string]bool{}
		}
		m.ready[dir] = true
	}
	return nil
}

func movePid(dir, ctrl string, pid int) error {
	if err := writeFile(dir, "cgroup.procs", strconv.Itoa(pid)); err != nil {
		return fmt.Errorf("move pid %d into the cgroup of %s: %w", pid, hierarchyName(ctrl), err)
	}
	return nil
}

// hierarchyName names a v1 manager's hierarchy in messages.
func hierarchyName(ctrl string) string {
	if ctrl == unifiedKey {
		return "the hybrid cgroup2 hierarchy (" + hybridUnified + ")"
	}
	return "controller " + ctrl
}

// need returns a controller's directory, or an error naming the OCI field
// when the host does not mount that controller.
func (m *v1Manager) need(ctrl, field string) (string, error) {
	dir, ok := m.paths[ctrl]
	if !ok {
		return "", errNotMounted(ctrl, field)
	}
	return dir, nil
}

func errNotMounted(ctrl, field string) error {
	return fmt.Errorf("%s: set, but the %s controller is not mounted on this host (cgroup v1)", field, ctrl)
}

// Set writes resources to each controller's directory.
func (m *v1Manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if err := Validate(r, 1); err != nil {
		return err
	}
	for _, c := range v1Setters {
		if !c.needed(r) {
			continue
		}
		dir, err := m.need(c.name, c.field)
		if err != nil {
			return err
		}
		if err := c.set(dir, r); err != nil {
			return err
		}
	}
	return nil
}

// procsDir is the directory whose cgroup.procs lists the container's
// processes: freezer first (it is what Kill freezes), then any other.
func (m *v1Manager) procsDir() (string, error) {
	for _, c := range []string{"freezer", "pids", "memory", "cpu", "devices"} {
		if d, ok := m.paths[c]; ok {
			return d, nil
		}
	}
	for _, c := range m.controllers() {
		return m.paths[c], nil
	}
	return "", fmt.Errorf("no cgroup v1 controller is mounted")
}

func (m *v1Manager) Pids() ([]int, error) {
	dir, err := m.procsDir()
	if err != nil {
		return nil, err
	}
	return readPidsRecursive(dir)
}

func (m *v1Manager) Destroy() error {
	leaves := map[string]bool{}
	for _, p := range m.paths {
		leaves[p] = true
	}
	if err := removeCreated(m.ops, m.created, leaves); err != nil {
		return fmt.Errorf("destroy cgroup: %w", err)
	}
	m.created = nil
	return nil
}

// Path returns the directory for a v1 controller, "" when not mounted.
func (m *v1Manager) Path(controller string) string { return m.paths[controller] }

func (m *v1Manager) State() State {
	paths := make(map[string]string, len(m.paths))
	for c, d := range m.paths {
		paths[c] = d
	}
	st := State{Version: 1, Paths: paths, Created: append([]string(nil), m.created...)}
	if !m.applied {
		seen := map[string]bool{}
		for _, ctrl := range m.controllers() {
			for _, d := range missing(m.mounts[ctrl].Mountpoint, m.paths[ctrl]) {
				if !seen[d] {
					seen[d] = true
					st.Planned = append(st.Planned, d)
				}
			}
		}
	}
	return st
}

// InitHierarchies is what /proc/PID/cgroup will say (OwnHierarchies's
// shape) of a process that is now where the caller is (own) once m.Apply
// has placed it: own, with each hierarchy m places it in replaced by the
// container's directory there, relative to the hierarchy's root. It is
// what rootfs's cgroup mount binds on a v1 host, known before init exists
// (create compiles init's program once, before the spawn). nil for the
// other drivers and for a directory outside its mount: no guess. A wrong
// guess costs only time: the caller checks it against init's file.
func InitHierarchies(m Manager, own map[string]string) map[string]string {
	v1, ok := m.(*v1Manager)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(own))
	for list, path := range own {
		out[list] = path
		ctrl, _, _ := strings.Cut(list, ",")
		dir, ok := v1.paths[ctrl]
		if !ok {
			continue
		}
		mnt := v1.mounts[ctrl]
		rel, ok := relpath.Under(mnt.Mountpoint, dir)
		if !ok {
			return nil
		}
		out[list] = filepath.Join("/", mnt.Root, rel)
	}
	return out
}
