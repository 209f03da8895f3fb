#!/usr/bin/env bash
# The Docker tier: Debian's Docker Engine 20.10 (dockerd + the docker CLI of
# the docker.io package) drives gorunc through containerd 1.6's runc v2 shim
# (io.containerd.runc.v2, options.BinaryName = the runtime's path), the way a
# Docker host registers another runtime: a daemon.json "runtimes" entry,
# "default-runtime": "gorunc". The reference runtime (runc, /usr/sbin/runc by
# default) is registered in the same daemon as "runc-ref" and every scenario
# runs once per runtime (gorunc by default, runc with `--runtime runc-ref`).
# The busybox image is built here (docker-save format) and `docker load`ed:
# no registry. TAP on stdout, the wall time, a final `N passed, N failed`
# line; exit 1 when anything failed. README.md here says what is isolated
# how.
#
# Two processes:
#   outer (this script as called): makes gorunc-e2e-docker-PID, a child of
#     its own cgroup in every hierarchy, runs the inner part inside it
#     (bounded by `timeout`), and on any exit kills by pid whatever is left
#     in that cgroup, then removes it and the work dir.
#   inner (GORUNC_E2E_DOCKER_INNER=1): pid 1 of new pid, mount, network, IPC
#     and UTS namespaces; starts a private containerd and dockerd whose
#     state, sockets and logs are all in the work dir.
#
# Env: GORUNC (default bin/gorunc), RUNC (default build/tools/runc-1.5.1,
# which make builds, else /usr/sbin/runc, else runc on PATH), KEEP=1 keeps the work dir,
# GORUNC_E2E_TRACE=1 registers logging wrappers instead of the runtimes
# themselves (each call the shim makes is printed on a failure),
# E2E_TIMEOUT (seconds, default 600).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
DOCKER=/usr/bin/docker # the docker.io CLI: another `docker` may come first on PATH

# ============================== outer =======================================
if [ -z "${GORUNC_E2E_DOCKER_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP the Docker tier needs root"; exit 0; }
	for tool in dockerd containerd containerd-shim-runc-v2 unshare script busybox timeout; do
		command -v $tool >/dev/null || { echo "Bail out! $tool missing (scripts/install-deps.sh test)"; exit 1; }
	done
	[ -x "$DOCKER" ] || { echo "Bail out! $DOCKER missing (docker.io: scripts/install-deps.sh test)"; exit 1; }
	GORUNC=$(readlink -f "${GORUNC:-$repo/bin/gorunc}")
	[ -x "$GORUNC" ] || { echo "Bail out! $GORUNC missing (make build)"; exit 1; }
	if [ -z "${RUNC:-}" ]; then
		for RUNC in "$repo/build/tools/runc-1.5.1" /usr/sbin/runc "$(command -v runc)"; do [ -x "$RUNC" ] && break; done
	fi
	RUNC=$(readlink -f "$RUNC")
	[ -x "$RUNC" ] || { echo "Bail out! no runc for the reference (RUNC=)"; exit 1; }

	start_ns=$(date +%s%N)
	CG=gorunc-e2e-docker-$$
	W=$(mktemp -d /tmp/gorunc-e2e-docker.XXXXXX)
	mapfile -t cgdirs < <(own_dirs | sed "s|\$|/$CG|")
	# dockerd makes its --cgroup-parent ("docker") at the root of a hybrid
	# host's cgroup2 hierarchy itself, outside our cgroup (it does not
	# resolve it under its own cgroup there as it does in v1). Until the
	# tier runs dockerd in a cgroup namespace of its own, as the CRI tier
	# does containerd, that directory is removed again if we made it.
	stray=/sys/fs/cgroup/unified/docker
	[ -e "$stray" ] && stray=
	inner=
	cleanup() {
		set +e
		trap '' PIPE
		local d left bad=
		[ -n "$inner" ] && kill -TERM "$inner" 2>/dev/null
		# every process in our cgroup is ours (the inner part and what it
		# started): kill them by pid; the namespaces go with the last one.
		left=$(cg_kill "${cgdirs[@]}")
		[ -n "$left" ] && bad+="processes left in $CG: $left; "
		for d in $(cg_remove "${cgdirs[@]}"); do bad+="cgroup not removed: $d; "; done
		if [ -n "$stray" ] && [ -d "$stray" ]; then
			rmdir "$stray" 2>/dev/null || bad+="dockerd's $stray not removed; "
		fi
		if [ -n "${KEEP:-}" ]; then echo "# kept $W"; else rm -rf "$W"; [ -e "$W" ] && bad+="$W not removed"; fi
		# (after the inner part's summary: a leak here fails the tier)
		[ -z "$bad" ] || { echo "Bail out! cleanup: $bad"; exit 1; }
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	cg_make "${cgdirs[@]}"
	# a subshell moves itself into the cgroup, then becomes unshare; the pid
	# namespace's init (the inner script) dies with unshare (--kill-child),
	# and everything in it with its init.
	(
		for d in "${cgdirs[@]}"; do echo "$BASHPID" >"$d/cgroup.procs" || exit 1; done
		exec timeout -k 10 "${E2E_TIMEOUT:-600}" unshare --mount --net --ipc --uts --pid --fork --kill-child \
			--mount-proc --propagation private -- env GORUNC_E2E_DOCKER_INNER=1 GORUNC="$GORUNC" RUNC="$RUNC" \
			W="$W" CG="$CG" START_NS="$start_ns" HOST_NETNS="$(readlink /proc/self/ns/net)" "$0" "$@"
	) &
	inner=$!
	wait "$inner"
	rc=$?
	inner=
	[ $rc = 124 ] && echo "Bail out! timed out after ${E2E_TIMEOUT:-600} s"
	exit $rc
fi

# ============================== inner =======================================
exec </dev/null # only the stdin scenarios feed a container
pass=0 fail=0 n=0
bail() { echo "Bail out! $*"; exit 1; }
SOCK=$W/docker.sock
CSOCK=$W/ctrd/containerd.sock
export DOCKER_CONFIG=$W/cli TMPDIR=$W/tmp
mkdir -p "$DOCKER_CONFIG" "$TMPDIR" "$W/ctrd" "$W/bind"

# --- the namespaces: /run, /etc/docker, the keyring sysctls -----------------
# The shims put their sockets in /run/containerd/s whatever the config says;
# dockerd writes its identity key in /etc/docker (key.json) and raises
# kernel.keys.root_maxkeys/root_maxbytes (host-wide sysctls) when they are
# below its wish: private tmpfs for the first two, and the sysctl files are
# covered by plain files holding their values, so its write changes nothing
# outside.
mount -t tmpfs -o mode=0755 gorunc-e2e-docker-run /run || bail "cannot mount a private /run"
# (never made here: a mkdir would reach the host's /etc)
[ -d /etc/docker ] || bail "/etc/docker missing (the docker.io package makes it)"
mount -t tmpfs -o mode=0755 gorunc-e2e-docker-etc /etc/docker || bail "cannot mount a private /etc/docker"
for k in root_maxkeys root_maxbytes; do
	cat "/proc/sys/kernel/keys/$k" >"$W/$k" && mount --bind "$W/$k" "/proc/sys/kernel/keys/$k" || bail "cannot cover kernel.keys.$k"
done
# dockerd warns on every `docker run` ("IPv4 forwarding is disabled") when
# ip_forward is 0; it is per network namespace: set in ours only.
[ "$(readlink /proc/self/ns/net)" != "$HOST_NETNS" ] || bail "not in a private network namespace"
echo 1 >/proc/sys/net/ipv4/ip_forward || bail "net.ipv4.ip_forward in the private network namespace"
ip link set lo up 2>/dev/null
hostname gorunc-e2e-docker

# --- the runtimes ---------------------------------------------------------------
declare -A BIN=([gorunc]=$GORUNC [runc-ref]=$RUNC)
if [ "${GORUNC_E2E_TRACE:-0}" != 0 ]; then
	for rt in gorunc runc-ref; do
		cat >"$W/$rt" <<EOF
#!/bin/sh
echo "\$(date +%T.%N | cut -c1-12) $rt \$*" >>"$W/calls-$rt.log"
exec "${BIN[$rt]}" "\$@"
EOF
		chmod +x "$W/$rt" && BIN[$rt]=$W/$rt
	done
fi
RT= # the runtime whose scenarios run: its traced calls are shown on a failure
tap_diag() {
	[ -n "$RT" ] && [ -s "$W/calls-$RT.log" ] && tail -n 3 "$W/calls-$RT.log" | cut -c1-200 | sed 's/^/#   call: /'
	grep -hE 'level=(error|warning)' "$W/dockerd.log" 2>/dev/null | tail -n 2 | cut -c1-500 | sed 's/^/#   dockerd: /'
}
echo "# work dir $W; gorunc $GORUNC; runc $RUNC ($("$RUNC" --version | head -1)); $(dockerd --version)"

# --- the image: docker-save format, built here, no registry ----------------------
IMG=gorunc/busybox:latest
# docker_save ROOTFS NAME CONFIG TAR: a one-layer image NAME whose "config"
# object is CONFIG (JSON), as `docker save` writes it (Docker 20.10 loads
# this format; OCI layouts only from 25 on).
docker_save() {
	local d=$W/save diffid cfgid
	mkdir -p "$d" && tar --sort=name --mtime=@0 --numeric-owner -C "$1" -cf "$d/layer.tar" . || return 1
	diffid=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
	mkdir -p "$d/$diffid" && mv "$d/layer.tar" "$d/$diffid/layer.tar" || return 1
	printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$3" "$diffid" >"$d/config.json"
	cfgid=$(sha256sum "$d/config.json" | cut -d' ' -f1) && mv "$d/config.json" "$d/$cfgid.json" || return 1
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfgid" "$2" "$diffid" >"$d/manifest.json"
	tar -C "$d" -cf "$4" manifest.json "$cfgid.json" "$diffid"
}

# --- the private containerd and dockerd --------------------------------------------
# daemon.json: the README's "Use with Docker" entry, as written there
# (gorunc has no systemd cgroup driver: cgroupfs).
cat >"$W/daemon.json" <<EOF
{
  "runtimes": {
    "gorunc": { "path": "${BIN[gorunc]}" },
    "runc-ref": { "path": "${BIN[runc-ref]}" }
  },
  "default-runtime": "gorunc",
  "exec-opts": ["native.cgroupdriver=cgroupfs"]
}
EOF
containerd_toml "$W/ctrd" "$CSOCK" io.containerd.grpc.v1.cri >"$W/ctrd/config.toml"
CTRD_PID= DOCKERD_PID=
containerd --config "$W/ctrd/config.toml" >"$W/containerd.log" 2>&1 &
CTRD_PID=$!
for _ in $(seq 100); do [ -S "$CSOCK" ] && break; sleep 0.1; done
[ -S "$CSOCK" ] || { tail -n 20 "$W/containerd.log" | sed 's/^/# /'; bail "containerd did not come up"; }
# Relative --cgroup-parent: a container's cgroupsPath is "docker/<id>",
# which the runtime puts under the shim's own cgroup, i.e. this tier's ($CG
# below the caller's); no bridge, no iptables, no masquerading (and a
# private network namespace anyway).
dockerd --config-file "$W/daemon.json" --data-root "$W/data" --exec-root "$W/exec" --pidfile "$W/docker.pid" \
	-H "unix://$SOCK" --containerd "$CSOCK" --iptables=false --ip6tables=false --ip-masq=false \
	--bridge=none --cgroup-parent docker --storage-driver overlay2 \
	>"$W/dockerd.log" 2>&1 &
DOCKERD_PID=$!
d() { timeout -k 5 60 "$DOCKER" -H "unix://$SOCK" "$@"; }
for _ in $(seq 150); do d version >/dev/null 2>&1 && break; sleep 0.2; done
d version >/dev/null 2>&1 || { tail -n 20 "$W/dockerd.log" | sed 's/^/# /'; bail "dockerd did not come up"; }

busybox_rootfs "$W/img-rootfs" || bail "building the image rootfs"
docker_save "$W/img-rootfs" "$IMG" '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}' "$W/busybox.tar" ||
	bail "writing the image"
out=$(d load -i "$W/busybox.tar" 2>&1) || bail "docker load: $out"
expect "docker load (local docker-save tar, no registry)" "$IMG" "$(d image ls --format '{{.Repository}}:{{.Tag}}')"
info=$(d info --format '{{.DefaultRuntime}} {{.CgroupDriver}} {{range $k, $v := .Runtimes}}{{$k}}={{$v.Path}} {{end}}' 2>&1)
if [[ $info == "gorunc cgroupfs "* && " $info " == *" gorunc=${BIN[gorunc]} "* && " $info " == *" runc-ref=${BIN[runc-ref]} "* ]]; then
	ok "docker info: default runtime gorunc, the runtimes of daemon.json, cgroupfs"
else notok "docker info: default runtime gorunc, the runtimes of daemon.json, cgroupfs" "$info"; fi

# --- helpers -------------------------------------------------------------------------
# own cgroup dir of a container's pid in the hierarchy holding CONTROLLER
cgdir() { # PID CONTROLLER
	local mp
	mp=$(awk -v c="$2" '{ for (i = 7; $i != "-"; i++); if ($(i+1) == "cgroup" && ("," $(i+3) ",") ~ ("," c ",")) print $5 }' /proc/self/mountinfo)
	echo "$mp$(awk -F: -v c="$2" '("," $2 ",") ~ ("," c ",") {print $3}' "/proc/$1/cgroup")"
}
ins() { d inspect -f "$2" "$1" 2>&1; } # CONTAINER TEMPLATE
wait_for() { # CONTAINER TEMPLATE VALUE [tries of 0.1 s]
	for _ in $(seq "${4:-100}"); do [ "$(ins "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done
	return 1
}
in_tty() { # CMDLINE [LINE]: CMDLINE under a pseudo-terminal (script), LINE typed on it; output without \r
	if [ $# -gt 1 ]; then printf '%s\n' "$2"; fi | timeout -k 5 60 script -qec "$1" /dev/null | tr -d '\r'
}
capeff() { d run --rm "${RTA[@]}" "$@" "$IMG" sh -c 'grep ^CapEff /proc/self/status' 2>&1 | awk '{print $2}'; }
host_bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
all_caps=$(printf '%016x' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)))
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >"$W/no-mkdir.json"
echo from-host >"$W/bind/file"

# --- the scenarios, once per runtime -----------------------------------------------
scenarios() {
	RT=$1
	local -a RTA=() # the default runtime is gorunc: no --runtime for it
	[ "$RT" = gorunc ] || RTA=(--runtime "$RT")
	local p="$RT:" out rc pid pid2 dir t0 secs labels bad own ctrls path

	# foreground run: output, exit codes, stdin, tty, env, cwd, user
	out=$(d run --rm "${RTA[@]}" "$IMG" echo hello 2>&1); rc=$?
	expect "$p run: output, exit 0" "hello rc=0" "$out rc=$rc"
	d run --rm "${RTA[@]}" "$IMG" sh -c 'exit 3' >/dev/null 2>&1; rc=$?
	expect "$p run: exit code 3" 3 "$rc"
	# (pid 1 cannot be killed from inside its namespace: a child is)
	d run --rm "${RTA[@]}" "$IMG" sh -c 'sh -c "kill -9 \$\$"; exit $?' >/dev/null 2>&1; rc=$?
	expect "$p run: a process killed by SIGKILL -> 137" 137 "$rc"
	out=$(d run --rm "${RTA[@]}" "$IMG" /no/such/binary 2>&1); rc=$?
	if [ $rc = 127 ] && [[ $out == *"no such file or directory"* ]]; then ok "$p run of a missing binary: 127, the runtime's error shown"
	else notok "$p run of a missing binary: 127, the runtime's error shown" "rc=$rc" "$out"; fi
	out=$(printf 'line1\nline2\n' | d run --rm -i "${RTA[@]}" "$IMG" sh -c 'cat; echo eof' 2>&1)
	expect "$p run -i: stdin to EOF" "line1 line2 eof" "$(echo $out)"
	out=$(in_tty "$DOCKER -H unix://$SOCK run --rm -t ${RTA[*]} $IMG sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 4'"); rc=$?
	expect "$p run -t: a pty as stdin/stdout, exit code through it" "/dev/pts/0 both-tty rc=4" "$(echo $out) rc=$rc"
	out=$(in_tty "$DOCKER -H unix://$SOCK run --rm -it ${RTA[*]} $IMG sh -c 'tty; read -r l; echo got-\$l'" typed | grep -E '^(/dev/pts/[0-9]+|got-.*)$')
	expect "$p run -it: a line typed on the pty" "/dev/pts/0 got-typed" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" -e FOO=bar -w /tmp "$IMG" sh -c 'echo $FOO; pwd' 2>&1)
	expect "$p run -e FOO=bar -w /tmp" "bar /tmp" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" -u 1000:1000 "$IMG" sh -c 'id -u; id -g; whoami' 2>&1)
	expect "$p run -u 1000:1000" "1000 1000 user" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" -u user "$IMG" sh -c 'id -u; echo $HOME' 2>&1)
	expect "$p run -u user (from /etc/passwd)" "1000 /home/user" "$(echo $out)"
	d run --rm --name "$RT-rm" "${RTA[@]}" "$IMG" true >/dev/null 2>&1
	expect "$p run --rm: the container is gone" "" "$(d ps -aq -f name="^$RT-rm\$")"

	# read-only rootfs, tmpfs, bind mounts
	out=$(d run --rm "${RTA[@]}" --read-only --tmpfs /scratch:size=1m "$IMG" sh -c \
		'touch /x 2>/dev/null && echo root-writable; touch /scratch/x && echo scratch-writable; grep " /scratch " /proc/mounts | cut -d" " -f3,4' 2>&1)
	expect "$p run --read-only --tmpfs /scratch:size=1m" "scratch-writable tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" -v "$W/bind:/mnt/ro:ro" -v "$W/bind:/mnt/rw" "$IMG" sh -c \
		"cat /mnt/ro/file; touch /mnt/ro/y 2>/dev/null && echo ro-writable; echo from-$RT >/mnt/rw/z" 2>&1)
	expect "$p run -v bind :ro (readable, not writable) and rw" "from-host from-$RT" "$(echo $out) $(cat "$W/bind/z" 2>/dev/null)"

	# detached, exec, which runtime, where the cgroups are
	d run -d --name "$RT-d1" "${RTA[@]}" "$IMG" sleep 1000 >/dev/null 2>&1
	local id
	wait_for "$RT-d1" '{{.State.Status}}' running
	pid=$(ins "$RT-d1" '{{.State.Pid}}')
	id=$(ins "$RT-d1" '{{.Id}}')
	labels=$(grep -oE '"(apparmorProfile|selinuxLabel|mountLabel)":"[^"]*"' "$W/ctrd/state/io.containerd.runtime.v2.task/moby/$id/config.json" | tr '\n' ' ')
	echo "# the spec dockerd wrote: ${labels:-no apparmorProfile, selinuxLabel nor mountLabel (AppArmor is off here)}"
	# Docker 20.10 gives every runtime the same --root (<exec-root>/runtime-runc);
	# the state file's keys tell who wrote it.
	local key=init_process_pid
	[ "$RT" = gorunc ] && key=init_pid
	expect "$p run -d: running, HostConfig.Runtime $RT, its state.json in <exec-root>/runtime-runc/moby" "running $RT yes" \
		"$(ins "$RT-d1" '{{.State.Status}} {{.HostConfig.Runtime}}') $(grep -q "\"$key\":" "$W/exec/runtime-runc/moby/$id/state.json" 2>/dev/null && echo yes)"
	bad=
	while IFS=: read -r _ ctrls path; do
		case $ctrls in '' | name=*) continue ;; esac
		own=$(awk -F: -v c="$ctrls" '$2 == c {print $3}' /proc/self/cgroup)
		[ "$path" = "${own%/}/docker/$id" ] || bad+="$ctrls:$path (own $own) "
	done <"/proc/$pid/cgroup"
	expect "$p cgroups: <this tier's cgroup>/docker/<id> in every controller" "" "$bad"
	out=$(d exec "$RT-d1" echo exec-out 2>&1); rc=$?
	expect "$p exec: output" "exec-out rc=0" "$out rc=$rc"
	d exec "$RT-d1" sh -c 'exit 5' >/dev/null 2>&1; rc=$?
	expect "$p exec: exit code 5" 5 "$rc"
	out=$(echo exec-stdin | d exec -i "$RT-d1" cat 2>&1)
	expect "$p exec -i: stdin" "exec-stdin" "$out"
	out=$(d exec -u 1000:1000 -w /tmp "$RT-d1" sh -c 'id -u; id -g; pwd' 2>&1)
	expect "$p exec -u 1000:1000 -w /tmp" "1000 1000 /tmp" "$(echo $out)"
	out=$(in_tty "$DOCKER -H unix://$SOCK exec -it -u 1000 $RT-d1 sh -c 'tty; read -r l; echo \$(id -u)-\$l'" typed | grep -E '^(/dev/pts/[0-9]+|[0-9]+-.*)$')
	expect "$p exec -it -u 1000: a pty, a line typed" "/dev/pts/0 1000-typed" "$(echo $out)"

	# top, stats, pause/unpause, update
	out=$(d top "$RT-d1" 2>&1)
	if echo "$out" | grep -qE "^root +$pid .*sleep 1000\$"; then ok "$p top: the init (sleep 1000) by its pid"; else notok "$p top: the init (sleep 1000) by its pid $pid" "$out"; fi
	d pause "$RT-d1" >/dev/null 2>&1
	expect "$p pause: paused, freezer FROZEN" "paused FROZEN" "$(ins "$RT-d1" '{{.State.Status}}') $(cat "$(cgdir "$pid" freezer)/freezer.state" 2>&1)"
	d unpause "$RT-d1" >/dev/null 2>&1
	expect "$p unpause: running, freezer THAWED, exec works" "running THAWED ok" \
		"$(ins "$RT-d1" '{{.State.Status}}') $(cat "$(cgdir "$pid" freezer)/freezer.state" 2>&1) $(d exec "$RT-d1" echo ok 2>&1)"
	dir=$(cgdir "$pid" memory)
	if [ -f "$dir/memory.memsw.limit_in_bytes" ]; then # swap accounting on (here)
		out=$(d update --memory 64m --memory-swap 128m "$RT-d1" 2>&1); rc=$?
		expect "$p update --memory 64m --memory-swap 128m: the cgroup files, HostConfig" "rc=0 67108864 134217728 67108864 134217728" \
			"rc=$rc $(cat "$dir/memory.limit_in_bytes" "$dir/memory.memsw.limit_in_bytes" 2>&1 | tr '\n' ' ')$(ins "$RT-d1" '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}')"
	else
		out=$(d update --memory 64m "$RT-d1" 2>&1); rc=$?
		expect "$p update --memory 64m (no swap accounting): memory.limit_in_bytes, HostConfig" "rc=0 67108864 67108864" \
			"rc=$rc $(cat "$dir/memory.limit_in_bytes" 2>&1) $(ins "$RT-d1" '{{.HostConfig.Memory}}')"
	fi
	out=$(d stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' "$RT-d1" 2>&1)
	if [[ $out =~ ^$RT-d1\ 1\ [0-9.]+[KMk]i?B\ /\ 64MiB$ ]]; then ok "$p stats --no-stream: 1 pid, memory used / 64MiB"; echo "# $out"
	else notok "$p stats --no-stream: 1 pid, memory used / 64MiB" "$out"; fi

	# restart (a new init), kill, rm
	d restart -t 1 "$RT-d1" >/dev/null 2>&1
	wait_for "$RT-d1" '{{.State.Status}}' running
	pid2=$(ins "$RT-d1" '{{.State.Pid}}')
	if [ "$(ins "$RT-d1" '{{.State.Status}}')" = running ] && [ "$pid2" != "$pid" ] && [ -d "/proc/$pid2" ] && ! [ -d "/proc/$pid" ]; then
		ok "$p restart -t 1: running again with a new init"
	else notok "$p restart -t 1: running again with a new init" "status $(ins "$RT-d1" '{{.State.Status}}') pids $pid $pid2"; fi
	d kill "$RT-d1" >/dev/null 2>&1
	wait_for "$RT-d1" '{{.State.Status}}' exited
	expect "$p kill: exited 137" "exited 137" "$(ins "$RT-d1" '{{.State.Status}} {{.State.ExitCode}}')"
	d run -d --name "$RT-k2" "${RTA[@]}" "$IMG" sh -c 'trap "exit 10" USR1; while :; do sleep 0.1; done' >/dev/null 2>&1
	wait_for "$RT-k2" '{{.State.Status}}' running; sleep 0.3
	d kill -s USR1 "$RT-k2" >/dev/null 2>&1
	wait_for "$RT-k2" '{{.State.Status}}' exited
	expect "$p kill -s USR1 (trapped): exited 10" "exited 10" "$(ins "$RT-k2" '{{.State.Status}} {{.State.ExitCode}}')"
	d rm "$RT-d1" "$RT-k2" >/dev/null 2>&1

	# stop: TERM, then KILL after -t 1 for a process that ignores TERM
	d run -d --name "$RT-s1" "${RTA[@]}" "$IMG" sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1
	d run -d --name "$RT-s2" "${RTA[@]}" "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1
	wait_for "$RT-s1" '{{.State.Status}}' running; wait_for "$RT-s2" '{{.State.Status}}' running; sleep 0.3
	t0=$(date +%s%N); d stop -t 1 "$RT-s1" >/dev/null 2>&1; secs=$((($(date +%s%N) - t0) / 1000000))
	if [ "$(ins "$RT-s1" '{{.State.Status}} {{.State.ExitCode}}')" = "exited 137" ] && [ $secs -ge 1000 ] && [ $secs -lt 10000 ]; then
		ok "$p stop -t 1, TERM ignored: KILLed after the grace period, 137"; echo "# ${secs} ms"
	else notok "$p stop -t 1, TERM ignored: KILLed after the grace period, 137" "$(ins "$RT-s1" '{{.State.Status}} {{.State.ExitCode}}') after $secs ms"; fi
	t0=$(date +%s%N); d stop -t 30 "$RT-s2" >/dev/null 2>&1; secs=$((($(date +%s%N) - t0) / 1000000))
	if [ "$(ins "$RT-s2" '{{.State.Status}} {{.State.ExitCode}}')" = "exited 0" ] && [ $secs -lt 20000 ]; then
		ok "$p stop -t 30, TERM trapped: exited 0 before the grace period"; echo "# ${secs} ms"
	else notok "$p stop -t 30, TERM trapped: exited 0 before the grace period" "$(ins "$RT-s2" '{{.State.Status}} {{.State.ExitCode}}') after $secs ms"; fi
	d rm "$RT-s1" "$RT-s2" >/dev/null 2>&1

	# restart policy, healthcheck, logs
	d run -d --name "$RT-rp" --restart on-failure:2 "${RTA[@]}" "$IMG" sh -c 'sleep 0.2; exit 1' >/dev/null 2>&1
	sleep 1
	wait_for "$RT-rp" '{{.State.Status}} {{.RestartCount}}' "exited 2" 150
	expect "$p --restart on-failure:2 of an exit 1: restarted twice, then exited 1" "exited 2 1" \
		"$(ins "$RT-rp" '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}')"
	d run -d --name "$RT-hc" "${RTA[@]}" --health-cmd 'test -f /tmp/ready' --health-interval 300ms --health-retries 2 \
		"$IMG" sh -c 'sleep 0.5; touch /tmp/ready; sleep 1000' >/dev/null 2>&1
	d run -d --name "$RT-hu" "${RTA[@]}" --health-cmd 'exit 1' --health-interval 300ms --health-retries 2 \
		"$IMG" sleep 1000 >/dev/null 2>&1
	wait_for "$RT-hc" '{{.State.Health.Status}}' healthy 100
	wait_for "$RT-hu" '{{.State.Health.Status}}' unhealthy 100
	expect "$p --health-cmd: healthy once the check passes, unhealthy after 2 failures" "healthy unhealthy" \
		"$(ins "$RT-hc" '{{.State.Health.Status}}') $(ins "$RT-hu" '{{.State.Health.Status}}')"
	d rm -f "$RT-rp" "$RT-hc" "$RT-hu" >/dev/null 2>&1
	d run --name "$RT-log" "${RTA[@]}" "$IMG" sh -c 'echo to-out; echo to-err >&2' >/dev/null 2>&1
	out="$(d logs "$RT-log" 2>/dev/null) | $(d logs "$RT-log" 2>&1 >/dev/null)"
	expect "$p logs: stdout and stderr apart" "to-out | to-err" "$out"
	d rm "$RT-log" >/dev/null 2>&1

	# resources
	d run --name "$RT-oom" "${RTA[@]}" --memory 32m --memory-swap 32m "$IMG" sh -c 'x=0123456789abcdef; while :; do x=$x$x; done' >/dev/null 2>&1; rc=$?
	expect "$p --memory 32m, a growing shell string: exit 137, OOMKilled" "137 true" "$rc $(ins "$RT-oom" '{{.State.OOMKilled}}')"
	d rm "$RT-oom" >/dev/null 2>&1
	d run -d --name "$RT-res" "${RTA[@]}" --cpus 0.5 --pids-limit 7 "$IMG" sleep 1000 >/dev/null 2>&1
	wait_for "$RT-res" '{{.State.Status}}' running
	pid=$(ins "$RT-res" '{{.State.Pid}}')
	expect "$p --cpus 0.5 --pids-limit 7: cfs quota/period, pids.max" "50000 100000 7" \
		"$(cat "$(cgdir "$pid" cpu)/cpu.cfs_quota_us" "$(cgdir "$pid" cpu)/cpu.cfs_period_us" "$(cgdir "$pid" pids)/pids.max" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
	# 1 init + sh + 5 sleeps = 7: the 6th sleep cannot fork
	out=$(d exec "$RT-res" sh -c 'for i in 1 2 3 4 5 6; do sleep 2 & done; wait' 2>&1)
	if [[ $out == *"can't fork"* ]]; then ok "$p --pids-limit 7: the 8th process cannot fork"
	elif [ "$RT" = runc-ref ] && [[ $out == *"procReady not received"* ]]; then
		# runc 1.5.1's exec-init is a Go process that joins the cgroup
		# before its runtime makes its threads: beside init and sleep it
		# sometimes needs more than the 5 pids left (the final CI run of
		# 2026-11-30: "procReady not received").
		# The reference's own limit, not the check's: said, not failed.
		ok "$p --pids-limit 7: the 8th process cannot fork # SKIP runc 1.5.1's exec ran out of pids itself (procReady not received)"
	else notok "$p --pids-limit 7: the 8th process cannot fork" "$out"; fi
	d rm -f "$RT-res" >/dev/null 2>&1

	# capabilities, privileged, seccomp, no-new-privileges, devices
	expect "$p capabilities: Docker's default set" 00000000a80425fb "$(capeff)"
	expect "$p --cap-drop NET_RAW" 00000000a80405fb "$(capeff --cap-drop NET_RAW)"
	expect "$p --cap-add SYS_ADMIN" 00000000a82425fb "$(capeff --cap-add SYS_ADMIN)"
	expect "$p --cap-drop ALL --cap-add CHOWN" 0000000000000001 "$(capeff --cap-drop ALL --cap-add CHOWN)"
	if [ "$host_bnd" = "$all_caps" ]; then
		expect "$p --privileged: every capability" "$all_caps" "$(capeff --privileged)"
		out=$(d run --rm "${RTA[@]}" --privileged "$IMG" sh -c 'grep ^Seccomp: /proc/self/status; mount -t tmpfs t /mnt && echo mount-ok; ls /dev/loop-control >/dev/null && echo devs-ok' 2>&1)
		expect "$p --privileged: no seccomp, mount allowed, host devices" "Seccomp: 0 mount-ok devs-ok" "$(echo $out)"
	else
		# Docker asks for every capability the kernel knows; a caller
		# without some (here CAP_SYS_RESOURCE) cannot give them: runc
		# (1.1.5 and 1.5.1) refuses at capset, and so must gorunc.
		out=$(d run --rm "${RTA[@]}" --privileged "$IMG" true 2>&1); rc=$?
		if [ $rc = 126 ] || [ $rc = 125 ] && [[ $out == *"operation not permitted"* ]]; then
			ok "$p --privileged refused at capset: the caller lacks capabilities Docker asks for"
			echo "# rc=$rc, caller's CapBnd $host_bnd, all: $all_caps; $(echo "$out" | grep -o 'OCI runtime create failed.*' | head -1)"
		else notok "$p --privileged refused at capset (the caller lacks capabilities)" "rc=$rc" "$out"; fi
	fi
	out=$(d run --rm "${RTA[@]}" "$IMG" sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; unshare -U true 2>/dev/null && echo unshare-ok' 2>&1)
	expect "$p default: Docker's seccomp profile (unshare refused), NoNewPrivs 0" "NoNewPrivs: 0 Seccomp: 2" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" --security-opt "seccomp=$W/no-mkdir.json" "$IMG" sh -c 'exec 2>&1; grep ^Seccomp: /proc/self/status; mkdir /tmp/d; touch /tmp/f && echo touch-ok' 2>&1)
	expect "$p --security-opt seccomp=profile.json: mkdir EPERM, the rest allowed" "Seccomp: 2 mkdir: can't create directory '/tmp/d': Operation not permitted touch-ok" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" --security-opt seccomp=unconfined "$IMG" grep ^Seccomp: /proc/self/status 2>&1)
	expect "$p --security-opt seccomp=unconfined" "Seccomp: 0" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" --security-opt no-new-privileges "$IMG" grep ^NoNewPrivs: /proc/self/status 2>&1)
	expect "$p --security-opt no-new-privileges" "NoNewPrivs: 1" "$(echo $out)"
	# /dev/loop-control (10:237): not in Docker's default device list;
	# opening it does nothing (only its ioctls would)
	out=$(d run --rm "${RTA[@]}" --device /dev/loop-control:/dev/xlc "$IMG" sh -c 'stat -c "%F %t:%T" /dev/xlc; true 2>/dev/null <>/dev/xlc && echo rw-ok' 2>&1)
	expect "$p --device /dev/loop-control:/dev/xlc (c 10:237, opened read-write)" "character special file a:ed rw-ok" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" --device /dev/loop-control:/dev/xlc:r "$IMG" sh -c 'true 2>/dev/null </dev/xlc && echo read-ok; true 2>/dev/null >/dev/xlc || echo write-denied' 2>&1)
	expect "$p --device ...:r (device cgroup: opened for reading only)" "read-ok write-denied" "$(echo $out)"
	out=$(d run --rm "${RTA[@]}" "$IMG" sh -c 'mknod /tmp/lc c 10 237 && (true 2>/dev/null </tmp/lc && echo read-ok || echo denied)' 2>&1)
	expect "$p no --device: c 10:237 can be made (mknod), not opened" "denied" "$out"

	# nothing of this runtime's left: containers, state under its root, cgroups
	local left=
	[ -n "$(d ps -aq)" ] && left+="containers: $(d ps -a --format '{{.Names}}' | tr '\n' ' ') "
	st=$(find "$W/exec/runtime-runc/moby" -mindepth 1 2>/dev/null | tr '\n' ' ')
	[ -n "$st" ] && left+="state under the runtime's root: $st "
	st=$(find "$W/ctrd/state/io.containerd.runtime.v2.task/moby" -mindepth 1 -maxdepth 1 2>/dev/null | tr '\n' ' ')
	[ -n "$st" ] && left+="bundles: $st "
	sleep 0.3 # a shim exits just after its task's delete returned
	st=$(pgrep -f containerd-shim-runc-v2 | tr '\n' ' ') # our pid namespace: ours only
	[ -n "$st" ] && left+="shims: $st "
	for dir in $(own_dirs); do
		[ -d "$dir/docker" ] && sub=$(find "$dir/docker" -mindepth 1 -type d | tr '\n' ' ') && [ -n "$sub" ] && left+="cgroups: $sub "
	done
	expect "$p nothing left (containers, runtime state, bundles, shims, cgroups)" "" "$left"
}

scenarios gorunc
scenarios runc-ref
RT=

# --- stop the daemons; nothing left ----------------------------------------------
kill -TERM "$DOCKERD_PID"; for _ in $(seq 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$CTRD_PID"; for _ in $(seq 100); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$DOCKERD_PID" "$CTRD_PID" 2>/dev/null
left=
# our pid namespace: only this script (pid 1) and the subshell listing remain
procs=$(for p in /proc/[0-9]*; do
	q=${p#/proc/}; [ "$q" = 1 ] || [ "$q" = "$BASHPID" ] && continue
	echo "$q:$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
done)
[ -n "$procs" ] && left+="processes: $procs "
mnts=$(awk -v w="$W/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | grep -v "/root_max" | tr '\n' ' ')
[ -n "$mnts" ] && left+="mounts: $mnts "
sub=$(for dir in $(own_dirs); do find "$dir" -mindepth 1 -type d ! -path "$dir/docker"; done | tr '\n' ' ')
[ -n "$sub" ] && left+="cgroups: $sub "
expect "daemons stopped: no process, mount under the work dir or cgroup left" "" "$left"

secs=$((($(date +%s%N) - START_NS) / 1000000))
echo "1..$n"
echo "# wall time $((secs / 1000)).$(printf %03d $((secs % 1000))) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
