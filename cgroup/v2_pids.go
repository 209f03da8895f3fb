package cgroup

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// pidsMax formats pids.max: a limit <= 0 means no limit, "max".
func pidsMax(limit int64) string {
	if limit <= 0 {
		return "max"
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
