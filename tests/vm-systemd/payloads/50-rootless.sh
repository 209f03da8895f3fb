#!/bin/bash
# Rootless gorunc on a systemd host (issue 17): an ordinary user with
# lingering, so that user@UID.service runs and delegates a cgroup v2 subtree
# (a drop-in adds cpu, cpuset and io to Debian's memory and pids, as real
# hosts do), subuid/subgid ranges. gorunc runs as that user, `spec
# --rootless`, with linux.resources and the cgroupfs driver:
#  - inside a user scope with Delegate=yes (`systemd-run --user --scope`, as
#    runc's docs say): the cgroup is made next to the scope (runc's rule for
#    a relative path on v2: under the parent of the caller's cgroup), the
#    limits land there; exec, kill, delete; nothing left.
#  - from a cgroup the user cannot write (this root service's): one clear
#    error with limits, nothing left; without limits it runs without a cgroup.
# Every check runs for gorunc and for runc 1.5.1 (/usr/local/bin/runc-1.5.1,
# when the tier adds it) with the same config; differences are reported.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rootless-lib.sh"
need gorunc runuser loginctl systemd-run newuidmap
rootless_user || exit 0
declare -A exec_outside denied join
CG=/sys/fs/cgroup
US="/user.slice/user-$RUID.slice/user@$RUID.service"

expect "user@$RUID.service is active (linger)" active "$(systemctl is-active "user@$RUID.service")"
expect "user@$RUID.service: Delegate= (drop-in)" "cpu cpuset io memory pids" \
	"$(systemctl show -P DelegateControllers "user@$RUID.service" | tr ' ' '\n' | sort | paste -sd' ')"
have=$(cat "$CG$US/cgroup.controllers")
for c in cpu memory pids; do
	case " $have " in
	*" $c "*) ok "the user's subtree has $c ($US/cgroup.controllers)" ;;
	*) notok "the user's subtree has $c" "cgroup.controllers: $have" ;;
	esac
done
expect "the subtree is the user's (owner of $US/cgroup.procs)" "$RUSER" "$(stat -c %U "$CG$US/cgroup.procs")"
expect "subuid range" "$RUSER:100000:65536" "$(grep "^$RUSER:" /etc/subuid)"

runtimes=(gorunc)
command -v runc-1.5.1 >/dev/null && runtimes+=(runc-1.5.1) ||
	_tap skip "runc 1.5.1 not in the VM (tests/vm-systemd/run.sh --add .../runc-1.5.1:/vmtest/bin/runc-1.5.1)"
RES='"resources": {"memory": {"limit": 67108864}, "pids": {"limit": 20}},'

for rt in "${runtimes[@]}"; do
	T="$rt:"
	b=$RHOME/b-$rt
	out=$(AS sh -c "mkdir -p $b && cd $b && $rt spec --rootless" 2>&1) || { notok "$T spec --rootless" "$out"; continue; }
	ok "$T spec --rootless (as $RUSER)"
	[ "$rt" = gorunc ] || expect "spec --rootless: gorunc's file is runc's on this host" same \
		"$(cmp "$RHOME/b-gorunc/spec.json" "$b/config.json" 2>&1 && echo same)"
	# The file as written, then the test's changes: no terminal, the
	# shared busybox rootfs, the process, limits.
	AS sh -c "cp $b/config.json $b/spec.json && sed -i \
		-e 's/\"terminal\": true/\"terminal\": false/' \
		-e 's|\"path\": \"rootfs\"|\"path\": \"$ROOTFS\"|' \
		-e 's/^\t\t\t\"sh\"$/\t\t\t\"sleep\", \"1000\"/' \
		-e 's/^\t\"linux\": {$/\t\"linux\": {\n\t\t$RES/' $b/config.json"
	expect "$T the config has the limits" 1 "$(grep -c '"memory": {"limit": 67108864}' "$b/config.json")"

	# 1. In a delegated user scope: limits in the user's subtree.
	id=rl-$rt
	# -d: the container keeps the stdio it is given; never a pipe read to EOF.
	in_user_scope "$rt" run -d --bundle "$b" "$id" </dev/null >/run/rl-out 2>&1
	rc=$? out=$(cat /run/rl-out)
	if [ $rc = 0 ]; then
		ok "$T run -d in a user scope with Delegate=yes"
		pid=$(AS "$rt" state "$id" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
		cg=$(cgroup_of "$pid")
		expect "$T the container's cgroup is in the user's subtree, next to the caller's scope" "$US/app.slice/$id" "$cg"
		expect "$T memory.max" 67108864 "$(cat "$CG$cg/memory.max" 2>&1)"
		expect "$T pids.max" 20 "$(cat "$CG$cg/pids.max" 2>&1)"
		# The cgroup namespace of `spec --rootless` on v2: a cgroup2
		# mount of the container's own cgroup.
		expect "$T memory.max seen in the container (cgroupns)" 67108864 \
			"$(AS "$rt" exec "$id" cat /sys/fs/cgroup/memory.max 2>&1)"
		expect "$T /sys/fs/cgroup is read-only in the container" refused \
			"$(AS "$rt" exec "$id" sh -c "echo 1 >/sys/fs/cgroup/pids.max" >/dev/null 2>&1 && echo written || echo refused)"
		# exec from a user scope: the exec'd process joins the container's cgroup.
		expect "$T exec from a user scope joins the container's cgroup" "0::/" \
			"$(in_user_scope "$rt" exec "$id" cat /proc/self/cgroup 2>&1)"
		# exec from this root service's cgroup (the user cannot move a
		# process out of it): reported, compared with runc below.
		exec_outside[$rt]=$(AS "$rt" exec "$id" cat /proc/self/cgroup 2>&1; echo "rc=$?")
		check "$T kill KILL" AS "$rt" kill "$id" KILL
		wait_for 10 sh -c "! kill -0 $pid" || notok "$T the container's init ends after SIGKILL" "pid $pid still there"
		check "$T delete" AS "$rt" delete "$id"
		expect "$T delete removes the cgroup" no "$([ -d "$CG$cg" ] && echo yes || echo no)"
	else
		notok "$T run -d in a user scope with Delegate=yes" "$out"
		AS "$rt" delete -f "$id" >/dev/null 2>&1
	fi

	# 2. From a cgroup the user cannot write (vmtest.service's): with
	# limits, one line and nothing left; without, no cgroup at all.
	id=rl-$rt-denied
	AS "$rt" run -d --bundle "$b" "$id" </dev/null >/run/rl-out 2>&1
	rc=$? out=$(cat /run/rl-out)
	denied[$rt]=$out
	if [ $rc != 0 ] && [ "$(printf '%s\n' "$out" | grep -c .)" -le 2 ]; then
		ok "$T limits without a writable cgroup: refused (rc $rc): $(printf '%s' "$out" | tail -1 | cut -c1-160)"
	else
		notok "$T limits without a writable cgroup: refused with one line" "rc=$rc" "$out"
		AS "$rt" delete -f "$id" >/dev/null 2>&1
	fi
	expect "$T refused: no state left" "" "$(AS "$rt" list -q 2>&1)"
	expect "$T refused: no cgroup left" "" "$(find $CG/system.slice -name "$id" 2>&1)"

	# 3. A cgroupsPath inside the user's subtree, from vmtest.service's
	# cgroup: mkdir works (the user owns the subtree), the move does not
	# (the kernel wants cgroup.procs of the common ancestor, the root,
	# writable). gorunc checks before starting anything (JoinPermitted).
	id=rl-$rt-join
	AS sed "s|^\t\"linux\": {\$|\t\"linux\": {\n\t\t\"cgroupsPath\": \"$US/app.slice/$id\",|" "$b/config.json" >/run/rl-join.json
	install -o "$RUSER" -m 0644 /run/rl-join.json "$b/config.json"
	expect "$T the config names a cgroup in the user's subtree" 1 "$(grep -c "\"cgroupsPath\": \"$US/app.slice/$id\"" "$b/config.json")"
	AS "$rt" run -d --bundle "$b" "$id" </dev/null >/run/rl-out 2>&1
	rc=$? out=$(cat /run/rl-out)
	join[$rt]=$out
	if [ $rc != 0 ] && [ "$(printf '%s\n' "$out" | grep -c .)" -le 2 ]; then
		ok "$T a cgroup in the user's subtree from outside it: refused (rc $rc)"
	else
		notok "$T a cgroup in the user's subtree from outside it: refused with one line" "rc=$rc" "$out"
		AS "$rt" delete -f "$id" >/dev/null 2>&1
	fi
	expect "$T ... no state left" "" "$(AS "$rt" list -q 2>&1)"
	expect "$T ... the cgroup it made is removed" no "$([ -d "$CG$US/app.slice/$id" ] && echo yes || echo no)"
	# Without limits: no cgroup at all. And without the cgroup namespace
	# (the spec a v1 host writes): the kernel refuses a cgroup2 mount in a
	# user namespace that does not own the cgroup namespace, so the
	# runtime binds the host's hierarchy, read-only.
	AS cp "$b/spec.json" "$b/config.json"
	AS sh -c "sed -i -e 's/\"terminal\": true/\"terminal\": false/' -e 's|\"path\": \"rootfs\"|\"path\": \"$ROOTFS\"|' \
		-e 's/^\t\t\t\"sh\"$/\t\t\t\"sh\", \"-c\", \"cat \/proc\/self\/cgroup; cat \/sys\/fs\/cgroup\/cgroup.controllers >\/dev\/null \&\& test -d \/sys\/fs\/cgroup\/user.slice \&\& echo host-hierarchy; mkdir \/sys\/fs\/cgroup\/user.slice\/user-$RUID.slice\/user@$RUID.service\/rl-cve 2>\/dev\/null \&\& echo WRITABLE || echo read-only\"/' $b/config.json &&
		sed -i -z 's/{\n\t\t\t\t\"type\": \"cgroup\"\n\t\t\t},\n\t\t\t//' $b/config.json"
	expect "$T the config without a cgroup namespace" 0 "$(grep -c '"type": "cgroup"$' "$b/config.json")"
	out=$(AS "$rt" run --bundle "$b" "$id" 2>&1 </dev/null)
	# CVE-2023-25809: the bind must not let the container write the
	# user's delegated subtree, which its root (the user) owns.
	expect "$T no limits, no cgroupns, no writable cgroup: the caller's cgroup, /sys/fs/cgroup bound read-only from the host (CVE-2023-25809)" \
		"0::$(cgroup_of $$) host-hierarchy read-only" "$(echo $out)"
	rmdir "$CG$US/rl-cve" 2>/dev/null
	expect "$T ... nothing left" "" "$(AS "$rt" list -q 2>&1)"
done

if [ ${#runtimes[@]} = 2 ]; then
	# Side by side: the same outcome, the wording may differ.
	echo "# gorunc, exec from an unwritable cgroup: ${exec_outside[gorunc]//$'\n'/ }"
	echo "# runc,   exec from an unwritable cgroup: ${exec_outside[runc-1.5.1]//$'\n'/ }"
	expect "exec from an unwritable cgroup: gorunc's outcome is runc's (stays in the caller's cgroup)" \
		"$(tail -1 <<<"${exec_outside[runc-1.5.1]}")" "$(tail -1 <<<"${exec_outside[gorunc]}")"
	echo "# gorunc, limits from an unwritable cgroup: ${denied[gorunc]//$'\n'/ }"
	echo "# runc,   limits from an unwritable cgroup: ${denied[runc-1.5.1]//$'\n'/ }"
	echo "# gorunc, a cgroup in the user's subtree from outside it: ${join[gorunc]//$'\n'/ }"
	echo "# runc,   a cgroup in the user's subtree from outside it: ${join[runc-1.5.1]//$'\n'/ }"
fi
expect "nothing left in the user's subtree but its own units" "" \
	"$(find "$CG$US" -mindepth 1 -type d -name 'rl-*' 2>&1)"
expect "nothing left in the runtimes' state directories" "" \
	"$(find "/run/user/$RUID/gorunc" "/run/user/$RUID/runc" -mindepth 1 -maxdepth 1 2>/dev/null)"
