#!/bin/sh
# Runs inside the cgroup v2 VM (tests/vm/run.sh): the seed lesson's
# exercises end to end with gorunc and cgroup-tool on a real cgroup v2.
# Prints TAP lines and a final "N passed, N failed" line; exits non-zero on
# any failure.
set -u
G=/usr/bin/gorunc
CT=/usr/bin/cgroup-tool
CG=/sys/fs/cgroup
pass=0 fail=0 n=0
ok()     { n=$((n+1)); pass=$((pass+1)); echo "ok $n - $1"; }
not_ok() { n=$((n+1)); fail=$((fail+1)); echo "not ok $n - $1"; [ $# -gt 1 ] && echo "#   $2"; }
check()  { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi; }
# stopped ID: waits until ID's state says stopped, up to 5 s: KILL is
# asynchronous, and a TCG guest on a busy host is slow to exit.
stopped() { i=0; while [ $i -lt 50 ] && ! $G state "$1" | grep -q '"status": "stopped"'; do sleep 0.1; i=$((i + 1)); done; }

# A busybox rootfs for every bundle.
R=/tmp/rootfs
mkdir -p $R/bin $R/proc $R/sys $R/dev $R/tmp
cp /bin/busybox $R/bin/busybox
for a in sh sleep cat dd echo true ls head rm mknod; do ln -sf busybox $R/bin/$a; done

# bundle DIR ARGS_JSON LINUX_EXTRA_JSON: writes DIR/config.json.
bundle() {
	mkdir -p "$1"
	cat > "$1/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "process": {"args": $2, "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$R"},
  "hostname": "vm",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid", "nodev", "noexec"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "nodev", "noexec"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}, {"type": "cgroup"}]$3
  }
}
EOF
}
cgroup_of() { sed -n 's/^0:://p' /proc/$1/cgroup; }

# 1. Runtime-managed limits: the seed's values, mapped exactly.
bundle /b/managed '["sleep", "1000"]' ',
    "cgroupsPath": "/managed/c1",
    "resources": {
      "memory": {"limit": 52428800, "reservation": 41943040},
      "cpu": {"quota": 50000, "period": 100000, "shares": 1024},
      "pids": {"limit": 20}
    }'
if $G run -d --bundle /b/managed managed; then
	pid=$($G state managed | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	cg=$(cgroup_of "$pid")
	check "managed: container in /managed/c1" "$cg" "/managed/c1"
	check "managed: memory.max" "$(cat $CG$cg/memory.max)" 52428800
	check "managed: memory.low" "$(cat $CG$cg/memory.low)" 41943040
	check "managed: cpu.max" "$(cat $CG$cg/cpu.max)" "50000 100000"
	check "managed: cpu.weight (shares 1024)" "$(cat $CG$cg/cpu.weight)" 100
	check "managed: pids.max" "$(cat $CG$cg/pids.max)" 20
	$G pause managed && check "pause: cgroup.freeze" "$(cat $CG$cg/cgroup.freeze)" 1
	$G state managed | grep -q '"status": "paused"' && ok "pause: state says paused" || not_ok "pause: state says paused"
	$G resume managed && check "resume: cgroup.freeze" "$(cat $CG$cg/cgroup.freeze)" 0
	$G kill --all managed KILL; stopped managed
	$G delete managed
	[ -d $CG/managed ] && not_ok "delete removes the cgroups gorunc created (parents too)" || ok "delete removes the cgroups gorunc created (parents too)"
else
	not_ok "managed: run -d"
fi

# 2. OOM: 60 MiB in a 50 MiB container.
bundle /b/oom '["dd", "if=/dev/zero", "of=/dev/null", "bs=60M", "count=1"]' ',
    "cgroupsPath": "/oom",
    "resources": {"memory": {"limit": 52428800, "swap": 52428800}}'
$G run --keep --bundle /b/oom oom; rc=$?
check "oom: exit status 137" "$rc" 137
kills=$(sed -n 's/^oom_kill //p' $CG/oom/memory.events)
[ "${kills:-0}" -ge 1 ] && ok "oom: memory.events oom_kill >= 1" || not_ok "oom: memory.events oom_kill >= 1" "oom_kill=$kills"
$G delete oom

# 3. Pre-made cgroup (the seed's Exercise 3): joined as it is, never removed.
$CT create my-containers && $CT create my-containers/container1
echo "+memory +cpu +pids" > $CG/my-containers/cgroup.subtree_control
$CT memory-max my-containers/container1 52428800
$CT cpu-max my-containers/container1 "50000 100000"
$CT pids-max my-containers/container1 20
bundle /b/premade '["sleep", "1000"]' ',
    "cgroupsPath": "/my-containers/container1"'
if $G run -d --bundle /b/premade premade; then
	pid=$($G state premade | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	check "premade: /proc/PID/cgroup" "$(cgroup_of $pid)" "/my-containers/container1"
	grep -qx "$pid" $CG/my-containers/container1/cgroup.procs && ok "premade: cgroup.procs lists the container" || not_ok "premade: cgroup.procs lists the container"
	$G kill premade KILL; stopped premade; $G delete premade
	[ -d $CG/my-containers/container1 ] && ok "premade: cgroup survives delete" || not_ok "premade: cgroup survives delete"
	check "premade: limits untouched" "$(cat $CG/my-containers/container1/memory.max)" 52428800
else
	not_ok "premade: run -d"
fi

# 4. Pre-made + resources: the resources are applied.
bundle /b/premade2 '["true"]' ',
    "cgroupsPath": "/my-containers/container1",
    "resources": {"memory": {"limit": 33554432}}'
$G run --bundle /b/premade2 premade2
check "premade+resources: memory.max applied" "$(cat $CG/my-containers/container1/memory.max)" 33554432
$CT delete my-containers/container1; $CT delete my-containers

# 5. pids.max 5 set BEFORE the container starts: init's own threads must not
# trip it (runc's Go init fails 5 of 19 starts here).
$CT create pids-test; echo "+pids" > $CG/pids-test/cgroup.subtree_control 2>/dev/null
$CT pids-max pids-test 5
bundle /b/pids '["true"]' ',
    "cgroupsPath": "/pids-test"'
good=0
for i in $(seq 1 20); do $G run --bundle /b/pids pids$i && good=$((good+1)); done
check "pids: 20 of 20 starts under pids.max=5" "$good" 20
bundle /b/pids7 '["sh", "-c", "for i in 1 2 3 4 5 6 7; do sleep 100 & echo started $i; done"]' ',
    "cgroupsPath": "/pids-test"'
$G run --bundle /b/pids7 pids7 >/tmp/pids.out 2>&1
started=$(grep -c '^started' /tmp/pids.out)
# The shell is one of the 5 tasks: at most 4 sleeps start, then fork fails.
[ "$started" -lt 7 ] && grep -q "fork" /tmp/pids.out && ok "pids: fork fails after the limit ($started of 7 started)" || not_ok "pids: fork fails after the limit" "$(cat /tmp/pids.out)"
max=$(sed -n 's/^max //p' $CG/pids-test/pids.events)
[ "${max:-0}" -gt 0 ] && ok "pids: pids.events max > 0" || not_ok "pids: pids.events max > 0"
$CT delete pids-test

# 5b. pids.max 1 set between create and start: a created init is one thread
# (stage 2, nsexec/stage2.c), and start still works.
bundle /b/pids1 '["sh", "-c", "exit 3"]' ',
    "cgroupsPath": "/pids-one"'
if $G create --bundle /b/pids1 pids1 </dev/null >/dev/null 2>&1; then
	ipid=$($G state pids1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	check "pids.max 1: created init has 1 thread" "$(sed -n 's/^Threads:[[:space:]]*//p' /proc/$ipid/status)" 1
	echo 1 > $CG/pids-one/pids.max
	check "pids.max 1: start works" "$($G start pids1 >/dev/null 2>&1; echo $?)" 0
	for i in $(seq 1 100); do [ "$($G state pids1 | grep -c '"stopped"')" = 1 ] && break; sleep 0.05; done
	check "pids.max 1: no fork refused" "$(cat $CG/pids-one/pids.events)" "max 0"
	$G delete -f pids1
else
	not_ok "pids.max 1: create"
fi

# 5b. Devices: the eBPF program denies what the rules deny (ttyS0, 4:64),
# keeps the default devices, and allows everything when told to.
for mode in deny allow; do
	[ $mode = deny ] && rule='{"allow": false, "access": "rwm"}' || rule='{"allow": true, "access": "rwm"}'
	bundle /b/dev-$mode '["sh", "-c", "rm -f /tmp/t; mknod /tmp/t c 4 64 && (echo devtest > /tmp/t && echo dev-open || echo dev-denied); test -c /dev/null && echo y > /dev/null && echo null-ok"]' ",
    \"cgroupsPath\": \"/dev-$mode\",
    \"resources\": {\"devices\": [$rule]}"
	out=$($G run --bundle /b/dev-$mode dev-$mode 2>&1)
	[ $mode = deny ] && want=dev-denied || want=dev-open
	echo "$out" | grep -q $want && echo "$out" | grep -q null-ok && ok "devices ($mode all): $want, /dev/null usable" || not_ok "devices ($mode all)" "$out"
done

# 5c. update changes the limits of a running container live (flags and
# --resources - on stdin, the second keeping the first's values), and
# events --stats reports non-zero usage in runc's JSON shape.
bundle /b/upd '["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1000"]' ',
    "cgroupsPath": "/upd/c1",
    "resources": {"memory": {"limit": 52428800}, "cpu": {"quota": 50000, "period": 100000}, "pids": {"limit": 20}}'
if $G run -d --bundle /b/upd upd; then
	$G update --memory 64m --cpu-quota 25000 upd && ok "update: flags accepted" || not_ok "update: flags accepted"
	check "update: memory.max changed live" "$(cat $CG/upd/c1/memory.max)" 67108864
	check "update: cpu.max changed live" "$(cat $CG/upd/c1/cpu.max)" "25000 100000"
	echo '{"pids": {"limit": 9}}' | $G update --resources - upd
	check "update --resources -: pids.max" "$(cat $CG/upd/c1/pids.max)" 9
	check "update: memory.max kept by a later update" "$(cat $CG/upd/c1/memory.max)" 67108864
	ev=$($G events --stats upd)
	echo "$ev" | grep -q '^{"type":"stats","id":"upd","data":{' && ok "events --stats: one stats event" || not_ok "events --stats: one stats event" "$ev"
	mem=$(echo "$ev" | grep -o '"usage":{"limit":[0-9]*,"usage":[0-9]*' | head -1 | sed 's/.*://')
	cpu=$(echo "$ev" | grep -o '"total":[0-9]*' | head -1 | sed 's/.*://')
	pids=$(echo "$ev" | grep -o '"pids":{"current":[0-9]*' | sed 's/.*://')
	[ "${mem:-0}" -gt 0 ] && ok "events --stats: memory usage $mem > 0" || not_ok "events --stats: memory usage > 0" "$ev"
	[ "${cpu:-0}" -gt 0 ] && ok "events --stats: cpu total $cpu > 0" || not_ok "events --stats: cpu total > 0" "$ev"
	[ "${pids:-0}" -ge 1 ] && ok "events --stats: pids current $pids >= 1" || not_ok "events --stats: pids current >= 1" "$ev"
	$G kill upd KILL
	stopped upd
	if $G update --memory 32m upd 2>/tmp/err; then not_ok "update of a stopped container refused" "update succeeded"
	else ok "update of a stopped container refused: $(cat /tmp/err)"; fi
	$G delete upd
	[ -d $CG/upd ] && not_ok "update: delete removes the cgroup" || ok "update: delete removes the cgroup"
else
	not_ok "update: run -d"
fi

# 5d. unified: memory.high written verbatim; kill --all reaches every
# process of a container without a pid namespace (cgroup.kill).
mkdir -p /b/unified
cat > /b/unified/config.json <<EOF
{
  "ociVersion": "1.2.0",
  "process": {"args": ["sh", "-c", "sleep 1000 & sleep 1000 & wait"], "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$R"},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {
    "namespaces": [{"type": "mount"}],
    "cgroupsPath": "/unified-test",
    "resources": {"memory": {"limit": 67108864}, "unified": {"memory.high": "33554432"}}
  }
}
EOF
if $G run -d --bundle /b/unified unified; then
	check "unified: memory.high written" "$(cat $CG/unified-test/memory.high)" 33554432
	check "unified: the mapped memory.max too" "$(cat $CG/unified-test/memory.max)" 67108864
	sleep 0.3
	procs=$(wc -l < $CG/unified-test/cgroup.procs)
	[ "$procs" -ge 3 ] && ok "kill --all: $procs processes before" || not_ok "kill --all: processes before" "$procs"
	$G kill --all unified KILL
	# SIGKILL is delivered at once, the exits take their time: up to 5 s
	# for a TCG guest whose host is busy (1 s was once too short).
	i=0; while [ -s $CG/unified-test/cgroup.procs ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	check "kill --all: cgroup empty" "$(wc -l < $CG/unified-test/cgroup.procs)" 0
	$G delete unified
	[ -d $CG/unified-test ] && not_ok "unified: cgroup removed" || ok "unified: cgroup removed"
else
	not_ok "unified: run -d"
fi

# 5c. Frozen cgroups never hang a command (tests/integration/hangs_test.go
# checks the same on v1): a pre-made cgroup with cgroup.freeze=1, or under
# an ancestor with it, is refused at once with runc's words and left frozen;
# start of a container frozen after create refuses; delete --force of it
# works (v2 kills frozen tasks). timeout(1) turns a hang into a failure.
$CT create frozen-test && $CT create frozen-test/c
echo 1 > $CG/frozen-test/c/cgroup.freeze
bundle /b/frozen '["sleep", "1000"]' ',
    "cgroupsPath": "/frozen-test/c"'
for cmd in "run -d" create; do
	timeout 20 $G $cmd --bundle /b/frozen frozen1 2>/tmp/err; rc=$?
	check "frozen cgroup: $cmd exits 1 at once" "$rc" 1
	grep -q "container's cgroup unexpectedly frozen: $CG/frozen-test/c is cgroup.freeze=1" /tmp/err && ok "frozen cgroup: $cmd names it" || not_ok "frozen cgroup: $cmd names it" "$(cat /tmp/err)"
done
check "frozen cgroup: still frozen" "$(cat $CG/frozen-test/c/cgroup.freeze)" 1
check "frozen cgroup: no process in it" "$(wc -l < $CG/frozen-test/c/cgroup.procs)" 0
$G state frozen1 >/dev/null 2>&1 && not_ok "frozen cgroup: no state left" || ok "frozen cgroup: no state left"
echo 0 > $CG/frozen-test/c/cgroup.freeze
echo 1 > $CG/frozen-test/cgroup.freeze
timeout 20 $G create --bundle /b/frozen frozen2 2>/tmp/err; rc=$?
check "frozen ancestor: create exits 1 at once" "$rc" 1
grep -q "frozen by its ancestor $CG/frozen-test " /tmp/err && ok "frozen ancestor: named" || not_ok "frozen ancestor: named" "$(cat /tmp/err)"
echo 0 > $CG/frozen-test/cgroup.freeze
if timeout 20 $G create --bundle /b/frozen frozen3; then
	echo 1 > $CG/frozen-test/c/cgroup.freeze
	timeout 20 $G start frozen3 2>/tmp/err; rc=$?
	check "frozen after create: start exits 1" "$rc" 1
	grep -q "paused" /tmp/err && ok "frozen after create: start says paused" || not_ok "frozen after create: start says paused" "$(cat /tmp/err)"
	timeout 20 $G delete --force frozen3; rc=$?
	check "frozen after create: delete --force" "$rc" 0
	check "frozen after create: no process left" "$(wc -l < $CG/frozen-test/c/cgroup.procs)" 0
else
	not_ok "frozen after create: create"
fi
echo 0 > $CG/frozen-test/c/cgroup.freeze
$CT delete frozen-test/c; $CT delete frozen-test

# 6. Bad input leaves nothing in /sys/fs/cgroup.
before=$(find $CG -type d | wc -l)
bundle /b/bad '["true"]' ',
    "cgroupsPath": "/bad/c1",
    "resources": {"cpu": {"shares": 1}}'
$G run --bundle /b/bad bad 2>/tmp/err && not_ok "bad shares rejected" || ok "bad shares rejected: $(cat /tmp/err)"
check "bad input: no cgroup left" "$(find $CG -type d | wc -l)" "$before"

# 7. AppArmor, where the VM's kernel has it (the host has none): a profile
# is applied, not ignored. "unconfined" always exists; an unknown profile
# must fail the container (as runc: the kernel refuses the change-onexec).
# Each under both inits: the setup program (the default, its debug line
# checked) and Go init (GORUNC_INIT=go), which must agree.
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	for p in unconfined gorunc-no-such-profile; do
		bundle /b/aa-$p '["cat", "/proc/self/attr/current"]' ',
    "cgroupsPath": "/aa"'
		sed -i 's|"cwd": "/"|"cwd": "/", "apparmorProfile": "'$p'"|' /b/aa-$p/config.json
		for init in prog go; do
			rm -f /tmp/aalog
			if [ $init = go ]; then
				GORUNC_INIT=go timeout 20 $G --debug --log /tmp/aalog run --bundle /b/aa-$p aa >/tmp/out-$init 2>/tmp/err-$init; rc=$?
			else
				timeout 20 $G --debug --log /tmp/aalog run --bundle /b/aa-$p aa >/tmp/out-$init 2>/tmp/err-$init; rc=$?
				grep -q "init runs a setup program" /tmp/aalog && ok "apparmor $p: the setup program ran" || not_ok "apparmor $p: the setup program ran" "$(grep -o 'Go init ([^)]*)' /tmp/aalog | head -1)"
			fi
			eval rc_$init=$rc
			$G delete --force aa 2>/dev/null
		done
		if [ $p = unconfined ]; then
			check "apparmor: profile unconfined runs" "$rc_prog" 0
			check "apparmor: the process is unconfined" "$(cat /tmp/out-prog)" unconfined
		else
			check "apparmor: unknown profile fails the container" "$rc_prog" 1
			grep -q "unable to apply apparmor profile" /tmp/err-prog && ok "apparmor: runc's words" || not_ok "apparmor: runc's words" "$(cat /tmp/err-prog)"
		fi
		check "apparmor $p: Go init's exit code" "$rc_go" "$rc_prog"
		check "apparmor $p: Go init's output" "$(cat /tmp/out-go /tmp/err-go)" "$(cat /tmp/out-prog /tmp/err-prog)"
	done
else
	echo "# apparmor: not enabled in this kernel, skipped"
fi

# 8. runc 1.5 parity on a real cgroup v2: pids.limit 0 is pids.max 1 (as
# systemd's TasksMax); a device rule's "rwa" is "rw" (other letters
# dropped); a pre-made cgroup with a process in it is refused in runc's
# words, and that process is left alone.
bundle /b/par '["sleep", "1000"]' ',
    "cgroupsPath": "/par/c1",
    "resources": {"pids": {"limit": 0}, "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwa"}]}'
if $G run -d --bundle /b/par par 2>/tmp/err; then
	check "parity: pids.limit 0 is pids.max 1" "$(cat $CG/par/c1/pids.max)" 1
	$G delete --force par
else
	not_ok "parity: run -d with pids.limit 0 and device access rwa" "$(cat /tmp/err)"
fi
mkdir -p $CG/par2
sleep 1000 & squatter=$!
echo $squatter > $CG/par2/cgroup.procs
bundle /b/par2 '["true"]' ',
    "cgroupsPath": "/par2"'
if $G run --bundle /b/par2 par2 2>/tmp/err; then
	not_ok "parity: a non-empty pre-made cgroup is refused"
else
	grep -q "container's cgroup is not empty: 1 process(es) found" /tmp/err && ok "parity: non-empty cgroup refused in runc's words" || not_ok "parity: non-empty cgroup refused in runc's words" "$(cat /tmp/err)"
fi
kill -0 $squatter 2>/dev/null && ok "parity: the process already there is left alone" || not_ok "parity: the process already there is left alone"
kill $squatter; wait $squatter 2>/dev/null; rmdir $CG/par2

# 9. exec --cgroup on cgroup v2 (runc 1.5's exec.bats "runc exec --cgroup
# subcgroup [v2]"): one bare PATH below the container's cgroup; a path
# outside, a missing sub-cgroup and a v1 controller prefix are refused in
# runc's words; delete removes the sub-cgroup with the container's.
bundle /b/sub '["sleep", "1000"]' ',
    "cgroupsPath": "/sub/c"'
if $G run -d --bundle /b/sub sub 2>/tmp/err; then
	$G exec --cgroup .. sub true 2>/tmp/err; rc=$?
	check "exec --cgroup ..: exit 255" "$rc" 255
	grep -q "bad sub cgroup path: \.\." /tmp/err && ok "exec --cgroup ..: runc's words" || not_ok "exec --cgroup ..: runc's words" "$(cat /tmp/err)"
	$G exec --cgroup nonexistent sub true 2>/tmp/err; rc=$?
	check "exec --cgroup nonexistent: exit 255" "$rc" 255
	grep -q " adding pid .*no such file or directory" /tmp/err && ok "exec --cgroup nonexistent: runc's words" || not_ok "exec --cgroup nonexistent: runc's words" "$(cat /tmp/err)"
	$G exec --cgroup memory:foo sub true 2>/tmp/err
	grep -q "unknown controller memory in SubCgroupPaths" /tmp/err && ok "exec --cgroup memory:foo: no v1 controllers on v2" || not_ok "exec --cgroup memory:foo: no v1 controllers on v2" "$(cat /tmp/err)"
	check "exec --cgroup /: the container's cgroup" "$($G exec --cgroup / sub cat /proc/self/cgroup)" "0::/"
	mkdir $CG/sub/c/foobar
	check "exec --cgroup foobar: joins it" "$($G exec --cgroup foobar sub cat /proc/self/cgroup)" "0::/foobar"
	$G exec -d --cgroup foobar sub sleep 1000
	check "exec --cgroup foobar: the process stays there" "$(wc -l < $CG/sub/c/foobar/cgroup.procs)" 1
	# runc's fallback: once the container's cgroup enables a domain
	# controller for its children it takes no process (EBUSY); exec
	# without --cgroup joins init's cgroup, --cgroup / does not.
	initpid=$($G state sub | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	echo "$initpid" > $CG/sub/c/foobar/cgroup.procs
	echo +memory > $CG/sub/cgroup.subtree_control
	if echo +memory > $CG/sub/c/cgroup.subtree_control; then
		check "exec, domain controller on: joins init's cgroup" "$($G exec sub cat /proc/self/cgroup 2>&1)" "0::/foobar"
		$G exec --cgroup / sub true 2>/tmp/err; rc=$?
		check "exec --cgroup /, domain controller on: exit 255" "$rc" 255
		grep -q " adding pid .*busy" /tmp/err && ok "exec --cgroup /, domain controller on: no fallback" || not_ok "exec --cgroup /, domain controller on: no fallback" "$(cat /tmp/err)"
	else
		not_ok "exec fallback: enable memory for the container's children"
	fi
	$G delete --force sub 2>/tmp/err; rc=$?
	check "delete --force with a sub-cgroup" "$rc" 0
	[ -d $CG/sub ] && not_ok "delete removes the sub-cgroup too" || ok "delete removes the sub-cgroup too"
else
	not_ok "exec --cgroup: run -d" "$(cat /tmp/err)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
