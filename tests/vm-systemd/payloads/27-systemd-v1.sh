#!/bin/bash
# gorunc's systemd driver on a cgroup v1 host with systemd (the VM booted
# with systemd.unified_cgroup_hierarchy=0: `make vm-systemd-v1`): the unit's
# directory in the hierarchies systemd manages, gorunc's own in the others
# (freezer, cpuset ...), systemd's v1 property names, update, freeze,
# delete. Side by side with runc 1.5 when the VM has it. Skips on v2.
. "$(dirname "$0")/lib.sh"
need gorunc systemctl
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && skip_section "cgroup v2 host (this section runs in make vm-systemd-v1's boot)"
CG=/sys/fs/cgroup
B=/run/vmtest-sdv1
mkdir -p $B
RES='{"memory": {"limit": 67108864}, "cpu": {"shares": 512, "quota": 12345, "period": 100000, "cpus": "0", "mems": "0"},
      "pids": {"limit": 50},
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 201, "minor": 0, "access": "rw"}]}'
# (no blockIO.weight: the VM's kernel has no CFQ/BFQ, so blkio.weight is
# missing and both runtimes refuse it)
bundle_v1() { # RT
	mkdir -p $B/$1
	cat >$B/$1/config.json <<JSON
{
  "ociVersion": "1.2.0",
  "process": {"args": ["sleep", "1000"], "env": ["PATH=/bin:/usr/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$ROOTFS"},
  "hostname": "vm",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
             {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
  "linux": {
    "cgroupsPath": "system.slice:vmtest-$1:v1",
    "resources": $RES,
    "devices": [{"path": "/dev/allowed", "type": "c", "major": 201, "minor": 0}, {"path": "/dev/denied", "type": "c", "major": 202, "minor": 0}],
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}]
  }
}
JSON
}
rts=gorunc
command -v runc-1.5.1 >/dev/null && rts="gorunc runc"
bin() { [ "$1" = runc ] && echo runc-1.5.1 || echo gorunc; }
R() { local rt=$1; shift; "$(bin "$rt")" --root "/run/vmtest-sdv1-$rt" --systemd-cgroup "$@"; }
props="Slice Delegate MemoryAccounting CPUAccounting BlockIOAccounting TasksAccounting MemoryLimit CPUShares
	CPUQuotaPerSecUSec CPUQuotaPeriodUSec TasksMax AllowedCPUs DevicePolicy DeviceAllow"
files="memory/memory.limit_in_bytes cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us pids/pids.max
	cpuset/cpuset.cpus cpuset/cpuset.mems freezer/freezer.state devices/devices.list"
snapshot() {
	local u=vmtest-$1-v1.scope p
	for p in $props; do echo "$p=$(systemctl show -P "$p" "$u")"; done
	for p in $files; do echo "$p=$(cat "$CG/${p%%/*}/system.slice/$u/${p#*/}" 2>&1)"; done
}
for rt in $rts; do
	bundle_v1 $rt
	U=vmtest-$rt-v1.scope
	if ! R $rt run -d --bundle $B/$rt v1 </dev/null >/dev/null 2>$B/$rt.err; then
		notok "$rt: --systemd-cgroup run -d (cgroup v1)" "$(cat $B/$rt.err)"
		continue
	fi
	ok "$rt: --systemd-cgroup run -d (cgroup v1)"
	pid=$(R $rt state v1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	for c in memory cpu pids devices freezer cpuset; do
		expect "$rt: init in $c:/system.slice/$U" "/system.slice/$U" "$(awk -F: -v c=$c '{n=split($2, a, ","); for (i=1;i<=n;i++) if (a[i]==c) print $3}' /proc/$pid/cgroup)"
	done
	out=$(R $rt exec v1 head -c1 /dev/allowed 2>&1)
	[[ $out == *"No such device"* ]] && ok "$rt: the allowed node passes devices.allow" || notok "$rt: the allowed node passes devices.allow" "$out"
	out=$(R $rt exec v1 head -c1 /dev/denied 2>&1)
	[[ $out == *"not permitted"* ]] && ok "$rt: the other node is refused" || notok "$rt: the other node is refused" "$out"
	snapshot $rt >$B/$rt.create
	R $rt update --memory 134217728 --pids-limit 20 --cpu-quota 50000 v1 || notok "$rt: update"
	snapshot $rt >$B/$rt.update
	R $rt pause v1 && expect "$rt: pause: freezer.state" FROZEN "$(cat $CG/freezer/system.slice/$U/freezer.state)"
	R $rt resume v1 && expect "$rt: resume: freezer.state" THAWED "$(cat $CG/freezer/system.slice/$U/freezer.state)"
	check "$rt: delete --force" R $rt delete --force v1
	expect "$rt: no unit left" "" "$(systemctl list-units --all --no-legend --plain "$U")"
	left=$(find $CG -maxdepth 3 -name "$U")
	expect "$rt: no cgroup directory left in any hierarchy" "" "$left"
done
[ -e $B/gorunc.create ] && sed 's/^/# gorunc create: /' $B/gorunc.create
if [ "$rts" = "gorunc runc" ]; then
	for when in create update; do
		if d=$(diff $B/runc.$when $B/gorunc.$when); then ok "$when: properties and files as runc 1.5's (cgroup v1)"
		else notok "$when: properties and files as runc 1.5's (cgroup v1)" "$d"; fi
	done
fi
