#!/bin/bash
# gorunc's systemd cgroup driver (`gorunc --systemd-cgroup`, issue 16): the
# container's cgroup is a transient scope that systemd starts with the
# resources as unit properties. Checked from both sides: `systemctl show`
# (what systemd holds, and restores on daemon-reload) and the cgroup files
# (what the kernel enforces); a pre-made slice as cgroupsPath; pids.max;
# pause/resume; update; an org.systemd.property annotation; a unit that
# exists already; delete leaves no unit behind.
. "$(dirname "$0")/lib.sh"
need gorunc systemctl
CG=/sys/fs/cgroup
B=/run/vmtest-sd
mkdir -p $B
G() { gorunc --systemd-cgroup "$@"; }
# rund [--root DIR] ID [BUNDLE]: `run -d` of $B/ID (or $B/BUNDLE); a
# detached container keeps the stdio it is given, so never a pipe that
# $(...) would wait on. Prints stderr.
rund() {
	local root=()
	[ "$1" = --root ] && { root=(--root "$2"); shift 2; }
	gorunc "${root[@]}" --systemd-cgroup run -d --bundle "$B/${2:-$1}" "$1" </dev/null >/dev/null 2>"$B/$1.err"
	local rc=$?
	cat "$B/$1.err"
	return $rc
}

# sd_bundle DIR ARGS_JSON CGROUPS_PATH [RESOURCES_JSON] [ANNOTATIONS_JSON] [DEVICES_JSON]
sd_bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<JSON
{
  "ociVersion": "1.2.0",
  "process": {"args": $2, "env": ["PATH=/bin:/usr/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$ROOTFS"},
  "hostname": "vm",
  "annotations": ${5:-{\}},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid", "nodev", "noexec"]}
  ],
  "linux": {
    "cgroupsPath": "$3",
    "resources": ${4:-{\}},
    "devices": ${6:-[]},
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}, {"type": "cgroup"}]
  }
}
JSON
}
state_pid() { gorunc state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
show() { systemctl show -P "$2" "$1" 2>&1; }
# units PATTERN: the loaded units matching PATTERN, any state
units() { systemctl list-units --all --no-legend --plain "$1" 2>&1 | awk '{print $1}'; }
# gone ID UNIT: after delete, no state, no unit, no cgroup directory
gone() {
	local id=$1 unit=$2 dir=$3
	if gorunc state "$id" >/dev/null 2>&1; then notok "$id: state removed by delete"; else ok "$id: state removed by delete"; fi
	expect "$id: no $unit in systemctl list-units --all" "" "$(units "$unit")"
	if [ -d "$dir" ]; then notok "$id: $dir removed" "$(ls "$dir")"; else ok "$id: $dir removed"; fi
}

# 1. The default cgroupsPath: system.slice:gorunc:<id>, with resources.
RES='{"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
      "cpu": {"shares": 512, "quota": 12345, "period": 100000, "cpus": "0"},
      "pids": {"limit": 50}, "blockIO": {"weight": 500},
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 201, "minor": 0, "access": "rwm"}]}'
ANN='{"org.systemd.property.TimeoutStopSec": "7", "org.systemd.property.CollectMode": "'"'"'inactive-or-failed'"'"'"}'
# Two nodes of majors no driver has: opening one the rules allow fails
# with ENXIO (no such device), one they do not allow with EPERM.
DEVS='[{"path": "/dev/allowed", "type": "c", "major": 201, "minor": 0}, {"path": "/dev/denied", "type": "c", "major": 202, "minor": 0}]'
sd_bundle $B/sd1 '["sleep", "1000"]' "" "$RES" "$ANN" "$DEVS"
U=gorunc-sd1.scope
D=$CG/system.slice/$U
if out=$(rund sd1); then
	ok "sd1: --systemd-cgroup run -d"
	pid=$(state_pid sd1)
	expect "sd1: init is in system.slice/$U" "/system.slice/$U" "$(cgroup_of "$pid")"
	expect "sd1: the unit is active" active "$(systemctl is-active $U)"
	expect "sd1: Slice" system.slice "$(show $U Slice)"
	expect "sd1: Delegate" yes "$(show $U Delegate)"
	expect "sd1: Description" "gorunc container sd1" "$(show $U Description)"
	expect "sd1: MemoryMax" 67108864 "$(show $U MemoryMax)"
	expect "sd1: MemoryLow" 33554432 "$(show $U MemoryLow)"
	expect "sd1: MemorySwapMax (swap is memory+swap)" 67108864 "$(show $U MemorySwapMax)"
	# shares 512 -> weight 59 (runc 1.3.2+'s quadratic mapping; the old
	# linear one said 39)
	expect "sd1: CPUWeight (shares 512)" 59 "$(show $U CPUWeight)"
	# 12345 us per 100 ms is 12.345 %: systemd keeps whole percent, so
	# 13 % (130 ms per second), and the file agrees (13000).
	expect "sd1: CPUQuotaPerSecUSec rounded up to 10ms" 130ms "$(show $U CPUQuotaPerSecUSec)"
	expect "sd1: CPUQuotaPeriodUSec" 100ms "$(show $U CPUQuotaPeriodUSec)"
	expect "sd1: TasksMax" 50 "$(show $U TasksMax)"
	expect "sd1: AllowedCPUs" 0 "$(show $U AllowedCPUs)"
	expect "sd1: IOWeight (blkio 500)" 4950 "$(show $U IOWeight)"
	expect "sd1: DevicePolicy" strict "$(show $U DevicePolicy)"
	expect "sd1: DeviceAllow has the configured rule" "/dev/char/201:0 rwm" "$(show $U DeviceAllow | grep -o '/dev/char/201:0 rwm')"
	expect "sd1: annotation TimeoutStopSec=7 -> TimeoutStopUSec" 7s "$(show $U TimeoutStopUSec)"
	expect "sd1: annotation CollectMode" inactive-or-failed "$(show $U CollectMode)"
	expect "sd1: memory.max" 67108864 "$(cat $D/memory.max)"
	expect "sd1: memory.low" 33554432 "$(cat $D/memory.low)"
	expect "sd1: memory.swap.max" 67108864 "$(cat $D/memory.swap.max)"
	expect "sd1: cpu.max (rounded as systemd)" "13000 100000" "$(cat $D/cpu.max)"
	expect "sd1: cpu.weight" 59 "$(cat $D/cpu.weight)"
	expect "sd1: pids.max" 50 "$(cat $D/pids.max)"
	expect "sd1: cpuset.cpus" 0 "$(cat $D/cpuset.cpus)"
	# The device rules hold, before and after systemd reloads (which
	# re-attaches its own device program from DevicePolicy/DeviceAllow).
	devcheck() {
		out=$(G exec sd1 head -c1 /dev/allowed 2>&1)
		if [[ $out == *"No such device"* ]]; then ok "sd1: $1 the allowed node passes the device filter"; else notok "sd1: $1 the allowed node passes the device filter" "$out"; fi
		out=$(G exec sd1 head -c1 /dev/denied 2>&1)
		if [[ $out == *"not permitted"* ]]; then ok "sd1: $1 the other node is refused"; else notok "sd1: $1 the other node is refused" "$out"; fi
		if G exec sd1 sh -c 'echo x >/dev/null' 2>/dev/null; then ok "sd1: $1 /dev/null (a default rule) is writable"; else notok "sd1: $1 /dev/null (a default rule) is writable"; fi
	}
	devcheck "before daemon-reload:"
	systemctl daemon-reload
	expect "sd1: daemon-reload keeps memory.max" 67108864 "$(cat $D/memory.max)"
	expect "sd1: daemon-reload keeps cpu.max" "13000 100000" "$(cat $D/cpu.max)"
	devcheck "after daemon-reload:"

	# update: systemd's properties and the files.
	check "sd1: update --memory 128M --pids-limit 20 --cpu-quota 50000" G update --memory 134217728 --memory-swap 268435456 --pids-limit 20 --cpu-quota 50000 sd1
	expect "sd1: update: MemoryMax" 134217728 "$(show $U MemoryMax)"
	expect "sd1: update: TasksMax" 20 "$(show $U TasksMax)"
	expect "sd1: update: CPUQuotaPerSecUSec" 500ms "$(show $U CPUQuotaPerSecUSec)"
	expect "sd1: update: memory.max" 134217728 "$(cat $D/memory.max)"
	expect "sd1: update: pids.max" 20 "$(cat $D/pids.max)"
	expect "sd1: update: cpu.max" "50000 100000" "$(cat $D/cpu.max)"

	# pause / resume: the unit's cgroup freezes.
	check "sd1: pause" G pause sd1
	expect "sd1: paused" paused "$(gorunc state sd1 | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')"
	expect "sd1: cgroup.events frozen 1" "frozen 1" "$(grep frozen $D/cgroup.events)"
	check "sd1: resume" G resume sd1
	expect "sd1: cgroup.events frozen 0" "frozen 0" "$(grep frozen $D/cgroup.events)"

	# The same id again, from another state root: its scope is alive and
	# has a process, so runc's check refuses it before anything is made.
	out=$(rund --root /run/vmtest-sd-other sd1)
	expect "sd1: the same scope, alive: runc's error" "gorunc: container's cgroup is not empty: 1 process(es) found" "$out"
	expect "sd1: ... and leaves no state in the other root" "" "$(ls /run/vmtest-sd-other 2>/dev/null)"
	expect "sd1: ... and the first container still runs" running "$(gorunc state sd1 | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')"

	check "sd1: kill" G kill sd1 KILL
	wait_for 5 sh -c "! kill -0 $pid" || notok "sd1: SIGKILL ends the container"
	check "sd1: delete" G delete sd1
	gone sd1 $U $D
else
	notok "sd1: --systemd-cgroup run -d" "$out"
fi

# 2. A pre-made slice (with a limit of its own) as cgroupsPath, nested by
#    its name: vmtest-sd.slice holds vmtest-sd-inner.slice.
mkdir -p /run/systemd/system
printf '[Slice]\nMemoryMax=512M\n' >/run/systemd/system/vmtest-sd.slice
systemctl daemon-reload
systemctl start vmtest-sd.slice
sd_bundle $B/sd2 '["sleep", "1000"]' "vmtest-sd-inner.slice:ctr:sd2" '{"pids": {"limit": 7}}'
U=ctr-sd2.scope
D=$CG/vmtest.slice/vmtest-sd.slice/vmtest-sd-inner.slice/$U
if out=$(rund sd2); then
	pid=$(state_pid sd2)
	expect "sd2: init in the nested slice's scope" "/vmtest.slice/vmtest-sd.slice/vmtest-sd-inner.slice/$U" "$(cgroup_of "$pid")"
	expect "sd2: Slice" vmtest-sd-inner.slice "$(show $U Slice)"
	expect "sd2: TasksMax" 7 "$(show $U TasksMax)"
	expect "sd2: pids.max" 7 "$(cat $D/pids.max)"
	# pids.max holds: 10 background sleeps cannot all start.
	out=$(G exec sd2 sh -c 'i=0; while [ $i -lt 10 ]; do sleep 30 & i=$((i+1)); done; echo started' 2>&1)
	if [[ $out == *"can't fork"* || $out == *"Resource temporarily unavailable"* ]]; then ok "sd2: pids.max 7 stops the 8th process"; else notok "sd2: pids.max 7 stops the 8th process" "$out"; fi
	check "sd2: delete --force" G delete --force sd2
	gone sd2 $U $D
	expect "sd2: the pre-made slice is left alone" active "$(systemctl is-active vmtest-sd.slice)"
else
	notok "sd2: run -d in a pre-made slice" "$out"
fi
systemctl stop vmtest-sd.slice vmtest-sd-inner.slice 2>/dev/null
rm -f /run/systemd/system/vmtest-sd.slice
systemctl daemon-reload

# 3. A foreground run: exit code through, the unit gone after it.
sd_bundle $B/sd3 '["sh", "-c", "exit 3"]' "system.slice:vmtest:sd3"
G run --bundle $B/sd3 sd3 >/dev/null 2>&1
expect "sd3: foreground run exits with the container's code" 3 "$?"
gone sd3 vmtest-sd3.scope $CG/system.slice/vmtest-sd3.scope

# 4. OOM: the scope's init is killed; delete clears what is left.
sd_bundle $B/sd7 '["sh", "-c", "x=aaaaaaaa; while :; do x=$x$x; done"]' "" \
	'{"memory": {"limit": 16777216, "swap": 16777216}}'
U=gorunc-sd7.scope
if out=$(rund sd7); then
	wait_for 30 sh -c "gorunc state sd7 | grep -q '\"status\": \"stopped\"'" && ok "sd7: OOM-killed" || notok "sd7: OOM-killed" "$(gorunc state sd7)"
	check "sd7: delete of the OOM-killed container" G delete sd7
	gone sd7 $U $CG/system.slice/$U
else
	notok "sd7: run -d" "$out"
fi

# 5. A failed unit of the container's name left behind (here a scope that
#    hit its RuntimeMaxSec: Result=timeout, kept until reset-failed): as
#    runc, the start finds it, resets it and starts once more.
U=gorunc-sd8.scope
(systemd-run --quiet --scope --unit $U -p RuntimeMaxSec=1 sleep 100) >/dev/null 2>&1
expect "sd8: a failed $U is there" failed "$(systemctl show -P ActiveState $U)"
sd_bundle $B/sd8 '["sleep", "1000"]' ""
if out=$(rund sd8); then
	ok "sd8: the failed unit is reset and the container started"
	expect "sd8: active" active "$(systemctl is-active $U)"
	check "sd8: delete --force" G delete --force sd8
	gone sd8 $U $CG/system.slice/$U
else
	notok "sd8: the failed unit is reset and the container started" "$out"
fi
systemctl reset-failed $U 2>/dev/null

# 6. Bad input: runc's words, one line, nothing made.
sd_bundle $B/sd4 '["true"]' "not-a-systemd-path"
out=$(G run --bundle $B/sd4 sd4 2>&1)
expect "sd4: a cgroupsPath not slice:prefix:name is runc's error" \
	'gorunc: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "not-a-systemd-path" instead' "$out"
sd_bundle $B/sd5 '["true"]' "" '{}' '{"org.systemd.property.Foo_Bar": "true"}'
out=$(G run --bundle $B/sd5 sd5 2>&1)
expect "sd5: a malformed annotation is runc's error" \
	"gorunc: annotation org.systemd.property.Foo_Bar name incorrect: contains non-alphabetic character" "$out"
sd_bundle $B/sd6 '["true"]' "" '{}' '{"org.systemd.property.NoSuchProperty": "true"}'
out=$(G run --bundle $B/sd6 sd6 2>&1)
rc=$?
if [ $rc != 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == *NoSuchProperty* ]]; then ok "sd6: a property systemd does not know: one line naming it"; else notok "sd6: a property systemd does not know: one line naming it" "rc=$rc" "$out"; fi
expect "sd4-6: no unit left" "" "$(units 'gorunc-sd*')"
expect "sd4-6: no state left" "" "$(gorunc list -q)"
expect "features: systemd true" true "$(gorunc features | sed -n 's/.*"systemd": *\([a-z]*\).*/\1/p' | head -1)"
