#!/bin/bash
# Boot a throwaway VM with a real cgroup v2 hierarchy and run a payload in it.
#
#   tests/vm/run.sh [--add SRC[:DEST]]... [--module NAME]... [--timeout SECS]
#                   [--log FILE] [--mem MIB] [--append ARGS] [-q] -- CMD [ARG]...
#
# qemu-system-x86_64 (TCG, no KVM) boots Debian's linux-image-cloud-amd64 kernel
# with a busybox-static initramfs. /init (tests/vm/init) mounts proc, sysfs,
# devtmpfs, tmpfs and cgroup2, enables the root's controllers, runs CMD and
# prints "VMTEST-RESULT: rc=N" on the serial console. This script exits with N;
# with no marker (panic, hang, timeout) it exits 124/125 and prints the tail
# of the console.
#
#   --add SRC[:DEST]  copy a file or (recursively) a directory into the VM at
#                     DEST (default: SRC's absolute path). Dynamically linked
#                     ELF files get their shared libraries copied too.
#   --module NAME     insmod kernel module NAME and its dependencies at boot.
#   --timeout SECS    hard limit for the whole boot + payload (default 300).
#   --log FILE        console log (default: a temp file, kept on failure).
#   --mem MIB         guest memory (default 1024).
#   --append ARGS     extra kernel command line (vmtest.controllers=0 keeps the
#                     root's cgroup.subtree_control empty).
#   -q                do not echo the console to stdout (log only).
#   --init FILE       the initramfs's /init (default tests/vm/init); it must
#                     run /vmtest/payload.sh and print the markers.
#   --qemu ARG        one more qemu argument (repeat for more), e.g. a disk.
#
# Environment: VMTEST_CACHE (default tests/vm/.cache) holds the kernel;
# VMTEST_KERNEL_PKG pins a linux-image-*-cloud-amd64 package name.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VMTEST_CACHE:-$here/.cache}
timeout=300 mem=1024 log= quiet=0 append=
adds=() modules=() qemu_args=()
init=$here/init

die() { echo "vmtest: $*" >&2; exit 125; }
# libs FILE prints the loader and libraries of a dynamically linked ELF
# (one that ldd lists "=>" lines for; static ones, including static-pie,
# have none). An ldd that fails
# otherwise (killed under memory pressure) is retried, then fatal: taken
# for "static", it once left criu without its libraries in the VM.
libs() {
	local out i
	for i in 1 2 3; do
		if out=$(ldd "$1" 2>&1); then
			# The loader's line has no "=>" but is needed too.
			grep -q '=>' <<<"$out" && grep -o '/[^ ]*' <<<"$out"
			return 0
		fi
		case $out in *"not a dynamic executable"*|*"statically linked"*) return 0 ;; esac
		sleep 1
	done
	die "ldd $1: $out"
}
is_dynamic() { [ -n "$(libs "$1")" ]; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-125}"; }

while [ $# -gt 0 ]; do
	case "$1" in
	--add) adds+=("${2:?--add needs SRC[:DEST]}"); shift 2 ;;
	--module) modules+=("${2:?--module needs a name}"); shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--append) append="$append ${2:?}"; shift 2 ;;
	-q) quiet=1; shift ;;
	--init) init=${2:?--init needs a file}; shift 2 ;;
	--qemu) qemu_args+=("${2?--qemu needs an argument}"); shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) echo "vmtest: unknown argument: $1" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || { echo "vmtest: missing -- CMD" >&2; usage; }
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout must be whole seconds: $timeout"

# ---- host tools -------------------------------------------------------------
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && ! is_dynamic /bin/busybox || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
	echo "vmtest: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${need[@]}" >&2 ||
		{ apt-get -o DPkg::Lock::Timeout=900 update >&2 &&
		  apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${need[@]}" >&2; } ||
		die "cannot install ${need[*]}"
fi
is_dynamic /bin/busybox && die "/bin/busybox is dynamically linked; install busybox-static"

# ---- kernel -----------------------------------------------------------------
# apt-get download + dpkg-deb -x into the cache: this machine's /boot is never
# touched. The meta package names the current ABI package.
kernel_pkg() {
	[ -n "${VMTEST_KERNEL_PKG:-}" ] && { echo "$VMTEST_KERNEL_PKG"; return; }
	local p
	p=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
	if [ -z "$p" ]; then
		apt-get -o DPkg::Lock::Timeout=900 update >&2 || true
		p=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
	fi
	# Offline: fall back to the newest kernel already in the cache.
	[ -n "$p" ] || p=$(ls -d "$cache"/kernel/linux-image-*/ 2>/dev/null | sort -V | tail -1 | xargs -r basename)
	[ -n "$p" ] || die "cannot resolve linux-image-cloud-amd64 (apt-cache depends)"
	echo "$p"
}
mkdir -p "$cache/kernel"
pkg=$(kernel_pkg)
kdir=$cache/kernel/$pkg
(
	flock 9
	if [ ! -e "$kdir/.done" ]; then
		echo "vmtest: fetching $pkg" >&2
		rm -rf "$kdir" "$kdir.tmp" && mkdir -p "$kdir.tmp/deb"
		(cd "$kdir.tmp/deb" && apt-get -o APT::Sandbox::User="$(id -un)" download "$pkg" >&2) || die "apt-get download $pkg failed"
		dpkg-deb -x "$kdir.tmp"/deb/*.deb "$kdir.tmp/root" || die "dpkg-deb -x failed"
		rm -rf "$kdir.tmp/deb"
		touch "$kdir.tmp/.done" && mv "$kdir.tmp" "$kdir"
	fi
) 9>"$cache/kernel/.lock"
vmlinuz=$(ls "$kdir"/root/boot/vmlinuz-* | head -1)
kver=${vmlinuz##*/vmlinuz-}
moddir=$kdir/root/lib/modules/$kver

# ---- initramfs --------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/vmtest.XXXXXX")
qpid=
cleanup() {
	[ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,vmtest,dev,proc,sys,tmp,run}
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
install -m 0755 "$init" "$root/init"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
[ "$(id -u)" = 0 ] && mknod -m 600 "$root/dev/console" c 5 1

# copy_in SRC DEST: DEST is the path inside the VM.
copy_in() {
	local src=$1 dst=$root/${2#/}
	[ -e "$src" ] || die "--add: no such file: $src"
	mkdir -p "$(dirname "$dst")"
	if [ -d "$src" ]; then
		mkdir -p "$dst" && cp -a "$src"/. "$dst"/
	else
		cp -a "$src" "$dst"
	fi
}
for spec in ${adds[@]+"${adds[@]}"}; do
	src=${spec%%:*} dst=${spec#*:}
	[ "$spec" = "$src" ] && dst=$(realpath -m "$src")
	copy_in "$src" "$dst"
	# A dynamically linked program needs its loader and libraries.
	if [ -f "$src" ] && [ -x "$src" ]; then
		for lib in $(libs "$src"); do
			[ -e "$root$lib" ] || copy_in "$(realpath "$lib")" "$lib"
		done
	fi
done

# Modules and their dependencies, dependencies first. The package ships no
# modules.dep (its postinst runs depmod), so read each .ko's "depends=" field.
: >"$root/vmtest/modules"
if [ ${#modules[@]} -gt 0 ]; then
	declare -A seen=()
	add_module() {
		local name=${1//-/_} ko rel dep
		[ -n "${seen[$name]:-}" ] && return
		seen[$name]=1
		ko=$(find "$moddir/kernel" -name "${name//_/[-_]}.ko*" | head -1)
		if [ -z "$ko" ]; then
			grep -qE "/${name//_/[-_]}\.ko" "$moddir/modules.builtin" && return
			die "--module: $1 is neither a module nor built into $kver"
		fi
		case "$ko" in *.ko) ;; *) die "--module: $ko is compressed; unsupported" ;; esac
		for dep in $(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
			add_module "$dep"
		done
		rel=${ko#"$moddir"/}
		copy_in "$ko" "/lib/modules/$kver/$rel"
		echo "/lib/modules/$kver/$rel" >>"$root/vmtest/modules"
	}
	for m in "${modules[@]}"; do add_module "$m"; done
fi

# The command, quoted for sh: each argument in single quotes.
{
	printf '#!/bin/sh\nexec'
	for a in "$@"; do printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"; done
	printf '\n'
} >"$root/vmtest/payload.sh"

# Uncompressed: decompressing under TCG costs more than copying the bytes in.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$work/initrd.cpio"
initrd_size=$(stat -c %s "$work/initrd.cpio")

# ---- boot -------------------------------------------------------------------
keep_log=0
if [ -z "$log" ]; then log=$(mktemp "${TMPDIR:-/tmp}/vmtest-console.XXXXXX.log"); else keep_log=1; : >"$log"; fi
echo "vmtest: kernel $kver, initramfs $((initrd_size / 1024)) KiB, timeout ${timeout}s, log $log" >&2

start=$(date +%s.%N)
# The monitor socket is for the timeout's report (monitor below).
mon=$work/monitor.sock
qemu-system-x86_64 -accel "${VMTEST_ACCEL:-tcg}" -machine pc -cpu "${VMTEST_CPU:-max}" -smp "${VMTEST_SMP:-2}" -m "$mem" \
	-nodefaults -no-user-config -display none -monitor "unix:$mon,server=on,wait=off" -no-reboot \
	-serial "file:$log" \
	-kernel "$vmlinuz" -initrd "$work/initrd.cpio" ${qemu_args[@]+"${qemu_args[@]}"} \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off tsc=reliable no_timer_check i8042.noaux i8042.nokbd$append" \
	</dev/null >"$work/qemu.out" 2>&1 &
qpid=$!

elapsed() { echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}'; }
# qcpu: the CPU seconds qemu has used. TCG runs the guest's code in qemu's
# threads: a guest that is silent and uses none is blocked (or qemu is); one
# that uses it is busy without printing.
qcpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) / hz}' "/proc/$qpid/stat" 2>/dev/null || echo 0; }
# monitor CMD...: qemu's answers to human-monitor commands (info status ...),
# when python3 is there to talk to the socket.
monitor() {
	command -v python3 >/dev/null && [ -S "$mon" ] || return 0
	timeout 20 python3 -c '
import re, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
def prompt():
    b = b""
    while not b.endswith(b"(qemu) "):
        d = s.recv(65536)
        if not d: break
        b += d
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", b.decode(errors="replace"))
prompt()
for c in sys.argv[2:]:
    s.sendall(c.encode() + b"\n")
    out = prompt().split("\n")[1:-1]
    print("(qemu) " + c); print("\n".join(out))
' "$mon" "$@" 2>&1 || echo "(the monitor did not answer)"
}
# stuck_qemu: qemu's side of a guest that went silent, before the kill:
# whether qemu runs, where its threads wait, the vCPUs' state.
stuck_qemu() {
	local c0 frz
	c0=$(qcpu); sleep 2
	echo "vmtest: qemu used $(( $(qcpu) - c0 ))s of CPU in the last 2s; its threads:"
	ps -L -o tid,stat,pcpu,wchan:28,comm -p "$qpid" | sed 's/^/  /' || true
	frz=$(awk -F: '$2 ~ /(^|,)freezer(,|$)/ {print $3}' "/proc/$qpid/cgroup" 2>/dev/null)
	[ -n "$frz" ] && [ -r "/sys/fs/cgroup/freezer$frz/freezer.state" ] &&
		echo "vmtest: qemu's freezer cgroup $frz: $(cat "/sys/fs/cgroup/freezer$frz/freezer.state")"
	monitor "info status" "info cpus" "info registers -a" | grep -aE '^\(qemu\)|^(status|VM status)|^\*? *CPU|^RAX|^RIP|^CS ' | sed 's/^/  /' || true
}
sent=0 boot_s= marker= marker_at=
# Progress on stderr, so that a timeout's log says whether and when the guest
# booted and how long it has been silent: the payload's start, then a line
# per minute without console output.
last_size=0 last_out=$(date +%s) last_note=0 out_cpu=
echo "vmtest: $(date +%T) qemu started (pid $qpid)" >&2
while :; do
	running=1; kill -0 "$qpid" 2>/dev/null || running=0
	size=$(stat -c %s "$log")
	if [ "$quiet" = 0 ]; then
		[ "$size" -gt "$sent" ] && { tail -c +$((sent + 1)) "$log" | head -c $((size - sent)) | tr -d '\r'; sent=$size; }
	fi
	if [ -z "$boot_s" ] && grep -aq 'VMTEST-START:' "$log"; then
		boot_s=$(elapsed)
		echo "vmtest: $(date +%T) +${boot_s}s: the guest booted, its payload starts" >&2
	fi
	now=$(date +%s)
	if [ "$size" != "$last_size" ]; then
		last_size=$size last_out=$now out_cpu=
	elif [ "$running" = 1 ]; then
		[ -n "$out_cpu" ] || out_cpu=$(qcpu)
		if [ $((now - last_out)) -ge 60 ] && [ $((now - last_note)) -ge 60 ]; then
			echo "vmtest: $(date +%T) +$(elapsed)s: no console output for $((now - last_out))s ($size bytes so far); qemu used $(( $(qcpu) - out_cpu ))s of CPU meanwhile" >&2
			last_note=$now
		fi
	fi
	if [ -z "$marker" ]; then
		# The console is read while the guest writes it: the space after the
		# digits proves the number is complete.
		marker=$(grep -aoE 'VMTEST-RESULT: rc=[0-9]+ ' "$log" | tail -1 || true)
		[ -n "$marker" ] && marker_at=$(date +%s)
	fi
	[ "$running" = 0 ] && break
	# The marker is printed just before poweroff -f; give it 5 s to exit.
	if [ -n "$marker" ] && [ $(( $(date +%s) - marker_at )) -ge 5 ]; then
		kill -KILL "$qpid" 2>/dev/null || true; break
	fi
	if awk -v e="$(elapsed)" -v t="$timeout" 'BEGIN {exit !(e >= t)}'; then
		echo; echo "vmtest: $(date +%T) TIMEOUT after ${timeout}s, $((now - last_out))s since the last console output; qemu's state, then the kill (pid $qpid)" >&2
		stuck_qemu >&2 || true
		kill -TERM "$qpid" 2>/dev/null || true; sleep 1; kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true; qpid=
		tail -n 40 "$log" | tr -d '\r' >&2
		grep -aq 'soft lockup' "$log" &&
			echo "vmtest: the guest reported a soft lockup (see tests/vm/README.md, known issues)" >&2
		echo "vmtest: FAIL (timeout), console log: $log" >&2
		exit 124
	fi
	sleep 0.1
done
wait "$qpid" 2>/dev/null || true
qpid=
total=$(elapsed)

if [ -z "$marker" ]; then
	echo >&2
	echo "vmtest: FAIL: no VMTEST-RESULT marker (guest crashed or init died); last 40 console lines:" >&2
	tail -n 40 "$log" | tr -d '\r' >&2
	[ -s "$work/qemu.out" ] && { echo "vmtest: qemu said:" >&2; cat "$work/qemu.out" >&2; }
	echo "vmtest: console log: $log" >&2
	exit 125
fi
rc=${marker##*rc=}; rc=${rc% }
echo "vmtest: payload rc=$rc, payload started after ${boot_s:-?}s, total ${total}s" >&2
if [ "$rc" = 0 ] && [ "$keep_log" = 0 ]; then rm -f "$log"; fi
[ "$rc" = 0 ] || echo "vmtest: console log: $log" >&2
exit "$rc"
