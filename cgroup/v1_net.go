package cgroup

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV1NetCls writes net_cls.classid
// (Documentation/admin-guide/cgroup-v1/net_cls.rst).
func setV1NetCls(dir string, r *specs.LinuxResources) error {
	return writeFile(dir, "net_cls.classid", strconv.FormatUint(uint64(*r.Network.ClassID), 10))
}

// setV1NetPrio writes one net_prio.ifpriomap line per interface
// (Documentation/admin-guide/cgroup-v1/net_prio.rst).
func setV1NetPrio(dir string, r *specs.LinuxResources) error {
	for _, p := range r.Network.Priorities {
		if err := writeFile(dir, "net_prio.ifpriomap", fmt.Sprintf("%s %d", p.Name, p.Priority)); err != nil {
			return err
		}
	}
	return nil
}
