#!/bin/bash
# The host shape the tier exists for: systemd is PID 1, cgroup v2 unified,
# dbus up (the system bus answers), and the root's controllers delegated.
. "$(dirname "$0")/lib.sh"

expect "PID 1 is systemd" systemd "$(cat /proc/1/comm)"
expect "/sys/fs/cgroup is cgroup2 (unified)" cgroup2fs "$(stat -f -c %T /sys/fs/cgroup)"
expect "no v1 hierarchy mounted" "" "$(awk '$3 == "cgroup" {print $2}' /proc/mounts)"
state=$(systemctl is-system-running 2>&1)
case $state in
running|starting) ok "systemd is up ($state)" ;;
*) notok "systemd is up" "is-system-running: $state" "$(systemctl --failed --no-legend 2>&1)" ;;
esac
expect "no failed units" "" "$(systemctl --failed --no-legend --plain 2>&1)"
check "dbus.service is active" systemctl is-active dbus.service
check "the system bus answers (busctl)" busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
for c in cpu memory pids io; do
	if grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control; then ok "root delegates $c"; else notok "root delegates $c" "$(cat /sys/fs/cgroup/cgroup.subtree_control)"; fi
done
expect "this payload runs in vmtest.service's cgroup" 0::/system.slice/vmtest.service "$(cat /proc/self/cgroup)"
check "gorunc installed" gorunc --version
echo "# systemd $(systemctl --version | head -1), kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime) s"
