package cgroup

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// pidsMax formats pids.max as runc 1.5 does (opencontainers/cgroups
// fs/pids.go, fs2/pids.go): a negative limit means no limit, "max"; 0
// means 1, because systemd's TasksMax cannot be 0 and the fs and systemd
// drivers must agree (a cgroup with pids.max 1 and 0 behave alike: the
// container's init is already in it).
func pidsMax(limit int64) string {
	switch {
	case limit < 0:
		return "max"
	case limit == 0:
		return "1"
	}
	return strconv.FormatInt(limit, 10)
}

// setV2Pids writes pids.max (Documentation/admin-guide/cgroup-v2.rst, "PID").
func setV2Pids(dir string, r *specs.LinuxResources) error {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil
	}
	return writeFile(dir, "pids.max", pidsMax(*r.Pids.Limit))
}
