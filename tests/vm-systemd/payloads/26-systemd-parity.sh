#!/bin/bash
# gorunc's systemd driver side by side with runc 1.5 (the contract): the same
# bundle run by both with --systemd-cgroup, then the units' properties as
# systemd holds them and the cgroup files as the kernel enforces them are
# compared, before and after the same `update`. Known differences are
# listed, not hidden: Description names the runtime, and gorunc also gives
# systemd IOWeight for blockIO.weight (runc writes only io.weight).
. "$(dirname "$0")/lib.sh"
need gorunc systemctl
command -v runc-1.5.1 >/dev/null || skip_section "runc-1.5.1 not added to the VM (make vm-systemd adds build/tools/runc-1.5.1)"
CG=/sys/fs/cgroup
B=/run/vmtest-sdp
mkdir -p $B
RES='{"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
      "cpu": {"shares": 512, "quota": 12345, "period": 100000, "cpus": "0", "mems": "0"},
      "pids": {"limit": 50}, "blockIO": {"weight": 500},
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 201, "minor": 0, "access": "rw"},
                  {"allow": true, "type": "b", "major": 7, "access": "r"}],
      "unified": {"memory.high": "60000000"}}'
ANN='{"org.systemd.property.TimeoutStopSec": "7", "org.systemd.property.CPUQuotaPeriodSec": "uint64 1"}'
for rt in gorunc runc; do
	mkdir -p $B/$rt
	cat >$B/$rt/config.json <<JSON
{
  "ociVersion": "1.2.0",
  "process": {"args": ["sleep", "1000"], "env": ["PATH=/bin:/usr/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$ROOTFS"},
  "hostname": "vm",
  "annotations": $ANN,
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
  "linux": {
    "cgroupsPath": "system.slice:vmtest-$rt:p1",
    "resources": $RES,
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}]
  }
}
JSON
done
bin() { [ "$1" = runc ] && echo runc-1.5.1 || echo gorunc; }
R() { local rt=$1; shift; "$(bin "$rt")" --root "/run/vmtest-sdp-$rt" --systemd-cgroup "$@"; }
props="Slice Delegate DefaultDependencies MemoryAccounting CPUAccounting IOAccounting TasksAccounting
	MemoryMax MemoryLow MemoryHigh MemorySwapMax CPUWeight CPUQuotaPerSecUSec CPUQuotaPeriodUSec TasksMax
	AllowedCPUs AllowedMemoryNodes DevicePolicy DeviceAllow TimeoutStopUSec"
files="memory.max memory.low memory.high memory.swap.max cpu.max cpu.weight pids.max cpuset.cpus cpuset.mems io.weight"
# snapshot RT: "name=value" lines of the unit's properties and files
snapshot() {
	local u=vmtest-$1-p1.scope p
	for p in $props; do echo "$p=$(systemctl show -P "$p" "$u")"; done
	for p in $files; do echo "$p=$(cat "$CG/system.slice/$u/$p" 2>&1)"; done
}
compare() { # WHEN
	local g r
	g=$(snapshot gorunc) r=$(snapshot runc)
	if [ "$g" = "$r" ]; then ok "$1: properties and files as runc 1.5's ($(echo "$g" | wc -l) values)"
	else notok "$1: properties and files as runc 1.5's" "$(diff <(echo "$r") <(echo "$g") | grep '^[<>]' | sed 's/^</runc:  /; s/^>/gorunc:/')"; fi
}
started=1
for rt in gorunc runc; do
	if ! R $rt run -d --bundle $B/$rt p1 </dev/null >/dev/null 2>$B/$rt.err; then
		notok "$rt: --systemd-cgroup run -d" "$(cat $B/$rt.err)"
		started=0
	fi
done
if [ $started = 1 ]; then
	ok "both run -d"
	compare "create"
	expect "Description names the runtime (runc: libcontainer)" "gorunc container p1|libcontainer container p1" \
		"$(systemctl show -P Description vmtest-gorunc-p1.scope)|$(systemctl show -P Description vmtest-runc-p1.scope)"
	expect "IOWeight: gorunc gives systemd blockIO.weight, runc does not" "4950|[not set]" \
		"$(systemctl show -P IOWeight vmtest-gorunc-p1.scope)|$(systemctl show -P IOWeight vmtest-runc-p1.scope)"
	for rt in gorunc runc; do
		R $rt update --memory 134217728 --memory-swap 268435456 --pids-limit 20 --cpu-quota 33333 --cpu-period 50000 --cpuset-cpus 0 p1 ||
			notok "$rt: update"
	done
	compare "update"
	for rt in gorunc runc; do
		R $rt pause p1 && R $rt resume p1 || notok "$rt: pause and resume"
	done
	compare "pause, resume"
fi
for rt in gorunc runc; do
	R $rt delete --force p1 >/dev/null 2>&1
	expect "$rt: delete --force leaves no unit" "" "$(systemctl list-units --all --no-legend --plain "vmtest-$rt-p1.scope")"
done
