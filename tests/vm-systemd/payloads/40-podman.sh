#!/bin/bash
# Debian's podman 4.3 (conmon) drives gorunc: `podman --runtime gorunc
# --cgroup-manager=cgroupfs`, the busybox OCI image `podman load`ed, no
# network (--network none), the distribution's storage (overlay).
. "$(dirname "$0")/lib.sh"
need podman conmon gorunc
CG=/sys/fs/cgroup
P() { timeout -k 5 120 podman --runtime "$(command -v gorunc)" --cgroup-manager=cgroupfs --events-backend=file "$@"; }
out=$(P load -i "$IMAGE_TAR" 2>&1) || { notok "podman load" "$out"; exit 0; }
id=$(P images -q | head -1)
P tag "$id" "$IMAGE" >/dev/null 2>&1
expect "podman load: the busybox image" "$IMAGE" "$(P images --format '{{.Repository}}:{{.Tag}}' | grep -x "$IMAGE")"
R=(run --network none)
expect "podman run: echo through gorunc" hello "$(P "${R[@]}" --rm "$IMAGE" echo hello 2>&1)"
P "${R[@]}" --rm "$IMAGE" sh -c 'exit 3' >/dev/null 2>&1
expect "podman run: exit code 3" 3 "$?"
out=$(P "${R[@]}" --rm --memory 64m --cpus 0.5 --pids-limit 30 "$IMAGE" \
	sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max' 2>&1)
expect "podman run --memory --cpus --pids-limit: the files in the container" "67108864 50000 100000 30" "$(echo $out)"

P "${R[@]}" -d --name det1 --memory 32m "$IMAGE" sleep 1000 >/dev/null 2>/run/podman-det1.err </dev/null
expect "podman run -d: running" running "$(P inspect -f '{{.State.Status}}' det1 2>&1)"
pid=$(P inspect -f '{{.State.Pid}}' det1 2>/dev/null)
cg=$(cgroup_of "$pid")
case $cg in
/libpod_parent/libpod-*) ok "podman run -d: cgroupfs parent ($cg)" ;;
*) notok "podman run -d: cgroupfs parent /libpod_parent/libpod-<id>" "got: $cg" ;;
esac
expect "podman run -d: memory.max" 33554432 "$(cat "$CG$cg/memory.max" 2>&1)"
expect "podman exec" exec-ok "$(P exec det1 echo exec-ok 2>&1)"
check "podman stop" P stop -t 1 det1
expect "podman stop: exited" exited "$(P inspect -f '{{.State.Status}}' det1 2>&1)"
check "podman rm" P rm det1
expect "rm: the container's cgroup is gone" no "$([ -d "$CG$cg" ] && echo yes || echo no)"
expect "rm: no container left" "" "$(P ps -aq 2>&1)"
