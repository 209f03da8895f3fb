package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Mounts made after pivot_root, when / is the container's and every name
// below it is the container's to change, go from handle to handle: the
// source and the target are opened (O_PATH is enough) and checked first,
// then mounted without a second lookup by name. A symlink swapped in after
// the check cannot redirect the mount (CVE-2025-31133 for masked paths,
// CVE-2025-52565 for /dev/console). The new mount API (Linux 5.2) needs no
// /proc for that; without it the handles are reached through
// /proc/self/fd, as runc does on such kernels.

// BindFd bind-mounts the inode src refers to onto the inode dst refers to.
func BindFd(src, dst *os.File) error {
	tree, err := unix.OpenTree(int(src.Fd()), "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if errors.Is(err, unix.ENOSYS) {
		return mountLegacy(procFd(src), dst, "", unix.MS_BIND)
	}
	if err != nil {
		return fmt.Errorf("open_tree %s: %w", src.Name(), err)
	}
	defer unix.Close(tree)
	return moveMount(tree, dst)
}

// mountTmpfsFd mounts an empty tmpfs with attrs (MOUNT_ATTR_*) onto dst.
func mountTmpfsFd(dst *os.File, attrs int) error {
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if errors.Is(err, unix.ENOSYS) {
		return mountLegacy("tmpfs", dst, "tmpfs", legacyFlags(attrs))
	}
	if err != nil {
		return fmt.Errorf("fsopen tmpfs: %w", err)
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return fmt.Errorf("create tmpfs: %w", err)
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, attrs)
	if err != nil {
		return fmt.Errorf("fsmount tmpfs: %w", err)
	}
	defer unix.Close(mnt)
	return moveMount(mnt, dst)
}

func moveMount(tree int, dst *os.File) error {
	if err := unix.MoveMount(tree, "", int(dst.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount onto %s: %w", dst.Name(), err)
	}
	return nil
}

func mountLegacy(source string, dst *os.File, fstype string, flags uintptr) error {
	if err := unix.Mount(source, procFd(dst), fstype, flags, ""); err != nil {
		return fmt.Errorf("mount %s onto %s: %w", source, dst.Name(), err)
	}
	return nil
}

// legacyFlags converts MOUNT_ATTR_* to the MS_* flags of mount(2).
func legacyFlags(attrs int) uintptr {
	var flags uintptr
	for attr, flag := range map[int]uintptr{
		unix.MOUNT_ATTR_RDONLY: unix.MS_RDONLY, unix.MOUNT_ATTR_NOSUID: unix.MS_NOSUID,
		unix.MOUNT_ATTR_NODEV: unix.MS_NODEV, unix.MOUNT_ATTR_NOEXEC: unix.MS_NOEXEC,
	} {
		if attrs&attr != 0 {
			flags |= flag
		}
	}
	return flags
}

// openDevNull opens the container's /dev/null without following a symlink
// and checks that it is the null device (char 1:3). The rootfs may bring
// its own dev/null (a /dev that is no tmpfs keeps what the image has, and
// an existing node is not replaced): as a symlink to
// /proc/sys/kernel/core_pattern it would turn every masked file into a
// writable bind of that file (CVE-2025-31133). runc's wording.
func openDevNull() (*os.File, error) {
	f, err := os.OpenFile("/dev/null", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("fstat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		f.Close()
		return nil, errors.New("container's /dev/null is invalid")
	}
	return f, nil
}
