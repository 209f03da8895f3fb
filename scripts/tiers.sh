#!/usr/bin/env bash
# Runs `make TIER` for each tier given, in order, whatever the earlier ones
# did, prints each tier's wall time as it ends and a summary table at the
# end, and exits 1 when any tier failed. `make test` uses it so that one
# failing tier neither hides the others' results nor their times.
set -uo pipefail
declare -a rows
failed=0
total_start=$(date +%s)
for t in "$@"; do
	start=$(date +%s)
	echo "=== tier $t"
	if ${MAKE:-make} --no-print-directory "$t"; then
		status=ok
	else
		status=FAILED
		failed=1
	fi
	secs=$(( $(date +%s) - start ))
	echo "=== tier $t: $status in ${secs}s"
	rows+=("$(printf '%-16s %-7s %5ds' "$t" "$status" "$secs")")
done
echo "=== tiers (wall time)"
printf '%s\n' "${rows[@]}"
echo "total $(( $(date +%s) - total_start ))s"
exit $failed
