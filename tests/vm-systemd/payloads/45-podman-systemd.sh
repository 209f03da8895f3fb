#!/bin/bash
# podman 4.3 with `--cgroup-manager=systemd` (podman's default on systemd
# hosts) driving gorunc: podman passes --systemd-cgroup and
# machine.slice:libpod:<id>; the limits as unit properties and files; exec,
# stop, rm leave no unit.
. "$(dirname "$0")/lib.sh"
need podman conmon gorunc
CG=/sys/fs/cgroup
P() { timeout -k 5 120 podman --runtime "$(command -v gorunc)" --cgroup-manager=systemd --events-backend=file "$@"; }
if [ -z "$(P images -q --filter reference="$IMAGE" 2>/dev/null)" ]; then
	out=$(P load -i "$IMAGE_TAR" 2>&1) || { notok "podman load" "$out"; exit 0; }
	P tag "$(P images -q | head -1)" "$IMAGE" >/dev/null 2>&1
fi
R=(run --network none)
expect "podman run: echo through gorunc" hello "$(P "${R[@]}" --rm "$IMAGE" echo hello 2>&1)"
out=$(P "${R[@]}" --rm --memory 64m --cpus 0.5 --pids-limit 30 "$IMAGE" \
	sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max' 2>&1)
expect "podman run --memory --cpus --pids-limit: the files in the container" "67108864 50000 100000 30" "$(echo $out)"

P "${R[@]}" -d --name sddet --memory 32m --cpus 0.5 --pids-limit 30 "$IMAGE" sleep 1000 >/dev/null 2>/run/podman-sddet.err </dev/null
expect "podman run -d: running" running "$(P inspect -f '{{.State.Status}}' sddet 2>&1)"
id=$(P inspect -f '{{.Id}}' sddet 2>/dev/null)
pid=$(P inspect -f '{{.State.Pid}}' sddet 2>/dev/null)
U=libpod-$id.scope
expect "podman run -d: init in machine.slice/libpod-<id>.scope" "/machine.slice/$U" "$(cgroup_of "$pid")"
expect "podman run -d: MemoryMax" 33554432 "$(systemctl show -P MemoryMax "$U")"
expect "podman run -d: CPUQuotaPerSecUSec" 500ms "$(systemctl show -P CPUQuotaPerSecUSec "$U")"
expect "podman run -d: TasksMax" 30 "$(systemctl show -P TasksMax "$U")"
expect "podman run -d: memory.max" 33554432 "$(cat "$CG/machine.slice/$U/memory.max" 2>&1)"
expect "podman exec" exec-ok "$(P exec sddet echo exec-ok 2>&1)"
check "podman pause" P pause sddet
expect "paused: cgroup.freeze" 1 "$(cat "$CG/machine.slice/$U/cgroup.freeze" 2>&1)"
check "podman unpause" P unpause sddet
check "podman stop" P stop -t 1 sddet
check "podman rm" P rm sddet
expect "rm: no $U in systemctl list-units --all" "" "$(systemctl list-units --all --no-legend --plain "$U")"
expect "rm: its cgroup is gone" no "$([ -d "$CG/machine.slice/$U" ] && echo yes || echo no)"
expect "rm: no container left" "" "$(P ps -aq 2>&1)"
