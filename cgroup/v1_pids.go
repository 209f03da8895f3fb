package cgroup

import specs "github.com/opencontainers/runtime-spec/specs-go"

// setPids writes pids.max (Documentation/admin-guide/cgroup-v1/pids.rst).
func (m *v1Manager) setPids(r *specs.LinuxResources) error {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil
	}
	dir, err := m.need("pids", "linux.resources.pids.limit")
	if err != nil {
		return err
	}
	return writeFile(dir, "pids.max", pidsMax(*r.Pids.Limit))
}
