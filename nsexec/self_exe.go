package nsexec

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ProtectedSelf returns an O_PATH fd of the running binary as seen through
// a read-only bind mount that is already detached from every mount tree.
// Processes that will live inside a container (init, exec-init) are
// started from it (/proc/self/fd/N), so their /proc/PID/exe leads to a
// read-only mount that no path reaches and no one can remount: writing the
// host's gorunc through it fails with EROFS (CVE-2019-5736).
//
// The attack: a container process opens /proc/PID/exe of a process that
// runs the runtime's binary and, once that binary is no longer busy
// (ETXTBSY), reopens it for writing, replacing the host's gorunc. Keeping
// such processes non-dumpable does not suffice: the CVE's own trick, a
// container executable with the interpreter "#!/proc/self/exe", makes the
// runtime's last execve run the runtime's binary again as an ordinary,
// dumpable container process (tests/integration/exec_cve_test.go performs
// exactly that attack); and a container keeping CAP_SYS_PTRACE passes the
// dumpable check anyway.
//
// How: open_tree(2) with OPEN_TREE_CLONE makes a bind mount of the binary
// that is attached to no mount namespace at all, and mount_setattr(2)
// makes it read-only; the returned fd is that mount. Nothing is mounted in
// any namespace (no mount event for the host to see, nothing to clean up),
// and the kernel frees the mount with the last fd or process using it.
//
// Why this and not a copy: a sealed memfd copy of the 6 MB binary (runc's
// 2019 fix, and this project's first one) measured +2.2 ms on `gorunc
// create` here (copying plus faulting the new pages in) and 6 MB of shmem
// per created container; this costs two syscalls and no memory. runc's
// later "bindfd" made the same read-only bind in the host's mount
// namespace, where every container start was a visible mount event.
// Needs Linux 5.12 (mount_setattr); older kernels get a clear error.
func ProtectedSelf() (*os.File, error) {
	return readOnlyDetached("/proc/self/exe")
}

func readOnlyDetached(path string) (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("protect own binary: open_tree: %w", err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("protect own binary: make the detached bind read-only (mount_setattr, Linux >= 5.12): %w", err)
	}
	return os.NewFile(uintptr(fd), "gorunc-ro"), nil
}
