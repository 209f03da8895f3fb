package cgroup

import (
	"errors"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setV1CPU writes cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us,
// cpu.cfs_burst_us, cpu.rt_period_us, cpu.rt_runtime_us and cpu.idle
// (Documentation/scheduler/sched-bwc.rst, sched-rt-group.rst).
func setV1CPU(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if c.Shares != nil && *c.Shares != 0 {
		if err := writeFile(dir, "cpu.shares", strconv.FormatUint(*c.Shares, 10)); err != nil {
			return err
		}
	}
	quotaSet := c.Quota != nil && *c.Quota != 0
	if err := writeBurstAround(dir, "cpu.cfs_burst_us", c.Burst, quotaSet, func() error {
		return writePeriodPair(dir, "cpu.cfs_period_us", c.Period, "cpu.cfs_quota_us", c.Quota)
	}); err != nil {
		return err
	}
	// runc's fs/cpu.go SetRtSched orders this pair the same way
	// (Documentation/scheduler/sched-rt-group.rst: runtime <= period, and
	// the group's share within its parent's, at every write).
	if err := writePeriodPair(dir, "cpu.rt_period_us", c.RealtimePeriod, "cpu.rt_runtime_us", c.RealtimeRuntime); err != nil {
		return err
	}
	if c.Idle != nil {
		if err := writeFile(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	return nil
}

// writePeriodPair writes the period before the amount (quota or runtime);
// 0 or nil means not set. The kernel checks the pair at each write, so a
// new small period with the old large amount is refused (EINVAL) although
// the final pair is valid: then the amount goes first and the period is
// written again, as runc does for both pairs.
func writePeriodPair(dir, periodFile string, period *uint64, amountFile string, amount *int64) error {
	writeAmount := func() error {
		if amount == nil || *amount == 0 {
			return nil
		}
		return writeFile(dir, amountFile, strconv.FormatInt(*amount, 10))
	}
	if period == nil || *period == 0 {
		return writeAmount()
	}
	p := strconv.FormatUint(*period, 10)
	err := writeFile(dir, periodFile, p)
	if err == nil {
		return writeAmount()
	}
	if !errors.Is(err, unix.EINVAL) || amount == nil || *amount == 0 {
		return err
	}
	if err := writeAmount(); err != nil {
		return err
	}
	return writeFile(dir, periodFile, p)
}

// writeBurstAround writes the burst file and, by writeQuota, the quota:
// the kernel checks burst <= quota at every write of either
// (kernel/sched/core.c, tg_set_cfs_bandwidth), so lowering both needs the
// burst first and raising both the quota first. As runc's fs/cpu.go and
// fs2/cpu.go: the burst first and, when that is refused (EINVAL) while a
// quota is coming, again after the quota.
func writeBurstAround(dir, burstFile string, burst *uint64, quotaSet bool, writeQuota func() error) error {
	if burst == nil {
		return writeQuota()
	}
	b := strconv.FormatUint(*burst, 10)
	early := writeFile(dir, burstFile, b)
	if early != nil && (!errors.Is(early, unix.EINVAL) || !quotaSet) {
		return early
	}
	if err := writeQuota(); err != nil {
		return err
	}
	if early != nil {
		return writeFile(dir, burstFile, b)
	}
	return nil
}
