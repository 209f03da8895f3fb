package cgroup

import (
	"errors"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setCPU writes cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us,
// cpu.cfs_burst_us, cpu.rt_period_us, cpu.rt_runtime_us and cpu.idle
// (Documentation/scheduler/sched-bwc.rst, sched-rt-group.rst).
func (m *v1Manager) setCPU(r *specs.LinuxResources) error {
	c := r.CPU
	if c == nil || (c.Shares == nil && c.Quota == nil && c.Period == nil && c.Burst == nil &&
		c.RealtimePeriod == nil && c.RealtimeRuntime == nil && c.Idle == nil) {
		return nil
	}
	dir, err := m.need("cpu", "linux.resources.cpu")
	if err != nil {
		return err
	}
	if c.Shares != nil && *c.Shares != 0 {
		if err := writeFile(dir, "cpu.shares", strconv.FormatUint(*c.Shares, 10)); err != nil {
			return err
		}
	}
	if err := setV1Bandwidth(dir, c.Quota, c.Period); err != nil {
		return err
	}
	if c.Burst != nil {
		if err := writeFile(dir, "cpu.cfs_burst_us", strconv.FormatUint(*c.Burst, 10)); err != nil {
			return err
		}
	}
	// rt_period before rt_runtime, for the same reason as the CFS pair.
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		if err := writeFile(dir, "cpu.rt_period_us", strconv.FormatUint(*c.RealtimePeriod, 10)); err != nil {
			return err
		}
	}
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
		if err := writeFile(dir, "cpu.rt_runtime_us", strconv.FormatInt(*c.RealtimeRuntime, 10)); err != nil {
			return err
		}
	}
	if c.Idle != nil {
		if err := writeFile(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	return nil
}

// setV1Bandwidth writes the period before the quota. The kernel checks the
// pair at each write, so a new small period with the old large quota can be
// refused (EINVAL) although the final pair is valid; then the quota goes
// first and the period is written again, as runc does.
func setV1Bandwidth(dir string, quota *int64, period *uint64) error {
	writeQuota := func() error {
		if quota == nil || *quota == 0 {
			return nil
		}
		return writeFile(dir, "cpu.cfs_quota_us", strconv.FormatInt(*quota, 10))
	}
	if period == nil || *period == 0 {
		return writeQuota()
	}
	p := strconv.FormatUint(*period, 10)
	err := writeFile(dir, "cpu.cfs_period_us", p)
	if err == nil {
		return writeQuota()
	}
	if !errors.Is(err, unix.EINVAL) || quota == nil || *quota == 0 {
		return err
	}
	if err := writeQuota(); err != nil {
		return err
	}
	return writeFile(dir, "cpu.cfs_period_us", p)
}
