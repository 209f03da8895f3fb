#!/bin/bash
# The systemd VM tier's payload: runs every section (payloads/NN-*.sh, in
# name order) as its own bash process, TAP numbered across sections, the plan
# at the end. A section that cannot run on this VM skips with a reason. Exit 1
# when any test failed (or a section died).
#   all.sh [PATTERN]   only the sections whose file name matches PATTERN
here=$(cd "$(dirname "$0")" && pwd)
export TAP_STATE=/run/vmtest-tap
echo "0 0" >"$TAP_STATE"
# shellcheck source=lib.sh
. "$here/lib.sh"
died=0
for s in "$here"/[0-9][0-9]-*.sh; do
	name=${s##*/}
	[ -n "${1:-}" ] && [[ $name != *$1* ]] && continue
	echo "# --- ${name%.sh}"
	start=$(date +%s.%N)
	limit=${SECTION_TIMEOUT:-600}
	SECTION=${name%.sh} timeout -k 10 "$limit" bash "$s" &
	pid=$!
	# timeout(1) waits for its child after the KILL; a child stuck in
	# the kernel (D state) would keep it, and this tier, until run.sh's
	# outer limit (seen once in 20-cgroupfs). The watchdog shows what is
	# stuck, then lets go of it so the next sections still run.
	(
		sleep $((limit + 30))
		kill -0 "$pid" 2>/dev/null || exit 0
		echo "# ${name%.sh}: still running $((limit + 30)) s after it started; what is stuck:"
		ps -eo pid,ppid,stat,wchan:32,args | awk '$1 != 2 && $2 != 2 { print "#   " $0 }'
		kill -KILL "$pid"
	) &
	watched "$pid" $!
	rc=$?
	[ $rc = 0 ] || { notok "${name%.sh}: the section exited $rc (124: timeout)"; died=1; }
	echo "# ${name%.sh}: $(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}') s"
done
read -r n f <"$TAP_STATE"
echo "1..$n"
echo "# $((n - f)) passed, $f failed"
[ "$f" = 0 ] && [ "$died" = 0 ]
