#!/bin/bash
# Debian's containerd 1.6, started by systemd (containerd.service, Delegate=yes),
# driving gorunc through its runc v2 shim: `ctr run --runc-binary` (what ctr
# honours), and the CRI plugin's runc options set the same way
# (BinaryName = gorunc, SystemdCgroup = false: the cgroupfs driver). The
# image is the busybox OCI layout, `ctr image import`ed; no registry.
. "$(dirname "$0")/lib.sh"
need containerd ctr containerd-shim-runc-v2 gorunc
GORUNC=$(command -v gorunc)
CG=/sys/fs/cgroup
# What a Kubernetes node's containerd is given, with cgroupfs here.
containerd_start start false || exit 0
ok "containerd answers ($(ctr version | awk '/Version:/ {print $2; exit}'))"
expect "containerd.service runs in its own cgroup" /system.slice/containerd.service \
	"$(cgroup_of "$(systemctl show -P MainPID containerd.service)")"

c() { timeout -k 5 60 ctr "$@"; }
RUN=(run --runc-binary "$GORUNC")
out=$(c image import "$IMAGE_TAR" 2>&1) || notok "ctr image import" "$out"
expect "ctr image import: the busybox image" "$IMAGE" "$(c image ls -q)"

# Foreground, output and exit codes.
expect "ctr run: echo through gorunc" hello "$(c "${RUN[@]}" --rm "$IMAGE" fg1 echo hello 2>&1)"
c "${RUN[@]}" --rm "$IMAGE" fg2 sh -c 'exit 3' >/dev/null 2>&1
expect "ctr run: exit code 3" 3 "$?"

# Detached with limits: the cgroup the cgroupfs driver made (ctr's default
# cgroupsPath /<namespace>/<id>) and its files, read from here (ctr's spec
# mounts no cgroupfs in the container), exec, kill, delete cleans.
c "${RUN[@]}" -d --memory-limit 67108864 --cpu-quota 50000 --cpu-period 100000 "$IMAGE" det1 sleep 1000 </dev/null >/dev/null 2>&1
wait_for 10 sh -c "ctr task ls | grep -q '^det1 .*RUNNING'" && ok "ctr run -d: running" || notok "ctr run -d: running" "$(c task ls 2>&1)"
pid=$(c task ls | awk '$1 == "det1" {print $2}')
cg=$(cgroup_of "$pid")
expect "ctr run -d: cgroupsPath /default/det1 (cgroupfs driver)" /default/det1 "$cg"
expect "ctr run -d --memory-limit: memory.max" 67108864 "$(cat "$CG$cg/memory.max" 2>&1)"
expect "ctr run -d --cpu-quota --cpu-period: cpu.max" "50000 100000" "$(cat "$CG$cg/cpu.max" 2>&1)"
expect "gorunc sees it (shim's --root)" running "$(gorunc --root /run/containerd/runc/default state det1 2>&1 | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')"
expect "ctr task exec" exec-ok "$(c task exec --exec-id e1 det1 echo exec-ok 2>&1)"
c task kill -s KILL det1 >/dev/null 2>&1
wait_for 10 sh -c "ctr task ls | grep -q '^det1 .*STOPPED'" && ok "ctr task kill: stopped" || notok "ctr task kill: stopped" "$(c task ls 2>&1)"
c task rm det1 >/dev/null 2>&1; c container rm det1 >/dev/null 2>&1
expect "delete: the container's cgroup is gone" no "$([ -d "$CG$cg" ] && echo yes || echo no)"
expect "delete: no task, no container left" "" "$(c task ls -q; c container ls -q)"
expect "delete: gorunc's state is gone" "" "$(gorunc --root /run/containerd/runc/default list -q 2>&1)"

check "systemctl stop containerd" systemctl stop containerd.service
