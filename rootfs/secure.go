package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// root resolves paths inside the rootfs. Every path is looked up relative to
// an O_PATH handle on the rootfs with symlinks scoped to it, and mounts go
// through /proc/self/fd/N of the resolved handle: a symlink swapped in after
// the lookup cannot redirect the mount outside the rootfs (CVE-2021-30465).
type root struct {
	dir  *os.File
	path string
	// late are the mounts made read-only at the end of the setup
	// (delayReadonly), handed to Finalize.
	late []*os.File
	// sources are Config.Sources.
	sources []*os.File
}

func openRoot(path string) (*root, error) {
	f, err := os.OpenFile(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open rootfs: %w", err)
	}
	return &root{dir: f, path: path}, nil
}

func (r *root) Close() error { return r.dir.Close() }

// open returns an O_PATH handle on dest, which must exist.
func (r *root) open(dest string) (*os.File, error) {
	f, err := pathrs.OpenatInRoot(r.dir, dest)
	if err != nil {
		return nil, fmt.Errorf("open %s in rootfs: %w", dest, err)
	}
	return f, nil
}

// mkdirAll returns an O_PATH handle on dest, creating it and its parents as
// directories (0755) where missing.
func (r *root) mkdirAll(dest string) (*os.File, error) {
	resolved, err := r.resolve(dest)
	if err != nil {
		return nil, err
	}
	f, err := pathrs.MkdirAllHandle(r.dir, resolved, 0o755)
	if err != nil {
		return nil, fmt.Errorf("mkdir %s in rootfs: %w", dest, err)
	}
	return f, nil
}

// resolve follows the symlinks of dest as if the rootfs were /, so that a
// dangling symlink's target is what gets created (MkdirAllHandle refuses to
// create through one). It returns a path relative to the rootfs; being a
// lexical answer, it is only used with the handle-based calls, which scope
// every lookup to the rootfs again.
func (r *root) resolve(dest string) (string, error) {
	full, err := securejoin.SecureJoin(r.path, dest)
	// SecureJoin lstats a component, then reads it as a symlink: a
	// component swapped in between (a container racing a shared volume)
	// fails the readlink with EINVAL. The answer is lexical anyway; ask
	// again rather than fail the container (runc 1.5.1 does not fail).
	for try := 0; try < 16 && errors.Is(err, unix.EINVAL); try++ {
		full, err = securejoin.SecureJoin(r.path, dest)
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s in rootfs: %w", dest, err)
	}
	rel, err := filepath.Rel(r.path, full)
	if err != nil {
		return "", fmt.Errorf("resolve %s in rootfs: %w", dest, err)
	}
	return "/" + rel, nil
}

// createFile returns an O_PATH handle on dest, creating it as an empty file
// (mode 0644, parents 0755) when missing: the mount point of a file bind.
func (r *root) createFile(dest string) (*os.File, error) {
	f, err := pathrs.OpenatInRoot(r.dir, dest)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("open %s in rootfs: %w", dest, err)
	}
	resolved, err := r.resolve(dest)
	if err != nil {
		return nil, err
	}
	parent, base := filepath.Split(resolved)
	if base == "" || base == "/" {
		return nil, fmt.Errorf("create %s in rootfs: not a file name", dest)
	}
	dir, err := r.mkdirAll(parent)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	fd, err := unix.Openat(int(dir.Fd()), base, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create %s in rootfs: %w", dest, err)
	}
	if err == nil {
		unix.Close(fd)
	}
	return r.open(resolved)
}

// procFd is the magic link through which mount(2) reaches the handle's
// inode without a second path lookup.
func procFd(f *os.File) string {
	return fmt.Sprintf("/proc/self/fd/%d", f.Fd())
}
