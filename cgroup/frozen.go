package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Freezing is inherited: every task below a frozen cgroup is frozen, and a
// cgroup made under a frozen parent is born frozen (v1: freezer.state of a
// child reads FROZEN with freezer.parent_freezing 1; v2: cgroup.events
// "frozen 1" while its own cgroup.freeze stays 0). A process placed there
// stops dead, so whoever waits on it waits forever: runc refuses a
// container whose cgroup is frozen up front ("container's cgroup
// unexpectedly frozen", libcontainer/factory_linux.go) but looks only at
// the cgroup's own request, and hangs under a frozen parent.

// Frozen names the cgroup whose freeze holds Dir: Dir itself or the
// ancestor that asked to be frozen.
type Frozen struct {
	// Dir is the container's cgroup (or, before Apply made it, the
	// nearest directory of its path that exists).
	Dir string
	// By is the cgroup that was frozen: Dir, or one of its ancestors.
	By string
	// State is what By's freeze file says ("FROZEN", "FREEZING", or
	// "cgroup.freeze=1").
	State string
}

func (f *Frozen) Error() string {
	if f.By == f.Dir {
		return fmt.Sprintf("%s is %s", f.Dir, f.State)
	}
	return fmt.Sprintf("%s is frozen by its ancestor %s (%s)", f.Dir, f.By, f.State)
}

// FrozenBy reports whether a freeze holds the cgroup at dir, whether or not
// dir exists yet: a missing directory is judged by its nearest existing
// ancestor, since mkdir there would give a frozen cgroup. It returns nil
// when nothing is frozen.
func (m *v2Manager) FrozenBy() (*Frozen, error) { return v2FrozenBy(m.dir) }

func (m *v1Manager) FrozenBy() (*Frozen, error) {
	dir, ok := m.paths["freezer"]
	if !ok {
		return nil, nil // no freezer hierarchy: nothing can freeze it
	}
	return v1FrozenBy(dir)
}

// v2FrozenBy walks up from dir to the root (which has no cgroup.freeze)
// looking for a cgroup.freeze of 1: the request, which holds the subtree
// even while the kernel is still freezing it.
func v2FrozenBy(dir string) (*Frozen, error) {
	dir, err := nearestExisting(dir)
	if err != nil {
		return nil, err
	}
	for p := dir; ; p = filepath.Dir(p) {
		v, err := readFile(p, "cgroup.freeze")
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if v == "1" {
			return &Frozen{Dir: dir, By: p, State: "cgroup.freeze=1"}, nil
		}
		if p == "/" {
			return nil, nil
		}
	}
}

// v1FrozenBy reads dir's freezer.state, which in v1 is the effective state
// (a parent's freeze shows as FROZEN in every child), and then finds which
// cgroup asked for it through freezer.self_freezing.
func v1FrozenBy(dir string) (*Frozen, error) {
	dir, err := nearestExisting(dir)
	if err != nil {
		return nil, err
	}
	state, err := readFile(dir, "freezer.state")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // the hierarchy's root: never frozen
	}
	if err != nil {
		return nil, err
	}
	if state == "THAWED" {
		return nil, nil
	}
	for p := dir; ; p = filepath.Dir(p) {
		self, err := readFile(p, "freezer.self_freezing")
		if err != nil || p == "/" {
			// Past the root, or a kernel without self_freezing:
			// name the cgroup itself.
			return &Frozen{Dir: dir, By: dir, State: state}, nil
		}
		if self == "1" {
			st, _ := readFile(p, "freezer.state")
			return &Frozen{Dir: dir, By: p, State: st}, nil
		}
	}
}

// nearestExisting is dir, or its closest ancestor that exists.
func nearestExisting(dir string) (string, error) {
	for p := dir; ; p = filepath.Dir(p) {
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, os.ErrNotExist) || p == "/" {
			return "", fmt.Errorf("cgroup %s: %w", dir, err)
		}
	}
}
