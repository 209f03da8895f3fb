package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
// missing path has nothing to hide, and a path listed twice is masked once.
// The /dev/null used is checked to be the null device first, and each path
// is opened once and mounted on through that handle, so nothing swapped in
// after the check is mounted on (CVE-2025-31133); errors in runc's words. A
// masked path that is a symlink masks its target, as in runc 1.5: / is the
// container's by now, so the target is the container's, and hiding it is
// what the mask is for.
//
// As runc 1.3.6+, one tmpfs instance covers every masked directory: the
// first is mounted, the others are binds of it, so that a long list of
// masks costs one superblock rather than one each. Where the bind fails,
// or without the new mount API, each directory gets its own tmpfs.
func maskPaths(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	devNull, err := openDevNull()
	if err != nil {
		return fmt.Errorf("can't mask paths: %w", err)
	}
	defer devNull.Close()
	m := masker{devNull: devNull, done: map[string]bool{}}
	defer m.close()
	for _, p := range paths {
		if err := m.mask(p); err != nil {
			return err
		}
	}
	return nil
}

// masker masks paths one by one, keeping the directory mask to share.
type masker struct {
	devNull *os.File
	// shared is the first directory mask (nil until then, or when it
	// cannot be shared).
	shared *os.File
	// unshared: binding shared failed once; every directory then gets
	// its own tmpfs.
	unshared bool
	done     map[string]bool
}

func (m *masker) close() {
	if m.shared != nil {
		m.shared.Close()
	}
}

func (m *masker) mask(p string) error {
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
	clean := filepath.Clean(p)
	if m.done[clean] {
		return nil
	}
	m.done[clean] = true
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if err := BindFd(m.devNull, dst); err != nil {
			return fmt.Errorf("can't mask path %q: %w", p, err)
		}
		return nil
	}
	if m.shared != nil {
		if err := BindFd(m.shared, dst); err == nil {
			return nil
		}
		// runc falls back to a tmpfs of its own for this and every
		// later directory.
		m.shared.Close()
		m.shared, m.unshared = nil, true
	}
	mnt, err := maskTmpfs(dst)
	if err != nil {
		return fmt.Errorf("can't mask dir %q: %w", p, err)
	}
	if mnt != nil && !m.unshared {
		m.shared = mnt
	} else if mnt != nil {
		mnt.Close()
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
