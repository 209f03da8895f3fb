package cgroup

import (
	"fmt"
	"path/filepath"

	sd "github.com/gorunc/gorunc/cgroup/systemd"
	"github.com/gorunc/gorunc/internal/relpath"
)

// New chooses the driver from the host's mounts and resolves Config.Path.
// It creates nothing: Apply does. (Tests on a fake cgroupfs call
// newManager with a layout of their own: fake_test.go.)
func New(cfg Config) (Manager, error) {
	if err := ValidatePath(cfg.Path); err != nil {
		return nil, err
	}
	layout, err := readHostLayout()
	if err != nil {
		return nil, err
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	if cfg.Systemd {
		dial := dialer(nil)
		if cfg.Rootless {
			dial = dialUser
		}
		return newSystemd(cfg, layout, sd.Running(), dial, ops{})
	}
	return newManager(cfg, layout, own, ops{})
}

// newManager is New with the host's facts passed in.
func newManager(cfg Config, layout *hostLayout, own map[string]string, o ops) (Manager, error) {
	if layout.Version == 2 {
		p, err := ResolvePath(cfg.Path, cfg.Name, ownOr(own, ""), 2)
		if err != nil {
			return nil, err
		}
		return newV2(layout.V2Root, p, o), nil
	}
	paths := map[string]string{}
	mounts := layout.V1
	if layout.Unified != nil {
		// The hybrid cgroup2 hierarchy is placed like a v1 one, under
		// the caller's own cgroup there ("0::" in /proc/self/cgroup), as
		// runc's fs driver does.
		mounts = make(map[string]v1Mount, len(layout.V1)+1)
		for c, mnt := range layout.V1 {
			mounts[c] = mnt
		}
		mounts[unifiedKey] = *layout.Unified
	}
	for ctrl, mnt := range mounts {
		p, err := ResolvePath(cfg.Path, cfg.Name, ownOr(own, ctrl), 1)
		if err != nil {
			return nil, err
		}
		dir, err := v1Dir(mnt, p)
		if err != nil {
			return nil, fmt.Errorf("cgroup %s for %s: %w", p, hierarchyName(ctrl), err)
		}
		paths[ctrl] = dir
	}
	m := newV1(mounts, paths, o)
	m.rootless = cfg.Rootless
	return m, nil
}

func ownOr(own map[string]string, ctrl string) string {
	if p, ok := own[ctrl]; ok {
		return p
	}
	return "/"
}

// v1Dir places a hierarchy path under its mount point. When the mount
// shows a subdirectory of the hierarchy (mountinfo root field, as inside
// some containers), paths outside it cannot be reached.
func v1Dir(mnt v1Mount, p string) (string, error) {
	rel, ok := relpath.Under(filepath.Clean("/"+mnt.Root), p)
	if !ok {
		return "", fmt.Errorf("not visible through the mount at %s, which shows %s", mnt.Mountpoint, mnt.Root)
	}
	return filepath.Join(mnt.Mountpoint, rel), nil
}

// Load reopens a manager from a State saved by an earlier process.
func Load(st State) (Manager, error) { return load(st, ops{}) }

func load(st State, o ops) (Manager, error) {
	if st.Systemd != "" {
		p, err := unitOf(st)
		if err != nil {
			return nil, err
		}
		fsState := st
		fsState.Systemd, fsState.SystemdUser = "", nil
		fs, err := load(fsState, o)
		if err != nil {
			return nil, err
		}
		return newLoadedSystemd(p, st.Version, st.SystemdUser, fs), nil
	}
	if err := checkLoadable(st); err != nil {
		return nil, err
	}
	if st.Version == 2 {
		return &v2Manager{root: st.Root, dir: st.Paths[""], created: createdOrPlanned(st), applied: true, ops: o}, nil
	}
	paths := map[string]string{}
	mounts := map[string]v1Mount{}
	for ctrl, dir := range st.Paths {
		paths[ctrl] = dir
		// The directories exist already (a reloaded manager joins, it
		// does not create), so each is its own stop for mkdir -p.
		mounts[ctrl] = v1Mount{Mountpoint: dir, Root: "/"}
	}
	m := newV1(mounts, paths, o)
	m.created = createdOrPlanned(st)
	m.applied = true
	return m, nil
}

// checkLoadable is what Load requires of a cgroupfs state (version 1 or
// 2 and their paths).
func checkLoadable(st State) error {
	switch st.Version {
	case 2:
		if _, ok := st.Paths[""]; !ok || st.Root == "" {
			return fmt.Errorf("load cgroup state: version 2 state needs paths[\"\"] and root")
		}
		return nil
	case 1:
		if len(st.Paths) == 0 {
			return fmt.Errorf("load cgroup state: version 1 state has no paths")
		}
		return nil
	}
	return fmt.Errorf("load cgroup state: version %d: want 1 or 2", st.Version)
}

// IsFrozen is Load(st) then the manager's Frozen, without making the
// manager: a container's status asks it, `list` for every container, and
// a v1 manager's maps were most of what that allocated
// (docs/performance.md "list, session 6"). A state Load refuses is the
// same error here.
func IsFrozen(st State) (bool, error) {
	if st.Systemd != "" {
		if _, err := unitOf(st); err != nil {
			return false, err
		}
	}
	if err := checkLoadable(st); err != nil {
		return false, err
	}
	if st.Version == 2 {
		return v2Frozen(st.Paths[""])
	}
	dir, ok := st.Paths["freezer"]
	if !ok {
		return false, errNotMounted("freezer", "frozen")
	}
	return v1Frozen(dir)
}

// createdOrPlanned is what a reloaded manager may remove: what it made,
// and what it had planned to make when the state was last written (a
// crash may have come between the mkdir and the write).
func createdOrPlanned(st State) []string {
	out := append([]string(nil), st.Created...)
	seen := map[string]bool{}
	for _, d := range out {
		seen[d] = true
	}
	for _, d := range st.Planned {
		if !seen[d] {
			out = append(out, d)
		}
	}
	return out
}
