package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// rmdir of a cgroup fails with EBUSY while it is populated; a killed
// process keeps it populated until its parent reaps it, so retry for a
// bounded time (50 x 10ms) before naming what is still inside.
const (
	rmdirRetries = 50
	rmdirDelay   = 10 * time.Millisecond
)

// removeCgroup removes dir and the cgroups below it, children first.
// A directory that is already gone is not an error: Destroy is idempotent.
// The rmdir is tried first, as runc's RemovePath: a container's cgroup
// seldom has children, and listing it costs an open, two getdents and a
// close in each of a v1 host's hierarchies. The kernel refuses to remove
// a cgroup with children (EBUSY; a fake cgroupfs says ENOTEMPTY), which
// then are looked for.
func removeCgroup(o ops, dir string) error {
	if err := o.doRmdir(dir); err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	} else if !errors.Is(err, unix.EBUSY) && !errors.Is(err, unix.ENOTEMPTY) {
		return fmt.Errorf("rmdir %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeCgroup(o, filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return rmdirRetry(o, dir)
}

// rmdirRetry removes one empty cgroup, retrying while it is busy.
func rmdirRetry(o ops, dir string) error {
	var busy error
	for range rmdirRetries {
		err := o.doRmdir(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
		busy = err
		time.Sleep(rmdirDelay)
	}
	pids, perr := readPidsRecursive(dir)
	if perr != nil {
		return fmt.Errorf("rmdir %s: %w (and listing its processes failed: %v)", dir, busy, perr)
	}
	if len(pids) == 0 {
		return fmt.Errorf("rmdir %s: %w after %v: no process is listed, so it has child cgroups (delete them first) or zombies not yet reaped", dir, busy, rmdirRetries*rmdirDelay)
	}
	return fmt.Errorf("rmdir %s: %w after %v: processes still inside: %v; kill them first (gorunc kill --all <id> KILL) and retry the delete",
		dir, busy, rmdirRetries*rmdirDelay, pids)
}

// removeCreated removes, children first, the directories a manager made.
// The container's own cgroups (leaves) go with everything below them (they
// are the container's alone); an ancestor it made is removed only if it is
// empty by then: another container may have been created under the same
// new parent, and its cgroup must neither be removed nor fail this delete.
func removeCreated(o ops, created []string, leaves map[string]bool) error {
	for i := len(created) - 1; i >= 0; i-- {
		dir := created[i]
		if leaves[dir] {
			if err := removeCgroup(o, dir); err != nil {
				return err
			}
			continue
		}
		err := o.doRmdir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, unix.EBUSY) && !errors.Is(err, unix.ENOTEMPTY) {
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
	}
	return nil
}
