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
# R RT CMD ARGS...: the runtime's CMD, bounded (lib.sh), its --debug log in
# $B/RT-CMD.log (emptied first): what `dbg RT CMD` adds to a failure and
# stuck_report to a timeout. One tier run once went silent for 800 s at
# this section's first command: a hang must name itself.
R() {
	local rt=$1 DIAG_LOG=$B/$1-$2.log
	shift
	: >"$DIAG_LOG"
	bounded "$(bin "$rt")" --root "/run/vmtest-sdv1-$rt" --log "$DIAG_LOG" --debug --systemd-cgroup "$@"
}
dbg() { echo "$(bin "$1") --debug log of $2 ($B/$1-$2.log):"; cat "$B/$1-$2.log"; }
props="Slice Delegate MemoryAccounting CPUAccounting BlockIOAccounting TasksAccounting MemoryLimit CPUShares
	CPUQuotaPerSecUSec CPUQuotaPeriodUSec TasksMax AllowedCPUs DevicePolicy DeviceAllow"
files="memory/memory.limit_in_bytes cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us pids/pids.max
	cpuset/cpuset.cpus cpuset/cpuset.mems freezer/freezer.state devices/devices.list"
snapshot() {
	local u=vmtest-$1-v1.scope p
	for p in $props; do echo "$p=$(systemctl show -P "$p" "$u")"; done
	for p in $files; do echo "$p=$(cat "$CG/${p%%/*}/system.slice/$u/${p#*/}" 2>&1)"; done
}
# snap RT WHEN: snapshot into $B/RT.WHEN, its 14 systemctl calls bounded
# together (bounded costs a call's time again under TCG), for up to 300 s:
# 155 s seen with the host's 2 CPUs loaded 10 times over.
export -f snapshot
export props files CG
snap() { STEP_TIMEOUT=300 bounded bash -c 'snapshot "$1"' snapshot "$1" >"$B/$1.$2"; }
for rt in $rts; do
	bundle_v1 $rt
	U=vmtest-$rt-v1.scope
	DIAG_UNIT=$U
	step "$rt: run -d"
	if ! R $rt run -d --bundle $B/$rt v1 </dev/null >/dev/null 2>$B/$rt.err; then
		notok "$rt: --systemd-cgroup run -d (cgroup v1)" "$(cat $B/$rt.err)" "$(dbg $rt run)"
		continue
	fi
	ok "$rt: --systemd-cgroup run -d (cgroup v1)"
	step "$rt: state"
	pid=$(R $rt state v1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	for c in memory cpu pids devices freezer cpuset; do
		expect "$rt: init in $c:/system.slice/$U" "/system.slice/$U" "$(awk -F: -v c=$c '{n=split($2, a, ","); for (i=1;i<=n;i++) if (a[i]==c) print $3}' /proc/$pid/cgroup)"
	done
	step "$rt: exec (devices)"
	out=$(R $rt exec v1 head -c1 /dev/allowed 2>&1)
	[[ $out == *"No such device"* ]] && ok "$rt: the allowed node passes devices.allow" || notok "$rt: the allowed node passes devices.allow" "$out" "$(dbg $rt exec)"
	out=$(R $rt exec v1 head -c1 /dev/denied 2>&1)
	[[ $out == *"not permitted"* ]] && ok "$rt: the other node is refused" || notok "$rt: the other node is refused" "$out" "$(dbg $rt exec)"
	step "$rt: systemctl show, cgroup files (create)"
	snap $rt create
	step "$rt: update"
	R $rt update --memory 134217728 --pids-limit 20 --cpu-quota 50000 v1 || notok "$rt: update" "$(dbg $rt update)"
	step "$rt: systemctl show, cgroup files (update)"
	snap $rt update
	# A failed pause or resume is a failed check too, not a silent one.
	step "$rt: pause"
	if R $rt pause v1; then expect "$rt: pause: freezer.state" FROZEN "$(cat $CG/freezer/system.slice/$U/freezer.state)"
	else notok "$rt: pause: freezer.state" "$(dbg $rt pause)"; fi
	step "$rt: resume"
	if R $rt resume v1; then expect "$rt: resume: freezer.state" THAWED "$(cat $CG/freezer/system.slice/$U/freezer.state)"
	else notok "$rt: resume: freezer.state" "$(dbg $rt resume)"; fi
	step "$rt: delete --force"
	if out=$(R $rt delete --force v1 2>&1); then ok "$rt: delete --force"
	else notok "$rt: delete --force" "command: $(bin $rt) delete --force v1" "$out" "$(dbg $rt delete)"; fi
	expect "$rt: no unit left" "" "$(bounded systemctl list-units --all --no-legend --plain "$U")"
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
