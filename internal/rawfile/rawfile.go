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
	return read(path, make([]byte, 0, max(size, 1)), false)
}

// ReadWhole is Read into buf (from its start; grown, as Read grows its
// own, when the file does not fit), and a read that leaves room in the
// buffer is taken as the end of the file: one read instead of two, which
// `list` pays per file and container. Only for files the kernel hands out
// whole to a read large enough: a regular file (a read stops short only
// at its end), and a procfs or cgroupfs file of a single record
// (/proc/PID/stat, freezer.state, cgroup.events: seq_file shows it once
// into a buffer grown to fit). Not for lists such as cgroup.procs, which
// seq_file hands out a page at a time.
func ReadWhole(path string, buf []byte) ([]byte, error) {
	return read(path, buf[:0], true)
}

func read(path string, b []byte, shortIsEnd bool) ([]byte, error) {
	fd, err := Open(path, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		room := cap(b) - len(b)
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
		if shortIsEnd && n < room {
			return b, nil
		}
	}
}
