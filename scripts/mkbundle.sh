#!/usr/bin/env bash
# Builds a busybox OCI rootfs from Debian's busybox-static.
# Usage: scripts/mkbundle.sh ROOTFS_DIR
set -euo pipefail
root=${1:?usage: mkbundle.sh ROOTFS_DIR}
bb=/bin/busybox
[ -x "$bb" ] || { echo "mkbundle: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,root,run,var}
install -m 0755 "$bb" "$root/bin/busybox"
for app in $("$bb" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
