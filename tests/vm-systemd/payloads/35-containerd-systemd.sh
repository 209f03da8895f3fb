#!/bin/bash
# containerd 1.6 with the systemd cgroup driver driving gorunc: the CRI
# plugin's runc options as a systemd node has them (BinaryName = gorunc,
# SystemdCgroup = true), and `ctr run --runc-systemd-cgroup --cgroup
# slice:prefix:name` (what ctr honours): the shim passes --systemd-cgroup,
# gorunc asks systemd for the scope; limits, exec, kill, delete.
. "$(dirname "$0")/lib.sh"
need containerd ctr containerd-shim-runc-v2 gorunc
GORUNC=$(command -v gorunc)
CG=/sys/fs/cgroup
containerd_start restart true || exit 0
c() { timeout -k 5 60 ctr "$@"; }
[ -n "$(c image ls -q | grep -x "$IMAGE")" ] || c image import "$IMAGE_TAR" >/dev/null 2>&1
expect "the busybox image" "$IMAGE" "$(c image ls -q | grep -x "$IMAGE")"
RUN=(run --runc-binary "$GORUNC" --runc-systemd-cgroup)

expect "ctr run --runc-systemd-cgroup: echo" hello "$(c "${RUN[@]}" --cgroup system.slice:ctr:sdfg1 --rm "$IMAGE" sdfg1 echo hello 2>&1)"
expect "ctr run: the unit is gone after --rm" "" "$(systemctl list-units --all --no-legend --plain ctr-sdfg1.scope)"

U=ctr-sddet.scope
c "${RUN[@]}" --cgroup system.slice:ctr:sddet -d --memory-limit 67108864 --cpu-quota 50000 --cpu-period 100000 \
	"$IMAGE" sddet sleep 1000 </dev/null >/dev/null 2>&1
wait_for 10 sh -c "ctr task ls | grep -q '^sddet .*RUNNING'" && ok "ctr run -d: running" || notok "ctr run -d: running" "$(c task ls 2>&1)"
pid=$(c task ls | awk '$1 == "sddet" {print $2}')
expect "ctr run -d: init in system.slice/$U" "/system.slice/$U" "$(cgroup_of "$pid")"
expect "ctr run -d: $U active" active "$(systemctl is-active $U)"
expect "--memory-limit: MemoryMax" 67108864 "$(systemctl show -P MemoryMax $U)"
expect "--cpu-quota --cpu-period: CPUQuotaPerSecUSec" 500ms "$(systemctl show -P CPUQuotaPerSecUSec $U)"
expect "--memory-limit: memory.max" 67108864 "$(cat "$CG/system.slice/$U/memory.max" 2>&1)"
expect "--cpu-quota: cpu.max" "50000 100000" "$(cat "$CG/system.slice/$U/cpu.max" 2>&1)"
expect "ctr task exec" exec-ok "$(c task exec --exec-id e1 sddet echo exec-ok 2>&1)"
check "ctr task pause" c task pause sddet
expect "paused: cgroup.freeze" 1 "$(cat "$CG/system.slice/$U/cgroup.freeze" 2>&1)"
check "ctr task resume" c task resume sddet
c task kill -s KILL sddet >/dev/null 2>&1
wait_for 10 sh -c "ctr task ls | grep -q '^sddet .*STOPPED'" && ok "ctr task kill: stopped" || notok "ctr task kill: stopped" "$(c task ls 2>&1)"
c task rm sddet >/dev/null 2>&1; c container rm sddet >/dev/null 2>&1
expect "delete: no $U in systemctl list-units --all" "" "$(systemctl list-units --all --no-legend --plain $U)"
expect "delete: its cgroup is gone" no "$([ -d "$CG/system.slice/$U" ] && echo yes || echo no)"
expect "delete: gorunc's state is gone" "" "$(gorunc --root /run/containerd/runc/default list -q 2>&1)"
check "systemctl stop containerd" systemctl stop containerd.service
