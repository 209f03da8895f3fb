#!/bin/bash
# The checks of 55-rootless-podman with runc 1.5.1 (the reference, when the
# tier adds /vmtest/bin/runc-1.5.1), with both cgroup managers.
. "$(dirname "$0")/rootless-podman.sh"
command -v runc-1.5.1 >/dev/null || skip_section "runc 1.5.1 not in the VM (make vm-systemd adds build/tools/runc-1.5.1)"
podman_checks runc-1.5.1 cgroupfs "$US/app.slice/*"
podman_checks runc-1.5.1 systemd "$US/user.slice/libpod-*.scope*"
expect "nothing left in the user's subtree" "" \
	"$(find "$CG$US" -mindepth 1 -type d \( -name 'libpod-*' -o -name '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*' \) 2>&1)"
