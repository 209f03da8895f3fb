#!/bin/bash
# Run by vmtest.service (systemd, PID 1 is systemd): installs the payload's
# binaries, runs /vmtest/payload.sh (run.sh's -- CMD), prints the markers
# tests/vm/run.sh reads on the serial console and powers off.
read -r up _ </proc/uptime
echo "VMTEST-START: uptime=$up at $(date +%T)"
# A heartbeat a minute through the kernel log, which the kernel prints on
# ttyS0 itself (level 3 < loglevel=4), not through the tty the payload
# writes to: when the payload's output stops, heartbeats that go on say the
# guest runs (a command waits, or the tty is stuck); none, that the whole
# guest stalled.
(
	while sleep 60; do
		read -r up _ </proc/uptime
		echo "<3>vmtest heartbeat: uptime=$up at $(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)" >/dev/kmsg
	done
) </dev/null >/dev/null 2>&1 &
beat=$!
# Kernel static keys flip, patching kernel text, on a controller's first
# use: the first cpuset cgroup (cpusets_enabled_key, in the page
# allocator), the first CFS quota (__cfs_bandwidth_used), the first v1
# freezer that freezes (freezer_active). A QEMU 7.2 multi-threaded TCG guest
# once hung with both vCPUs spinning at such a patch site
# (tests/vm/README.md, known issues). On the cgroup v1 boot all three came
# mid-test: cpuset's and CFS's with the first container, where
# `make vm-systemd-v1` once went silent for 800 s, the freezer's with its
# first pause. Flip them here, the guest idle, and keep them on: each key is
# a count, so the (empty) cgroups stay until poweroff. (Not done on v2.)
if [ -d /sys/fs/cgroup/cpuset ] && [ -d /sys/fs/cgroup/freezer ]; then
	w=vmtest-warmup
	{ mkdir /sys/fs/cgroup/cpuset/$w &&
	  mkdir /sys/fs/cgroup/cpu/$w && echo 100000 >/sys/fs/cgroup/cpu/$w/cpu.cfs_quota_us &&
	  mkdir /sys/fs/cgroup/freezer/$w && echo FROZEN >/sys/fs/cgroup/freezer/$w/freezer.state; } ||
		echo "VMTEST: the cgroup v1 warm-up ($w in cpuset, cpu, freezer) failed"
fi
for b in /vmtest/bin/*; do
	[ -e "$b" ] && install -m 0755 "$b" "/usr/local/bin/${b##*/}"
done
cd /vmtest || exit 125
bash /vmtest/payload.sh
rc=$?
kill "$beat" 2>/dev/null
if grep -qw vmtest.shell /proc/cmdline; then
	# tests/vm-systemd/run.sh --shell: ttyS1 is a unix socket on the host.
	echo "VMTEST: payload rc=$rc; a root shell on ttyS1 until it exits"
	setsid -c -w bash -il <>/dev/ttyS1 >&0 2>&0
fi
read -r up _ </proc/uptime
echo
echo "VMTEST-RESULT: rc=$rc uptime=$up "
systemctl --no-block poweroff
exit 0
