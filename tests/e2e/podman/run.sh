#!/usr/bin/env bash
# The podman tier (issue 7): podman 4.3 + conmon from Debian drive gorunc as
# their OCI runtime (`podman --runtime <abs path to gorunc>`), as root, with
# private storage, a private containers.conf, `--network none` and the
# cgroupfs manager. TAP lines on stdout (`ok N - ...`), a final
# `N passed, N failed` line; exit 1 when anything failed.
#
# Safety (the host is shared):
#   - the whole script runs in its own private mount namespace (podman's
#     storage and shm mounts never reach the initial one);
#   - containers' cgroups go under --cgroup-parent, a path inside this
#     script's own cgroup in EVERY v1 hierarchy (memory's own cgroup differs
#     from the others on this host), removed at the end;
#   - only processes this script started are killed, by pid;
#   - everything is removed on exit, failure or not.
#
# Env: GORUNC (default bin/gorunc), GORUNC_E2E_TRACE=0 to drive gorunc
# directly instead of through the argv/stderr-logging wrapper (on by default:
# a failure prints the exact calls podman and conmon made), KEEP=1 keeps the
# work directory for inspection.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
GORUNC=${GORUNC:-$repo/bin/gorunc}

if [ -z "${GORUNC_E2E_PRIVATE_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP the podman tier needs root"; exit 0; }
	exec env GORUNC_E2E_PRIVATE_NS=1 unshare -m --propagation private -- "$0" "$@"
fi

start_ns=$(date +%s%N)
for tool in podman conmon script; do
	command -v $tool >/dev/null || { echo "Bail out! $tool missing (scripts/install-deps.sh test)"; exit 1; }
done
[ -x "$GORUNC" ] || { echo "Bail out! $GORUNC missing (make build)"; exit 1; }
GORUNC=$(readlink -f "$GORUNC")

T= made_varlib= mounted_varlib=
IMG=localhost/gorunc-e2e-busybox:latest
pass=0 fail=0 n=0

# --- cgroup parent inside our own cgroup in every hierarchy ----------------
# /proc/self/cgroup on v1: "N:ctrl[,ctrl]:/path". The parent must be under
# each controller's own path, so take the longest and check the others are
# its ancestors (here: memory is /process_api/<id>, the rest "/").
longest=/
while IFS=: read -r _ ctrls path; do
	[ ${#path} -gt ${#longest} ] && longest=$path
done </proc/self/cgroup
while IFS=: read -r _ ctrls path; do
	case "$longest/" in
	"${path%/}/"*) ;;
	*) echo "Bail out! own cgroups are not nested ($ctrls:$path vs $longest): no parent fits every hierarchy"; exit 1 ;;
	esac
done </proc/self/cgroup
CGPARENT=${longest%/}/gorunc-e2e-podman-$$
# Hierarchies (v1 mounts, plus the v2/unified one) and, per hierarchy, which
# ancestors of CGPARENT exist now: only what we create is removed.
mapfile -t hier < <(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo | sort -u)
declare -A preexisting=()
for h in "${hier[@]}"; do
	d=$h$CGPARENT
	while [ "$d" != "$h" ]; do
		d=$(dirname "$d")
		[ -d "$d" ] && preexisting[$d]=1
	done
done

cg_pids() { # every pid in our cgroup parent, in any hierarchy
	for h in "${hier[@]}"; do
		[ -d "$h$CGPARENT" ] && find "$h$CGPARENT" -name cgroup.procs -exec cat {} + 2>/dev/null
	done | sort -un
}

cleanup() {
	local rc=$? p h d left
	[ -n "$T" ] || exit $rc
	if [ -x "$T/bin/podman-private" ]; then
		timeout 60 "$T/bin/podman-private" rm -a -f -t 0 >/dev/null 2>&1
	fi
	# Our containers' and conmons' processes: in our cgroup parent, or
	# conmon/gorunc processes whose argv names our work directory.
	for p in $(cg_pids) $(pgrep -f -- "$T/" 2>/dev/null); do
		[ "$p" = $$ ] || kill -KILL "$p" 2>/dev/null
	done
	for id in $(cat "$T/ids" 2>/dev/null); do
		for r in "${RUNTIME_ROOTS[@]:-/run/gorunc}"; do
			[ -d "$r/$id" ] && "$GORUNC" --root "$r" delete -f "$id" >/dev/null 2>&1
			[ -d "$r/$id" ] && rm -rf "${r:?}/$id"
		done
	done
	# A killed process leaves its cgroup a moment later: retry.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		for h in "${hier[@]}"; do
			[ -d "$h$CGPARENT" ] && find "$h$CGPARENT" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		left=$(for h in "${hier[@]}"; do [ -d "$h$CGPARENT" ] && echo "$h$CGPARENT"; done)
		[ -z "$left" ] && break
		sleep 0.3
	done
	[ -n "$left" ] && echo "# cleanup: could not remove $left"
	for h in "${hier[@]}"; do
		d=$(dirname "$h$CGPARENT")
		while [ "$d" != "$h" ] && [ -z "${preexisting[$d]:-}" ]; do
			rmdir "$d" 2>/dev/null
			d=$(dirname "$d")
		done
	done
	# Mounts under $T exist only in this private namespace; unmount them
	# so rm does not descend into them.
	awk -v t="$T" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	[ -n "$mounted_varlib" ] && umount /var/lib/containers
	[ -n "$made_varlib" ] && rmdir /var/lib/containers
	cd /
	if [ "${KEEP:-0}" = 1 ]; then echo "# kept $T"; else rm -rf "$T"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T=$(mktemp -d /var/tmp/gorunc-e2e-podman.XXXXXX)
# conmon writes files into its working directory (its cgroup v1 OOM marker
# "oom"): keep them in ours.
cd "$T" || exit 1
# podman 4.3 (containers/image) keeps a blob info cache in
# /var/lib/containers/cache for root, whatever --root says: give it a tmpfs
# in this namespace (the directory itself is removed at the end if we made it).
[ -d /var/lib/containers ] || { mkdir /var/lib/containers && made_varlib=1; }
mount -t tmpfs -o mode=0700 gorunc-e2e-podman /var/lib/containers || exit 1
mounted_varlib=1
# The private /tmp below hides whatever lives under the host's /tmp, the
# checkout included when it was cloned there (CI may): take copies of what
# the tier needs from it first.
cp "$GORUNC" "$T/gorunc.bin" && GORUNC=$T/gorunc.bin || exit 1
# gorunc-init beside it, as installed (make build puts it beside bin/gorunc).
for f in "$(dirname "$(readlink -f "$repo/bin/gorunc")")"/gorunc-init-*; do [ -e "$f" ] && { cp "$f" "$T/" || exit 1; }; done
cp "$repo/scripts/mkbundle.sh" "$T/mkbundle.sh" || exit 1
# conmon makes its console sockets in /tmp (it ignores TMPDIR) and leaves
# them there when the runtime's create fails: a private /tmp keeps them in
# this namespace.
mount -t tmpfs -o mode=1777 gorunc-e2e-podman-tmp /tmp || exit 1

# --- private podman ---------------------------------------------------------
mkdir -p "$T"/{bin,root,runroot,tmp,netconf,cni,rootfs}
RUNTIME=$GORUNC
if [ "${GORUNC_E2E_TRACE:-1}" != 0 ]; then
	# Same basename as the real binary: podman keys some behaviour on it.
	mkdir -p "$T/trace"
	RUNTIME=$T/trace/gorunc
	cat >"$RUNTIME" <<EOF
#!/bin/bash
# Logs argv, exit status and stderr of every call, then replays stderr.
log=$T/gorunc-calls.log
err=\$(mktemp $T/tmp/err.XXXXXX)
echo "\$(date +%T.%3N) [\$\$] gorunc \$*" >>\$log
$GORUNC "\$@" 2>\$err
rc=\$?
[ -s \$err ] && sed "s/^/\$(date +%T.%3N) [\$\$]   stderr: /" \$err >>\$log
echo "\$(date +%T.%3N) [\$\$]   exit \$rc" >>\$log
cat \$err >&2
rm -f \$err
exit \$rc
EOF
	chmod +x "$RUNTIME"
fi

# default_ulimits below this host's hard limits: podman's defaults (nofile
# 1048576, nproc 4194304) fail to apply without CAP_SYS_RESOURCE.
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] || [ "$nofile" -gt 1024 ] && nofile=1024
[ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
cat >"$T/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
netns = "none"
log_driver = "k8s-file"

[network]
network_config_dir = "$T/netconf"
cni_plugin_dirs = ["$T/cni"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
runtime = "gorunc"
tmp_dir = "$T/tmp"
static_dir = "$T/root/libpod"
volume_path = "$T/root/volumes"

[engine.runtimes]
gorunc = ["$RUNTIME"]
EOF
cat >"$T/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$T/runroot"
graphroot = "$T/root"
EOF
: >"$T/registries.conf"
cat >"$T/bin/podman-private" <<EOF
#!/bin/sh
export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf CONTAINERS_REGISTRIES_CONF=$T/registries.conf
exec podman --root $T/root --runroot $T/runroot --storage-driver vfs --tmpdir $T/tmp \\
	--cgroup-manager cgroupfs --events-backend file --runtime $RUNTIME "\$@"
EOF
chmod +x "$T/bin/podman-private"
P() { "$T/bin/podman-private" "$@"; }
# Options every container gets.
C=(--network none --cgroup-parent "$CGPARENT")

# --- TAP helpers ------------------------------------------------------------
diag() { sed 's/^/# /'; }
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
# todo DESC REASON: a known failure that is not gorunc's (TAP TODO: not counted).
todo() { n=$((n + 1)); echo "not ok $n - $1 # TODO $2"; }
notok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | diag
	return 0
}
# check DESC GOT WANT [context]
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $3
got:  $2${4:+
$4}"; fi
}
# checkrc DESC WANT_RC cmd...: runs cmd, output kept in $out
checkrc() {
	local desc=$1 want=$2; shift 2
	out=$("$@" 2>&1); local rc=$?
	check "$desc" "exit $rc" "exit $want" "$out"
}
trim() { tr -d '\r' | sed -e 's/[[:space:]]*$//'; }
record_id() { P inspect -f '{{.Id}}' "$1" >>"$T/ids" 2>/dev/null; }
ctr_cgroup() { # CTR CONTROLLER -> host cgroup dir of the container's init
	local pid; pid=$(P inspect -f '{{.State.Pid}}' "$1")
	local path; path=$(awk -F: -v c="$2" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$pid/cgroup")
	local h; for h in "${hier[@]}"; do
		case ",$(basename "$h")," in *",$2,"*) echo "$h$path"; return ;; esac
	done
}
podman_conmons() { # conmon processes started for our containers
	pgrep -f -- "conmon .*$T/" 2>/dev/null
}

echo "# gorunc: $GORUNC ($("$GORUNC" --version 2>&1 | head -1))"
echo "# podman: $(podman --version), conmon: $(conmon --version | head -1)"
echo "# work dir: $T, cgroup parent: $CGPARENT"

# --- image ------------------------------------------------------------------
"$T/mkbundle.sh" "$T/rootfs"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$T/rootfs/etc/passwd"
if ! out=$(tar -C "$T/rootfs" -c . | P import -q - "$IMG" 2>&1); then
	echo "Bail out! podman import: $out"
	exit 1
fi

# --- run: output and exit codes ---------------------------------------------
out=$(P run --rm "${C[@]}" "$IMG" echo hello-from-gorunc 2>&1)
check "run: output" "$out" "hello-from-gorunc"
checkrc "run: exit code 0" 0 P run --rm "${C[@]}" "$IMG" true
checkrc "run: exit code 3" 3 P run --rm "${C[@]}" "$IMG" sh -c 'exit 3'
out=$(P run --rm "${C[@]}" -e FOO=bar -w /tmp -u 65534 "$IMG" sh -c 'echo $FOO $(pwd) $(id -u)' 2>&1)
check "run: env, -w, -u" "$out" "bar /tmp 65534"
out=$(echo piped-stdin | P run --rm -i "${C[@]}" "$IMG" cat 2>&1)
check "run -i: stdin" "$out" "piped-stdin"
# podman maps the runtime's error text to 127 (not found) / 126 (not
# executable), as with runc.
checkrc "run: missing executable -> 127" 127 P run --rm "${C[@]}" "$IMG" /nonexistent
case "$out" in *nonexistent*) ok "run: missing executable named in the error" ;; *) notok "run: missing executable named in the error" "$out" ;; esac
checkrc "run: not executable -> 126" 126 P run --rm "${C[@]}" "$IMG" /etc/passwd
case "$out" in *"ermission denied"*) ok "run: not executable: permission denied in the error" ;; *) notok "run: not executable: permission denied in the error" "$out" ;; esac

# --- run options podman turns into config.json -------------------------------
mkdir -p "$T/vol" && echo from-host >"$T/vol/f"
out=$(P run --rm "${C[@]}" -v "$T/vol:/data" "$IMG" sh -c 'cat /data/f; echo from-ctr >/data/g' 2>&1)
check "run -v: bind mount read and written" "$out $(cat "$T/vol/g" 2>&1)" "from-host from-ctr"
out=$(P run --rm "${C[@]}" --read-only "$IMG" sh -c 'touch /x 2>&1; echo rc=$?' 2>&1)
case "$out" in *"Read-only file system"*"rc=1") ok "run --read-only" ;; *) notok "run --read-only" "$out" ;; esac
out=$(P run --rm "${C[@]}" --tmpfs /scratch "$IMG" sh -c 'grep " /scratch " /proc/mounts | cut -d" " -f3' 2>&1)
check "run --tmpfs" "$out" "tmpfs"
out=$(P run --rm "${C[@]}" --hostname podhost "$IMG" hostname 2>&1)
check "run --hostname" "$out" "podhost"
# Any --ulimit replaces containers.conf's default_ulimits and podman then
# adds nproc (and nofile) 1048576, over this host's hard limits: give both.
out=$(P run --rm "${C[@]}" --ulimit nofile=512:512 --ulimit "nproc=$nproc:$nproc" "$IMG" sh -c 'ulimit -n' 2>&1)
check "run --ulimit nofile=512" "$out" "512"
out=$(P run --rm "${C[@]}" --cap-drop ALL "$IMG" sh -c 'grep CapEff /proc/self/status; chown 1 /tmp 2>&1; echo rc=$?' 2>&1)
case "$out" in *"0000000000000000"*"rc=1") ok "run --cap-drop ALL" ;; *) notok "run --cap-drop ALL" "$out" ;; esac
out=$(P run --rm "${C[@]}" --privileged "$IMG" sh -c 'grep CapEff /proc/self/status' 2>&1)
case "$out" in *000001ff*|*00003fff*|*0001ffff*|*0000003f*|*1ffffffffff*) ok "run --privileged: full capabilities ($(echo $out))" ;; *) notok "run --privileged: full capabilities" "$out" ;; esac
out=$(P run --rm "${C[@]}" --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMG" sh -c 'cat /proc/self/uid_map; id -u' 2>&1)
case "$(echo $out)" in "0 100000 65536 0") ok "run --uidmap: user namespace" ;; *) notok "run --uidmap: user namespace" "$out" ;; esac

# --- run -d + exec ----------------------------------------------------------
if out=$(P run -d --name d1 "${C[@]}" "$IMG" sleep 1000 2>&1); then
	ok "run -d"
else
	notok "run -d" "$out"
fi
record_id d1
out=$(P exec d1 echo exec-output 2>&1)
check "exec: output" "$out" "exec-output"
checkrc "exec: exit code 5" 5 P exec d1 sh -c 'exit 5'
out=$(P exec -u nobody d1 id -u 2>&1)
check "exec -u nobody" "$out" "65534"
out=$(P exec -w /tmp d1 pwd 2>&1)
check "exec -w /tmp" "$out" "/tmp"
out=$(P exec -e XY=z d1 sh -c 'echo $XY' 2>&1)
check "exec -e" "$out" "z"
checkrc "exec: missing executable -> 127" 127 P exec d1 /nonexistent
out=$(echo exec-stdin | P exec -i d1 cat 2>&1)
check "exec -i: stdin" "$out" "exec-stdin"
# Where the cgroups landed: the container and its conmon under CGPARENT in
# every v1 controller hierarchy, nothing at the root.
cgcheck() { # PID -> lines of /proc/PID/cgroup (controller hierarchies) outside CGPARENT
	awk -F: -v p="$CGPARENT/" '$2 != "" && $2 !~ /^name=/ && index($3 "/", p) != 1' "/proc/$1/cgroup" 2>&1
}
pid=$(P inspect -f '{{.State.Pid}}' d1 2>/dev/null)
check "cgroups: container under --cgroup-parent in every controller" "$(cgcheck "$pid")" "" "$(cat /proc/$pid/cgroup 2>&1)"
cpid=$(P inspect -f '{{.State.ConmonPid}}' d1 2>/dev/null)
echo "# conmon argv: $(tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null)"
check "cgroups: conmon under --cgroup-parent in every controller" "$(cgcheck "$cpid")" "" "$(cat /proc/$cpid/cgroup 2>&1)"
# runc (fs driver, hybrid host) also puts the container in the same path of
# the name=systemd and unified (0::) hierarchies.
out=$(awk -F: -v p="$CGPARENT/" '($2 == "" || $2 ~ /^name=/) && index($3 "/", p) != 1' "/proc/$pid/cgroup" 2>&1)
if [ -z "$out" ]; then ok "cgroups: container in name=systemd and unified like runc"
else todo "cgroups: container in name=systemd and unified like runc ($(echo $out))" "runc parity, not needed by podman"; fi

# --- tty: script(1) gives podman a pty --------------------------------------
out=$(script -qec "$T/bin/podman-private exec -t d1 tty" /dev/null 2>&1 | trim)
case "$out" in /dev/pts/*) ok "exec -t: a tty ($out)" ;; *) notok "exec -t: a tty" "got: $out" ;; esac
out=$(script -qec "$T/bin/podman-private run --rm -t ${C[*]} $IMG sh -c 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty'" /dev/null 2>&1 | trim)
case "$out" in "/dev/pts/0"*all-tty) ok "run -t: stdio on a tty ($(echo $out))" ;; *) notok "run -t: stdio on a tty" "got: $out" ;; esac
# stdin through the pty: script(1) copies ours (a pipe) to the pty master.
out=$( (sleep 1; echo typed-line) | script -qec "$T/bin/podman-private run --rm -it ${C[*]} $IMG sh -c 'read x; echo got-\$x'" /dev/null 2>&1 | trim)
case "$out" in *got-typed-line*) ok "run -it: stdin through the tty" ;; *) notok "run -it: stdin through the tty" "got: $out" ;; esac
out=$( (sleep 1; echo typed-exec) | script -qec "$T/bin/podman-private exec -it d1 sh -c 'read x; echo got-\$x'" /dev/null 2>&1 | trim)
case "$out" in *got-typed-exec*) ok "exec -it: stdin through the tty" ;; *) notok "exec -it: stdin through the tty" "got: $out" ;; esac
out=$(script -qec "$T/bin/podman-private run --rm -t ${C[*]} $IMG sh -c 'exit 4'" /dev/null 2>&1); rc=$?
check "run -t: exit code 4" "exit $rc" "exit 4" "$out"

# --- ps, inspect, top -------------------------------------------------------
out=$(P ps --format '{{.Names}} {{.Status}}' 2>&1)
case "$out" in *"d1 Up"*) ok "ps: d1 Up" ;; *) notok "ps: d1 Up" "$out" ;; esac
check "inspect: running" "$(P inspect -f '{{.State.Status}} {{.State.Running}}' d1 2>&1)" "running true"
pid=$(P inspect -f '{{.State.Pid}}' d1 2>/dev/null)
if [ -n "$pid" ] && [ "$pid" -gt 0 ] && grep -q sleep "/proc/$pid/cmdline" 2>/dev/null; then
	ok "inspect: State.Pid $pid is the container's sleep"
else
	notok "inspect: State.Pid is the container's sleep" "pid=$pid"
fi
out=$(P top d1 2>&1)
case "$out" in *"sleep 1000"*) ok "top" ;; *) notok "top" "$out" ;; esac
out=$(P top d1 pid comm 2>&1)
case "$out" in *sleep*) ok "top pid comm" ;; *) notok "top pid comm" "$out" ;; esac
out=$(P run --rm "${C[@]}" --pid host "$IMG" sh -c 'echo $$' 2>&1)
case "$out" in 1|*[!0-9]*|"") notok "run --pid host: no pid namespace" "$out" ;; *) ok "run --pid host: no pid namespace (sh is pid $out)" ;; esac
out=$(P run --rm "${C[@]}" --security-opt no-new-privileges "$IMG" sh -c 'grep NoNewPrivs /proc/self/status' 2>&1)
check "run --security-opt no-new-privileges" "$(echo $out)" "NoNewPrivs: 1"
out=$(P run --rm "${C[@]}" --sysctl net.ipv4.ip_forward=1 "$IMG" cat /proc/sys/net/ipv4/ip_forward 2>&1)
check "run --sysctl" "$out" "1"
out=$(P run --rm "${C[@]}" --device /dev/null:/dev/xnull "$IMG" sh -c 'echo x >/dev/xnull && echo written' 2>&1)
check "run --device" "$out" "written"
# Resources podman turns into linux.resources, read back on the host.
P run -d --name r1 "${C[@]}" --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --memory-reservation 16m "$IMG" sleep 1000 >/dev/null 2>&1; record_id r1
cc=$(ctr_cgroup r1 cpu)
check "--cpus 0.5: cpu.cfs_quota_us/period" "$(cat "$cc/cpu.cfs_quota_us" "$cc/cpu.cfs_period_us" 2>&1 | tr '\n' ' ')" "50000 100000 " "$cc"
check "--cpu-shares 512: cpu.shares" "$(cat "$cc/cpu.shares" 2>&1)" "512"
check "--cpuset-cpus 0: cpuset.cpus" "$(cat "$(ctr_cgroup r1 cpuset)/cpuset.cpus" 2>&1)" "0"
check "--memory-reservation 16m: memory.soft_limit_in_bytes" "$(cat "$(ctr_cgroup r1 memory)/memory.soft_limit_in_bytes" 2>&1)" "16777216"
P rm -f -t 0 r1 >/dev/null 2>&1
# Four at once: state, locks and cgroups of parallel containers.
for i in 1 2 3 4; do P run --rm "${C[@]}" "$IMG" sh -c "exit $((10 + i))" >/dev/null 2>&1 & pids[$i]=$!; done
got=; for i in 1 2 3 4; do wait "${pids[$i]}"; got+="$? "; done
check "4 parallel runs: each its own exit code" "$got" "11 12 13 14 "

# --- logs, stats, signals ----------------------------------------------------
P run -d --name l1 "${C[@]}" "$IMG" sh -c 'echo to-log; trap "echo got-hup" HUP; trap "exit 9" USR1; while :; do sleep 0.1; done' >/dev/null 2>&1; record_id l1
sleep 0.5
check "logs" "$(P logs l1 2>&1)" "to-log"
out=$(P stats --no-stream --format '{{.Name}} {{.PIDs}}' l1 2>&1)
case "$out" in "l1 "[1-9]*) ok "stats --no-stream ($out)" ;; *) notok "stats --no-stream" "$out" ;; esac
checkrc "kill -s HUP" 0 P kill -s HUP l1
sleep 0.5
case "$(P logs l1 2>&1)" in *got-hup*) ok "kill -s HUP: delivered to pid 1" ;; *) notok "kill -s HUP: delivered to pid 1" "$(P logs l1 2>&1)" ;; esac
P kill -s USR1 l1 >/dev/null 2>&1
check "kill -s USR1: pid 1 exits 9" "$(timeout 30 "$T/bin/podman-private" wait l1 2>&1)" "9"
checkrc "restart a stopped container" 0 P restart -t 0 l1
check "restart: running" "$(P inspect -f '{{.State.Status}}' l1 2>&1)" "running"
P rm -f -t 0 l1 >/dev/null 2>&1

# --- pause / unpause --------------------------------------------------------
checkrc "pause" 0 P pause d1
check "pause: status paused" "$(P inspect -f '{{.State.Status}}' d1 2>&1)" "paused"
fz=$(ctr_cgroup d1 freezer)
[ -n "$fz" ] && check "pause: freezer.state FROZEN" "$(cat "$fz/freezer.state" 2>&1)" "FROZEN" "$fz"
out=$(timeout 20 "$T/bin/podman-private" exec d1 true 2>&1); rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then ok "exec while paused refused (exit $rc)"; else notok "exec while paused refused" "exit $rc: $out"; fi
checkrc "unpause" 0 P unpause d1
check "unpause: status running" "$(P inspect -f '{{.State.Status}}' d1 2>&1)" "running"
out=$(P exec d1 echo after-unpause 2>&1)
check "unpause: exec works" "$out" "after-unpause"

# --- stop, kill, rm ---------------------------------------------------------
# sleep as pid 1 ignores SIGTERM: stop -t 2 escalates to SIGKILL -> 137.
P run -d --name s1 "${C[@]}" "$IMG" sleep 1000 >/dev/null 2>&1; record_id s1
t0=$(date +%s%N)
checkrc "stop -t 2 (TERM ignored)" 0 P stop -t 2 s1
dt=$((($(date +%s%N) - t0) / 1000000))
check "stop -t 2: exited 137" "$(P inspect -f '{{.State.Status}} {{.State.ExitCode}}' s1 2>&1)" "exited 137" "stop took ${dt} ms"
# A pid 1 that traps TERM exits with its own code.
P run -d --name s2 "${C[@]}" "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1; record_id s2
sleep 0.5
checkrc "stop (TERM handled)" 0 P stop -t 10 s2
check "stop: TERM reached pid 1 (exit 7)" "$(P inspect -f '{{.State.Status}} {{.State.ExitCode}}' s2 2>&1)" "exited 7"
P run -d --name k1 "${C[@]}" "$IMG" sleep 1000 >/dev/null 2>&1; record_id k1
checkrc "kill -s KILL" 0 P kill -s KILL k1
out=$(timeout 30 "$T/bin/podman-private" wait k1 2>&1)
check "kill -s KILL: exit 137" "$out" "137"
# Restarting a stopped container reuses its id: create after delete.
checkrc "start (again) a stopped container" 0 P start s1
check "start again: running" "$(P inspect -f '{{.State.Status}}' s1 2>&1)" "running"
checkrc "stop -t 0 after restart" 0 P stop -t 0 s1
checkrc "rm (stopped)" 0 P rm s1 s2 k1
out=$(P ps -a --format '{{.Names}}' 2>&1)
case "$out" in *s1*|*s2*|*k1*) notok "rm: gone from ps -a" "$out" ;; *) ok "rm: gone from ps -a" ;; esac
checkrc "rm -f (running)" 0 P rm -f -t 0 d1
out=$(P ps -a --format '{{.Names}}' 2>&1)
case "$out" in *d1*) notok "rm -f: gone from ps -a" "$out" ;; *) ok "rm -f: gone from ps -a" ;; esac

# --- --memory ---------------------------------------------------------------
P run -d --name m1 --memory 32m "${C[@]}" "$IMG" sleep 1000 >/dev/null 2>&1; record_id m1
mc=$(ctr_cgroup m1 memory)
check "--memory 32m: memory.limit_in_bytes (host)" "$(cat "$mc/memory.limit_in_bytes" 2>&1)" "33554432" "$mc"
out=$(P exec m1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)
check "--memory 32m: memory.limit_in_bytes (in the container)" "$out" "33554432"
P rm -f -t 0 m1 >/dev/null 2>&1
# tail buffers an endless line: the cgroup OOM killer ends it.
P run --name oom --memory 32m "${C[@]}" "$IMG" tail /dev/zero >/dev/null 2>&1; rc=$?
record_id oom
check "--memory 32m: OOM kill -> exit 137" "exit $rc" "exit 137"
# conmon 2.1.6 notices the v1 OOM event but writes its marker "oom" into its
# working directory, not where podman 4.3 looks: false with runc too.
out=$(P inspect -f '{{.State.OOMKilled}}' oom 2>&1)
if [ "$out" = true ]; then ok "--memory 32m: inspect OOMKilled"
else todo "--memory 32m: inspect OOMKilled ($out)" "conmon writes ./oom into its cwd on cgroup v1; runc gives false too"; fi
P rm -f oom >/dev/null 2>&1

# --- --pids-limit -----------------------------------------------------------
P run -d --name p1 --pids-limit 10 "${C[@]}" "$IMG" sleep 1000 >/dev/null 2>&1; record_id p1
pc=$(ctr_cgroup p1 pids)
check "--pids-limit 10: pids.max (host)" "$(cat "$pc/pids.max" 2>&1)" "10" "$pc"
out=$(P exec p1 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done 2>&1; sleep 0.2; echo started $(jobs -p | wc -l)' 2>&1)
case "$out" in *"can't fork"*|*"Resource temporarily unavailable"*) ok "--pids-limit 10: fork fails past the limit" ;; *) notok "--pids-limit 10: fork fails past the limit" "$out" ;; esac
P rm -f -t 0 p1 >/dev/null 2>&1

# --- nothing left behind ----------------------------------------------------
P rm -a -f -t 0 >/dev/null 2>&1
# conmon exits shortly after its container: give it up to 5 s.
for _ in $(seq 50); do [ -z "$(podman_conmons)" ] && break; sleep 0.1; done
roots=(/run/gorunc)
if [ -f "$T/gorunc-calls.log" ]; then
	mapfile -t extra < <(grep -o -- '--root [^ ]*' "$T/gorunc-calls.log" | awk '{print $2}' | sort -u)
	roots+=("${extra[@]}")
fi
RUNTIME_ROOTS=("${roots[@]}")
check "no containers left (ps -a)" "$(P ps -a -q 2>&1)" ""
check "no conmon left" "$(podman_conmons | tr '\n' ' ')" ""
# gorunc processes podman/conmon started name our work dir or a container id.
out=$({ pgrep -af -- "$T/"; for id in $(cat "$T/ids" 2>/dev/null); do pgrep -af -- "$id"; done; } | sort -u)
check "no gorunc process left" "$out" ""
out=$(for p in $(cg_pids); do echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done)
check "no process left in our cgroups" "$out" ""
left=
for id in $(cat "$T/ids" 2>/dev/null); do
	for r in "${roots[@]}"; do [ -e "$r/$id" ] && left+="$r/$id "; done
done
check "no gorunc state left (${roots[*]})" "$left" ""
out=$(for h in "${hier[@]}"; do [ -d "$h$CGPARENT" ] && find "$h$CGPARENT" -mindepth 1 -type d -name 'libpod-*'; done)
check "no container cgroups left under $CGPARENT" "$out" ""

wall=$((($(date +%s%N) - start_ns) / 1000000))
if [ $fail -gt 0 ] && [ -f "$T/gorunc-calls.log" ]; then
	echo "# gorunc calls (argv, stderr, exit) made by podman/conmon:"
	diag <"$T/gorunc-calls.log"
fi
echo "1..$n"
echo "# wall time: $((wall / 1000)).$(printf %03d $((wall % 1000))) s"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
