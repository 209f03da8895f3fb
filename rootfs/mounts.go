package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountEntry performs the i-th OCI mount inside the rootfs.
func (r *root) mountEntry(i int, m specs.Mount, cfg *Config) error {
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
		var pre *os.File
		if i < len(r.sources) {
			pre = r.sources[i]
		}
		mnt, err = r.mountBind(m, o, r.target(m, o), pre)
	case m.Type == "cgroup":
		mnt, err = r.mountCgroup(m, o, cfg)
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
	// runc 1.5 (createOpenMountpoint): a tmpfs over a directory that
	// exists takes its mode, setuid/setgid/sticky bits included, unless
	// the options give one (a later mode= wins in tmpfs's parsing).
	existed := false
	if m.Type == "tmpfs" {
		if f, err := r.open(m.Destination); err == nil {
			existed = true
			f.Close()
		}
	}
	dst, err := at(true, nil)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	if existed {
		var st unix.Stat_t
		if err := unix.Fstat(int(dst.Fd()), &st); err != nil {
			return nil, fmt.Errorf("stat %s: %w", m.Destination, err)
		}
		o.data = append([]string{fmt.Sprintf("mode=%04o", st.Mode&0o7777)}, o.data...)
	}
	var covered *os.File
	if o.copyUp && m.Type == "tmpfs" {
		// Opened before the mount: it keeps reaching the directory
		// the tmpfs is about to cover.
		if covered, err = reopenDir(dst); err != nil {
			return nil, fmt.Errorf("tmpcopyup: open %s: %w", m.Destination, err)
		}
		defer covered.Close()
	}
	o, late := delayReadonly(m, o)
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
		err = r.settle(mnt, attach, m, o, nil)
	}
	if err == nil && late {
		err = r.readonlyLater(mnt, m.Destination)
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
	o, late := delayReadonly(m, o)
	if err := unix.Mount(m.Source, procFd(mnt), m.Type, o.flags, o.dataString()); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.Source, m.Destination, err)
	}
	if err := r.settle(mnt, nil, m, o, nil); err != nil {
		return err
	}
	if late {
		return r.readonlyLater(mnt, m.Destination)
	}
	return nil
}

// flagsAfter changes the flags of the mount mnt refers to once it exists:
// on the detached tree (attached false), which may fail with ENOSYS
// (mount_setattr is Linux 5.12), or through its handle once attached.
type flagsAfter func(mnt *os.File, attached bool) error

// delayReadonly is runc's handling of a read-only tmpfs or /dev: the
// filesystem is mounted read-write, so that tmpcopyup can fill it, the
// devices be made in /dev and later mounts find their mount points in it,
// and the mount (not the superblock) is made read-only at the end of the
// rootfs setup (Finalize), as runc's finalizeRootfs does. late says so.
func delayReadonly(m specs.Mount, o mountOptions) (mountOptions, bool) {
	if o.flags&unix.MS_RDONLY == 0 || (m.Type != "tmpfs" && filepath.Clean(m.Destination) != "/dev") {
		return o, false
	}
	o.flags &^= unix.MS_RDONLY
	return o, true
}

// readonlyLater keeps a handle on the mount mnt refers to, for Finalize to
// make it read-only through.
func (r *root) readonlyLater(mnt *os.File, dest string) error {
	fd, err := unix.FcntlInt(mnt.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("keep a handle on %s: %w", dest, err)
	}
	r.late = append(r.late, os.NewFile(uintptr(fd), dest))
	return nil
}

// mountBind bind-mounts a host path; the mount point is created as a
// directory, or as an empty file when the source is not a directory. It
// returns a handle on the new mount.
//
// The source is cloned once (open_tree), and the clone is what is checked,
// flagged and attached. Without open_tree (Linux < 5.2) it is mount(2)
// through the destination's handle and one reopening by name afterwards,
// with the exposure mountFS describes.
//
// The source is looked up here, in the container's mount namespace with
// the earlier mounts in place, so that a source an earlier mount provides
// is found (runc's order). Only when that lookup fails is pre used: the
// clone the runtime made before init entered its user namespace
// (OpenBindSources), for a source the container's root cannot reach, as
// runc's "mount fds". An idmapped mount always uses pre: the runtime
// built and idmapped it (OpenIDMapped).
func (r *root) mountBind(m specs.Mount, o mountOptions, at target, pre *os.File) (*os.File, error) {
	var tree *os.File
	var err error
	switch {
	case isIDMapped(m, o) && pre == nil:
		return nil, errors.New("bind source: the runtime did not provide the idmapped clone")
	case isIDMapped(m, o):
		// Only the runtime can idmap (see OpenIDMapped).
		tree = pre
	default:
		tree, err = openTree(m.Source, o.isRecursive())
		if err != nil && pre != nil {
			// Attached as it is: it is this mount's alone.
			tree, err = pre, nil
		}
		if err != nil {
			return nil, fmt.Errorf("bind source: %w", err)
		}
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
	// applied afterwards. runc skips that only when no option sets or
	// clears a flag: a plain "bind" keeps the source's flags.
	var after flagsAfter
	if o.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 || o.cleared != 0 {
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

// remountBind gives the bind mount mnt refers to exactly o's flags:
// mount_setattr(2) on the detached tree, or MS_REMOUNT|MS_BIND through its
// handle once attached. As runc 1.5 ("mount --bind -o" as users expect it,
// util-linux#2433), the flags of the source mount that the options do not
// name are cleared, except where the kernel refuses (a flag locked by a
// less privileged user namespace, mount_namespaces(7) MNT_LOCK_*, as on a
// FUSE/sshfs source seen from a container): then the locked flags are kept,
// unless an option explicitly asked to clear one of them, which is an
// error. Only the top mount changes, also for rbind: runc's "rbind,ro" is
// read-only but not recursively ("rro" is).
func remountBind(mnt *os.File, dest string, o mountOptions, attached bool) error {
	apply := func(flags uintptr) error {
		if attached {
			return unix.Mount("", procFd(mnt), "", flags|unix.MS_BIND|unix.MS_REMOUNT, "")
		}
		return setAttr(mnt, remountAttr(flags), false)
	}
	flags := o.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	first := apply(flags)
	if first == nil || errors.Is(first, unix.ENOSYS) {
		return first
	}
	// The mount is still the source's clone: its flags are the source's.
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(mnt.Fd()), &st); err != nil {
		return fmt.Errorf("statfs bind source of %s: %w", dest, err)
	}
	src := statfsMountFlags(st)
	if locked := src & o.cleared & lockableFlags; locked != 0 {
		return fmt.Errorf("failed to set user-requested vfs flags on bind-mount %s: cannot clear locked flags %s: %w", dest, flagNames(locked), first)
	}
	// A requested atime mode must be the locked one: the kernel would
	// silently keep another (noatime wins over relatime, strictatime
	// over both).
	if want := flags & atimeFlags; want != 0 && want != src&atimeFlags {
		return fmt.Errorf("failed to set user-requested vfs flags on bind-mount %s: cannot change locked atime flags %s: %w", dest, flagNames(src&atimeFlags), first)
	}
	if err := apply(flags | src&lockableFlags); err != nil {
		return fmt.Errorf("failed to set user-requested vfs flags on bind-mount %s: remount with locked flags %s re-applied: %w", dest, flagNames(src&lockableFlags), err)
	}
	return nil
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

const (
	// atimeFlags are the atime flags: nodiratime, and the mode, one of
	// noatime, relatime and strictatime.
	atimeFlags = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NODIRATIME
	// lockableFlags are the flags the kernel locks on the mounts a less
	// privileged user namespace inherits (fs/namespace.c lock_mnt_tree).
	lockableFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | atimeFlags
)

// statfsMountFlags reads st's mount flags (fs/statfs.c
// calculate_f_flags). The ST_* bits mostly have the values of the MS_*
// flags, but not relatime and nosymfollow. strictatime has no ST_* bit: a
// mount that is neither noatime nor relatime is strictatime.
func statfsMountFlags(st unix.Statfs_t) uintptr {
	var flags uintptr
	for _, f := range [][2]uintptr{
		{unix.ST_RDONLY, unix.MS_RDONLY}, {unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME}, {0x2000 /* ST_NOSYMFOLLOW */, unix.MS_NOSYMFOLLOW},
	} {
		if uintptr(st.Flags)&f[0] != 0 {
			flags |= f[1]
		}
	}
	if flags&(unix.MS_NOATIME|unix.MS_RELATIME) == 0 {
		flags |= unix.MS_STRICTATIME
	}
	return flags
}

// flagNames names mount flags as runc's errors do (MS_RDONLY|MS_NOEXEC).
func flagNames(flags uintptr) string {
	var names []string
	for _, f := range []struct {
		flag uintptr
		name string
	}{
		{unix.MS_RDONLY, "MS_RDONLY"}, {unix.MS_NOSUID, "MS_NOSUID"}, {unix.MS_NODEV, "MS_NODEV"},
		{unix.MS_NOEXEC, "MS_NOEXEC"}, {unix.MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW"}, {unix.MS_NOATIME, "MS_NOATIME"},
		{unix.MS_NODIRATIME, "MS_NODIRATIME"}, {unix.MS_RELATIME, "MS_RELATIME"}, {unix.MS_STRICTATIME, "MS_STRICTATIME"},
	} {
		if flags&f.flag != 0 {
			names = append(names, f.name)
			flags &^= f.flag
		}
	}
	if flags != 0 {
		names = append(names, fmt.Sprintf("%#x", flags))
	}
	return strings.Join(names, "|")
}

// statfsFlags returns path's mount flags.
func statfsFlags(path string) (uintptr, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", path, err)
	}
	return statfsMountFlags(st), nil
}
