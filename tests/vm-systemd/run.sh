#!/bin/bash
# Boot Debian 12 with systemd as PID 1 (cgroup v2 unified, dbus) and run a
# payload in it: the systemd VM tier (issue 16, tests/vm-systemd/README.md).
#
#   tests/vm-systemd/run.sh [tests/vm/run.sh options]... [--keep] -- CMD [ARG]...
#
# The root is the cached Debian image of mkimage.sh on a virtio disk, opened
# with snapshot=on (the image is never written). tests/vm/run.sh boots it: its
# initramfs, with tests/vm-systemd/init as /init, loads the virtio modules,
# mounts the disk, copies the payload (every --add, DEST under /vmtest) to a
# tmpfs at /vmtest and switch_roots to systemd, which boots vmtest.target:
# basic.target, dbus and vmtest.service (runner.sh), which installs
# /vmtest/bin/* to /usr/local/bin, runs CMD, prints the result marker on the
# serial console and powers off. Exit code: CMD's (124 timeout, 125 no marker).
#
# Also added: /vmtest/busybox-oci.tar, an OCI image layout (tar) of busybox
# named docker.io/gorunc/busybox:latest (tests/e2e/lib.sh builds it), for
# `ctr image import` and `podman load`.
#
#   --shell  after CMD, a root shell on the VM's second serial port, a unix
#            socket on the host (the path is printed; connect with
#            `socat -,raw,echo=0 UNIX-CONNECT:PATH`); the VM powers off when
#            the shell exits. Give a long --timeout.
#
# Environment: VMTEST_CACHE (kernel and root image cache), VMSYSTEMD_MEM (MiB,
# default 3072).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
shell=0 args=() append="systemd.unit=vmtest.target systemd.unified_cgroup_hierarchy=1 systemd.show_status=error"
while [ $# -gt 0 ]; do
	case "$1" in
	--shell) shell=1; append="$append vmtest.shell"; shift ;;
	--) break ;;
	*) args+=("$1"); shift ;;
	esac
done

start=$(date +%s)
img=$("$here/mkimage.sh")
echo "vm-systemd: root image $img ($(du -m "$img" | cut -f1) MiB on disk), ready after $(( $(date +%s) - start ))s" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/vm-systemd.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ "$shell" = 1 ]; then
	sock=${TMPDIR:-/tmp}/vm-systemd-shell.$$.sock
	trap 'rm -rf "$work" "$sock"' EXIT
	args=(--qemu -serial --qemu "unix:$sock,server=on,wait=off" ${args[@]+"${args[@]}"})
	echo "vm-systemd: debug shell after the payload: socat -,raw,echo=0 UNIX-CONNECT:$sock" >&2
fi
# shellcheck source=../e2e/lib.sh
. "$repo/tests/e2e/lib.sh"
layer=$(busybox_rootfs "$work/img-rootfs" && oci_init "$work/oci" && oci_layer "$work/oci" "$work/img-rootfs") ||
	{ echo "vm-systemd: building the busybox OCI image failed" >&2; exit 125; }
oci_image "$work/oci" docker.io/gorunc/busybox:latest \
	'{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"}' "$layer" &&
	oci_pack "$work/oci" "$work/busybox-oci.tar" ||
	{ echo "vm-systemd: packing the busybox OCI image failed" >&2; exit 125; }

vm=("$repo/tests/vm/run.sh" --init "$here/init" --mem "${VMSYSTEMD_MEM:-3072}"
	--qemu -drive --qemu "file=$img,if=virtio,format=raw,snapshot=on,cache=unsafe"
	--module virtio_pci --module virtio_blk --module overlay --module autofs4
	--add "$here/runner.sh:/vmtest/runner.sh" --add "$here/units:/vmtest/units"
	--add "$work/busybox-oci.tar:/vmtest/busybox-oci.tar"
	--append "$append")
"${vm[@]}" ${args[@]+"${args[@]}"} "$@"
