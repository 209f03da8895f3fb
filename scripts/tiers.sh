#!/usr/bin/env bash
# Runs test tiers in lanes: each argument is one lane, a space-separated
# list of tiers run with `make TIER` in order, whatever the earlier ones
# did; the lanes run at the same time. `make test` gives two lanes: the
# tiers that run containers on this host, and the VM tiers (qemu, which
# share nothing with the host's tiers but the built binaries). Each tier's
# wall time is printed as it ends and a summary in the order given at the
# end, after the failure lines and last lines of each tier that failed;
# the exit status is 1 when any tier failed. With more than one lane,
# every line a tier prints is prefixed with "[TIER] ".
#
#   scripts/tiers.sh "unit integration" "vm vm-systemd"   # two lanes
#   scripts/tiers.sh "unit integration vm"                # one after the other
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: tiers.sh 'TIER...' ['TIER...' ...]" >&2; exit 2; }
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
prefix=$(( $# > 1 ))

# lane N TIER...: runs the tiers in order, one result line per tier in
# $results/N ("TIER ok|FAILED SECONDS").
lane() {
	local n=$1 t start status secs
	shift
	for t in "$@"; do
		start=$(date +%s)
		echo "=== tier $t"
		if [ "$prefix" = 1 ]; then
			${MAKE:-make} --no-print-directory "$t" 2>&1 | tee "$results/$t.log" | sed -u "s/^/[$t] /"
		else
			${MAKE:-make} --no-print-directory "$t" 2>&1 | tee "$results/$t.log"
		fi
		if [ "${PIPESTATUS[0]}" = 0 ]; then status=ok; else status=FAILED; fi
		secs=$(( $(date +%s) - start ))
		echo "=== tier $t: $status in ${secs}s"
		echo "$t $status $secs" >>"$results/$n"
	done
}

total_start=$(date +%s)
# Each lane in its own process group (job control), so that an interrupt
# stops the lanes this script started and everything they run.
set -m
pids=()
n=0
for l in "$@"; do
	# shellcheck disable=SC2086 # a lane is a word list
	lane "$n" $l &
	pids+=($!)
	n=$((n + 1))
done
set +m
stop() {
	for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	wait
	exit 130
}
trap stop INT TERM
wait

# result N TIER sets status and secs from lane N's result line for TIER.
result() {
	local r
	if r=$(grep -m1 "^$2 " "$results/$1" 2>/dev/null); then
		read -r _ status secs <<<"$r"
	else
		status=FAILED secs=0 # the lane died before it ran the tier
	fi
}

# A failed tier's failure lines and last lines again, after every lane has
# ended: a CI log that keeps only its tail still says why.
n=0
for l in "$@"; do
	for t in $l; do
		result "$n" "$t"
		[ "$status" != ok ] && [ -s "$results/$t.log" ] || continue
		echo "=== why $t failed: its failure lines, then its last 25 lines"
		grep -E -- '--- FAIL|^FAIL|^panic:|^not ok|_test\.go:[0-9]+:|\*\*\*' "$results/$t.log" | head -60
		echo "--- last lines of $t"
		tail -n 25 "$results/$t.log"
	done
	n=$((n + 1))
done

echo "=== tiers (wall time)"
failed=0
n=0
for l in "$@"; do
	for t in $l; do
		result "$n" "$t"
		[ "$status" = ok ] || failed=1
		printf '%-16s %-7s %5ds  (lane %d)\n' "$t" "$status" "$secs" "$n"
	done
	n=$((n + 1))
done
echo "total $(( $(date +%s) - total_start ))s"
exit $failed
