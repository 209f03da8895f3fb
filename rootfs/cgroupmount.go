package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/internal/relpath"
)

const hostCgroupRoot = "/sys/fs/cgroup"

// mountCgroup handles a mount of type "cgroup" (runtime-spec config.md
// leaves its meaning to the runtime; this follows runc): a cgroup2 mount on
// a unified host, otherwise a tmpfs with one mount per v1 hierarchy. It
// returns a handle on the mount at the destination.
func (r *root) mountCgroup(m specs.Mount, o mountOptions, cfg *Config) (*os.File, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(hostCgroupRoot, &st); err != nil {
		return nil, fmt.Errorf("statfs %s: %w", hostCgroupRoot, err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return r.mountCgroupV2(m, o, cfg)
	}
	return r.mountCgroupV1(m, o, cfg.NewCgroupNS)
}

// mountCgroupV2 mounts a fresh cgroup2, or, where the kernel refuses it,
// binds it from the host as runc 1.5 does (rootfs_linux.go
// mountCgroupV2): a user namespace without a cgroup namespace of its own
// (`spec --rootless` has none) may not mount cgroup2 (EPERM, runc #2158).
// The bind is of the container's own cgroup when it has a cgroup
// namespace, else of the whole hierarchy (read-only as the mount asks).
// A rootless caller outside the user's mount view of that cgroup (ENOENT)
// gets the destination masked, so that a read-write /sys bind cannot
// expose it.
func (r *root) mountCgroupV2(m specs.Mount, o mountOptions, cfg *Config) (*os.File, error) {
	m2 := specs.Mount{Destination: m.Destination, Type: "cgroup2", Source: "cgroup2"}
	mnt, err := r.mountFS(m2, o, r.target(m2, o))
	if err == nil || !(errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY)) {
		return mnt, err
	}
	src := hostCgroupRoot
	if cfg.NewCgroupNS && cfg.CgroupDir != "" {
		src = cfg.CgroupDir
	}
	bm := specs.Mount{Destination: m.Destination, Type: "bind", Source: src}
	bo := mountOptions{flags: o.flags | unix.MS_BIND, cleared: o.cleared}
	mnt, err = r.mountBind(bm, bo, r.target(bm, bo), nil)
	if err == nil || !cfg.RootlessCgroups || !errors.Is(err, os.ErrNotExist) {
		return mnt, err
	}
	dst, err := r.mkdirAll(m.Destination)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	return maskTmpfs(dst)
}

// hierarchy is one host cgroup hierarchy mounted under /sys/fs/cgroup.
type hierarchy struct {
	name        string // directory name under /sys/fs/cgroup ("cpu", "systemd", "unified")
	fstype      string // "cgroup" or "cgroup2"
	controllers string // the /proc/self/cgroup list ("cpu", "name=systemd"), "" for cgroup2
	source      string // host directory of this process's cgroup in it
}

// mountCgroupV1 builds what runc builds on a v1 or hybrid host: a tmpfs at
// the destination and under it each hierarchy, as a bind of this process's
// own cgroup directory (no cgroup namespace: the container must not see its
// siblings), or as a fresh mount when it has a cgroup namespace. Everything
// under the tmpfs is reached through the tmpfs's own handle.
func (r *root) mountCgroupV1(m specs.Mount, o mountOptions, newCgroupNS bool) (*os.File, error) {
	hs, err := hostHierarchies()
	if err != nil {
		return nil, err
	}
	tm := specs.Mount{Destination: m.Destination, Type: "tmpfs", Source: "tmpfs"}
	tmpfs := cgroupTmpfs(o)
	top, err := r.mountFS(tm, tmpfs, r.target(tm, tmpfs))
	if err != nil {
		return nil, err
	}
	if err := r.mountHierarchies(top, m, o, hs, newCgroupNS); err != nil {
		top.Close()
		return nil, err
	}
	return top, nil
}

func (r *root) mountHierarchies(top *os.File, m specs.Mount, o mountOptions, hs []hierarchy, newCgroupNS bool) error {
	for _, h := range hs {
		dest := filepath.Join(m.Destination, h.name)
		var sub *os.File
		var err error
		if newCgroupNS {
			sub, err = r.mountFS(specs.Mount{Destination: dest, Type: h.fstype, Source: h.fstype}, hierarchyMount(o, h), subdir(top, h.name))
		} else {
			sub, err = r.mountBind(specs.Mount{Destination: dest, Source: h.source}, hierarchyBind(o), subdir(top, h.name), nil)
		}
		if err != nil {
			return fmt.Errorf("cgroup hierarchy %s: %w", h.name, err)
		}
		sub.Close()
		if err := comountLinks(top, m.Destination, h.name); err != nil {
			return err
		}
	}
	if o.flags&unix.MS_RDONLY != 0 {
		flags := o.flags&^unix.MS_REC | unix.MS_BIND | unix.MS_REMOUNT
		if err := unix.Mount("", procFd(top), "", flags, ""); err != nil {
			return fmt.Errorf("remount %s with flags %#x: %w", m.Destination, flags, err)
		}
	}
	return propagate(top, m.Destination, o.propagation)
}

// The options of what a v1 cgroup mount (options o) builds, for Go init's
// mountCgroupV1 and the setup program's compileCgroup alike: the tmpfs,
// read-write until its hierarchies are in (made read-only last, as o
// asks);
func cgroupTmpfs(o mountOptions) mountOptions {
	return mountOptions{flags: o.flags &^ (unix.MS_RDONLY | unix.MS_BIND | unix.MS_REC), data: []string{"mode=755"}}
}

// a hierarchy mounted fresh in it (a cgroup namespace of its own);
func hierarchyMount(o mountOptions, h hierarchy) mountOptions {
	so := mountOptions{flags: o.flags &^ (unix.MS_BIND | unix.MS_REC)}
	if h.controllers != "" {
		so.data = []string{h.controllers}
	}
	return so
}

// a hierarchy bound from the host;
func hierarchyBind(o mountOptions) mountOptions {
	return mountOptions{flags: o.flags | unix.MS_BIND, cleared: o.cleared}
}

// and the controllers of a co-mounted hierarchy's name ("cpu,cpuacct"),
// each a symlink to it where tools look for them (none for one alone).
func comountNames(name string) []string {
	if !strings.Contains(name, ",") {
		return nil
	}
	return strings.Split(name, ",")
}

// subdir is the target of a mount in the directory dir refers to: name is
// made there and opened without following a symlink.
func subdir(dir *os.File, name string) target {
	return func(isDir bool, _ *os.File) (*os.File, error) {
		if !isDir {
			return nil, fmt.Errorf("%s/%s: bind source is not a directory", dir.Name(), name)
		}
		if err := unix.Mkdirat(int(dir.Fd()), name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("mkdir %s/%s: %w", dir.Name(), name, err)
		}
		fd, err := unix.Openat(int(dir.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open %s/%s: %w", dir.Name(), name, err)
		}
		return os.NewFile(uintptr(fd), filepath.Join(dir.Name(), name)), nil
	}
}

// comountLinks adds "cpu" and "cpuacct" symlinks for a hierarchy named
// "cpu,cpuacct", where tools look for them (runc does the same).
func comountLinks(dir *os.File, dest, name string) error {
	for _, c := range comountNames(name) {
		if err := unix.Symlinkat(name, int(dir.Fd()), c); err != nil && err != unix.EEXIST {
			return fmt.Errorf("symlink %s/%s: %w", dest, c, err)
		}
	}
	return nil
}

// hostHierarchies pairs the cgroup mounts under /sys/fs/cgroup with this
// process's cgroup in each (cgroups(7), /proc/[pid]/cgroup).
func hostHierarchies() ([]hierarchy, error) {
	own, err := cgroup.OwnHierarchies()
	if err != nil {
		return nil, err
	}
	return hostHierarchiesOf(own)
}

// hostHierarchiesOf is hostHierarchies for a process in the cgroups own
// (cgroup.OwnHierarchies's shape).
func hostHierarchiesOf(own map[string]string) ([]hierarchy, error) {
	mounts, err := mountinfo.GetMounts(func(i *mountinfo.Info) (skip, stop bool) {
		ok := (i.FSType == "cgroup" || i.FSType == "cgroup2") && filepath.Dir(i.Mountpoint) == hostCgroupRoot
		return !ok, false
	})
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	var hs []hierarchy
	seen := map[string]bool{}
	for _, mi := range mounts {
		name := filepath.Base(mi.Mountpoint)
		if seen[name] {
			continue
		}
		controllers, path, ok := matchCgroup(own, mi)
		if !ok {
			continue
		}
		seen[name] = true
		rel, ok := relpath.Under(mi.Root, path)
		if !ok {
			// Our cgroup is outside what this mount shows.
			continue
		}
		hs = append(hs, hierarchy{name: name, fstype: mi.FSType, controllers: controllers, source: filepath.Join(mi.Mountpoint, rel)})
	}
	return hs, nil
}

// matchCgroup finds the /proc/self/cgroup line of a hierarchy mount: its
// controllers are all among the mount's super options.
func matchCgroup(own map[string]string, mi *mountinfo.Info) (controllers, path string, ok bool) {
	if mi.FSType == "cgroup2" {
		p, ok := own[""]
		return "", p, ok
	}
	opts := map[string]bool{}
	for _, o := range strings.Split(mi.VFSOptions, ",") {
		opts[o] = true
	}
	for c, p := range own {
		if c == "" {
			continue
		}
		all := true
		for _, one := range strings.Split(c, ",") {
			all = all && opts[one]
		}
		if all {
			return c, p, true
		}
	}
	return "", "", false
}
