package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// restoreThread runs criu from a locked thread in a mount namespace of its
// own, where the rootfs is bound at root (CRIU's requirement of a mount
// point) and the container's mount points are made: nothing is mounted in
// the caller's mount namespace, and nothing needs unmounting afterwards.
// The thread is never unlocked, so the Go runtime ends it, and with it the
// namespace, once run returns.
func restoreThread(rootfsPath, root string, mounts []specs.Mount, run func() error) error {
	if err := os.Mkdir(root, 0o755); err != nil {
		return fmt.Errorf("criu root: %w", err)
	}
	defer os.Remove(root)
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		errc <- func() error {
			// The kernel unshares the thread's fs_struct with its
			// mount namespace (CLONE_NEWNS implies CLONE_FS).
			if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
				return fmt.Errorf("restore: unshare mount namespace: %w", err)
			}
			// Slave, so that nothing mounted here reaches the host.
			if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
				return fmt.Errorf("restore: make / rslave: %w", err)
			}
			if err := unix.Mount(rootfsPath, root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
				return fmt.Errorf("restore: bind %s at %s: %w", rootfsPath, root, err)
			}
			if err := restoreMountpoints(root, mounts); err != nil {
				return err
			}
			return run()
		}()
	}()
	return <-errc
}

// restoreMountpoints makes the mount points of the config's mounts in the
// rootfs as create does, since CRIU mounts on them but does not make them
// (runc's prepareCriuRestoreMounts). Those under a tmpfs are skipped: CRIU
// restores a tmpfs's content, mount points included. Bind mounts are
// mounted while their nested mount points are made, then unmounted.
func restoreMountpoints(root string, mounts []specs.Mount) error {
	var tmpfs []string
	for _, m := range mounts {
		if m.Type == "tmpfs" {
			tmpfs = append(tmpfs, cleanDest(m.Destination))
		}
	}
	var binds []string
	defer func() {
		for i := len(binds) - 1; i >= 0; i-- {
			unix.Unmount(binds[i], unix.MNT_DETACH)
		}
	}()
	for _, m := range mounts {
		dest := cleanDest(m.Destination)
		if m.Type == "cgroup" || underAny(dest, tmpfs) {
			continue
		}
		path, err := securejoin.SecureJoin(root, dest)
		if err != nil {
			return fmt.Errorf("restore mount point %s: %w", dest, err)
		}
		dir := true
		if isBind(m) {
			fi, err := os.Stat(m.Source)
			if err != nil {
				return fmt.Errorf("restore bind mount %s: %w", dest, err)
			}
			dir = fi.IsDir()
		}
		if err := makeMountpoint(path, dir); err != nil {
			return fmt.Errorf("restore mount point %s: %w", dest, err)
		}
		if isBind(m) {
			if err := unix.Mount(m.Source, path, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
				return fmt.Errorf("restore bind mount %s: %w", dest, err)
			}
			binds = append(binds, path)
		}
	}
	return nil
}

func makeMountpoint(path string, dir bool) error {
	if dir {
		return os.MkdirAll(path, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY|unix.O_CLOEXEC, 0o644)
	if err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if f != nil {
		f.Close()
	}
	return nil
}

func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
