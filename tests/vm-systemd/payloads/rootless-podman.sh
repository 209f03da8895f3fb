# Sourced by the rootless podman sections (55: gorunc, 56: runc 1.5.1 for
# reference; two sections so that each gets all.sh's time limit). Rootless
# podman 4.3 (the user of rootless-lib.sh, storage in its home,
# newuidmap/newgidmap with its subuid/subgid ranges) with `--runtime gorunc
# --cgroup-manager=cgroupfs`: podman calls the runtime as uid 0 of its user
# namespace, with no cgroupsPath, so the cgroup is made next to conmon's (in
# the user's delegated subtree). Podman runs in a user scope, as from a
# desktop terminal. Loads the busybox image into the user's storage (once per
# boot), then podman_checks RUNTIME MANAGER CGROUP_GLOB.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rootless-lib.sh"
need podman conmon gorunc newuidmap systemd-run
rootless_user || exit 0
CG=/sys/fs/cgroup
US="/user.slice/user-$RUID.slice/user@$RUID.service"
# P RUNTIME MANAGER ARGS...: podman as the user, in a user scope.
P() {
	local rt=$1 mgr=$2; shift 2
	in_user_scope timeout -k 5 120 podman --runtime "/usr/local/bin/$rt" --cgroup-manager="$mgr" \
		--events-backend=file "$@"
}
# Loaded by the first of the sections that runs (the VM's storage is new
# at each boot).
if [ -z "$(P gorunc cgroupfs images -q "$IMAGE" 2>/dev/null)" ]; then
	install -o "$RUSER" -m 0644 "$IMAGE_TAR" "$RHOME/busybox-oci.tar"
	out=$(P gorunc cgroupfs load -i "$RHOME/busybox-oci.tar" 2>&1) || { notok "rootless podman load" "$out"; exit 0; }
	P gorunc cgroupfs tag "$(P gorunc cgroupfs images -q | head -1)" "$IMAGE" >/dev/null 2>&1
	expect "rootless podman load: the busybox image in $RUSER's storage" "$IMAGE" \
		"$(P gorunc cgroupfs images --format '{{.Repository}}:{{.Tag}}' | grep -x "$IMAGE")"
	expect "rootless podman: storage in the user's home" yes \
		"$([ -d "$RHOME/.local/share/containers/storage" ] && echo yes || echo no)"
fi

# podman_checks RUNTIME MANAGER CGROUP_GLOB: run, exit code, --memory in the
# container and in the host's file, exec, stop, rm, nothing left.
podman_checks() {
	local rt=$1 mgr=$2 want=$3 T="rootless podman $1 ($2):" R=(run --network none) pid cg name=rp-$1-$2
	expect "$T run echo" hello "$(P "$rt" "$mgr" "${R[@]}" --rm "$IMAGE" echo hello 2>&1)"
	P "$rt" "$mgr" "${R[@]}" --rm "$IMAGE" sh -c 'exit 3' >/dev/null 2>&1
	expect "$T exit code 3" 3 "$?"
	expect "$T --memory 64m --pids-limit 30: memory.max pids.max in the container" "67108864 30" \
		"$(echo $(P "$rt" "$mgr" "${R[@]}" --rm --memory 64m --pids-limit 30 "$IMAGE" \
			cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max 2>&1))"
	out=$(P "$rt" "$mgr" "${R[@]}" -d --name "$name" --memory 64m "$IMAGE" sleep 1000 2>&1 </dev/null) ||
		{ notok "$T run -d --memory 64m" "$out"; P "$rt" "$mgr" rm -f "$name" >/dev/null 2>&1; return; }
	expect "$T run -d: running" running "$(P "$rt" "$mgr" inspect -f '{{.State.Status}}' "$name" 2>&1)"
	pid=$(P "$rt" "$mgr" inspect -f '{{.State.Pid}}' "$name" 2>/dev/null)
	cg=$(cgroup_of "$pid")
	# shellcheck disable=SC2053
	if [[ $cg == $want ]]; then ok "$T the container's cgroup ($cg)"
	else notok "$T the container's cgroup in the user's subtree" "want: $want" "got:  $cg"; fi
	expect "$T memory.max in the host's file" 67108864 "$(cat "$CG$cg/memory.max" 2>&1)"
	expect "$T exec" exec-ok "$(P "$rt" "$mgr" exec "$name" echo exec-ok 2>&1)"
	check "$T stop" P "$rt" "$mgr" stop -t 1 "$name"
	expect "$T stop: exited" exited "$(P "$rt" "$mgr" inspect -f '{{.State.Status}}' "$name" 2>&1)"
	check "$T rm" P "$rt" "$mgr" rm "$name"
	expect "$T rm: the container's cgroup is gone" no "$([ -n "$cg" ] && [ -d "$CG$cg" ] && echo yes || echo no)"
	expect "$T rm: no container left" "" "$(P "$rt" "$mgr" ps -aq 2>&1)"
}
