#!/bin/bash
# Rootless `--systemd-cgroup` (issue 17): an unprivileged user's runtime asks
# the user's own systemd (user@UID.service, over the session bus
# /run/user/UID/bus) for the container's scope, as runc 1.5's rootless
# systemd driver. A lingering user of its own (not 50-rootless's), the
# drop-in that delegates cpu, cpuset and io besides memory and pids. For
# gorunc and runc 1.5.1 with the same config: the scope in the user's
# manager (user.slice/<prefix>-<id>.scope), MemoryMax/TasksMax from
# `systemctl --user show`, the files under user@UID.service, exec, kill,
# delete removes the unit; the values side by side; no bus: runc's words.
# Then rootless podman with its default --cgroup-manager=systemd and
# --runtime gorunc: run --memory, exec, stop, rm.
. "$(dirname "$0")/lib.sh"
need gorunc runuser loginctl busctl systemctl useradd
CG=/sys/fs/cgroup
SU=vmsduser
if ! id "$SU" >/dev/null 2>&1; then
	useradd -m -s /bin/bash "$SU" || { notok "useradd $SU"; exit 0; }
	grep -q "^$SU:" /etc/subuid 2>/dev/null ||
		usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$SU"
	drop=/etc/systemd/system/user@.service.d/delegate.conf
	want=$(printf '[Service]\nDelegate=cpu cpuset io memory pids')
	if [ "$(cat $drop 2>/dev/null)" != "$want" ]; then
		mkdir -p "${drop%/*}" && echo "$want" >$drop && systemctl daemon-reload
	fi
	loginctl enable-linger "$SU"
fi
SUID=$(id -u "$SU") SGID=$(id -g "$SU") SHOME=$(getent passwd "$SU" | cut -d: -f6)
wait_for 60 systemctl is-active "user@$SUID.service" ||
	{ notok "user@$SUID.service starts after enable-linger" "$(systemctl status "user@$SUID.service" 2>&1 | tail -5)"; exit 0; }
wait_for 30 test -S "/run/user/$SUID/bus" ||
	skip_section "no session bus /run/user/$SUID/bus (the image needs dbus-user-session)"
ok "user@$SUID.service active (linger), session bus /run/user/$SUID/bus"
US="/user.slice/user-$SUID.slice/user@$SUID.service"
# AS CMD...: as the user, with what a login gives (XDG_RUNTIME_DIR: the
# default --root and the bus), from this root service's cgroup.
AS() {
	runuser -u "$SU" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$SHOME" USER="$SU" LOGNAME="$SU" \
		XDG_RUNTIME_DIR="/run/user/$SUID" "$@"
}
ushow() { AS systemctl --user show -P "$2" "$1" 2>&1; }
uunits() { AS systemctl --user list-units --all --no-legend --plain "$1" 2>&1 | awk '{print $1}'; }

# sdu_bundle DIR ARGS_JSON: a rootless bundle the user owns: a user
# namespace mapping root to the user, /sys bound (sysfs needs a network
# namespace of the user's), 64 MiB and 20 tasks, the default cgroupsPath.
sdu_bundle() {
	AS mkdir -p "$1"
	AS tee "$1/config.json" >/dev/null <<JSON
{
  "ociVersion": "1.2.0",
  "process": {"args": $2, "env": ["PATH=/bin:/usr/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "noNewPrivileges": true},
  "root": {"path": "$ROOTFS"},
  "hostname": "sdu",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}
  ],
  "linux": {
    "uidMappings": [{"containerID": 0, "hostID": $SUID, "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": $SGID, "size": 1}],
    "resources": {"memory": {"limit": 67108864}, "pids": {"limit": 20}},
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}, {"type": "user"}, {"type": "cgroup"}]
  }
}
JSON
}

runtimes=(gorunc)
command -v runc-1.5.1 >/dev/null && runtimes+=(runc-1.5.1) ||
	_tap skip "runc 1.5.1 not in the VM (make vm-systemd adds it as runc-1.5.1)"
declare -A seen
for rt in "${runtimes[@]}"; do
	T="$rt:"
	b=$SHOME/sdu-$rt id=sdu-$rt
	prefix=gorunc
	[ "$rt" = gorunc ] || prefix=runc
	unit=$prefix-$id.scope
	sdu_bundle "$b" '["sleep", "1000"]'
	AS "$rt" --systemd-cgroup run -d --bundle "$b" "$id" </dev/null >/run/sdu-out 2>&1
	rc=$? out=$(cat /run/sdu-out)
	if [ $rc != 0 ]; then
		notok "$T --systemd-cgroup run -d as $SU" "$out"
		AS "$rt" --systemd-cgroup delete -f "$id" >/dev/null 2>&1
		continue
	fi
	ok "$T --systemd-cgroup run -d as $SU (the user's systemd)"
	pid=$(AS "$rt" state "$id" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	cg=$(cgroup_of "$pid")
	expect "$T init in the user's manager: user.slice/$unit" "$US/user.slice/$unit" "$cg"
	expect "$T $unit is the user's (systemctl --user: active)" active "$(AS systemctl --user is-active "$unit" 2>&1)"
	expect "$T not a system unit" inactive "$(systemctl is-active "$unit" 2>&1)"
	for p in MemoryMax TasksMax Delegate Slice; do
		seen[$rt.$p]=$(ushow "$unit" $p)
	done
	expect "$T MemoryMax (systemctl --user show)" 67108864 "${seen[$rt.MemoryMax]}"
	expect "$T TasksMax" 20 "${seen[$rt.TasksMax]}"
	expect "$T Delegate" yes "${seen[$rt.Delegate]}"
	expect "$T Slice" user.slice "${seen[$rt.Slice]}"
	seen[$rt.files]=$(cat "$CG$cg/memory.max" "$CG$cg/pids.max" 2>&1 | paste -sd' ')
	expect "$T memory.max pids.max in $US/user.slice/$unit" "67108864 20" "${seen[$rt.files]}"
	expect "$T the scope's directory is the user's" "$SU" "$(stat -c %U "$CG$cg/cgroup.procs" 2>&1)"
	# exec from a scope of the user's own systemd: the process joins the
	# container's scope (the common ancestor, user@UID.service, is the
	# user's); from this root service's cgroup the user may not move it
	# (runc 1.5 then leaves it there): the outcome compared below.
	expect "$T exec from a user scope joins the container's scope (cgroupns: 0::/)" "0::/" \
		"$(AS systemd-run --user --scope --quiet "$rt" --systemd-cgroup exec "$id" cat /proc/self/cgroup 2>&1)"
	seen[$rt.execout]=$(AS "$rt" --systemd-cgroup exec "$id" echo exec-ok 2>&1 | sed "s/$prefix-$id/UNIT/g; s/pid [0-9]*/pid N/g")
	check "$T kill KILL" AS "$rt" --systemd-cgroup kill "$id" KILL
	wait_for 10 sh -c "! kill -0 $pid" || notok "$T init ends after SIGKILL" "pid $pid still there"
	check "$T delete" AS "$rt" --systemd-cgroup delete "$id"
	expect "$T delete: no $unit in systemctl --user list-units --all" "" "$(uunits "$unit")"
	expect "$T delete: its cgroup is gone" no "$([ -d "$CG$cg" ] && echo yes || echo no)"
	expect "$T delete: no state" "" "$(AS "$rt" list -q 2>&1)"

	# No session bus (no XDG_RUNTIME_DIR, no DBUS_SESSION_BUS_ADDRESS):
	# one line, nothing left.
	seen[$rt.nobus]=$(runuser -u "$SU" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$SHOME" USER="$SU" \
		"$rt" --root "$SHOME/root-$rt" --systemd-cgroup run -d --bundle "$b" "$id-nobus" 2>&1 </dev/null)
	echo "# $rt without a bus: ${seen[$rt.nobus]}"
	expect "$T without a session bus: refused, nothing left" "" \
		"$(runuser -u "$SU" -- "$rt" --root "$SHOME/root-$rt" list -q 2>&1)"
done

if [ ${#runtimes[@]} = 2 ]; then
	# execout: from a cgroup the user cannot write, runc 1.5 runs the
	# process where it is (setnsProcess.start ignores the error when
	# rootless); gorunc does so with the rootlessvm branch's exec change.
	for p in MemoryMax TasksMax Delegate Slice files execout; do
		expect "side by side: $p the same under gorunc and runc 1.5.1" "${seen[runc-1.5.1.$p]}" "${seen[gorunc.$p]}"
	done
	expect "side by side: without a bus, runc's words" \
		"$(printf '%s' "${seen[runc-1.5.1.nobus]}" | sed 's/.*runc run failed: //; s/"$//')" \
		"$(printf '%s' "${seen[gorunc.nobus]}" | sed 's/^gorunc: //')"
fi

# Rootless podman with its default cgroup manager (systemd: the user's) and
# gorunc as the runtime.
if ! command -v podman >/dev/null; then
	_tap skip "podman not installed"
	exit 0
fi
P() { AS timeout -k 5 120 podman --runtime /usr/local/bin/gorunc --cgroup-manager=systemd --events-backend=file "$@"; }
if [ -z "$(P images -q --filter reference="$IMAGE" 2>/dev/null)" ]; then
	out=$(P load -i "$IMAGE_TAR" 2>&1) || { notok "rootless podman load" "$out"; exit 0; }
	P tag "$(P images -q | head -1)" "$IMAGE" >/dev/null 2>&1
fi
ok "rootless podman: the busybox image loaded"
out=$(P run --network none --rm --memory 64m "$IMAGE" cat /sys/fs/cgroup/memory.max 2>&1)
expect "rootless podman run --memory 64m: memory.max in the container" 67108864 "$out"
P run --network none -d --name sdupod --memory 64m "$IMAGE" sleep 1000 >/dev/null 2>/run/sdupod.err </dev/null
expect "rootless podman run -d: running" running "$(P inspect -f '{{.State.Status}}' sdupod 2>&1)"
cid=$(P inspect -f '{{.Id}}' sdupod 2>/dev/null)
pid=$(P inspect -f '{{.State.Pid}}' sdupod 2>/dev/null)
U=libpod-$cid.scope
expect "rootless podman: init in the user's user.slice/libpod-<id>.scope" "$US/user.slice/$U" "$(cgroup_of "$pid" 2>&1)"
expect "rootless podman: MemoryMax (systemctl --user show)" 67108864 "$(ushow "$U" MemoryMax)"
expect "rootless podman: memory.max" 67108864 "$(cat "$CG$US/user.slice/$U/memory.max" 2>&1)"
expect "rootless podman exec" exec-ok "$(P exec sdupod echo exec-ok 2>&1)"
check "rootless podman stop" P stop -t 1 sdupod
check "rootless podman rm" P rm sdupod
expect "rootless podman rm: no $U in systemctl --user list-units --all" "" "$(uunits "$U")"
expect "rootless podman rm: no container left" "" "$(P ps -aq 2>&1)"
