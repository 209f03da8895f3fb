package cgroup

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultCPUPeriod is the kernel's default CFS period in microseconds.
const defaultCPUPeriod = 100000

// setV2CPU writes cpu.weight, cpu.max, cpu.max.burst and cpu.idle
// (Documentation/admin-guide/cgroup-v2.rst, "CPU Interface Files").
func setV2CPU(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil {
		return nil
	}
	if c.Shares != nil && *c.Shares != 0 {
		w := sharesToWeight(*c.Shares)
		if err := writeFile(dir, "cpu.weight", strconv.FormatUint(w, 10)); err != nil {
			return err
		}
	}
	quotaSet := c.Quota != nil || c.Period != nil
	if err := writeBurstAround(dir, "cpu.max.burst", c.Burst, quotaSet, func() error {
		if !quotaSet {
			return nil
		}
		return writeFile(dir, "cpu.max", cpuMax(c.Quota, c.Period))
	}); err != nil {
		return err
	}
	if c.Idle != nil {
		if err := writeFile(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	return nil
}

// cpuMax formats cpu.max as "$MAX $PERIOD": "max" when the quota is unset
// or not positive; the period defaults to 100000.
func cpuMax(quota *int64, period *uint64) string {
	q := "max"
	if quota != nil && *quota > 0 {
		q = strconv.FormatInt(*quota, 10)
	}
	p := uint64(defaultCPUPeriod)
	if period != nil && *period != 0 {
		p = *period
	}
	return q + " " + strconv.FormatUint(p, 10)
}
