package cgroup

import specs "github.com/opencontainers/runtime-spec/specs-go"

// setV2Cpuset writes cpuset.cpus and cpuset.mems. Unlike v1, an empty
// value means "inherit the parent's", so nothing must be copied first.
func setV2Cpuset(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil {
		return nil
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
