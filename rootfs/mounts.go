package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountEntry performs the i-th OCI mount inside the rootfs.
func (r *root) mountEntry(i int, m specs.Mount, newCgroupNS bool) error {
	if !filepath.IsAbs(m.Destination) {
		return fmt.Errorf("mounts[%d].destination %q is not absolute", i, m.Destination)
	}
	o := parseMountOptions(m.Options)
	if m.Type == "bind" || m.Type == "rbind" {
		o.flags |= unix.MS_BIND
		if m.Type == "rbind" {
			o.flags |= unix.MS_REC
		}
	}
	resolved, err := r.resolve(m.Destination)
	if err != nil {
		return fmt.Errorf("mounts[%d]: %w", i, err)
	}
	if err := r.checkMount(m, o, resolved); err != nil {
		return fmt.Errorf("mounts[%d] (%s on %s): %w", i, m.Type, m.Destination, err)
	}
	switch {
	case o.isBind():
		err = r.mountBind(m, o)
	case m.Type == "cgroup":
		err = r.mountCgroup(m, o, newCgroupNS)
	default:
		err = r.mountFS(m, o)
	}
	if err != nil {
		return fmt.Errorf("mounts[%d] (%s on %s): %w", i, m.Type, m.Destination, err)
	}
	return nil
}

// mountFS mounts a filesystem (proc, sysfs, tmpfs, devpts, mqueue, ...) on
// a directory, or remounts an existing mount when "remount" is given.
func (r *root) mountFS(m specs.Mount, o mountOptions) error {
	var dst *os.File
	var err error
	if o.flags&unix.MS_REMOUNT != 0 {
		dst, err = r.open(m.Destination)
	} else {
		dst, err = r.mkdirAll(m.Destination)
	}
	if err != nil {
		return err
	}
	defer dst.Close()
	covered := -1
	if o.copyUp && m.Type == "tmpfs" {
		// Opened before the mount: it keeps reaching the directory
		// the tmpfs is about to cover.
		if covered, err = unix.Open(procFd(dst), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("tmpcopyup: open %s: %w", m.Destination, err)
		}
	}
	// Propagation flags cannot be mixed with others in one mount(2) call;
	// they are applied afterwards.
	if err := unix.Mount(m.Source, procFd(dst), m.Type, o.flags, o.dataString()); err != nil {
		if covered >= 0 {
			unix.Close(covered)
		}
		return fmt.Errorf("mount %s on %s: %w", m.Source, m.Destination, err)
	}
	if covered >= 0 {
		top, err := r.open(m.Destination)
		if err != nil {
			unix.Close(covered)
			return err
		}
		defer top.Close()
		// r.open gives an O_PATH handle; copying needs a real one.
		fresh, err := unix.Open(procFd(top), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Close(covered)
			return fmt.Errorf("tmpcopyup: open new %s: %w", m.Destination, err)
		}
		defer unix.Close(fresh)
		if err := copyUp(covered, fresh); err != nil {
			return fmt.Errorf("%s: %w", m.Destination, err)
		}
	}
	if err := r.setRecursive(m.Destination, o); err != nil {
		return err
	}
	return r.propagate(m.Destination, o.propagation)
}

// mountBind bind-mounts a host path; the mount point is created as a
// directory, or as an empty file when the source is not a directory.
func (r *root) mountBind(m specs.Mount, o mountOptions) error {
	fi, err := os.Stat(m.Source)
	if err != nil {
		return fmt.Errorf("bind source: %w", err)
	}
	var dst *os.File
	if fi.IsDir() {
		dst, err = r.mkdirAll(m.Destination)
	} else {
		dst, err = r.createFile(m.Destination)
	}
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := unix.Mount(m.Source, procFd(dst), "", o.flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", m.Source, m.Destination, err)
	}
	// MS_BIND ignores every other flag (mount(2)): ro, nosuid, ... need a
	// second MS_REMOUNT|MS_BIND. runc skips it when nothing is asked.
	if o.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 {
		if err := r.remountBind(m.Destination, m.Source, o); err != nil {
			return err
		}
	}
	if err := r.setRecursive(m.Destination, o); err != nil {
		return err
	}
	return r.propagate(m.Destination, o.propagation)
}

// remountBind applies o's flags to the bind mount now at dest. The flags
// the source mount has and the options did not clear are kept: the kernel
// refuses to clear nosuid/nodev/noexec/ro locked by a less privileged
// user namespace (mount_namespaces(7), MNT_LOCK_*), and keeping them never
// gives the container more than the source allows.
func (r *root) remountBind(dest, source string, o mountOptions) error {
	srcFlags, err := statfsFlags(source)
	if err != nil {
		return err
	}
	flags := o.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) | unix.MS_BIND | unix.MS_REMOUNT
	keep := srcFlags & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	err = r.remount(dest, flags|keep&^o.cleared)
	if errors.Is(err, unix.EPERM) {
		// An option asked to clear a locked flag, or to change a locked
		// atime setting: retry with everything the source has.
		err = r.remount(dest, flags|srcFlags)
	}
	return err
}

func (r *root) remount(dest string, flags uintptr) error {
	f, err := r.open(dest)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Mount("", procFd(f), "", flags, ""); err != nil {
		return fmt.Errorf("remount %s with flags %#x: %w", dest, flags, err)
	}
	return nil
}

// propagate applies propagation types to the mount at dest, in order.
func (r *root) propagate(dest string, props []uintptr) error {
	for _, p := range props {
		f, err := r.open(dest)
		if err != nil {
			return err
		}
		err = unix.Mount("", procFd(f), "", p, "")
		f.Close()
		if err != nil {
			return fmt.Errorf("set propagation %#x on %s: %w", p, dest, err)
		}
	}
	return nil
}

// statfsFlags returns path's mount flags: statfs(2)'s ST_* bits have the
// values of the matching MS_* flags.
func statfsFlags(path string) (uintptr, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", path, err)
	}
	const known = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
		unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_NOSYMFOLLOW
	return uintptr(st.Flags) & known, nil
}
