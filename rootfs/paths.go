package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Finalize runs after PivotRoot: masked paths, read-only paths, then a
// read-only / for root.readonly. Paths are plain paths now: / is the
// container's, so no lookup can leave it.
func Finalize(cfg *Config) error {
	for _, p := range cfg.MaskedPaths {
		if err := maskPath(p); err != nil {
			return err
		}
	}
	for _, p := range cfg.ReadonlyPaths {
		if err := readonlyPath(p); err != nil {
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

// maskPath hides a file behind /dev/null or a directory behind an empty
// read-only tmpfs (runtime-spec config-linux.md#masked-paths). A missing
// path has nothing to hide.
func maskPath(p string) error {
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("masked path %s: %w", p, err)
	}
	if fi.IsDir() {
		err = unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	} else {
		err = unix.Mount("/dev/null", p, "", unix.MS_BIND, "")
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
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
