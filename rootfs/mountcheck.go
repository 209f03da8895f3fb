package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/internal/relpath"
)

// procMountsAllowed are the only paths under /proc a mount may cover: the
// files lxcfs emulates (runc's checkProcMount). Covering anything else
// there could hide a masked path or fake /proc/self/attr for LSMs
// (CVE-2019-16884, CVE-2019-19921).
var procMountsAllowed = []string{
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
	"/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
}

// checkMount refuses mounts that would subvert /proc or mount proc/sysfs
// through a symlink. resolved is the destination with symlinks followed
// inside the rootfs. The checks are made on names, before anything is
// created; checkHandle makes the /proc ones again on what is mounted.
func (r *root) checkMount(m specs.Mount, o mountOptions, resolved string) error {
	if (m.Type == "proc" || m.Type == "sysfs") && !o.isBind() {
		if err := r.requireDirOrMissing(m.Destination); err != nil {
			// runc's wording.
			return fmt.Errorf("filesystem %q must be mounted on ordinary directory: %w", m.Type, err)
		}
	}
	return checkProcDest(m, o, resolved, func(st *unix.Statfs_t) error { return unix.Statfs(m.Source, st) })
}

// checkHandle repeats the /proc checks on where the mount point dst really
// is and on the bind source tree src (nil: not a bind, or no open_tree):
// a component of the destination or of the source swapped between
// checkMount's lookups and the ones that opened dst and src would
// otherwise let a mount cover /proc or a file in it (CVE-2019-16884,
// CVE-2019-19921 by a race).
func (r *root) checkHandle(m specs.Mount, o mountOptions, dst, src *os.File) error {
	at, err := r.inRoot(dst)
	if err != nil {
		return err
	}
	return checkProcDest(m, o, at, func(st *unix.Statfs_t) error {
		if src == nil {
			return unix.Statfs(m.Source, st)
		}
		return unix.Fstatfs(int(src.Fd()), st)
	})
}

// inRoot is where the handle f is inside the rootfs, as the kernel knows
// it (the /proc/self/fd magic link), not as a name was resolved earlier.
func (r *root) inRoot(f *os.File) (string, error) {
	root, err := os.Readlink(procFd(r.dir))
	if err != nil {
		return "", fmt.Errorf("locate rootfs: %w", err)
	}
	p, err := os.Readlink(procFd(f))
	if err != nil {
		return "", fmt.Errorf("locate %s: %w", f.Name(), err)
	}
	rel, ok := relpath.Under(root, p)
	if !ok {
		return "", fmt.Errorf("%s is at %s, outside the rootfs", f.Name(), p)
	}
	return filepath.Join("/", rel), nil
}

// checkProcDest refuses a mount on or inside /proc unless it is procfs on
// /proc or one of the files lxcfs emulates (runc's checkProcMount). statfs
// fills in the bind source's statfs.
func checkProcDest(m specs.Mount, o mountOptions, resolved string, statfs func(*unix.Statfs_t) error) error {
	rel, ok := relpath.Under("/proc", resolved)
	if !ok {
		return nil
	}
	if rel == "." {
		if m.Type == "proc" && !o.isBind() {
			return nil
		}
		if o.isBind() {
			var st unix.Statfs_t
			if err := statfs(&st); err != nil {
				return fmt.Errorf("statfs %s: %w", m.Source, err)
			}
			if st.Type == unix.PROC_SUPER_MAGIC {
				return nil
			}
		}
		return fmt.Errorf("%s cannot be mounted because it is not of type proc", resolved)
	}
	if slices.Contains(procMountsAllowed, resolved) {
		return nil
	}
	return fmt.Errorf("%s cannot be mounted because it is inside /proc", resolved)
}

// requireDirOrMissing fails when dest's last component exists and is not a
// directory (a symlink in particular). It refuses early, before anything is
// created; mkdirNoFollow enforces the same on the handle that is mounted on.
func (r *root) requireDirOrMissing(dest string) error {
	dir, base := filepath.Split(filepath.Clean(dest))
	if base == "" {
		return nil
	}
	parent, err := r.open(dir)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	defer parent.Close()
	var st unix.Stat_t
	err = unix.Fstatat(int(parent.Fd()), base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat %s: %w", dest, err)
	}
	return requireDir(dest, st)
}

func requireDir(dest string, st unix.Stat_t) error {
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("%s is not a directory (mode %#o)", dest, st.Mode)
	}
	return nil
}

// mkdirNoFollow returns an O_PATH handle on dest, creating it (and its
// parents) when missing; its last component is opened without following a
// symlink and must be a directory. The check is made on the handle itself,
// so it holds for what gets mounted on even if the name is swapped after.
func (r *root) mkdirNoFollow(dest string) (*os.File, error) {
	dir, base := filepath.Split(filepath.Clean(dest))
	if base == "" {
		return r.mkdirAll(dest)
	}
	parent, err := r.mkdirAll(dir)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	const flags = unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Openat(int(parent.Fd()), base, flags, 0)
	if errors.Is(err, unix.ENOENT) {
		if err := unix.Mkdirat(int(parent.Fd()), base, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("mkdir %s in rootfs: %w", dest, err)
		}
		fd, err = unix.Openat(int(parent.Fd()), base, flags, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in rootfs: %w", dest, err)
	}
	f := os.NewFile(uintptr(fd), dest)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", dest, err)
	}
	if err := requireDir(dest, st); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
