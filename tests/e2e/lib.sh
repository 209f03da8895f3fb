# Shell shared by the e2e tiers (sourced, not run): TAP helpers and a
# builder of OCI image layouts without a registry or an image tool.

# --- TAP --------------------------------------------------------------------
# The caller sets pass=0 fail=0 n=0 and may define tap_diag, called after each
# `not ok` to print what helps (logs, traced runtime calls).
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	if declare -F tap_diag >/dev/null; then tap_diag; fi
}
# expect DESC WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $(printf %q "$2")" "got:  $(printf %q "$3")"; fi; }

# --- a cgroup of the tier's own -------------------------------------------------
# A tier runs below a child of the caller's own cgroup in every hierarchy
# (host safety: cgroups only under the test's own), moves its inner part
# there, and at the end kills by pid whatever is left in it and removes it.

# cg_mounts: cgroup hierarchies as "<fstype> <mount point> <super options>"
cg_mounts() { awk '{ for (i = 7; $i != "-"; i++); if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $(i+1), $5, $(i+3) }' /proc/self/mountinfo; }
# own_dirs: this process's cgroup directory in every hierarchy
own_dirs() {
	local t mp opts ctrls path
	cg_mounts | while read -r t mp opts; do
		while IFS=: read -r _ ctrls path; do
			if [ "$t" = cgroup2 ]; then [ -z "$ctrls" ] || continue
			else [ -n "$ctrls" ] && [[ ",$opts," == *",$ctrls,"* ]] || continue; fi
			echo "$mp${path%/}"
		done </proc/self/cgroup
	done
}
# cg_make DIR...: makes each, cpuset ones filled from their parent (an empty
# cpuset takes no task)
cg_make() {
	local d
	for d in "$@"; do
		mkdir "$d" || { echo "Bail out! mkdir $d"; exit 1; }
		if [ -f "${d%/*}/cpuset.cpus" ]; then
			cat "${d%/*}/cpuset.cpus" >"$d/cpuset.cpus" && cat "${d%/*}/cpuset.mems" >"$d/cpuset.mems"
		fi
	done
}
# cg_kill DIR...: SIGKILLs, by pid, every process in the trees until none
# is left (5 s at most); prints the pids still there
cg_kill() {
	local d p left
	for _ in $(seq 50); do
		left=$(for d in "$@"; do find "$d" -name cgroup.procs -exec cat {} +; done 2>/dev/null | sort -u)
		[ -z "$left" ] && break
		for p in $left; do kill -KILL "$p"; done 2>/dev/null
		sleep 0.1
	done
	echo $left
}
# cg_remove DIR...: removes the trees (empty by then); prints what is left
cg_remove() {
	local d
	for d in "$@"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
	for d in "$@"; do [ -d "$d" ] && echo "$d"; done
}

# --- OCI image layouts --------------------------------------------------------
# oci_init DIR: an empty layout; images are added with oci_image and the
# layout written as a tar (for `ctr image import`) by oci_pack.
oci_init() {
	mkdir -p "$1/blobs/sha256" && echo '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout" && : >"$1/.manifests"
}
_oci_blob() { # LAYOUT FILE -> moves FILE to blobs/sha256/<digest>, prints "<digest> <size>"
	local d s
	d=$(sha256sum "$2" | cut -d' ' -f1) && s=$(stat -c %s "$2") && mv "$2" "$1/blobs/sha256/$d" && echo "$d $s"
}
# oci_layer LAYOUT ROOTFS: a reproducible gzip layer of ROOTFS (owners kept
# as numbers, mtimes 0); prints "<digest> <size> <diff id>".
oci_layer() {
	local tmp; tmp=$(mktemp "$1/layer.XXXXXX")
	tar --sort=name --mtime=@0 --numeric-owner -C "$2" -cf "$tmp" . || return 1
	local diffid; diffid=$(sha256sum "$tmp" | cut -d' ' -f1)
	gzip -n -c "$tmp" >"$tmp.gz" && rm -f "$tmp" || return 1
	echo "$(_oci_blob "$1" "$tmp.gz") $diffid"
}
# oci_image LAYOUT NAME CONFIG LAYER...: an amd64 image NAME (registry/repo:tag)
# whose image config "config" object is CONFIG (JSON) over the layers
# (each "<digest> <size> <diff id>", as oci_layer prints, base first).
oci_image() {
	local o=$1 name=$2 cfg=$3 l dig size diffid diffids= layers=
	shift 3
	for l in "$@"; do
		read -r dig size diffid <<<"$l"
		diffids+="${diffids:+,}\"sha256:$diffid\""
		layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$dig\",\"size\":$size}"
	done
	printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' "$cfg" "$diffids" >"$o/config.json"
	read -r dig size < <(_oci_blob "$o" "$o/config.json") || return 1
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
		"$dig" "$size" "$layers" >"$o/manifest.json"
	read -r dig size < <(_oci_blob "$o" "$o/manifest.json") || return 1
	printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}\n' \
		"$dig" "$size" "$name" "${name##*:}" >>"$o/.manifests"
}
# oci_pack LAYOUT TAR
oci_pack() {
	printf '{"schemaVersion":2,"manifests":[%s]}' "$(paste -sd, "$1/.manifests")" >"$1/index.json" &&
		tar -C "$1" -cf "$2" oci-layout index.json blobs
}
# busybox_rootfs DIR: busybox-static with every applet hard-linked (as in the
# busybox images: masking /bin/ls must not mask the shell), a passwd/group
# with root and user 1000, /tmp 1777.
busybox_rootfs() {
	local r=$1 app
	mkdir -p "$r"/{bin,dev,proc,sys,tmp,etc,root,run,var,mnt,home/user} || return 1
	chmod 1777 "$r/tmp"
	install -m 0755 "$(readlink -f "$(command -v busybox)")" "$r/bin/busybox" || return 1
	for app in $("$r/bin/busybox" --list); do [ -e "$r/bin/$app" ] || ln "$r/bin/busybox" "$r/bin/$app"; done
	printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' >"$r/etc/group"
	chown 1000:1000 "$r/home/user"
}

# --- a private containerd ---------------------------------------------------------
# containerd_toml DIR SOCKET [PLUGIN...]: the head of a private containerd's
# config (version 2): root, state, opt dir in DIR, gRPC/ttrpc/debug sockets
# next to SOCKET, debug logs; the plugins named are disabled with the
# snapshotters and tracing no tier uses.
containerd_toml() {
	local w=$1 sock=$2 p off=
	shift 2
	for p in "$@" io.containerd.snapshotter.v1.btrfs io.containerd.snapshotter.v1.zfs io.containerd.snapshotter.v1.devmapper \
		io.containerd.snapshotter.v1.aufs io.containerd.tracing.processor.v1.otlp io.containerd.internal.v1.tracing; do
		off+="${off:+, }\"$p\""
	done
	cat <<EOF
version = 2
root = "$w/root"
state = "$w/state"
disabled_plugins = [$off]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = "$w/debug.sock"
  level = "debug"
[plugins."io.containerd.internal.v1.opt"]
  path = "$w/opt"
EOF
}
