#!/usr/bin/env bash
# Installs what gorunc's demo and tests need, from Debian's packages, on a
# fresh machine. Idempotent: packages already present are not touched.
# Usage: scripts/install-deps.sh [build|demo|test|bench]
set -euo pipefail
# gcc and musl-tools (musl-gcc): bin/gorunc is a static cgo binary linked
# against musl (Makefile).
want=(gcc musl-tools)
[ "${1:-test}" = build ] || want+=(busybox-static)
if [ "${1:-test}" = test ]; then
	# runc and crun: compared against in tests and `make bench`;
	# qemu/cpio: the cgroup v2 VM tier.
	want+=(runc crun qemu-system-x86 cpio procps)
	# mmdebstrap/e2fsprogs: the systemd VM tier's root image (Debian 12 from
	# Debian's packages, mkfs.ext4 -d; tests/vm-systemd/mkimage.sh).
	want+=(mmdebstrap e2fsprogs)
	# podman/conmon: the podman tier (tests/e2e/podman); script (bsdutils)
	# gives it a pty for -t, unshare (util-linux) a private mount namespace.
	want+=(podman conmon bsdutils util-linux)
	# containerd (with ctr and containerd-shim-runc-v2): the containerd tier
	# (tests/e2e/containerd).
	want+=(containerd)
	# the CRI tier (tests/e2e/cri): the pods' bridge, host-local IPAM and
	# portmap (iptables of the tier's own network namespace); jq reads
	# crictl's and critest's JSON; gcc/libc6-dev build the static pause.
	want+=(containernetworking-plugins iptables jq gcc libc6-dev)
	# iproute2: tests/integration/nspath_test.go adds a link in a netns.
	want+=(iproute2)
	# strace: tests/integration/sync_test.go counts synchronous writes,
	# startc_test.go tells whose fifo removal failed (chattr, from
	# e2fsprogs, refuses it).
	want+=(strace)
	# uidmap (newuidmap/newgidmap): rootless containers mapping more than
	# the caller's own id (tests/integration/rootless_test.go).
	want+=(uidmap)
	# libseccomp-dev, pkg-config: runc 1.5.1 built as the tests' reference
	# (Makefile RUNC_REF).
	want+=(libseccomp-dev pkg-config)
	# criu: checkpoint/restore, run in the VM tier (tests/vm/payloads/
	# gorunc-criu.sh); the host's kernel lets it check nothing.
	want+=(criu)
	want+=(docker.io) # Docker Engine 20.10 (dockerd, docker): the Docker tier (tests/e2e/docker)
fi
if [ "${1:-test}" = bench ]; then
	# make bench: the runtimes compared against, gnuplot for the PNG,
	# util-linux (unshare: private mount namespace and the floor), GNU time
	# for the CLI peak RSS, strace for docs/performance.md, git describe.
	want+=(runc crun gnuplot-nox strace time util-linux coreutils procps git)
fi
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Tiers run in parallel (make test, several worktrees) may all find a
# package missing at once: one apt-get at a time, through a lock of our
# own (apt-get update has no lock timeout), and dpkg's lock waited for
# rather than failing at once if something else holds it.
exec 9>/run/gorunc-install-deps.lock
flock -w 900 9 || { echo "install-deps: waited 900 s for another install (/run/gorunc-install-deps.lock)" >&2; exit 1; }
apt-get update -qq
apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
