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
