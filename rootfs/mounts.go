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
	var mnt *os.File
	switch {
	case o.isBind():
		mnt, err = r.mountBind(m, o, r.target(m, o))
	case m.Type == "cgroup":
		mnt, err = r.mountCgroup(m, o, newCgroupNS)
	case o.flags&unix.MS_REMOUNT != 0:
		err = r.remountFS(m, o)
	default:
		mnt, err = r.mountFS(m, o, r.target(m, o))
	}
	if err != nil {
		return fmt.Errorf("mounts[%d] (%s on %s): %w", i, m.Type, m.Destination, err)
	}
	if mnt != nil {
		mnt.Close()
	}
	return nil
}

// target opens the mount point, creating it when missing: a directory, or
// an empty file (dir false) for the bind of a file; src is the bind's
// source tree (nil for a filesystem). The handle it returns is the one the
// mount is attached to: the destination is resolved once.
type target func(dir bool, src *os.File) (*os.File, error)

func (r *root) target(m specs.Mount, o mountOptions) target {
	return func(dir bool, src *os.File) (*os.File, error) {
		var f *os.File
		var err error
		switch {
		case !dir:
			f, err = r.createFile(m.Destination)
		case (m.Type == "proc" || m.Type == "sysfs") && !o.isBind():
			// checkMount refused a symlink already; this handle is
			// the one mounted on, so the check holds for the mount
			// itself even if the name changed since.
			if f, err = r.mkdirNoFollow(m.Destination); err != nil {
				// runc's wording.
				err = fmt.Errorf("filesystem %q must be mounted on ordinary directory: %w", m.Type, err)
			}
		default:
			f, err = r.mkdirAll(m.Destination)
		}
		if err != nil {
			return nil, err
		}
		if err := r.checkHandle(m, o, f, src); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
}

// mountFS mounts a filesystem (proc, sysfs, tmpfs, devpts, mqueue, ...) on
// the directory at opens, and returns a handle on the new mount.
//
// The mount is built detached (fsMount) and attached last. When fsMount
// cannot build it (Linux < 5.2, or options only mount(2) takes, see
// fsMount) it is mounted with mount(2) through the destination's handle,
// and the new mount is then reopened by name: a container racing a path
// component of the destination through a shared volume between the two
// could have the tmpcopyup copy, the recursive attributes and the
// propagation applied to another directory inside its own rootfs (never
// outside it: the lookup is scoped to the rootfs). That is the behaviour of
// runc before 1.2 and the only way without the new mount API.
func (r *root) mountFS(m specs.Mount, o mountOptions, at target) (*os.File, error) {
	dst, err := at(true, nil)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	var covered *os.File
	if o.copyUp && m.Type == "tmpfs" {
		// Opened before the mount: it keeps reaching the directory
		// the tmpfs is about to cover.
		if covered, err = reopenDir(dst); err != nil {
			return nil, fmt.Errorf("tmpcopyup: open %s: %w", m.Destination, err)
		}
		defer covered.Close()
	}
	o, after := delayReadonly(m, o)
	mnt, attach := fsMount(m, o), dst
	if mnt == nil {
		// Propagation flags cannot be mixed with others in one
		// mount(2) call; they are applied afterwards.
		if err := unix.Mount(m.Source, procFd(dst), m.Type, o.flags, o.dataString()); err != nil {
			return nil, fmt.Errorf("mount %s on %s: %w", m.Source, m.Destination, err)
		}
		if mnt, err = r.open(m.Destination); err != nil {
			return nil, err
		}
		attach = nil
	}
	if covered != nil {
		err = copyUpInto(covered, mnt, m.Destination)
	}
	if err == nil {
		err = r.settle(mnt, attach, m, o, after)
	}
	if err != nil {
		mnt.Close()
		return nil, err
	}
	return mnt, nil
}

// copyUpInto copies what covered holds into the root of the new tmpfs mnt
// refers to (tmpcopyup).
func copyUpInto(covered, mnt *os.File, dest string) error {
	fresh, err := reopenDir(mnt)
	if err != nil {
		return fmt.Errorf("tmpcopyup: open new tmpfs on %s: %w", dest, err)
	}
	defer fresh.Close()
	// copyUp closes its source: give it its own descriptor.
	src, err := unix.Dup(int(covered.Fd()))
	if err != nil {
		return fmt.Errorf("tmpcopyup: %w", err)
	}
	unix.CloseOnExec(src)
	if err := copyUp(src, int(fresh.Fd())); err != nil {
		return fmt.Errorf("%s: %w", dest, err)
	}
	return nil
}

// reopenDir opens the directory an O_PATH (or mount) handle refers to for
// reading, without a lookup by name.
func reopenDir(f *os.File) (*os.File, error) {
	fd, err := unix.Openat(int(f.Fd()), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// remountFS is the "remount" option: the flags of the mount already at
// the destination change. The destination is looked up once and every step
// goes through that handle.
func (r *root) remountFS(m specs.Mount, o mountOptions) error {
	mnt, err := r.open(m.Destination)
	if err != nil {
		return err
	}
	defer mnt.Close()
	o, after := delayReadonly(m, o)
	if err := unix.Mount(m.Source, procFd(mnt), m.Type, o.flags, o.dataString()); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.Source, m.Destination, err)
	}
	return r.settle(mnt, nil, m, o, after)
}

// flagsAfter changes the flags of the mount mnt refers to once it exists:
// on the detached tree (attached false), which may fail with ENOSYS
// (mount_setattr is Linux 5.12), or through its handle once attached.
type flagsAfter func(mnt *os.File, attached bool) error

// delayReadonly is runc's handling of a read-only tmpfs: the filesystem is
// made read-write, so that tmpcopyup can fill it, and the mount (not the
// superblock) is made read-only afterwards.
func delayReadonly(m specs.Mount, o mountOptions) (mountOptions, flagsAfter) {
	if m.Type != "tmpfs" || o.flags&unix.MS_RDONLY == 0 {
		return o, nil
	}
	o.flags &^= unix.MS_RDONLY
	return o, func(mnt *os.File, attached bool) error {
		var err error
		if attached {
			flags := o.flags&^(unix.MS_REMOUNT|unix.MS_REC) | unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY
			err = unix.Mount("", procFd(mnt), "", flags, "")
		} else {
			err = setAttr(mnt, unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}, false)
		}
		if err != nil && !errors.Is(err, unix.ENOSYS) {
			return fmt.Errorf("remount %s read-only: %w", m.Destination, err)
		}
		return err
	}
}

// mountBind bind-mounts a host path; the mount point is created as a
// directory, or as an empty file when the source is not a directory. It
// returns a handle on the new mount.
//
// The source is cloned once (open_tree), and the clone is what is checked,
// flagged and attached. Without open_tree (Linux < 5.2) it is mount(2)
// through the destination's handle and one reopening by name afterwards,
// with the exposure mountFS describes.
func (r *root) mountBind(m specs.Mount, o mountOptions, at target) (*os.File, error) {
	tree, err := openTree(m.Source, o.isRecursive())
	if err != nil {
		return nil, fmt.Errorf("bind source: %w", err)
	}
	attach := (*os.File)(nil)
	if tree != nil {
		var st unix.Stat_t
		if err := unix.Fstat(int(tree.Fd()), &st); err != nil {
			tree.Close()
			return nil, fmt.Errorf("bind source: stat %s: %w", m.Source, err)
		}
		if attach, err = at(st.Mode&unix.S_IFMT == unix.S_IFDIR, tree); err != nil {
			tree.Close()
			return nil, err
		}
		defer attach.Close()
	} else if tree, err = r.bindLegacy(m, o, at); err != nil {
		return nil, err
	}
	// MS_BIND ignores every other flag (mount(2)): ro, nosuid, ... are
	// applied afterwards, and runc skips that when nothing is asked.
	var after flagsAfter
	if o.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 {
		after = func(mnt *os.File, attached bool) error { return remountBind(mnt, m.Destination, o, attached) }
	}
	if err := r.settle(tree, attach, m, o, after); err != nil {
		tree.Close()
		return nil, err
	}
	return tree, nil
}

// bindLegacy is mountBind without open_tree(2).
func (r *root) bindLegacy(m specs.Mount, o mountOptions, at target) (*os.File, error) {
	fi, err := os.Stat(m.Source)
	if err != nil {
		return nil, fmt.Errorf("bind source: %w", err)
	}
	dst, err := at(fi.IsDir(), nil)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	if err := unix.Mount(m.Source, procFd(dst), "", o.flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
		return nil, fmt.Errorf("bind %s on %s: %w", m.Source, m.Destination, err)
	}
	return r.open(m.Destination)
}

// settle finishes the mount mnt refers to: the flags set once the mount
// exists (after, may be nil), the recursive attributes, attaching it onto
// dst when it is detached (dst nil: mount(2) attached it already), then
// propagation, which depends on where the mount sits and so comes last, as
// in runc. Flags and attributes go on the detached tree when the kernel can
// (mount_setattr, Linux 5.12), so that the tree is attached, and propagated
// to the destination's peers, already as asked.
func (r *root) settle(mnt, dst *os.File, m specs.Mount, o mountOptions, after flagsAfter) error {
	late := dst == nil
	if after != nil && !late {
		err := after(mnt, false)
		if errors.Is(err, unix.ENOSYS) {
			late = true
		} else if err != nil {
			return err
		}
	}
	if !late {
		if err := setRecursive(mnt, m.Destination, o); err != nil {
			return err
		}
	}
	if dst != nil {
		if err := moveMount(int(mnt.Fd()), dst); err != nil {
			return err
		}
	}
	if late {
		if after != nil {
			if err := after(mnt, true); err != nil {
				return err
			}
		}
		if err := setRecursive(mnt, m.Destination, o); err != nil {
			return err
		}
	}
	return propagate(mnt, m.Destination, o.propagation)
}

// remountBind applies o's flags to the bind mount mnt refers to:
// mount_setattr(2) on the detached tree, or MS_REMOUNT|MS_BIND through its
// handle once attached. The flags the source mount has and the options did
// not clear are kept: the kernel refuses to clear nosuid/nodev/noexec/ro
// locked by a less privileged user namespace (mount_namespaces(7),
// MNT_LOCK_*), and keeping them never gives the container more than the
// source allows. Only the top mount changes, also for rbind: runc's
// "rbind,ro" is read-only but not recursively ("rro" is).
func remountBind(mnt *os.File, dest string, o mountOptions, attached bool) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(mnt.Fd()), &st); err != nil {
		return fmt.Errorf("statfs bind source of %s: %w", dest, err)
	}
	srcFlags := uintptr(st.Flags) & statfsKnown
	apply := func(flags uintptr) error {
		if attached {
			return unix.Mount("", procFd(mnt), "", flags|unix.MS_BIND|unix.MS_REMOUNT, "")
		}
		return setAttr(mnt, remountAttr(flags), false)
	}
	flags := o.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	keep := srcFlags & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	err := apply(flags | keep&^o.cleared)
	if errors.Is(err, unix.EPERM) {
		// An option asked to clear a locked flag, or to change a locked
		// atime setting: retry with everything the source has.
		flags |= srcFlags
		err = apply(flags)
	}
	if err != nil && !errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("remount %s with flags %#x: %w", dest, flags, err)
	}
	return err
}

// propagate applies propagation types to the mount mnt refers to, in order.
func propagate(mnt *os.File, dest string, props []uintptr) error {
	for _, p := range props {
		if err := unix.Mount("", procFd(mnt), "", p, ""); err != nil {
			return fmt.Errorf("set propagation %#x on %s: %w", p, dest, err)
		}
	}
	return nil
}

// statfsKnown are the statfs(2) ST_* bits read as mount flags: they have
// the values of the matching MS_* flags.
const statfsKnown = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
	unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_NOSYMFOLLOW

// statfsFlags returns path's mount flags.
func statfsFlags(path string) (uintptr, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", path, err)
	}
	return uintptr(st.Flags) & statfsKnown, nil
}
