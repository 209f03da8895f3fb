package rootfs

import (
	"errors"
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// A mount is built detached and then attached in one step, so that every
// operation on "the mount just made" (flags, recursive attributes, the
// tmpcopyup copy, propagation) goes through the file descriptor of that
// mount and never through its destination's name again. Reopening the
// destination by name after the mount let a container process racing
// through a shared volume swap a path component in between, so that the
// copy or the remount landed on another file of the container, its
// /proc/sys included (the class of CVE-2025-31133, CVE-2025-52565,
// CVE-2025-52881 and crun's CVE-2026-133553). The destination itself is
// resolved once, to an O_PATH handle, and move_mount(2) attaches the tree
// onto that handle.
//
// Filesystems: fsopen(2), one fsconfig(2) per option, fsmount(2) with the
// mount flags (Linux 5.2). Binds: open_tree(2) with OPEN_TREE_CLONE, then
// mount_setattr(2) for the flags (Linux 5.12). Where these are missing the
// caller falls back to mount(2) and to one reopening of the destination by
// name (see mountFS and mountBind for what that leaves exposed).

// sbFlagNames are the superblock flags fsconfig(2) accepts as flags
// (fs_context.c: common_set_sb_flag). mount(2) sets them from MS_*.
var sbFlagNames = []struct {
	flag uintptr
	name string
}{
	{unix.MS_RDONLY, "ro"}, {unix.MS_SYNCHRONOUS, "sync"}, {unix.MS_DIRSYNC, "dirsync"}, {unix.MS_LAZYTIME, "lazytime"},
}

// fsMountFlags are the mount(2) flags a detached filesystem mount can
// reproduce: the superblock flags above and the per-mount ones. MS_REC
// means nothing for a new filesystem (mount(2) ignores it too). Any other
// flag (mand, silent, iversion) goes through mount(2).
const fsMountFlags = unix.MS_RDONLY | unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_LAZYTIME | unix.MS_REC |
	unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME | unix.MS_NODIRATIME |
	unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NOSYMFOLLOW

// mountAttrs converts the per-mount MS_* flags to MOUNT_ATTR_* as mount(2)
// reads them (fs/namespace.c path_mount): relatime unless noatime or
// strictatime is asked, strictatime winning.
func mountAttrs(flags uintptr) uint64 {
	var attr uint64
	for flag, a := range map[uintptr]uint64{
		unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY, unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
		unix.MS_NODEV: unix.MOUNT_ATTR_NODEV, unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC,
		unix.MS_NODIRATIME: unix.MOUNT_ATTR_NODIRATIME, unix.MS_NOSYMFOLLOW: unix.MOUNT_ATTR_NOSYMFOLLOW,
	} {
		if flags&flag != 0 {
			attr |= a
		}
	}
	switch {
	case flags&unix.MS_STRICTATIME != 0:
		attr |= unix.MOUNT_ATTR_STRICTATIME
	case flags&unix.MS_NOATIME != 0:
		attr |= unix.MOUNT_ATTR_NOATIME
	}
	return attr
}

// remountAttr is what mount(2) with MS_REMOUNT|MS_BIND and flags does to a
// mount's flags, for mount_setattr(2): the flags replace the settable ones,
// and the atime mode is kept unless flags name one.
func remountAttr(flags uintptr) unix.MountAttr {
	attr := unix.MountAttr{
		Attr_set: mountAttrs(flags),
		Attr_clr: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
			unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW,
	}
	if flags&(unix.MS_NOATIME|unix.MS_NODIRATIME|unix.MS_RELATIME|unix.MS_STRICTATIME) != 0 {
		attr.Attr_clr |= unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME
	} else {
		attr.Attr_set &^= unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME
	}
	return attr
}

// fsMount builds the filesystem m names as a detached mount with o's flags.
// It returns nil when the kernel lacks the new mount API or the filesystem
// refuses to be configured option by option (an option that is not one
// key or key=value, a value over fsconfig's 256 bytes as a long overlay
// lowerdir, a flag only mount(2) knows): the caller then mounts with
// mount(2), which also reports any genuine error in the options.
func fsMount(m specs.Mount, o mountOptions) *os.File {
	if m.Type == "" || o.flags&^fsMountFlags != 0 || strings.Contains(o.dataString(), `"`) {
		return nil
	}
	fs, err := unix.Fsopen(m.Type, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil
	}
	defer unix.Close(fs)
	if m.Source != "" && unix.FsconfigSetString(fs, "source", m.Source) != nil {
		return nil
	}
	for _, sb := range sbFlagNames {
		if o.flags&sb.flag != 0 && unix.FsconfigSetFlag(fs, sb.name) != nil {
			return nil
		}
	}
	// mount(2) splits its data string at commas, and each option at its
	// first '=' (fs_context.c: vfs_parse_monolithic_sep).
	for _, opt := range strings.Split(o.dataString(), ",") {
		key, value, hasValue := strings.Cut(opt, "=")
		switch {
		case opt == "":
			continue
		case hasValue:
			err = unix.FsconfigSetString(fs, key, value)
		default:
			err = unix.FsconfigSetFlag(fs, key)
		}
		if err != nil {
			return nil
		}
	}
	if unix.FsconfigCreate(fs) != nil {
		return nil
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, int(mountAttrs(o.flags)))
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(mnt), m.Type)
}

// openTree clones the mount tree at source (recursively for rbind) as a
// detached mount. It returns nil, nil when the kernel lacks open_tree(2).
func openTree(source string, recursive bool) (*os.File, error) {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, source, uint(flags))
	if errors.Is(err, unix.ENOSYS) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open_tree %s: %w", source, err)
	}
	return os.NewFile(uintptr(fd), source), nil
}

// OpenBindSources clones the source of every bind mount of mounts, for a
// container init that will not be able to reach them from its user
// namespace (a source below a directory only the host's root may search).
// The runtime calls it before starting init and passes the clones on
// (Config.Sources): the same index as mounts, nil for a mount that is no
// bind or whose source cannot be opened here (it may exist only in the
// container, provided by an earlier mount; init looks it up itself
// first anyway), or that is idmapped (OpenIDMapped makes those). Nil
// without open_tree(2). Each clone is attached at most
// once, by the mount of its index.
func OpenBindSources(mounts []specs.Mount) []*os.File {
	var trees []*os.File
	for i, m := range mounts {
		o := parseMountOptions(m.Options)
		if m.Type != "bind" && m.Type != "rbind" && !o.isBind() || isIDMapped(m, o) {
			continue
		}
		tree, err := openTree(m.Source, m.Type == "rbind" || o.isRecursive())
		if err != nil || tree == nil {
			continue
		}
		if trees == nil {
			trees = make([]*os.File, len(mounts))
		}
		trees[i] = tree
	}
	return trees
}

// setAttr applies attr to the mount tree refers to (and its submounts when
// recursive).
func setAttr(tree *os.File, attr unix.MountAttr, recursive bool) error {
	flags := unix.AT_EMPTY_PATH
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	return unix.MountSetattr(int(tree.Fd()), "", uint(flags), &attr)
}
