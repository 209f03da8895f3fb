# Sourced by every payload section (bash, inside the systemd VM): TAP lines
# numbered across sections (the count lives in $TAP_STATE), helpers.
TAP_STATE=${TAP_STATE:-/run/vmtest-tap}
_tap() { # STATUS DESC: bumps the shared counter, prints the line
	local n f
	read -r n f <"$TAP_STATE"
	n=$((n + 1))
	[ "$1" = fail ] && f=$((f + 1))
	echo "$n $f" >"$TAP_STATE"
	case $1 in
	ok) echo "ok $n - $2" ;;
	fail) echo "not ok $n - $2" ;;
	skip) echo "ok $n # SKIP $2" ;;
	esac
}
ok() { _tap ok "$1"; }
notok() { _tap fail "$1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'; return 0; }
# expect DESC WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $(printf %q "$2")" "got:  $(printf %q "$3")"; fi; }
# check DESC CMD...: ok when CMD succeeds; its output is printed on failure
check() {
	local d=$1 out; shift
	if out=$("$@" 2>&1); then ok "$d"; else notok "$d" "command: $*" "$out"; fi
}
# skip_section REASON: one SKIP line for the whole section, then leave it
skip_section() { _tap skip "$SECTION: $1"; exit 0; }
# need CMD...: skip the section when a command is missing
need() { local c; for c in "$@"; do command -v "$c" >/dev/null || skip_section "$c not installed"; done; }
# wait_for SECS CMD...: polls CMD every 0.1 s; fails after SECS
wait_for() {
	local t=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do t=$((t - 1)); [ $t -gt 0 ] || return 1; sleep 0.1; done
}
# step DESC: a timestamped heartbeat line before a step, so that a console
# log that stops shows which step the time went to (the guest's clock is
# the host's: qemu's RTC and TCG's TSC follow it).
step() { local l; l="# $(date +%T) $*"; { echo "$l" >>"$CONSOLE"; } 2>/dev/null || echo "$l"; }
# The section's stdout as it is now, the serial console (/dev/ttyS0): where
# heartbeats and timeout reports go, also from inside $(...) or a
# redirection. A path, not an inherited fd, so that no extra fd reaches
# the runtimes and containers; resolved now, as /proc/$$/fd/1 later may be
# a file a function's output is redirected to; opened to append, never
# truncating. If it cannot be opened, stdout it is.
CONSOLE=$(readlink /proc/$$/fd/1)
[[ $CONSOLE == /* ]] || CONSOLE=/proc/$$/fd/1
# bounded CMD...: CMD, a program (not a function), with at most
# STEP_TIMEOUT s (default 120; a step takes 1-10 s under TCG, 30 beside a
# loaded host). On expiry, while CMD still runs (its stack is the
# evidence), one TIMEOUT line naming it and stuck_report's dump on the
# console; then SIGQUIT if it is a Go program (gorunc, runc: the Go
# runtime prints its goroutines on CMD's stderr), TERM 5 s later, KILL 10 s
# after that, to CMD's process group as timeout(1) does (a child left
# behind would keep a $(...) waiting): setsid gives CMD its own. Its stdin
# is /dev/null (a background job's); its exit status is CMD's (131, 143
# or 137 when stopped).
bounded() {
	local pid limit=${STEP_TIMEOUT:-120}
	setsid -w "$@" &
	pid=$!
	(
		exec </dev/null
		{ exec >>"$CONSOLE"; } 2>/dev/null
		exec 2>&1
		# Sleeps the main shell's kill (CMD done) interrupts at once.
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		nap() { sleep "$1" & s=$!; wait "$s"; }
		nap "$limit"
		kill -0 "$pid" 2>/dev/null || exit 0
		echo "# $(date +%T) TIMEOUT: \`$*\` (pid $pid) still running after $limit s; killing it. What it waits for:"
		stuck_report "$pid"
		case ${1##*/} in gorunc|runc*) kill -QUIT "$pid" 2>/dev/null && echo "#   sent SIGQUIT: a Go program prints its goroutines on its stderr (gorunc run and exec forward it to the container instead)" && nap 5 ;; esac
		kill -TERM -- "-$pid" 2>/dev/null && nap 10
		kill -KILL -- "-$pid" 2>/dev/null
	) &
	watched "$pid" $!
}
# watched PID DOG: waits for PID, then stops DOG, its watchdog (a
# background job that acts only if PID outlives its bound); PID's status.
watched() {
	local rc
	wait "$1"
	rc=$?
	kill "$2" 2>/dev/null
	wait "$2" 2>/dev/null
	return $rc
}
# stuck_report PID: what tells why PID waits, on stdout, each line "# ":
# DIAG_LOG (the runtime's --debug log of this command) and DIAG_UNIT's
# status when set, systemd's jobs, every process with its wait channel,
# the kernel stacks of PID's threads and of the other runtime processes,
# the journal's tail. Every query bounded (20 s): PID 1 may be what hangs.
stuck_report() {
	local p t
	{
		[ -n "${DIAG_LOG:-}" ] && { echo "## $DIAG_LOG (--debug log of this command):"; cat "$DIAG_LOG"; }
		echo "## systemctl list-jobs:"
		timeout -k 5 20 systemctl list-jobs --no-pager 2>&1
		[ -n "${DIAG_UNIT:-}" ] && { echo "## systemctl status $DIAG_UNIT:"; timeout -k 5 20 systemctl status --no-pager -l "$DIAG_UNIT" 2>&1; }
		echo "## ps:"
		ps -eo pid,ppid,stat,wchan:30,cmd | awk '$2 != 2 && $1 != 2'
		for t in /proc/"$1"/task/*; do
			echo "## kernel stack of $1, thread ${t##*/} ($(sed -n 's/^State:\t//p' "$t/status" 2>/dev/null)):"
			cat "$t/stack" 2>&1
		done
		for p in $(pgrep -x gorunc) $(pgrep '^runc'); do
			[ "$p" != "$1" ] && [ -r "/proc/$p/stack" ] || continue
			echo "## kernel stack of $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)):"
			cat "/proc/$p/stack" 2>&1
		done
		echo "## journalctl -n 40:"
		timeout -k 5 20 journalctl --no-pager -n 40 2>&1
	} | sed 's/^/#   /'
}
ROOTFS=/vmtest/rootfs
IMAGE_TAR=/vmtest/busybox-oci.tar
IMAGE=docker.io/gorunc/busybox:latest

# bundle DIR ARGS_JSON CGROUPS_PATH [RESOURCES_JSON]: a bundle over the
# busybox rootfs with its own pid, mount, uts, ipc and cgroup namespaces.
bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<JSON
{
  "ociVersion": "1.2.0",
  "process": {"args": $2, "env": ["PATH=/bin:/usr/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$ROOTFS"},
  "hostname": "vm",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid", "nodev", "noexec"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "nodev", "noexec"]}
  ],
  "linux": {
    "cgroupsPath": "$3",
    "resources": ${4:-{\}},
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}, {"type": "cgroup"}]
  }
}
JSON
}
# state_pid ID: the container's init pid (gorunc state)
state_pid() { gorunc state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# containerd_start VERB SYSTEMD_CGROUP: the CRI plugin's config as a
# Kubernetes node's (io.containerd.runc.v2, runc options BinaryName =
# gorunc, SystemdCgroup = SYSTEMD_CGROUP), `systemctl VERB containerd`,
# then up to 30 s for it to answer; non-zero (with the journal's tail as a
# failed check) when it does not.
containerd_start() {
	mkdir -p /etc/containerd
	cat >/etc/containerd/config.toml <<TOML
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  BinaryName = "$(command -v gorunc)"
  SystemdCgroup = $2
TOML
	check "systemctl $1 containerd (SystemdCgroup = $2)" systemctl "$1" containerd.service
	wait_for 30 ctr version || { notok "containerd answers" "$(journalctl -u containerd --no-pager | tail -n 20)"; return 1; }
}
