#!/bin/sh
# `make bench-vm`: the bench harness (tests/bench, built static) inside the
# cgroup v2 VM, gorunc vs runc (Debian's 1.1.5 and 1.5.1) vs crun. Usage:
# bench.sh N COMMIT [harness flags]; later flags override the defaults here.
# No GNU time (no RSS rows), no gnuplot, no git in the VM; the floor uses
# busybox's unshare and chroot. TCG distorts absolute times: read the ratios.
# -many 100 and -conc-reps 1: TCG is 10-100x slower than the host; 1000
# containers per runtime, or three rounds of 50 for four runtimes, would not
# fit run.sh's timeout on a loaded host (a run with -conc-reps 3 under a
# host load of 30 spent over 20 minutes in the 50-container scenario).
# -list-reps 9: the medians of 3 list/state runs were TCG's noise (state
# at 10 and 100 containers, x1.49 apart at 11:09 of session 22, with a
# p90 of 17 ms on both); nine cost seconds.
n=${1:-10}
commit=${2:-unknown}
shift 2 2>/dev/null || shift $#
cd /tmp
echo "# bench in the cgroup v2 VM (QEMU TCG: absolute times are distorted, read the ratios)"
/usr/bin/bench -n "$n" -commit "$commit" -no-rss -no-plot -runc-ref /usr/bin/runc-1.5.1 -many 100 -list-reps 9 -conc-reps 1 \
	-gorunc /usr/bin/gorunc -rootfs /bench/rootfs -out /tmp/bench-results "$@"
