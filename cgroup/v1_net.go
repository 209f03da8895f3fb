package cgroup

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setNetwork writes net_cls.classid and net_prio.ifpriomap
// (Documentation/admin-guide/cgroup-v1/net_cls.rst, net_prio.rst).
func (m *v1Manager) setNetwork(r *specs.LinuxResources) error {
	n := r.Network
	if n == nil {
		return nil
	}
	if n.ClassID != nil {
		dir, err := m.need("net_cls", "linux.resources.network.classID")
		if err != nil {
			return err
		}
		if err := writeFile(dir, "net_cls.classid", strconv.FormatUint(uint64(*n.ClassID), 10)); err != nil {
			return err
		}
	}
	if len(n.Priorities) > 0 {
		dir, err := m.need("net_prio", "linux.resources.network.priorities")
		if err != nil {
			return err
		}
		for _, p := range n.Priorities {
			if err := writeFile(dir, "net_prio.ifpriomap", fmt.Sprintf("%s %d", p.Name, p.Priority)); err != nil {
				return err
			}
		}
	}
	return nil
}

// setRdma writes rdma.max lines, same format as v2
// (Documentation/admin-guide/cgroup-v1/rdma.rst).
func (m *v1Manager) setRdma(r *specs.LinuxResources) error {
	if len(r.Rdma) == 0 {
		return nil
	}
	dir, err := m.need("rdma", "linux.resources.rdma")
	if err != nil {
		return err
	}
	return setV2Rdma(dir, r)
}
