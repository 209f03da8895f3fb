#!/bin/sh
# Runs inside the VM (tests/vm/run.sh --module dummy): linux.netDevices
# with a dummy device, which the host lacks. The container's view (`ip`
# through busybox, via exec) and the VM's own view while it runs and after
# delete. runc does nothing on delete and neither does gorunc: the kernel
# destroys a virtual device with the dead namespace (a physical one would
# come back). When runc 1.5 is added as /usr/bin/runc-1.5.1, the same steps
# run with it and the two container views must be equal; runc also needs
# `--module xfrm_user --module nfnetlink` (its netlink handle in the
# container's namespace opens XFRM and NETFILTER sockets too, and fails
# with "protocol not supported" without them; gorunc opens only ROUTE).
# Prints TAP lines; exits non-zero on any failure.
set -u
pass=0 fail=0 n=0
ok()     { n=$((n+1)); pass=$((pass+1)); echo "ok $n - $1"; }
not_ok() { n=$((n+1)); fail=$((fail+1)); echo "not ok $n - $1"; [ $# -gt 1 ] && echo "#   $2"; }
has()    { case "$2" in *"$3"*) ok "$1";; *) not_ok "$1" "no '$3' in: $2";; esac; }
hasnt()  { case "$2" in *"$3"*) not_ok "$1" "'$3' in: $2";; *) ok "$1";; esac; }

if ! ip link add probe0 type dummy 2>/dev/null; then
	echo "ok 1 - # SKIP no dummy network device in this kernel (run.sh --module dummy)"
	exit 0
fi
ip link del probe0

R=/tmp/ndroot
mkdir -p $R/bin $R/proc $R/sys $R/dev
cp /bin/busybox $R/bin/busybox
for a in sh sleep ip; do ln -sf busybox $R/bin/$a; done
B=/tmp/ndbundle
mkdir -p $B
cat > $B/config.json <<JSON
{
  "ociVersion": "1.2.0",
  "process": {"args": ["sleep", "1000"], "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "$R"},
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}],
    "netDevices": {"d0": {"name": "ctr0"}}
  }
}
JSON

# normalize: drop interface indexes, MACs (and the link-local addresses
# made from them) and busybox's continuations.
normalize() {
	sed -e 's/[0-9a-f][0-9a-f]\(:[0-9a-f][0-9a-f]\)\{5\}/MAC/g' -e 's/fe80::[0-9a-f:]*/fe80::X/' -e 's/^[0-9]*: //' -e 's/@if[0-9]*/@ifN/' -e 's/[\\ 	][\\ 	]*/ /g'
}

# names: the VM's interface names, space-separated and padded, so that a
# check matches a name and never a random MAC ("02:d0:...").
names() { echo " $(ip -o link | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | tr '\n' ' ')"; }
has_name() { case "$(names)" in *" $1 "*) return 0 ;; esac; return 1; }

# scenario RUNTIME: prints the normalized container view to $1.view.
scenario() {
	rt=$1 name=$(basename "$1")
	ip link add d0 type dummy
	ip addr add 10.8.8.1/24 dev d0
	ip addr add fd00:8::1/64 dev d0
	if ! $rt --root /run/nd-$name run -d --bundle $B nd </dev/null >/dev/null 2>/tmp/nd-$name.err; then
		not_ok "$name: run with netDevices" "$(cat /tmp/nd-$name.err)"
		ip link del d0 2>/dev/null
		return
	fi
	view=$($rt --root /run/nd-$name exec nd sh -c 'ip -o link; ip -o addr' | normalize)
	echo "$view" > /tmp/nd-$name.view
	has "$name: lo is up in the container" "$view" "lo: <LOOPBACK,UP,LOWER_UP>"
	has "$name: d0 is ctr0 in the container, up" "$view" "ctr0: <BROADCAST,NOARP,UP,LOWER_UP>"
	has "$name: ctr0 kept its IPv4 address" "$view" "ctr0 inet 10.8.8.1/24"
	has "$name: ctr0 kept its IPv6 address" "$view" "ctr0 inet6 fd00:8::1/64 scope global"
	hasnt "$name: no d0 in the container" "$view" "d0:"
	hasnt "$name: d0 left the VM's namespace" "$(names)" " d0 "
	$rt --root /run/nd-$name delete -f nd
	i=0
	while has_name ctr0 && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
	after=$(names)
	hasnt "$name: the dummy is destroyed with the namespace (not returned)" "$after" " ctr0 "
	hasnt "$name: no d0 after delete" "$after" " d0 "
}

scenario /usr/bin/gorunc
if [ -x /usr/bin/runc-1.5.1 ]; then
	scenario /usr/bin/runc-1.5.1
	if cmp -s /tmp/nd-gorunc.view /tmp/nd-runc-1.5.1.view; then
		ok "gorunc's container view is runc 1.5.1's"
	else
		not_ok "gorunc's container view is runc 1.5.1's" "$(diff /tmp/nd-gorunc.view /tmp/nd-runc-1.5.1.view | tr '\n' '|')"
	fi
else
	echo "# runc 1.5.1 not in the VM (--add it as /usr/bin/runc-1.5.1 to compare)"
fi
echo "# netdevices: $pass passed, $fail failed"
[ $fail -eq 0 ]
