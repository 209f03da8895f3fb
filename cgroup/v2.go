package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// v2Manager drives one directory in the unified hierarchy
// (Documentation/admin-guide/cgroup-v2.rst).
type v2Manager struct {
	root    string // the cgroup2 mount point
	dir     string // the container's cgroup, under root
	created []string
	// applied: Apply ran, so State reports Created, not Planned.
	applied bool
	ops     ops
}

func newV2(root, cgPath string, o ops) *v2Manager {
	return &v2Manager{root: root, dir: filepath.Join(root, cgPath), ops: o}
}

// Apply creates the cgroup and its missing parents (mkdir -p: a
// cgroupsPath that does not exist yet is made, and only what was made is
// recorded, so that Destroy leaves a pre-made cgroup alone) and moves pid
// into it.
func (m *v2Manager) Apply(pid int) error {
	m.applied = true
	made, err := m.ops.mkdirAll(m.root, m.dir)
	m.created = append(m.created, made...)
	if err != nil {
		return fmt.Errorf("create cgroup: %w", err)
	}
	if pid > 0 {
		if err := writeFile(m.dir, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return m.explainAttach(pid, err)
		}
	}
	return nil
}

// explainAttach adds the likely cause to a failed cgroup.procs write: the
// kernel refuses (EBUSY) to put a process into a cgroup that has
// controllers enabled in its own cgroup.subtree_control.
func (m *v2Manager) explainAttach(pid int, err error) error {
	if errors.Is(err, unix.EBUSY) {
		if sc, rerr := readFile(m.dir, "cgroup.subtree_control"); rerr == nil && sc != "" {
			return fmt.Errorf("move pid %d into %s: %w: the cgroup enables controllers for children (cgroup.subtree_control %q) and the no-internal-processes rule forbids processes in it; use a leaf cgroup as cgroupsPath", pid, m.dir, err, sc)
		}
	}
	return fmt.Errorf("move pid %d into cgroup: %w", pid, err)
}

// Set writes resources: controllers are enabled in the ancestors first,
// then each controller's files, then linux.resources.unified verbatim (so
// that it overrides the mapped values), then the device program.
// linux.resources.network has no v2 files (net_cls and net_prio are v1
// only) and is ignored, as runc's fs2 driver does; kernel memory limits
// are gone from v2 and ignored too.
func (m *v2Manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if err := Validate(r, 2); err != nil {
		return err
	}
	avail, err := m.available()
	if err != nil {
		return err
	}
	if err := m.enableControllers(neededV2Controllers(r, avail)); err != nil {
		return err
	}
	for _, c := range v2Setters {
		if !c.needed(r) {
			continue
		}
		if err := c.set(m.dir, r); err != nil {
			return m.explainWrite(err)
		}
	}
	if err := setV2Unified(m.dir, r); err != nil {
		return m.explainWrite(err)
	}
	if len(r.Devices) > 0 {
		if err := setV2Devices(m.dir, r.Devices); err != nil {
			return err
		}
	}
	return nil
}

// explainWrite turns a missing interface file into the reason it is
// missing: the controller is not enabled for this cgroup.
func (m *v2Manager) explainWrite(err error) error {
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if _, serr := os.Stat(m.dir); serr != nil {
		return fmt.Errorf("%w (the cgroup %s does not exist: call Apply before Set)", err, m.dir)
	}
	have, _ := readFile(m.dir, "cgroup.controllers")
	return fmt.Errorf("%w (controllers enabled for %s: %q; a controller must be enabled in every ancestor's cgroup.subtree_control)", err, m.dir, have)
}

func (m *v2Manager) Pids() ([]int, error) { return readPidsRecursive(m.dir) }

func (m *v2Manager) Destroy() error {
	if err := removeCreated(m.ops, m.created, map[string]bool{m.dir: true}); err != nil {
		return fmt.Errorf("destroy cgroup: %w", err)
	}
	m.created = nil
	return nil
}

func (m *v2Manager) Path(string) string { return m.dir }

func (m *v2Manager) State() State {
	st := State{
		Version: 2,
		Paths:   map[string]string{"": m.dir},
		Created: append([]string(nil), m.created...),
		Root:    m.root,
	}
	if !m.applied {
		st.Planned = missing(m.root, m.dir)
	}
	return st
}
