package rootfs

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// PivotRoot makes the prepared rootfs the process's / and leaves no path to
// the old root, then applies linux.rootfsPropagation to the new /. Without
// a mount namespace of its own (HostMountNS) it only chroots, as runc does:
// the namespace is the runtime's, and pivot_root or --no-pivot's detaching
// of every other mount would act on it.
func PivotRoot(cfg *Config) error {
	rootfs, err := realRootfs(cfg)
	if err != nil {
		return err
	}
	switch {
	case cfg.HostMountNS:
		err = unix.Chroot(rootfs)
	case cfg.NoPivot:
		err = moveRoot(rootfs)
	default:
		err = pivotRoot(rootfs)
	}
	if err != nil {
		return err
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	if p, ok := propagationOptions()[cfg.Propagation]; ok {
		if err := unix.Mount("", "/", "", p, ""); err != nil {
			return fmt.Errorf("set propagation %s of /: %w", cfg.Propagation, err)
		}
	}
	if needsDevSetup(cfg.Mounts) {
		if err := reopenDevNull(); err != nil {
			return fmt.Errorf("can't reopen /dev/null: %w", err)
		}
	}
	return nil
}

// reopenDevNull points the stdio fds that are a /dev/null at the
// container's own, as runc does, after checking that it is one: a /dev set
// up in the rootfs keeps the image's dev/null if there is one.
func reopenDevNull() error {
	f, err := openDevNull()
	if err != nil {
		return err
	}
	defer f.Close()
	null, err := pathrs.Reopen(f, unix.O_RDWR)
	if err != nil {
		return err
	}
	defer null.Close()
	for fd := 0; fd < 3; fd++ {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return fmt.Errorf("fstat fd %d: %w", fd, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
			continue
		}
		if err := unix.Dup3(int(null.Fd()), fd, 0); err != nil {
			return fmt.Errorf("dup /dev/null onto fd %d: %w", fd, err)
		}
	}
	return nil
}

// pivotRoot uses pivot_root(".", "."), which needs no directory for the old
// root inside the new one (pivot_root(2) NOTES; runc does the same): the
// old root ends up mounted on top of the new one and is detached from there.
func pivotRoot(rootfs string) error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	newRoot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root %s: %w", rootfs, err)
	}
	defer unix.Close(newRoot)
	if err := unix.Fchdir(newRoot); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", rootfs, err)
	}
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	// Unmounting a shared old root would propagate the unmount to the
	// host's copies of its mounts: make it a slave first.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return nil
}

// moveRoot is --no-pivot: MS_MOVE the rootfs over / and chroot into it, for
// filesystems pivot_root(2) refuses (initramfs). The old root itself stays
// under the new /, so every other host mount is detached first, as runc's
// msMoveRoot does: a process that escapes the chroot finds nothing mounted.
func moveRoot(rootfs string) error {
	// Detaching a shared mount would unmount the host's copies too.
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make / rslave: %w", err)
	}
	if err := detachOtherMounts(rootfs); err != nil {
		return err
	}
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir %s: %w", rootfs, err)
	}
	if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move %s to /: %w", rootfs, err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot %s: %w", rootfs, err)
	}
	return nil
}

// detachOtherMounts lazily unmounts every mount that is neither the rootfs,
// below it, nor one of its ancestors; one that cannot be unmounted (locked
// by a user namespace) is covered by an empty read-only tmpfs.
func detachOtherMounts(rootfs string) error {
	mounts, err := mountinfo.GetMounts(func(m *mountinfo.Info) (skip, stop bool) {
		mp := m.Mountpoint
		keep := mp == "/" || mp == rootfs || strings.HasPrefix(mp, rootfs+"/") || strings.HasPrefix(rootfs, mp+"/")
		return keep, false
	})
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	// Deepest first, so a parent is never unmounted before its children
	// have been dealt with.
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].Mountpoint) > len(mounts[j].Mountpoint) })
	for _, m := range mounts {
		err := unix.Unmount(m.Mountpoint, unix.MNT_DETACH)
		if err == nil || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) && !isMountpoint(m.Mountpoint) {
			continue
		}
		if err := unix.Mount("tmpfs", m.Mountpoint, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("hide host mount %s: %w", m.Mountpoint, err)
		}
	}
	return nil
}

// isMountpoint reports whether something is still mounted at path (an
// earlier detach of a stacked or parent mount may have removed it).
func isMountpoint(path string) bool {
	mounted, err := mountinfo.Mounted(path)
	return err != nil || mounted
}
