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
		return mountLegacy(procFd(src), dst, "", unix.MS_BIND, "")
	}
	if err != nil {
		return fmt.Errorf("open_tree %s: %w", src.Name(), err)
	}
	defer unix.Close(tree)
	return moveMount(tree, dst)
}

// maskTmpfs mounts an empty read-only tmpfs that can hold nothing onto
// dst, with runc's options (maskDir: "ro", nr_blocks=1,nr_inodes=1). It
// returns a handle on the new mount, or nil without the new mount API
// (Linux < 5.2), where it is mounted with mount(2) and no handle on it is
// taken (that would mean a second lookup by name).
func maskTmpfs(dst *os.File) (*os.File, error) {
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if errors.Is(err, unix.ENOSYS) {
		err := mountLegacy("tmpfs", dst, "tmpfs", unix.MS_RDONLY, "nr_blocks=1,nr_inodes=1")
		if err != nil {
			err = mountLegacy("tmpfs", dst, "tmpfs", unix.MS_RDONLY, "nr_blocks=1,nr_inodes=2")
		}
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("fsopen tmpfs: %w", err)
	}
	defer unix.Close(fs)
	// Read-only superblock and mount, as mount(2) with MS_RDONLY.
	if err := unix.FsconfigSetFlag(fs, "ro"); err != nil {
		return nil, fmt.Errorf("tmpfs ro: %w", err)
	}
	if err := unix.FsconfigSetString(fs, "nr_blocks", "1"); err != nil {
		return nil, fmt.Errorf("tmpfs nr_blocks=1: %w", err)
	}
	// Ubuntu's 5.4 kernel refuses nr_inodes=1 (runc retries with 2).
	if err := unix.FsconfigSetString(fs, "nr_inodes", "1"); err != nil {
		if err := unix.FsconfigSetString(fs, "nr_inodes", "2"); err != nil {
			return nil, fmt.Errorf("tmpfs nr_inodes: %w", err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return nil, fmt.Errorf("create tmpfs: %w", err)
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY)
	if err != nil {
		return nil, fmt.Errorf("fsmount tmpfs: %w", err)
	}
	if err := moveMount(mnt, dst); err != nil {
		unix.Close(mnt)
		return nil, err
	}
	return os.NewFile(uintptr(mnt), "tmpfs"), nil
}

func moveMount(tree int, dst *os.File) error {
	if err := unix.MoveMount(tree, "", int(dst.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount onto %s: %w", dst.Name(), err)
	}
	return nil
}

func mountLegacy(source string, dst *os.File, fstype string, flags uintptr, data string) error {
	if err := unix.Mount(source, procFd(dst), fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s onto %s: %w", source, dst.Name(), err)
	}
	return nil
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
