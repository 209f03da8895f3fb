package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/internal/rawfile"
	"github.com/gorunc/gorunc/internal/relpath"
)

// ops is the indirection between the drivers and the cgroupfs calls whose
// kernel behaviour a plain directory cannot imitate: mkdir populates the
// interface files, rmdir removes a directory that still lists them. Tests
// on a fake cgroupfs replace both; production uses the zero value.
type ops struct {
	mkdir func(dir string) error
	rmdir func(dir string) error
}

func (o ops) doMkdir(dir string) error {
	if o.mkdir != nil {
		return o.mkdir(dir)
	}
	return os.Mkdir(dir, 0o755)
}

func (o ops) doRmdir(dir string) error {
	if o.rmdir != nil {
		return o.rmdir(dir)
	}
	return unix.Rmdir(dir)
}

// missing lists dir and those of its parents below stop that do not exist
// yet, parents first: what mkdirAll(stop, dir) would make now.
func missing(stop, dir string) []string {
	rel, ok := relpath.Under(stop, dir)
	if !ok || rel == "." {
		return nil
	}
	var out []string
	cur := stop
	for _, part := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, part)
		if len(out) > 0 {
			out = append(out, cur)
			continue
		}
		if _, err := os.Stat(cur); errors.Is(err, os.ErrNotExist) {
			out = append(out, cur)
		}
	}
	return out
}

// mkdirAll creates dir and its missing parents below stop (which must
// exist), returning the directories it made, parents first.
func (o ops) mkdirAll(stop, dir string) ([]string, error) {
	rel, ok := relpath.Under(stop, dir)
	if !ok {
		return nil, fmt.Errorf("cgroup %s is not under the hierarchy root %s", dir, stop)
	}
	var made []string
	cur := stop
	if rel == "." {
		return nil, nil
	}
	for _, part := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, part)
		err := o.doMkdir(cur)
		switch {
		case err == nil:
			made = append(made, cur)
		case errors.Is(err, os.ErrExist):
		default:
			if pe := (*os.PathError)(nil); errors.As(err, &pe) {
				return made, err // os.Mkdir's error names the path already
			}
			return made, fmt.Errorf("mkdir %s: %w", cur, err)
		}
	}
	return made, nil
}

// writeFile writes one cgroup interface file with a single write(2). It
// never creates the file: cgroupfs files exist or the controller is not
// there, and a fake cgroupfs must behave the same.
//
// Raw open/write/close rather than os.File: cgroupfs files are pollable
// (kernfs), so os.OpenFile registers each one with the runtime's epoll and
// flips O_NONBLOCK (fcntl F_GETFL/F_SETFL, epoll_ctl ADD, epoll_ctl DEL at
// close): four system calls more per file, ~40 files per create and delete
// on a v1 host (docs/performance.md, "Hot path, session 4"). The errors keep
// os's shape (*os.PathError), so errors.Is and the messages are unchanged.
func writeFile(dir, file, data string) error {
	p := filepath.Join(dir, file)
	fd, err := rawfile.Open(p, unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", data, p, err)
	}
	defer unix.Close(fd)
	for {
		n, err := unix.Write(fd, []byte(data))
		if err == unix.EINTR {
			continue
		}
		if err == nil && n != len(data) {
			err = io.ErrShortWrite
		}
		if err != nil {
			return fmt.Errorf("write %q to %s: %w", data, p, &os.PathError{Op: "write", Path: p, Err: err})
		}
		return nil
	}
}

// readFile reads a cgroup interface file (raw fd, as writeFile) and trims
// the surrounding white space. Most interface files fit in one page;
// memory.stat and the like take a few more reads.
func readFile(dir, file string) (string, error) {
	p := filepath.Join(dir, file)
	b, err := rawfile.Read(p, 512)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// readRecord is readFile for a file of one record (freezer.state,
// cgroup.events: seq_file shows it whole), in one read into a buffer on
// the stack: Frozen reads one for every container `list` lists.
func readRecord(dir, file string) (string, error) {
	var buf [256]byte
	p := filepath.Join(dir, file)
	b, err := rawfile.ReadWhole(p, buf[:])
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func fileExists(dir, file string) bool {
	_, err := os.Stat(filepath.Join(dir, file))
	return err == nil
}

// readUint reads a file holding one number; "max" reads as MaxUint64.
func readUint(dir, file string) (uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return 0, err
	}
	return parseUint(s, filepath.Join(dir, file))
}

func parseUint(s, where string) (uint64, error) {
	if s == "max" {
		return ^uint64(0), nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// Negative values (v1 reports -1 for "no limit" in some files).
		if iv, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && iv < 0 {
			return ^uint64(0), nil
		}
		return 0, fmt.Errorf("parse %s: %q is not a number", where, s)
	}
	return v, nil
}

// readKV reads a flat-keyed file ("key value" lines: memory.stat,
// cpu.stat, memory.events, ...; Documentation/admin-guide/cgroup-v2.rst,
// "Interface Files").
func readKV(dir, file string) (map[string]uint64, error) {
	p := filepath.Join(dir, file)
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	defer f.Close()
	kv := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		v, err := parseUint(fields[1], p)
		if err != nil {
			return nil, err
		}
		kv[fields[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return kv, nil
}

// readPids reads one cgroup.procs file.
func readPids(dir string) ([]int, error) {
	s, err := readFile(dir, "cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("parse %s/cgroup.procs: %q is not a pid", dir, f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// readPidsRecursive lists the processes in dir and every cgroup below it.
func readPidsRecursive(dir string) ([]int, error) {
	var all []int
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, os.ErrNotExist) {
				return nil // a child cgroup removed while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		pids, err := readPids(p)
		if err != nil {
			if p != dir && errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		all = append(all, pids...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list processes in %s: %w", dir, err)
	}
	return all, nil
}

// signalPids sends sig to each pid; a process that exited meanwhile
// (ESRCH) is not an error.
func signalPids(pids []int, sig unix.Signal) error {
	var errs []error
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("kill %d with %v: %w", pid, sig, err))
		}
	}
	return errors.Join(errs...)
}
