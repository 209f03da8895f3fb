// Package rawfile opens and reads small files (state.json, /proc/PID/stat,
// cgroup interface files) through a raw descriptor. An os.File asks the
// kernel for the file's flags (and os.ReadFile for its size) and tries to
// register it with the runtime's poller: four to six system calls besides
// open, read and close per file (fcntl, fstat, epoll_ctl; strace -c), which
// `list` paid twice per container and cgroup operations per interface file.
package rawfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// Open opens path O_CLOEXEC, retrying on EINTR as package os does; the
// error is os.Open's.
func Open(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

// Read reads the whole of path, as os.ReadFile, with errors of the same
// type (*os.PathError). size is the buffer to start with: one read that
// fills less of it and one that sees the end are the usual two.
func Read(path string, size int) ([]byte, error) {
	fd, err := Open(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	b := make([]byte, 0, max(size, 1))
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}
