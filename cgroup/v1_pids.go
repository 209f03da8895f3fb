package cgroup

import specs "github.com/opencontainers/runtime-spec/specs-go"

// setV1Pids writes pids.max (Documentation/admin-guide/cgroup-v1/pids.rst).
func setV1Pids(dir string, r *specs.LinuxResources) error {
	return writeFile(dir, "pids.max", pidsMax(*r.Pids.Limit))
}
