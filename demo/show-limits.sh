#!/bin/sh
# Runs inside the demo container: prints who it is and its cgroup limits.
echo "hostname:   $(hostname)"
echo "my pid:     $$ (pid 1 is: $(cat /proc/1/comm))"
echo "cgroup:     $(grep -E '^0::|memory' /proc/self/cgroup | head -1)"
if [ -f /sys/fs/cgroup/memory.max ]; then
	echo "memory.max: $(cat /sys/fs/cgroup/memory.max)"
	echo "cpu.max:    $(cat /sys/fs/cgroup/cpu.max)"
	echo "pids.max:   $(cat /sys/fs/cgroup/pids.max)"
else
	echo "memory.limit_in_bytes: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
	echo "cpu.cfs_quota_us/period: $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)/$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
	echo "pids.max:   $(cat /sys/fs/cgroup/pids/pids.max)"
fi
