#!/bin/bash
# gorunc's cgroupfs driver on a systemd host: the way runc users run it under
# systemd, inside a delegated subtree (a transient scope with Delegate=yes,
# as `systemd-run -p Delegate=yes --scope` makes), cgroupsPath inside it.
# The seed's exercises: limits seen in the files, pause/resume, OOM, pids.max,
# delete cleans; systemd keeps its hands off (daemon-reload keeps the values).
. "$(dirname "$0")/lib.sh"
need systemd-run gorunc
UNIT=vmtest-cgroupfs.scope
if [ -z "${IN_SCOPE:-}" ]; then
	exec systemd-run --quiet --scope -p Delegate=yes --unit "$UNIT" env IN_SCOPE=1 bash "$0"
fi
CG=/sys/fs/cgroup
S=$(cgroup_of $$)
expect "the section runs in the delegated scope" "/system.slice/$UNIT" "$S"
expect "systemd: the scope is delegated" yes "$(systemctl show -P Delegate "$UNIT")"
# No processes in inner nodes on v2: this shell moves to a leaf of its own,
# then the scope hands its controllers down.
mkdir "$CG$S/supervisor" && echo $$ >"$CG$S/supervisor/cgroup.procs" ||
	skip_section "cannot move into $S/supervisor"
for c in cpu memory pids; do echo "+$c" >"$CG$S/cgroup.subtree_control"; done
expect "the scope enables cpu memory pids below it" "cpu memory pids" "$(tr ' ' '\n' <"$CG$S/cgroup.subtree_control" | grep -xE 'cpu|memory|pids' | paste -sd' ')"
B=/run/vmtest-bundles
mkdir -p $B

# 1. Runtime-managed limits, the seed's values, in a cgroup gorunc makes.
bundle $B/managed '["sleep", "1000"]' "$S/managed/c1" \
	'{"memory": {"limit": 52428800, "reservation": 41943040}, "cpu": {"quota": 50000, "period": 100000, "shares": 1024}, "pids": {"limit": 20}}'
# -d: the container keeps the stdio it is given; never a pipe we read to EOF.
if gorunc run -d --bundle $B/managed managed </dev/null >/dev/null 2>$B/err; then
	pid=$(state_pid managed)
	cg=$(cgroup_of "$pid")
	expect "managed: the container's cgroup" "$S/managed/c1" "$cg"
	expect "managed: memory.max" 52428800 "$(cat "$CG$cg/memory.max")"
	expect "managed: memory.low" 41943040 "$(cat "$CG$cg/memory.low")"
	expect "managed: cpu.max" "50000 100000" "$(cat "$CG$cg/cpu.max")"
	expect "managed: cpu.weight (shares 1024)" 100 "$(cat "$CG$cg/cpu.weight")"
	expect "managed: pids.max" 20 "$(cat "$CG$cg/pids.max")"
	systemctl daemon-reload
	expect "managed: systemctl daemon-reload keeps memory.max (delegated)" 52428800 "$(cat "$CG$cg/memory.max")"
	expect "managed: ... and pids.max" 20 "$(cat "$CG$cg/pids.max")"
	gorunc pause managed && expect "pause: cgroup.freeze" 1 "$(cat "$CG$cg/cgroup.freeze")"
	gorunc resume managed && expect "resume: cgroup.freeze" 0 "$(cat "$CG$cg/cgroup.freeze")"
	gorunc kill managed KILL
	wait_for 5 sh -c "! kill -0 $pid" || notok "managed: SIGKILL ends the container"
	check "managed: delete" gorunc delete managed
	if [ -d "$CG$S/managed" ]; then notok "delete removes the cgroups gorunc made (parents too)" "$(find "$CG$S/managed")"
	else ok "delete removes the cgroups gorunc made (parents too)"; fi
	expect "the scope is still active" active "$(systemctl is-active "$UNIT")"
else
	notok "managed: run -d" "$(cat $B/err)"
fi

# 2. OOM: 60 MiB in a 50 MiB container without swap.
bundle $B/oom '["dd", "if=/dev/zero", "of=/dev/null", "bs=60M", "count=1"]' "$S/oom" \
	'{"memory": {"limit": 52428800, "swap": 52428800}}'
gorunc run --keep --bundle $B/oom oom >/dev/null 2>&1
expect "oom: exit status 137" 137 "$?"
kills=$(sed -n 's/^oom_kill //p' "$CG$S/oom/memory.events" 2>/dev/null)
if [ "${kills:-0}" -ge 1 ]; then ok "oom: memory.events oom_kill=$kills"; else notok "oom: memory.events oom_kill >= 1" "oom_kill=${kills:-none}"; fi
gorunc delete oom
expect "oom: delete removes the cgroup" no "$([ -d "$CG$S/oom" ] && echo yes || echo no)"

# 3. pids.max 5 on a pre-made parent: 20 starts succeed, forks past it fail.
mkdir "$CG$S/pids-test" && echo +pids >"$CG$S/pids-test/cgroup.subtree_control" && echo 5 >"$CG$S/pids-test/pids.max"
bundle $B/pids '["true"]' "$S/pids-test/c"
good=0 errs=
for i in $(seq 20); do
	if gorunc run --bundle $B/pids pids$i >/dev/null 2>$B/err; then good=$((good + 1)); else errs+="pids$i: $(cat $B/err) "; gorunc delete -f pids$i >/dev/null 2>&1; fi
done
if [ "$good" = 20 ]; then ok "pids: 20 of 20 starts under a parent's pids.max=5"
else notok "pids: 20 of 20 starts under a parent's pids.max=5" "$good started; $errs" "pids.events: $(cat "$CG$S/pids-test/pids.events")"; fi
bundle $B/pids7 '["sh", "-c", "for i in 1 2 3 4 5 6 7; do sleep 100 & echo started $i; done"]' "$S/pids-test/c7"
out=$(gorunc run --bundle $B/pids7 pids7 2>&1)
started=$(grep -c '^started' <<<"$out")
if [ "$started" -lt 7 ] && grep -q fork <<<"$out"; then ok "pids: fork fails past the limit ($started of 7 started)"
else notok "pids: fork fails past the limit" "$out"; fi
gorunc delete -f pids7 >/dev/null 2>&1
rmdir "$CG$S/pids-test" 2>/dev/null
expect "pids: nothing left below the parent" "" "$(find "$CG$S/pids-test" -mindepth 1 -type d 2>/dev/null)"

# 4. Nothing of gorunc's is left: state, cgroups below the scope.
expect "no container left (gorunc list)" "" "$(gorunc list -q 2>&1)"
expect "only the supervisor cgroup left in the scope" "$CG$S/supervisor" "$(find "$CG$S" -mindepth 1 -type d)"
