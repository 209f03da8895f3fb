#!/bin/bash
# Rootless podman with `--runtime gorunc` (rootless-podman.sh): the cgroupfs
# manager, no cgroupsPath, so the cgroup is made next to conmon's, in the
# user's delegated subtree. The systemd manager (the runtime's
# --systemd-cgroup, a libpod-<id>.scope in the user's systemd) is skipped
# while `gorunc --systemd-cgroup` is refused; 56-rootless-podman-runc shows
# runc 1.5.1 passing it.
. "$(dirname "$0")/rootless-podman.sh"
podman_checks gorunc cgroupfs "$US/app.slice/*"
if out=$(AS gorunc --systemd-cgroup list 2>&1); then
	podman_checks gorunc systemd "$US/user.slice/libpod-*.scope*"
else
	_tap skip "rootless podman gorunc (systemd): needs the systemd driver (gorunc --systemd-cgroup: ${out##*: })"
fi
expect "nothing left in the user's subtree" "" \
	"$(find "$CG$US" -mindepth 1 -type d \( -name 'libpod-*' -o -name '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*' \) 2>&1)"
