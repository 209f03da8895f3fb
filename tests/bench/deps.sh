#!/usr/bin/env bash
# What `make bench` needs beyond the test dependencies (runc, crun, procps
# from scripts/install-deps.sh): gnuplot for the PNG, strace and util-linux
# (unshare, for the floor) for docs/performance.md's profiling. Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../scripts/install-deps.sh" test
want=(gnuplot-nox strace util-linux coreutils git)
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
