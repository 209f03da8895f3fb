#!/bin/sh
# Smoke payload for the VM tier (runs inside the VM, busybox sh): checks that
# the guest offers what the gorunc cgroup v2 scenarios need. TAP output.
#   tests/vm/run.sh --add tests/vm/smoke.sh:/smoke.sh -- /smoke.sh
CG=/sys/fs/cgroup
S=$CG/smoke
n=0 pass=0 fail=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; [ -n "$2" ] && echo "#   $2"; }
# check DESC CMD...: one test from a command's exit status.
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d" "failed: $*"; fi; }
# expect DESC WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want '$2', got '$3'"; fi; }
# wait_for SECS CMD...: poll every 0.1 s.
wait_for() { t=$(($1 * 10)); shift; while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done; return 1; }
field() { v=$(awk -v k="$1" '$1 == k {print $2}' "$2"); echo "${v:-0}"; }
has_word() { tr ' ' '\n' <"$2" | grep -qx "$1"; }

# -- the hierarchy ------------------------------------------------------------
check "cgroup2 is mounted at $CG" awk -v m="$CG" '$2 == m && $3 == "cgroup2" {f = 1} END {exit !f}' /proc/mounts
for c in memory cpu pids io cpuset; do
	check "controller $c is in cgroup.controllers" has_word $c $CG/cgroup.controllers
done
check "the root is a tmpfs, not rootfs (pivot_root works)" \
	unshare -m sh -c 'mkdir -p /tmp/pr && mount -t tmpfs pr /tmp/pr && mkdir /tmp/pr/old && cd /tmp/pr && pivot_root . old'

# -- limits -------------------------------------------------------------------
check "mkdir $S" mkdir $S
check "enable +memory +cpu +pids in the root's subtree_control" sh -c "echo '+memory +cpu +pids' >$CG/cgroup.subtree_control"
echo 52428800 >$S/memory.max
expect "memory.max reads back 52428800" 52428800 "$(cat $S/memory.max)"
echo "50000 100000" >$S/cpu.max
expect "cpu.max reads back '50000 100000'" "50000 100000" "$(cat $S/cpu.max)"
echo 20 >$S/pids.max
expect "pids.max reads back 20" 20 "$(cat $S/pids.max)"

# -- membership ---------------------------------------------------------------
sh -c "echo \$\$ >$S/cgroup.procs && exec sleep 1000" &
sleeper=$!
wait_for 5 grep -qx "$sleeper" $S/cgroup.procs
expect "/proc/PID/cgroup of a sleep in it says 0::/smoke" "0::/smoke" "$(cat /proc/$sleeper/cgroup)"
expect "pids.current counts it" 1 "$(cat $S/pids.current)"

# -- freeze -------------------------------------------------------------------
echo 1 >$S/cgroup.freeze
check "cgroup.freeze=1 freezes it (cgroup.events frozen 1)" wait_for 10 sh -c "grep -qx 'frozen 1' $S/cgroup.events"
echo 0 >$S/cgroup.freeze
check "cgroup.freeze=0 thaws it (cgroup.events frozen 0)" wait_for 10 sh -c "grep -qx 'frozen 0' $S/cgroup.events"

# -- pids limit ---------------------------------------------------------------
# Siblings, not children: /smoke has a process, and the "no internal processes"
# rule keeps its subtree_control empty.
P=$CG/smoke-pids O=$CG/smoke-oom
mkdir $P
echo 3 >$P/pids.max
# The shell itself is one task; its forks beyond pids.max fail with EAGAIN.
sh -c "echo \$\$ >$P/cgroup.procs; for i in 1 2 3 4 5; do sleep 30 & done; kill \$(jobs -p) 2>/dev/null; exit 0" 2>/dev/null
check "forks beyond pids.max=3 fail (pids.events max >= 1)" test "$(field max $P/pids.events)" -ge 1

# -- OOM ----------------------------------------------------------------------
# dd's read(2) from /dev/zero touches the whole 60 MiB buffer.
mkdir $O
echo $((50 * 1024 * 1024)) >$O/memory.max
sh -c "echo \$\$ >$O/cgroup.procs && exec dd if=/dev/zero of=/dev/null bs=60M count=1" 2>/dev/null
rc=$?
expect "dd of 60 MiB in a 50 MiB cgroup is SIGKILLed (rc 137)" 137 "$rc"
check "memory.events oom_kill >= 1" test "$(field oom_kill $O/memory.events)" -ge 1

# -- kill and cleanup ---------------------------------------------------------
echo 1 >$S/cgroup.kill
wait "$sleeper" 2>/dev/null
check "cgroup.kill empties it (populated 0)" wait_for 5 sh -c "grep -qx 'populated 0' $S/cgroup.events"
echo 1 >$P/cgroup.kill
wait_for 5 sh -c "grep -qx 'populated 0' $P/cgroup.events"
check "rmdir removes the cgroups" rmdir $O $P $S
check "they are gone" test ! -e $S -a ! -e $P -a ! -e $O

echo "1..$n"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
