package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Finalize runs after PivotRoot: masked paths, read-only paths, the
// read-only tmpfs and /dev mounts, then a read-only / for root.readonly,
// in runc's order. / is the container's now, so no lookup can leave it;
// masks still go from handle to handle (fdmount.go).
func Finalize(cfg *Config) error {
	late := cfg.late
	cfg.late = nil
	defer closeAll(late)
	if err := maskPaths(cfg.MaskedPaths); err != nil {
		return err
	}
	for _, p := range cfg.ReadonlyPaths {
		if err := readonlyPath(p); err != nil {
			return err
		}
	}
	for _, mnt := range late {
		if err := remountReadonlyFd(mnt); err != nil {
			return err
		}
	}
	if cfg.Readonly {
		if err := remountReadonly("/", 0); err != nil {
			return fmt.Errorf("root.readonly: %w", err)
		}
	}
	return nil
}

// maskPaths hides each file behind /dev/null and each directory behind an
// empty read-only tmpfs (runtime-spec config-linux.md#masked-paths). A
// missing path has nothing to hide. The /dev/null used is checked to be
// the null device first, and each path is opened once and mounted on
// through that handle, so nothing swapped in after the check is mounted
// on (CVE-2025-31133); errors in runc's words. A masked path that is a
// symlink masks its target, as in runc 1.5: / is the container's by now,
// so the target is the container's, and hiding it is what the mask is for.
func maskPaths(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	devNull, err := openDevNull()
	if err != nil {
		return fmt.Errorf("can't mask paths: %w", err)
	}
	defer devNull.Close()
	for _, p := range paths {
		if err := maskPath(p, devNull); err != nil {
			return err
		}
	}
	return nil
}

func maskPath(p string, devNull *os.File) error {
	dst, err := os.OpenFile(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("can't mask path %q: %w", p, err)
	}
	defer dst.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(dst.Fd()), &st); err != nil {
		return fmt.Errorf("can't mask path %q: %w", p, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		err = mountTmpfsFd(dst, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
		if err != nil {
			return fmt.Errorf("can't mask dir %q: %w", p, err)
		}
		return nil
	}
	if err := BindFd(devNull, dst); err != nil {
		return fmt.Errorf("can't mask path %q: %w", p, err)
	}
	return nil
}

// readonlyPath makes p a read-only bind of itself; a missing path is
// ignored (runtime-spec config-linux.md#readonly-paths).
func readonlyPath(p string) error {
	err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, "")
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bind readonly path %s: %w", p, err)
	}
	if err := remountReadonly(p, unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC); err != nil {
		return fmt.Errorf("readonly path: %w", err)
	}
	return nil
}

// remountReadonlyFd makes the mount mnt refers to read-only, keeping its
// other flags: mount_setattr(2), or MS_REMOUNT|MS_BIND through the handle
// before Linux 5.12.
func remountReadonlyFd(mnt *os.File) error {
	err := setAttr(mnt, unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}, false)
	if errors.Is(err, unix.ENOSYS) {
		err = remountReadonly(procFd(mnt), 0)
	}
	if err != nil {
		return fmt.Errorf("remount %s read-only: %w", mnt.Name(), err)
	}
	return nil
}

// remountReadonly remounts the bind at p read-only with extra flags, keeping
// the flags it has: clearing one locked by a user namespace fails (EPERM).
func remountReadonly(p string, extra uintptr) error {
	have, err := statfsFlags(p)
	if err != nil {
		return err
	}
	flags := unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | extra | have
	if err := unix.Mount("", p, "", flags, ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", p, err)
	}
	return nil
}
