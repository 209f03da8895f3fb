package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// copyUp copies the tree under src (the directory a tmpfs now covers) into
// dst (the new tmpfs): the runc "tmpcopyup" mount option, which podman
// adds to its tmpfs mounts so that an image's /tmp or /run content stays
// visible. src is an fd opened before the mount, so it still reaches the
// covered directory. Every step is relative to a directory fd (*at(2)), so
// a symlink in the image cannot send the copy outside either tree. copyUp
// closes src; dst stays the caller's.
func copyUp(src, dst int) error {
	sf := os.NewFile(uintptr(src), "copyup-src")
	defer sf.Close()
	names, err := sf.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("tmpcopyup: read directory: %w", err)
	}
	for _, name := range names {
		if err := copyEntry(src, dst, name); err != nil {
			return fmt.Errorf("tmpcopyup %s: %w", name, err)
		}
	}
	return nil
}

func copyEntry(src, dst int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(src, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	mode := st.Mode & 0o7777
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if err := unix.Mkdirat(dst, name, mode); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
		sd, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		dd, err := unix.Openat(dst, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Close(sd)
			return err
		}
		defer unix.Close(dd)
		if err := copyUp(sd, dd); err != nil {
			return err
		}
		// Explicit: mkdirat(2) applied the umask.
		if err := unix.Fchmod(dd, mode); err != nil {
			return err
		}
	case unix.S_IFREG:
		return copyFile(src, dst, name, st)
	case unix.S_IFLNK:
		target, err := readlinkat(src, name)
		if err != nil {
			return err
		}
		if err := unix.Symlinkat(target, dst, name); err != nil {
			return err
		}
	default:
		// Device nodes, fifos and sockets: the same node, recreated.
		if err := unix.Mknodat(dst, name, st.Mode, int(st.Rdev)); err != nil {
			return err
		}
	}
	return unix.Fchownat(dst, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW)
}

// copyFile copies a regular file with its owner and mode, owner first:
// chown(2) clears the setuid and setgid bits of a regular file.
func copyFile(src, dst int, name string, st unix.Stat_t) error {
	mode := st.Mode & 0o7777
	// O_NONBLOCK and a check: a fifo swapped in since the Fstatat
	// (through a volume another container shares) must not hang init.
	in, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	inf := os.NewFile(uintptr(in), name)
	defer inf.Close()
	var now unix.Stat_t
	if err := unix.Fstat(in, &now); err != nil {
		return err
	}
	if now.Mode&unix.S_IFMT != unix.S_IFREG {
		return unix.EINVAL
	}
	out, err := unix.Openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err != nil {
		return err
	}
	outf := os.NewFile(uintptr(out), name)
	defer outf.Close()
	if _, err := io.Copy(outf, inf); err != nil {
		return err
	}
	if err := outf.Chown(int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	return outf.Chmod(os.FileMode(mode&0o777) | modeBits(mode))
}

// modeBits turns setuid/setgid/sticky bits into their os.FileMode flags.
func modeBits(mode uint32) os.FileMode {
	var m os.FileMode
	if mode&unix.S_ISUID != 0 {
		m |= os.ModeSetuid
	}
	if mode&unix.S_ISGID != 0 {
		m |= os.ModeSetgid
	}
	if mode&unix.S_ISVTX != 0 {
		m |= os.ModeSticky
	}
	return m
}

func readlinkat(dir int, name string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dir, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}
