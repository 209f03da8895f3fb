#!/bin/bash
# `make install` into a scratch DESTDIR puts the binaries, man pages and the
# bash completion where PREFIX says, and `make uninstall` removes exactly
# them (the unit tier runs this; it touches nothing outside the scratch dir).
set -euo pipefail
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make -s install DESTDIR="$dest" PREFIX=/usr >/dev/null
for f in bin/gorunc bin/cgroup-tool share/man/man8/gorunc.8 share/man/man8/gorunc-run.8 \
	share/bash-completion/completions/gorunc; do
	[ -f "$dest/usr/$f" ] || { echo "check-install: make install did not install /usr/$f" >&2; exit 1; }
done
"$dest/usr/bin/gorunc" --version | grep -q '^gorunc version ' ||
	{ echo "check-install: installed gorunc --version failed" >&2; exit 1; }
make -s uninstall DESTDIR="$dest" PREFIX=/usr
left=$(find "$dest" -type f)
[ -z "$left" ] || { echo "check-install: make uninstall left: $left" >&2; exit 1; }
echo "check-install: ok (install and uninstall under a scratch DESTDIR)"
