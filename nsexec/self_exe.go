package nsexec

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
//
// A rootless caller may not clone mounts of the host's mount namespace
// (open_tree needs CAP_SYS_ADMIN over it: EPERM), and gets a sealed memfd
// copy instead, as runc 1.5 does when its overlayfs protection is out of
// reach (libcontainer/exeseal). Cost per create or exec: the copy
// (BenchmarkSealedCopy: 450-540 MB/s on this 2-core host at load 9, so
// 13-15 ms for the 6.9 MB binary; the project's first memfd guard measured
// +2.2 ms on an idle machine) and the binary's size in shmem while init or
// exec-init runs from it.
func ProtectedSelf() (*os.File, error) {
	return protected("/proc/self/exe", "own binary")
}

// initName is the file name of the init binary built with this gorunc,
// "gorunc-init-" and the first 16 hex digits of its SHA-256 (set by the
// Makefile; "" in a gorunc built without it). The name is the version
// check: a gorunc finds only the init built from the same C code, so an
// older or newer one left beside it is never started, and no byte of it
// is read to tell.
var initName string

// ProtectedInit is ProtectedSelf for the init binary installed beside
// this gorunc (cmd/gorunc-init: nsexec's C code alone, ~140 KiB), which a
// container's init and exec-init run as when their setup is a program:
// such an init maps and touches pages of that small file only, not of
// gorunc's 6 MiB (docs/performance.md, "init as a binary of its own"). It
// returns nil, and no error, when there is none (a gorunc built or copied
// without it): the caller starts its own binary instead. The guard is the
// same: a read-only bind detached from every mount tree, or a sealed copy
// for a rootless caller, whose copy is now 140 KiB instead of 6.9 MB.
func ProtectedInit() (*os.File, error) {
	if initName == "" {
		return nil, nil
	}
	self, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("protect %s: %w", initName, err)
	}
	f, err := protected(filepath.Join(filepath.Dir(self), initName), initName)
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	return f, err
}

// protected opens path through a read-only detached bind, or a sealed copy
// when the caller may not clone mounts (EPERM).
func protected(path, what string) (*os.File, error) {
	f, err := readOnlyDetached(path, what)
	if errors.Is(err, unix.EPERM) {
		return sealedCopy(path, what)
	}
	return f, err
}

// sealedCopy copies path into a memfd and seals it against every change,
// so that no one, the memfd's owner included, can write the copy a
// container process reaches through /proc/PID/exe.
func sealedCopy(path, what string) (*os.File, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("protect %s: %w", what, err)
	}
	defer src.Close()
	// MFD_EXEC: with vm.memfd_noexec=1 (Linux 6.3+) a memfd is not
	// executable unless asked; older kernels refuse the flag (EINVAL).
	fd, err := unix.MemfdCreate("gorunc", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate("gorunc", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("protect %s: memfd_create: %w", what, err)
	}
	f := os.NewFile(uintptr(fd), "gorunc-sealed")
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return nil, fmt.Errorf("protect %s: copy into memfd: %w", what, err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("protect %s: seal memfd: %w", what, err)
	}
	return f, nil
}

func readOnlyDetached(path, what string) (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("protect %s: open_tree: %w", what, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("protect %s: make the detached bind read-only (mount_setattr, Linux >= 5.12): %w", what, err)
	}
	return os.NewFile(uintptr(fd), what+" (read-only)"), nil
}
