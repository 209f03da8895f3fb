package cgroup

import (
	"fmt"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// initCpuset copies cpuset.cpus and cpuset.mems from the parent into each
// new directory, parents first: a v1 cpuset starts empty, and the kernel
// refuses to attach a task to an empty cpuset (ENOSPC;
// Documentation/admin-guide/cgroup-v1/cpusets.rst).
func initCpuset(made []string) error {
	for _, dir := range made {
		parent := filepath.Dir(dir)
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			cur, err := readFile(dir, f)
			if err != nil {
				return err
			}
			if cur != "" {
				continue
			}
			v, err := readFile(parent, f)
			if err != nil {
				return err
			}
			if err := writeFile(dir, f, v); err != nil {
				return fmt.Errorf("copy the parent's %s: %w", f, err)
			}
		}
	}
	return nil
}

func (m *v1Manager) setCpuset(r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil || (c.Cpus == "" && c.Mems == "") {
		return nil
	}
	dir, err := m.need("cpuset", "linux.resources.cpu.cpus/mems")
	if err != nil {
		return err
	}
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
