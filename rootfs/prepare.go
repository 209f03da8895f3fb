package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// Prepare sets the propagation of /, makes the rootfs a mount point, performs
// the OCI mounts in config order and populates /dev. It runs in init, inside
// its new mount namespace (or the runtime's, HostMountNS), before PivotRoot.
func Prepare(cfg *Config) error {
	if err := Validate(cfg); err != nil {
		return err
	}
	rootfs, err := realRootfs(cfg)
	if err != nil {
		return err
	}
	// In the runtime's own namespace runc also makes / rslave and the
	// rootfs's parent mount private; gorunc does not: both change the
	// host's whole tree for good (the host's / is shared for systemd's
	// services), and no pivot_root needs them. The rootfs bind is made
	// private below instead, so that the mounts inside it stay there.
	if !cfg.HostMountNS {
		if err := unix.Mount("", "/", "", prepareRootFlags(cfg.Propagation), ""); err != nil {
			return fmt.Errorf("set propagation of /: %w", err)
		}
		if err := makeParentPrivate(rootfs); err != nil {
			return err
		}
	}
	// pivot_root(2) needs new_root to be a mount point.
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s onto itself: %w", rootfs, err)
	}
	// pivot_root(2) fails with EINVAL when new_root is shared, and an
	// MS_MOVE of a shared mount is refused too; the configured propagation
	// is applied to the new / again after the pivot.
	shared, err := isShared(rootfs)
	if err != nil {
		return err
	}
	if shared || cfg.HostMountNS {
		if err := unix.Mount("", rootfs, "", unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("make rootfs %s private: %w", rootfs, err)
		}
	}
	r, err := openRoot(rootfs)
	if err != nil {
		return err
	}
	defer r.Close()
	r.sources = cfg.Sources
	if err := r.mountAll(cfg); err != nil {
		closeAll(r.late)
		return err
	}
	cfg.late = r.late
	return nil
}

// mountAll performs the OCI mounts in config order and populates /dev.
func (r *root) mountAll(cfg *Config) error {
	for i, m := range cfg.Mounts {
		if err := r.mountEntry(i, m, cfg); err != nil {
			return err
		}
	}
	if needsDevSetup(cfg.Mounts) {
		return r.setupDev(cfg)
	}
	return nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// prepareRootFlags is the propagation given to / before the rootfs bind:
// rslave by default, so host mounts still reach the container but none of
// its mounts reach the host. An unbindable / could not be bound, so that
// type is only applied after the pivot.
func prepareRootFlags(propagation string) uintptr {
	p, ok := propagationOptions()[propagation]
	if !ok || p&unix.MS_UNBINDABLE != 0 {
		return unix.MS_SLAVE | unix.MS_REC
	}
	return p
}

// makeParentPrivate makes the mount holding the rootfs directory private
// when it is shared: pivot_root(2) refuses a new_root whose parent mount is
// shared, and the rootfs bind must not propagate to other namespaces.
func makeParentPrivate(rootfs string) error {
	mounts, err := mountinfo.GetMounts(mountinfo.ParentsFilter(rootfs))
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	var parent *mountinfo.Info
	for _, m := range mounts {
		if parent == nil || len(m.Mountpoint) > len(parent.Mountpoint) {
			parent = m
		}
	}
	if parent == nil || !strings.Contains(parent.Optional, "shared:") {
		return nil
	}
	if err := unix.Mount("", parent.Mountpoint, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", parent.Mountpoint, err)
	}
	return nil
}

// isShared reports whether the topmost mount at path is in a peer group.
func isShared(path string) (bool, error) {
	path = filepath.Clean(path)
	mounts, err := mountinfo.GetMounts(func(m *mountinfo.Info) (skip, stop bool) {
		return m.Mountpoint != path, false
	})
	if err != nil {
		return false, fmt.Errorf("read mountinfo: %w", err)
	}
	if len(mounts) == 0 {
		return false, nil
	}
	return strings.Contains(mounts[len(mounts)-1].Optional, "shared:"), nil
}

// realRootfs is root.path with symlinks resolved: mountinfo, which the
// propagation checks read, shows resolved paths.
func realRootfs(cfg *Config) (string, error) {
	p, err := filepath.EvalSymlinks(cfg.Rootfs)
	if err != nil {
		return "", fmt.Errorf("root.path %s: %w", cfg.Rootfs, err)
	}
	return p, nil
}
