package cgroup

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/internal/relpath"
)

// fillCpusets copies cpuset.cpus and cpuset.mems from the parent into
// every directory from below the hierarchy's mount point down to dir whose
// file is empty, parents first: a v1 cpuset starts empty, and the kernel
// refuses to attach a task to an empty cpuset (ENOSPC;
// Documentation/admin-guide/cgroup-v1/cpusets.rst). Pre-made ancestors are
// filled too, as runc's cpusetEnsureParent/cpusetCopyIfNeeded do
// (opencontainers/cgroups fs/cpuset.go); a non-empty one is left as it is.
func fillCpusets(mountpoint, dir string) error {
	rel, ok := relpath.Under(mountpoint, dir)
	if !ok || rel == "." {
		return nil
	}
	cur := mountpoint
	for _, part := range strings.Split(rel, "/") {
		parent := cur
		cur = filepath.Join(cur, part)
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			v, err := readFile(cur, f)
			if err != nil {
				return err
			}
			if v != "" {
				continue
			}
			if v, err = readFile(parent, f); err != nil {
				return err
			}
			if err := writeFile(cur, f, v); err != nil {
				return fmt.Errorf("copy the parent's %s: %w", f, err)
			}
		}
	}
	return nil
}

// setV1Cpuset writes cpuset.cpus and cpuset.mems.
func setV1Cpuset(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if c.Cpus != "" {
		if err := writeFile(dir, "cpuset.cpus", c.Cpus); err != nil {
			return err
		}
	}
	if c.Mems != "" {
		if err := writeFile(dir, "cpuset.mems", c.Mems); err != nil {
			return err
		}
	}
	return nil
}
