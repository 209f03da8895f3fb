package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// createDevice makes d inside the rootfs: mknod, or a bind of the host's
// node over an empty file when bind is set or mknod is not permitted
// (user namespaces). An existing node is left as it is. Ownership and mode
// are set only on a node this call created, through its own handle, so a
// path that resolves to a host node is never chowned or chmodded.
func (r *root) createDevice(d specs.LinuxDevice, bind bool) error {
	if bind {
		return r.bindDevice(d)
	}
	parent, base := filepath.Split(filepath.Clean(d.Path))
	dir, err := r.mkdirAll(parent)
	if err != nil {
		return err
	}
	defer dir.Close()
	typ, err := deviceType(d.Type)
	if err != nil {
		return err
	}
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(*d.FileMode) & 0o7777
	}
	dev := int(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))
	if typ == unix.S_IFIFO {
		dev = 0
	}
	err = unix.Mknodat(int(dir.Fd()), base, typ|perm, dev)
	switch {
	case errors.Is(err, unix.EEXIST):
		return nil
	case errors.Is(err, unix.EPERM):
		return r.bindDevice(d)
	case err != nil:
		return fmt.Errorf("mknod %s: %w", d.Path, err)
	}
	return setOwnerMode(dir, base, d, perm)
}

// setOwnerMode fixes the owner and the mode (mknod's is cut by the umask)
// of the node just created as base in dir.
func setOwnerMode(dir *os.File, base string, d specs.LinuxDevice, perm uint32) error {
	fd, err := unix.Openat(int(dir.Fd()), base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new node %s: %w", d.Path, err)
	}
	node := os.NewFile(uintptr(fd), d.Path)
	defer node.Close()
	uid, gid := 0, 0
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	if err := unix.Fchownat(fd, "", uid, gid, unix.AT_EMPTY_PATH); err != nil {
		return fmt.Errorf("chown %s: %w", d.Path, err)
	}
	// fchmod(2) refuses O_PATH handles; chmod through the magic link
	// reaches the same inode without a lookup by name.
	if err := unix.Fchmodat(unix.AT_FDCWD, procFd(node), perm, 0); err != nil {
		return fmt.Errorf("chmod %s: %w", d.Path, err)
	}
	return nil
}

// bindDevice bind-mounts the host node at d.Path over an empty file.
func (r *root) bindDevice(d specs.LinuxDevice) error {
	dst, err := r.createFile(d.Path)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := unix.Mount(d.Path, procFd(dst), "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind device %s: %w", d.Path, err)
	}
	return nil
}

func deviceType(t string) (uint32, error) {
	switch t {
	case "c", "u":
		return unix.S_IFCHR, nil
	case "b":
		return unix.S_IFBLK, nil
	case "p":
		return unix.S_IFIFO, nil
	}
	return 0, fmt.Errorf("device type %q is not one of c, b, u, p", t)
}
