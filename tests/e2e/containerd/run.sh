#!/usr/bin/env bash
# The containerd tier (issue 7): Debian's containerd 1.6 and its runc v2 shim
# drive gorunc (`ctr run --runc-binary <gorunc> --runc-root DIR`). A private
# containerd (own root, state, sockets, config; CRI off; native snapshotter)
# is started and stopped here; the busybox image is built locally as an OCI
# layout (no registry) and imported with `ctr image import`. TAP lines on
# stdout (`ok N - ...`), a final `N passed, N failed` line; exit 1 when
# anything failed.
#
# Safety (the host is shared):
#   - the whole script runs in its own private mount namespace: containerd,
#     its shims and their rootfs mounts never touch the initial one;
#   - every container gets a RELATIVE cgroupsPath (ctr run --cgroup
#     gorunc-e2e-ctrd-PID/ID): gorunc puts it under the shim's own cgroup,
#     which is this script's; checked, and removed at the end;
#   - only processes this script started are killed, by pid (containerd, and
#     the shims whose command line names this script's socket);
#   - /run is a private tmpfs here (the shims' sockets go to /run/containerd/s
#     whatever the config says);
#   - everything is removed on exit, failure or not.
#
# Env: GORUNC (default bin/gorunc), KEEP=1 keeps the work directory,
# GORUNC_E2E_TRACE=0 runs gorunc directly instead of through a wrapper that
# records every call the shim makes (on by default; printed on failure).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
GORUNC=${GORUNC:-$repo/bin/gorunc}

if [ -z "${GORUNC_E2E_PRIVATE_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP the containerd tier needs root"; exit 0; }
	exec env GORUNC_E2E_PRIVATE_NS=1 unshare -m --propagation private -- "$0" "$@"
fi

start_ns=$(date +%s%N)
# The shims put their sockets in /run/containerd/s whatever the config says:
# a tmpfs over /run in this private namespace keeps them off the host.
mount -t tmpfs -o mode=0755 gorunc-e2e-run /run || { echo "Bail out! cannot mount a private /run"; exit 1; }
for tool in containerd ctr containerd-shim-runc-v2 script busybox timeout; do
	command -v $tool >/dev/null || { echo "Bail out! $tool missing (scripts/install-deps.sh test)"; exit 1; }
done
[ -x "$GORUNC" ] || { echo "Bail out! $GORUNC missing (make build)"; exit 1; }
GORUNC=$(readlink -f "$GORUNC")

NS=gorunc-e2e
IMG=docker.io/gorunc/busybox:latest
IMG_USER=docker.io/gorunc/busybox:user1000
CGREL=gorunc-e2e-ctrd-$$
W=$(mktemp -d /tmp/gorunc-e2e-ctrd.XXXXXX)
SOCK=$W/containerd.sock
CTRD_PID=
pass=0 fail=0 n=0

# --- cleanup: runs on every exit ------------------------------------------
our_shims() { # pids of shims started for this containerd (their argv names our socket)
	local p
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "-address $SOCK " && echo "${p#/proc/}"
	done
}
cg_dirs() { # our cgroup parent in every hierarchy: <mount>/<own path>/$CGREL
	local mnt ctrls path
	while IFS=: read -r _ ctrls path; do
		for mnt in $(awk -v c="$ctrls" '$9 == "cgroup" && ("," $NF ",") ~ ("," c ",") {print $5}' /proc/self/mountinfo) \
			$( [ -z "$ctrls" ] && awk '$9 == "cgroup2" {print $5}' /proc/self/mountinfo); do
			echo "$mnt${path%/}/$CGREL"
		done
	done </proc/self/cgroup | sort -u
}
cleanup() {
	set +e
	if [ -n "$CTRD_PID" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
		for t in $(c task ls -q 2>/dev/null); do
			c task kill -a -s KILL "$t" >/dev/null 2>&1
			c task delete -f "$t" >/dev/null 2>&1
		done
		for t in $(c container ls -q 2>/dev/null); do c container rm "$t" >/dev/null 2>&1; done
		kill -TERM "$CTRD_PID"
		for _ in $(seq 50); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null
	fi
	for p in $(our_shims); do kill -KILL "$p" 2>/dev/null; done
	# mounts in our private namespace under $W (rootfs of the shims), deepest first
	awk -v w="$W/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
	for d in $(cg_dirs); do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then echo "# kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- TAP helpers (ok, notok, expect: ../lib.sh) ---------------------------
# shellcheck source=../lib.sh
. "$here/../lib.sh"
tap_diag() {
	if [ -s "$W/calls.log" ]; then echo "#   last gorunc calls:"; tail -n 6 "$W/calls.log" | sed 's/^/#     /'; fi
	grep -hE '"level":"(error|warning)"|level=(error|warning)' "$W/containerd.log" 2>/dev/null | tail -n 3 | cut -c1-600 | sed 's/^/#   containerd: /'
}

c() { timeout -k 5 60 ctr --address "$SOCK" -n "$NS" "$@"; }
RUNOPTS=(--runtime io.containerd.runc.v2 --snapshotter native --fifo-dir "$W/fifo" --runc-root "$W/runc-root")
# crun ID [ctr run options...] -- CMD...   (foreground, --rm)
crun() {
	local id=$1 img=$IMG; shift
	local -a o=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in --image=*) img=${1#--image=} ;; *) o+=("$1") ;; esac
		shift
	done
	shift
	timeout -k 5 60 ctr --address "$SOCK" -n "$NS" run "${RUNOPTS[@]}" --runc-binary "$RUNC_BIN" \
		--cgroup "$CGREL/$id" --rm "${o[@]}" "$img" "$id" "$@"
}
# cdetach ID [ctr run options...] -- CMD...
cdetach() {
	local id=$1; shift
	local -a o=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do o+=("$1"); shift; done
	shift
	timeout -k 5 60 ctr --address "$SOCK" -n "$NS" run "${RUNOPTS[@]}" --runc-binary "$RUNC_BIN" \
		--cgroup "$CGREL/$id" -d "${o[@]}" "$IMG" "$id" "$@" </dev/null
}
status_of() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
pid_of() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $2}'; }
wait_status() { # ID STATUS [tries]
	for _ in $(seq "${3:-50}"); do [ "$(status_of "$1")" = "$2" ] && return 0; sleep 0.1; done
	return 1
}
# finish ID: delete the stopped task (prints its exit code) and the container
finish() {
	local rc
	c task delete "$1" >/dev/null 2>&1; rc=$?
	c container rm "$1" >/dev/null 2>&1
	echo "$rc"
}
in_tty() { # run a command line under a pseudo-terminal (script), output without \r
	timeout -k 5 60 script -qec "$1" /dev/null </dev/null | tr -d '\r\000' | sed 's/\^@//g'
}

# --- the gorunc the shim calls -------------------------------------------
RUNC_BIN=$GORUNC
if [ "${GORUNC_E2E_TRACE:-1}" != 0 ]; then
	RUNC_BIN=$W/gorunc-trace
	cat >"$RUNC_BIN" <<EOF
#!/bin/sh
echo "\$(date +%T.%N | cut -c1-12) $GORUNC \$*" >>"$W/calls.log"
exec "$GORUNC" "\$@"
EOF
	chmod +x "$RUNC_BIN"
fi

# --- the image: an OCI layout written by hand (../lib.sh) ---------------------
build_image() {
	local layer
	busybox_rootfs "$W/img-rootfs" && oci_init "$W/oci" && layer=$(oci_layer "$W/oci" "$W/img-rootfs") || return 1
	local cfg='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"'
	oci_image "$W/oci" "$IMG" "{\"User\":\"\",$cfg}" "$layer" &&
		oci_image "$W/oci" "$IMG_USER" "{\"User\":\"1000:1000\",$cfg}" "$layer" &&
		oci_pack "$W/oci" "$W/busybox-oci.tar"
}

# --- the private containerd -------------------------------------------------
{ containerd_toml "$W" "$SOCK" io.containerd.grpc.v1.cri; cat <<EOF
[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$W/runc-root-v1"
EOF
} >"$W/config.toml"
mkdir -p "$W/fifo" "$W/runc-root" "$W/bind"

exec </dev/null # only the stdin scenarios feed a container
echo "# work dir $W, gorunc $GORUNC, cgroups: relative $CGREL/<id>"
build_image || { echo "Bail out! building the OCI image failed"; exit 1; }
containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 &
CTRD_PID=$!
for _ in $(seq 100); do c version >/dev/null 2>&1 && break; sleep 0.1; done
c version >/dev/null 2>&1 || { echo "Bail out! containerd did not come up"; tail -n 20 "$W/containerd.log" | sed 's/^/# /'; exit 1; }
out=$(c image import --snapshotter native "$W/busybox-oci.tar" 2>&1) ||
	{ echo "Bail out! ctr image import: $out"; exit 1; }
imgs=$(c image ls -q | sort | tr '\n' ' ')
expect "image import (local OCI layout, two tags)" "$IMG $IMG_USER " "$imgs"

# --- foreground: output, exit codes, stdin, tty ------------------------------
out=$(crun fg-echo -- echo hello 2>&1); rc=$?
expect "run: output of echo" "hello rc=0" "$out rc=$rc"
crun fg-exit3 -- sh -c 'exit 3' >/dev/null 2>&1; rc=$?
expect "run: exit code 3" 3 "$rc"
crun fg-kill9 -- sh -c 'sh -c "kill -9 \$\$"; exit $?' >/dev/null 2>&1; rc=$?
expect "run: a process killed by SIGKILL -> 137" 137 "$rc"
# ctr 1.6 run never closes the init's stdin at EOF (same with runc: `cat` hangs),
# so the container reads one line and exits.
out=$(echo piped-through | crun fg-stdin -- sh -c 'read -r l; echo "$l" | cat' 2>&1); rc=$?
expect "run: stdin piped (read + cat)" "piped-through rc=0" "$out rc=$rc"
out=$(in_tty "ctr --address $SOCK -n $NS run ${RUNOPTS[*]} --runc-binary $RUNC_BIN --cgroup $CGREL/fg-tty --rm -t $IMG fg-tty sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty'")
expect "run -t: a pty as stdin/stdout" "/dev/pts/0 both-tty" "$(echo $out)"

# gorunc's error reaches ctr through the last error line of the shim's log.json
out=$(crun fg-noexec -- /no/such/binary 2>&1); rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q 'no such file or directory'; then ok "run of a missing binary: ctr shows the runtime's error (rc=$rc)"; echo "# ctr: $(echo "$out" | tail -n 1 | cut -c1-300)"
else notok "run of a missing binary: ctr shows the runtime's error" "rc=$rc" "$out"; fi
c container rm fg-noexec >/dev/null 2>&1

# --- env, cwd, user, read-only rootfs, bind mounts --------------------------
out=$(crun fg-env --env FOO=bar --cwd /tmp -- sh -c 'echo $FOO; pwd' 2>&1)
expect "run --env FOO=bar --cwd /tmp" "bar /tmp" "$(echo $out)"
out=$(crun fg-user --image="$IMG_USER" -- sh -c 'id -u; id -g; whoami' 2>&1); rc=$?
expect "run as the image's user 1000:1000 (ctr 1.6 run has no --user)" "1000 1000 user rc=0" "$(echo $out) rc=$rc"
out=$(crun fg-ro --read-only -- sh -c 'touch /x 2>/dev/null && echo root-writable; touch /run/x && echo run-writable' 2>&1)
expect "run --read-only: rootfs read-only, /run tmpfs writable" "run-writable" "$(echo $out)"
echo from-host >"$W/bind/file"
out=$(crun fg-bind --mount "type=bind,src=$W/bind,dst=/mnt/ro,options=rbind:ro" \
	--mount "type=bind,src=$W/bind,dst=/mnt/rw,options=rbind:rw" -- \
	sh -c 'cat /mnt/ro/file; touch /mnt/ro/y 2>/dev/null && echo ro-writable; echo from-container >/mnt/rw/z' 2>&1)
expect "run --mount bind ro (readable, not writable) and rw" "from-host from-container" "$out $(cat "$W/bind/z" 2>/dev/null)"

# --- detached + exec ------------------------------------------------------
cdetach d1 -- sleep 1000 >/dev/null 2>&1
if wait_status d1 RUNNING; then ok "run -d: task RUNNING"; else notok "run -d: task RUNNING" "status: $(status_of d1)"; fi
xc() { timeout -k 5 60 ctr --address "$SOCK" -n "$NS" task exec --fifo-dir "$W/fifo" "$@"; }
out=$(xc --exec-id e1 d1 echo exec-out 2>&1); rc=$?
expect "exec: output" "exec-out rc=0" "$out rc=$rc"
xc --exec-id e2 d1 sh -c 'exit 5' >/dev/null 2>&1; rc=$?
expect "exec: exit code 5" 5 "$rc"
out=$(echo exec-stdin | xc --exec-id e3 d1 cat 2>&1)
expect "exec: stdin" "exec-stdin" "$out"
out=$(in_tty "ctr --address $SOCK -n $NS task exec --fifo-dir $W/fifo -t --exec-id e4 d1 sh -c 'tty; [ -t 0 ] && echo is-tty; sleep 0.3'")
# (the sleep: ctr 1.6 resizes the pty after start; a process already gone makes
# it print "resize pty error: cannot resize a stopped container", runc too)
expect "exec -t: a pty" "/dev/pts/0 is-tty" "$(echo $out)"
out=$(xc --exec-id e5 --user 1000:1000 --cwd /tmp d1 sh -c 'id -u; id -g; pwd' 2>&1)
expect "exec --user 1000:1000 --cwd /tmp" "1000 1000 /tmp" "$(echo $out)"
out=$(xc --exec-id e8 d1 /no/such/binary 2>&1); rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q 'no such file or directory'; then ok "exec of a missing binary: ctr shows the runtime's error (rc=$rc)"; echo "# ctr: $(echo "$out" | tail -n 1 | cut -c1-300)"
else notok "exec of a missing binary: ctr shows the runtime's error" "rc=$rc" "$out"; fi
pid=$(pid_of d1)
out=$(c task ps d1 2>&1)
if echo "$out" | awk 'NR > 1 {print $1}' | grep -qx "$pid"; then ok "task ps lists the init pid $pid"; else notok "task ps lists the init pid $pid" "$out"; fi

# --- pause / resume -----------------------------------------------------------
c task pause d1 >/dev/null 2>&1
st=$(status_of d1)
frz=$(cat "$(awk -F: '$2 ~ /(^|,)freezer(,|$)/ {print "/sys/fs/cgroup/freezer" $3}' /proc/"$pid"/cgroup)/freezer.state" 2>/dev/null)
expect "task pause: PAUSED, freezer FROZEN" "PAUSED FROZEN" "$st $frz"
c task resume d1 >/dev/null 2>&1
st=$(status_of d1)
frz=$(cat "$(awk -F: '$2 ~ /(^|,)freezer(,|$)/ {print "/sys/fs/cgroup/freezer" $3}' /proc/"$pid"/cgroup)/freezer.state" 2>/dev/null)
expect "task resume: RUNNING, freezer THAWED" "RUNNING THAWED" "$st $frz"
out=$(xc --exec-id e6 d1 echo after-resume 2>&1)
expect "exec after resume" "after-resume" "$out"

# --- metrics ------------------------------------------------------------------
out=$(c task metrics --format json d1 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q '"memory"' && echo "$out" | grep -q '"pids"'; then
	ok "task metrics: memory and pids stats"
	echo "# metrics: $(echo "$out" | tr -d ' \n' | grep -oE '"(pids|cpu|memory)":\{[^{}]{0,80}' | head -3 | tr '\n' ' ')"
else
	notok "task metrics: memory and pids stats" "rc=$rc" "$(echo "$out" | head -c 600)"
fi

# --- where the cgroups are ------------------------------------------------------
want=$(cg_dirs | head -1)
bad=
while IFS=: read -r _ ctrls path; do
	case $ctrls in ''|name=*) continue ;; esac
	own=$(awk -F: -v c="$ctrls" '$2 == c {print $3}' /proc/self/cgroup)
	case $path in "${own%/}/$CGREL/d1") ;; *) bad+="$ctrls:$path (own $own) " ;; esac
done </proc/"$pid"/cgroup
if [ -z "$bad" ]; then ok "cgroups under this script's own cgroup ($CGREL/d1 in every controller)"; else notok "cgroups under this script's own cgroup" "$bad"; fi

# --- kill TERM / KILL / --all -------------------------------------------------
c task kill -s KILL d1 >/dev/null 2>&1
wait_status d1 STOPPED; st=$(status_of d1)
finish d1 >/dev/null
expect "task kill -s KILL (detached): STOPPED" "STOPPED" "$st"
# ctr 1.6 has no `task wait` and `task delete` exits 0 whatever the status:
# a foreground `ctr run` in the background reports the exit status instead.
crun k1 -- sleep 1000 >/dev/null 2>&1 & bg=$!
wait_status k1 RUNNING; c task kill -s KILL k1 >/dev/null 2>&1; wait $bg; rc=$?
expect "task kill -s KILL: exit 137" 137 "$rc"
crun k2 -- sh -c 'trap "exit 143" TERM; while :; do sleep 0.2; done' >/dev/null 2>&1 & bg=$!
wait_status k2 RUNNING; sleep 0.3; c task kill -s TERM k2 >/dev/null 2>&1; wait $bg; rc=$?
expect "task kill -s TERM (trapped by the shell): exit 143" 143 "$rc"
crun k3 -- sleep 1000 >/dev/null 2>&1 & bg=$!
wait_status k3 RUNNING; c task kill k3 >/dev/null 2>&1 # TERM: pid 1 without a handler ignores it
sleep 0.5; st=$(status_of k3)
c task kill -s KILL k3 >/dev/null 2>&1; wait $bg; rc=$?
expect "task kill (TERM) ignored by pid 1 sleep; then KILL: 137" "RUNNING 137" "$st $rc"
crun k4 -- sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null 2>&1 & bg=$!
wait_status k4 RUNNING; sleep 0.3
xc -d --exec-id e7 k4 sleep 1000 >/dev/null 2>&1
sleep 0.3
pids_before=$(c task ps k4 2>/dev/null | awk 'NR > 1' | wc -l)
c task kill -a -s KILL k4 >/dev/null 2>&1; wait $bg; rc=$?
left_k4=$(c task ls -q | grep -cx k4)
expect "task kill --all -s KILL: 4 processes, exit 137, task gone" "4 137 0" "$pids_before $rc $left_k4"

# --- resources ----------------------------------------------------------------
crun oom --memory-limit 33554432 -- sh -c 'x=0123456789abcdef; while :; do x=$x$x; done' >/dev/null 2>&1; rc=$?
expect "run --memory-limit 32M, a growing shell string: OOM-killed, exit 137" 137 "$rc"
cdetach cpu --cpu-quota 50000 --cpu-period 100000 --cpu-shares 512 --memory-limit 67108864 -- sleep 1000 >/dev/null 2>&1
wait_status cpu RUNNING; cpid=$(pid_of cpu)
cgp() { awk -F: -v c="$1" '$2 ~ ("(^|,)" c "(,|$)") {print $2 ":" $3}' /proc/"$cpid"/cgroup | { IFS=: read -r ctrls p; echo "/sys/fs/cgroup/$ctrls$p"; }; }
got="$(cat "$(cgp cpu)/cpu.cfs_quota_us" "$(cgp cpu)/cpu.cfs_period_us" "$(cgp cpu)/cpu.shares" "$(cgp memory)/memory.limit_in_bytes" 2>&1)"
expect "cpu quota/period/shares and memory limit in the cgroup files" "50000 100000 512 67108864" "$(echo $got)"
c task kill -s KILL cpu >/dev/null 2>&1; wait_status cpu STOPPED; finish cpu >/dev/null

# --- devices, capabilities, seccomp ---------------------------------------------
out=$(crun dev -- sh -c 'mknod /tmp/loop0 b 7 0 2>/dev/null && echo mknod-ok; head -c1 /tmp/loop0 >/dev/null 2>&1 && echo read-ok
	head -c1 /dev/null && echo null-ok; head -c1 /dev/zero >/dev/null && echo zero-ok' 2>&1)
expect "device cgroup: a disk (7:0) can be made (mknod allowed as with runc) but not read; /dev/null, /dev/zero allowed" "mknod-ok null-ok zero-ok" "$(echo $out)"
rootdev=$(awk '$5 == "/" {print $3; exit}' /proc/self/mountinfo)
out=$(crun dev2 -- sh -c "mknod /tmp/d b ${rootdev%%:*} ${rootdev##*:} 2>/dev/null; head -c1 /tmp/d >/dev/null 2>&1 && echo read-ok || echo denied" 2>&1)
expect "device cgroup: the host root disk ($rootdev) denied" "denied" "$out"
capeff() { crun "$@" -- sh -c 'grep CapEff /proc/self/status' 2>&1 | awk '{print $2}'; }
expect "capabilities: containerd's default set" 00000000a80425fb "$(capeff cap-default)"
host_eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
expect "capabilities: --privileged = every cap of the host's bounding set" "$host_eff" "$(capeff cap-priv --privileged)"
expect "capabilities: --cap-drop CAP_NET_RAW" 00000000a80405fb "$(capeff cap-drop --cap-drop CAP_NET_RAW)"
expect "capabilities: --cap-add CAP_SYS_ADMIN" 00000000a82425fb "$(capeff cap-add --cap-add CAP_SYS_ADMIN)"
out=$(crun sc-off -- sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true && echo unshare-ok' 2>&1)
expect "no --seccomp: Seccomp 0, unshare -U allowed" "Seccomp: 0 unshare-ok" "$(echo $out)"
out=$(crun sc-on --seccomp -- sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true 2>/dev/null && echo unshare-ok; echo done' 2>&1)
expect "--seccomp: Seccomp 2 (filter), unshare -U refused" "Seccomp: 2 done" "$(echo $out)"

# --- nothing left behind --------------------------------------------------------
left=
c task ls -q 2>/dev/null | grep -q . && left+="tasks: $(c task ls -q | tr '\n' ' ') "
c container ls -q 2>/dev/null | grep -q . && left+="containers: $(c container ls -q | tr '\n' ' ') "
st_dirs=$(find "$W/runc-root" -mindepth 2 -maxdepth 2 2>/dev/null | tr '\n' ' ') # <root>/<ns>/<id>
[ -n "$st_dirs" ] && left+="runtime state dirs: $st_dirs "
[ -n "$(ls -A "$W/state/io.containerd.runtime.v2.task/$NS" 2>/dev/null)" ] && left+="bundles: $(ls "$W/state/io.containerd.runtime.v2.task/$NS" | tr '\n' ' ') "
sleep 0.5
shims=$(our_shims | tr '\n' ' ')
[ -n "$shims" ] && left+="shims: $shims "
# gorunc processes of ours: their argv names $W (shim calls) or they sit in our
# cgroups (container processes); other users of the same binary are not ours.
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/exe" 2>/dev/null)" = "$GORUNC" ] || continue
	args=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)
	if [[ $args == *"$W"* ]] || grep -qF "/$CGREL/" "$p/cgroup" 2>/dev/null; then
		left+="gorunc pid ${p#/proc/} ($args) "
	else
		echo "# not ours: gorunc pid ${p#/proc/} ($args)"
	fi
done
for d in $(cg_dirs); do
	[ -d "$d" ] && sub=$(find "$d" -mindepth 1 -type d | tr '\n' ' ') && [ -n "$sub" ] && left+="cgroups: $sub "
done
snaps=$(c snapshot --snapshotter native ls 2>/dev/null | awk 'NR > 1 && $3 == "Active"' | wc -l)
[ "$snaps" != 0 ] && left+="active snapshots: $snaps "
if [ -z "$left" ]; then ok "nothing left behind (tasks, containers, state, shims, gorunc, cgroups, snapshots)"; else notok "nothing left behind" "$left"; fi

secs=$(( ($(date +%s%N) - start_ns) / 1000000 ))
echo "1..$n"
echo "# wall time $((secs / 1000)).$(printf %03d $((secs % 1000))) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
