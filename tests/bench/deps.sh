#!/usr/bin/env bash
# Installs what `make bench` needs from Debian's packages: the runtimes
# compared against (runc, crun), gnuplot for the PNG, util-linux (unshare:
# the private mount namespace and the floor), GNU time for the CLI peak RSS,
# strace for the profile in docs/performance.md, git for `git describe`.
# busybox-static comes with the rootfs target (scripts/install-deps.sh demo).
# Idempotent.
set -euo pipefail
want=(runc crun gnuplot-nox strace time util-linux coreutils procps git)
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
