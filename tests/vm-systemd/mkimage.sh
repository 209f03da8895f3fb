#!/bin/bash
# Build (once) the root filesystem image of the systemd VM tier and print its
# path: Debian 12 from Debian's own packages (mmdebstrap, minbase, no
# recommends, no docs/man/locales) in an ext4 image made with mkfs.ext4 -d, so
# nothing is ever loop-mounted on the host.
#
#   tests/vm-systemd/mkimage.sh            # prints the image path
#
# The image is cached in $VMTEST_CACHE/systemd-root/ (default tests/vm/.cache),
# keyed by the package list, the suite, the mirror and this script, and built
# under flock so parallel callers build it once. The VM boots it with qemu
# -snapshot: the cached image is never written.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VMTEST_CACHE:-$here/../vm/.cache}
suite=${VMSYSTEMD_SUITE:-bookworm}
mirror=${VMSYSTEMD_MIRROR:-http://deb.debian.org/debian}
# systemd as PID 1 with dbus; what the payloads drive (containerd's ctr,
# podman, criu, uidmap); iproute2/procps/busybox for the scripts.
packages=(systemd systemd-sysv dbus dbus-user-session containerd podman criu uidmap iproute2 busybox procps)

die() { echo "vm-systemd: $*" >&2; exit 125; }

key=$( { printf '%s\n' "$suite" "$mirror" "${packages[@]}"; cat "$0"; } | sha256sum | cut -c1-16)
dir=$cache/systemd-root
img=$dir/$suite-$key.ext4
mkdir -p "$dir"
(
	flock 9
	[ -e "$img" ] && exit 0
	command -v mmdebstrap >/dev/null || die "mmdebstrap missing (scripts/install-deps.sh test)"
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 missing (e2fsprogs)"
	start=$(date +%s)
	tmp=$(mktemp -d "$dir/build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "vm-systemd: building the $suite root image ($img)" >&2
	# mmdebstrap's root mode mounts /proc, /sys and /dev inside the target:
	# a private mount namespace keeps those mounts off the host's.
	unshare --mount --propagation private -- mmdebstrap \
		--mode=root --variant=minbase --format=directory \
		--include="$(IFS=,; echo "${packages[*]}")" \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-include=/usr/share/locale/locale.alias' \
		--dpkgopt='path-exclude=/usr/share/zoneinfo/*' \
		--customize-hook='echo 6f72756e63766d73797374656d643132 >"$1/etc/machine-id"' \
		--customize-hook='echo vmtest >"$1/etc/hostname"' \
		--customize-hook='chroot "$1" passwd -d root' \
		--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*.log' \
		"$suite" "$tmp/root" "$mirror" >&2 || die "mmdebstrap failed"
	# Room for what the tests write (images, snapshots) on the -snapshot overlay.
	used=$(du -sm "$tmp/root" | cut -f1)
	size=$((used + used / 4 + 512))
	mkfs.ext4 -q -F -L vmroot -E root_owner=0:0 -d "$tmp/root" "$tmp/root.ext4" "${size}M" >&2 ||
		die "mkfs.ext4 -d failed"
	mv "$tmp/root.ext4" "$img"
	# Older images (another package list or script) are dead weight.
	find "$dir" -maxdepth 1 -name '*.ext4' ! -path "$img" -delete
	echo "vm-systemd: built in $(( $(date +%s) - start ))s: ${used} MiB of files, image ${size} MiB" >&2
) 9>"$dir/.lock"
echo "$img"
