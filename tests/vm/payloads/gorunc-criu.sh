#!/bin/sh
# Runs inside the cgroup v2 VM (tests/vm/run.sh): checkpoint and restore
# with CRIU, for gorunc and, when the VM has it (/usr/bin/runc, added from
# build/tools/runc-1.5.1), for runc 1.5 with the same steps, so a failure
# of CRIU itself shows on both. Needs /usr/sbin/criu (--add); skips
# without it. Prints TAP lines and "N passed, N failed"; exits non-zero on
# any failure of gorunc's (runc's results are reported, not judged).
set -u
pass=0 fail=0 n=0 judge=1
ok()     { n=$((n+1)); pass=$((pass+1)); echo "ok $n - $RT: $1"; }
not_ok() {
	n=$((n+1)); echo "not ok $n - $RT: $1"; [ $# -gt 1 ] && echo "#   $2"
	[ $judge = 1 ] && fail=$((fail+1))
}
check()  { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi; }

if [ ! -x /usr/sbin/criu ]; then
	echo "ok 1 # SKIP no /usr/sbin/criu in the VM (run.sh --add /usr/sbin/criu)"
	exit 0
fi
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "# $(criu --version | head -1)"
criu check >/tmp/criu-check.log 2>&1 && echo "# criu check: ok" || sed "s/^/# criu check: /" /tmp/criu-check.log | tail -4

R=/tmp/criu-rootfs
mkdir -p $R/bin $R/proc $R/sys $R/dev $R/tmp $R/data
cp /bin/busybox $R/bin/busybox
for a in sh sleep cat echo true readlink; do ln -sf busybox $R/bin/$a; done
mkdir -p /tmp/criu-data && echo hostdata > /tmp/criu-data/f

# A counter: its value lives only in the shell's memory, so a restored
# process continues from it where a restarted one would start again at 1.
COUNTER='i=0; while true; do i=$((i+1)); echo $i > /tmp/count; echo $i; sleep 0.1; done'

# bundle DIR: a config with a bind mount, masked paths and a cgroup mount,
# the mounts CRIU must be told are external.
bundle() {
	mkdir -p "$1"
	cat > "$1/config.json" <<EOF
{
  "ociVersion": "1.2.0",
  "process": {"args": ["sh", "-c", "$COUNTER"], "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$R"},
  "hostname": "criu",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid", "nodev", "noexec"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "nodev", "noexec"]},
    {"destination": "/data", "type": "bind", "source": "/tmp/criu-data", "options": ["rbind", "ro"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}, {"type": "cgroup"}],
    "maskedPaths": ["/proc/kcore", "/proc/scsi"],
    "readonlyPaths": ["/proc/sys"]
  }
}
EOF
}

# count ID: the counter's value inside container ID.
# count ID: the counter's last value. The loop rewrites /tmp/count with
# `>` (truncate, then write), so a read can fall between the two and see
# nothing: read again (seen once at load 10, "after=" empty).
count() {
	local n='' i=0
	while [ -z "$n" ] && [ $i -lt 10 ]; do
		n=$($RUN exec "$1" cat /tmp/count 2>$B/count.err) || cat $B/count.err >&2
		[ -n "$n" ] || sleep 0.1
		i=$((i + 1))
	done
	echo "$n"
}
status() { $RUN state "$1" 2>/dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }
settle() { sleep 1; }
# wait_running ID: up to 20 s for a container started in the background.
wait_running() {
	i=0
	while [ "$(status "$1")" != running ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
}
# why OUT LOG: the command's last line and the lines of criu's log up to
# its first error.
why() {
	tail -1 "$1"
	{ grep -m1 -B4 Error "$2" || tail -4 "$2"; } 2>/dev/null | sed 's/^/#     /'
}

scenario() {
	RT=$1 RUN="$2 --root /run/criu-$1"
	B=/tmp/criu-$RT
	rm -rf $B; bundle $B; cd $B

	# 1. checkpoint: images written, container gone; restore continues it.
	$RUN run -d --bundle $B c1 </dev/null >/dev/null 2>&1 || { not_ok "run -d"; return; }
	settle
	before=$(count c1)
	if $RUN checkpoint --image-path $B/img --work-path $B/work c1 >$B/ckpt.out 2>&1; then
		ok "checkpoint"
	else
		not_ok "checkpoint" "$(why $B/ckpt.out $B/work/dump.log)"
	fi
	[ -f $B/img/inventory.img ] && ok "checkpoint writes the images" || not_ok "checkpoint writes the images"
	st=$(status c1)
	check "state after checkpoint (container deleted, as runc)" "${st:-gone}" gone
	if $RUN restore -d --image-path $B/img --work-path $B/work --bundle $B --pid-file $B/pid c1 </dev/null >$B/rst.out 2>&1; then
		ok "restore -d"
	else
		not_ok "restore -d" "$(why $B/rst.out $B/work/restore.log)"
	fi
	check "state after restore" "$(status c1)" running
	pid=$($RUN state c1 2>/dev/null | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	check "pid file is the restored init" "$(cat $B/pid 2>/dev/null)" "${pid:-none}"
	settle
	after=$(count c1)
	if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ]; then
		ok "restored counter continues ($before -> $after)"
	else
		not_ok "restored counter continues" "before=$before after=$after"
	fi
	check "bind mount still there after restore" "$($RUN exec c1 cat /data/f 2>&1)" hostdata
	# criu restores into a time namespace of its own: exec joins it.
	check "exec joins the restored init's time namespace" "$($RUN exec c1 readlink /proc/self/ns/time 2>&1)" "$(readlink /proc/${pid:-0}/ns/time)"
	cg=$(sed -n 's/^0:://p' /proc/${pid:-0}/cgroup 2>/dev/null)
	[ -n "$cg" ] && [ "$cg" != / ] && ok "restored init in a cgroup of its own ($cg)" || not_ok "restored init in its cgroup" "cgroup '$cg'"

	# 2. --leave-running: images written, container keeps running.
	before=$(count c1)
	if $RUN checkpoint --leave-running --image-path $B/img2 c1 >$B/ckpt2.out 2>&1; then
		ok "checkpoint --leave-running"
	else
		not_ok "checkpoint --leave-running" "$(why $B/ckpt2.out $B/img2/dump.log)"
	fi
	check "state after --leave-running" "$(status c1)" running
	settle
	after=$(count c1)
	[ -n "$after" ] && [ "$after" -gt "${before:-0}" ] && ok "still counting after --leave-running" || not_ok "still counting after --leave-running" "before=$before after=$after"

	# 3. pre-dump, then a dump on top of it (--parent-path).
	if $RUN checkpoint --pre-dump --image-path $B/pre c1 >$B/pre.out 2>&1; then
		ok "checkpoint --pre-dump"
	else
		not_ok "checkpoint --pre-dump" "$(why $B/pre.out $B/pre/dump.log)"
	fi
	check "state after --pre-dump" "$(status c1)" running
	if $RUN checkpoint --image-path $B/final --parent-path ../pre c1 >$B/final.out 2>&1; then
		ok "checkpoint --parent-path ../pre"
	else
		not_ok "checkpoint --parent-path ../pre" "$(why $B/final.out $B/final/dump.log)"
	fi
	[ -L $B/final/parent ] && ok "dump links its parent images" || not_ok "dump links its parent images"
	if $RUN restore -d --image-path $B/final --bundle $B c1 </dev/null >$B/rst2.out 2>&1; then
		ok "restore from the incremental dump"
	else
		not_ok "restore from the incremental dump" "$(why $B/rst2.out $B/final/restore.log)"
	fi
	check "state after the second restore" "$(status c1)" running

	# 4. --manage-cgroups-mode soft, full and ignore, on dump and restore:
	# the restored init continues, in the container's own cgroup. strict
	# makes criu refuse the cgroup the runtime made before the restore
	# ("Abort restore of existing cgroups", runc alike): no container is
	# left, and the same images restore in the default mode.
	for mode in soft full ignore; do
		before=$(count c1)
		if $RUN checkpoint --manage-cgroups-mode $mode --image-path $B/cg-$mode c1 >$B/cg.out 2>&1 &&
			$RUN restore -d --manage-cgroups-mode $mode --image-path $B/cg-$mode --bundle $B c1 </dev/null >$B/cg.out 2>&1; then
			settle
			after=$(count c1)
			pid=$($RUN state c1 2>/dev/null | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
			check "--manage-cgroups-mode $mode: restored init's cgroup" "$(sed -n 's/^0:://p' /proc/${pid:-0}/cgroup 2>/dev/null)" /c1
			[ -n "$after" ] && [ "$after" -gt "${before:-0}" ] && ok "--manage-cgroups-mode $mode: counter continues ($before -> $after)" ||
				not_ok "--manage-cgroups-mode $mode: counter continues" "before=$before after=$after"
		else
			not_ok "--manage-cgroups-mode $mode: checkpoint and restore" "$(why $B/cg.out $B/cg-$mode/restore.log)"
		fi
	done

	$RUN checkpoint --manage-cgroups-mode strict --image-path $B/cg-strict c1 >$B/cg.out 2>&1 || not_ok "--manage-cgroups-mode strict: checkpoint" "$(why $B/cg.out $B/cg-strict/dump.log)"
	if $RUN restore -d --manage-cgroups-mode strict --image-path $B/cg-strict --bundle $B c1 </dev/null >$B/cg.out 2>&1; then
		not_ok "--manage-cgroups-mode strict: restore refused by criu"
	else
		grep -q "Abort restore of existing cgroups" $B/cg-strict/restore.log && ok "--manage-cgroups-mode strict: restore refused by criu (existing cgroup)" ||
			not_ok "--manage-cgroups-mode strict: restore refused by criu" "$(why $B/cg.out $B/cg-strict/restore.log)"
	fi
	check "--manage-cgroups-mode strict: no container left" "$(status c1)" ""
	$RUN restore -d --image-path $B/cg-strict --bundle $B c1 </dev/null >$B/cg.out 2>&1 || not_ok "restore of strict's images in the default mode" "$(why $B/cg.out $B/cg-strict/restore.log)"
	check "state after restoring strict's images" "$(status c1)" running

	# 5. stdio pipes and a foreground restore: the restored init writes
	# to the pipe restore was given (criu's inherit-fd), restore waits for
	# it, exits with its status and deletes it.
	( $RUN run -d --bundle $B p1 </dev/null 2>/dev/null | cat > $B/p1.out ) &
	wait_running p1
	settle
	if $RUN checkpoint --image-path $B/pimg p1 >$B/pck.out 2>&1; then
		ok "checkpoint of a container writing to a pipe"
	else
		not_ok "checkpoint of a container writing to a pipe" "$(why $B/pck.out $B/pimg/dump.log)"
	fi
	last=$(tail -1 $B/p1.out)
	( $RUN restore --image-path $B/pimg --bundle $B p1 </dev/null 2>$B/prs.err; echo $? > $B/prs.rc ) | cat > $B/p2.out &
	wait_running p1
	settle
	check "state during a foreground restore" "$(status p1)" running
	first=$(head -1 $B/p2.out)
	if [ -n "$last" ] && [ -n "$first" ] && [ "$first" -gt "$last" ]; then
		ok "restored init writes on to restore's stdout ($last, then $first)"
	else
		not_ok "restored init writes on to restore's stdout" "last before=$last first after=$first; $(tail -1 $B/prs.err)"
	fi
	$RUN kill p1 KILL >/dev/null 2>&1
	wait
	check "foreground restore exits with the container's status" "$(cat $B/prs.rc 2>/dev/null)" 137
	check "foreground restore deletes the container" "$(status p1)" ""

	# 7. a terminal (runc's own checkpoint test): the pty master goes to
	# --console-socket (recvtty keeps it), and on restore criu's new
	# master (orphan-pts-master) goes to restore's --console-socket.
	if [ -x /usr/bin/recvtty ]; then
		T=$B/tty
		mkdir -p $T
		sed 's/"process": {/"process": {"terminal": true, /' $B/config.json > $T/config.json
		recvtty $T/sock $T/out & rt=$!
		sleep 0.5
		$RUN run -d --console-socket $T/sock --bundle $T t1 </dev/null >$T/run.out 2>&1 || not_ok "run -d with a terminal" "$(tail -1 $T/run.out)"
		wait_running t1
		settle
		if $RUN checkpoint --image-path $T/img t1 >$T/ck.out 2>&1; then
			ok "checkpoint of a container with a terminal"
		else
			not_ok "checkpoint of a container with a terminal" "$(why $T/ck.out $T/img/dump.log)"
		fi
		last=$(tr -d '\r' < $T/out | tail -1)
		if $RUN restore -d --console-socket $T/sock --image-path $T/img --bundle $T t1 </dev/null >$T/rs.out 2>&1; then
			ok "restore -d --console-socket"
		else
			not_ok "restore -d --console-socket" "$(why $T/rs.out $T/img/restore.log)"
		fi
		settle
		now=$(tr -d '\r' < $T/out | tail -1)
		if [ -n "$last" ] && [ -n "$now" ] && [ "$now" -gt "$last" ]; then
			ok "restored init writes on to the new terminal ($last -> $now)"
		else
			not_ok "restored init writes on to the new terminal" "before=$last now=$now"
		fi
		$RUN delete -f t1 >/dev/null 2>&1
		kill $rt
	else
		echo "ok $((n+1)) # SKIP $RT: terminal: no /usr/bin/recvtty"; n=$((n+1))
	fi

	# 6. errors.
	$RUN checkpoint --image-path $B/bad c2 >$B/err1 2>&1 && not_ok "checkpoint of a missing container fails" || ok "checkpoint of a missing container fails: $(tail -1 $B/err1)"
	$RUN create --bundle $B c3 </dev/null >/dev/null 2>&1
	$RUN checkpoint --image-path $B/bad c3 >$B/err2 2>&1 && not_ok "checkpoint of a created container fails" || ok "checkpoint of a created container fails: $(tail -1 $B/err2)"
	$RUN delete -f c3 >/dev/null 2>&1
	$RUN restore -d --image-path $B/nothing --bundle $B c4 >$B/err3 2>&1 && not_ok "restore from an empty image path fails" || ok "restore from an empty image path fails: $(tail -1 $B/err3)"
	check "failed restore leaves no container" "$(status c4)" ""
	$RUN delete -f c1 >/dev/null 2>&1
	cd /
}

scenario gorunc /usr/bin/gorunc
if [ -x /usr/bin/runc ]; then
	judge=0
	scenario runc /usr/bin/runc
fi
echo "# $pass passed, $fail failed"
[ $fail -eq 0 ]
