# Sourced by the rootless sections (50-rootless, 55-rootless-podman): the
# user they run as, made once per boot as a host's admin would: a home,
# subuid/subgid ranges, lingering (user@UID.service runs without a login)
# and the drop-in that delegates cpu, cpuset and io besides Debian's default
# memory and pids (systemd's own example, systemd.resource-control(5)).
RUSER=vmrootless
rootless_user() {
	if ! id "$RUSER" >/dev/null 2>&1; then
		useradd -m -s /bin/bash "$RUSER" || { notok "useradd $RUSER"; return 1; }
		# useradd gives ranges itself when /etc/subuid exists; not always.
		grep -q "^$RUSER:" /etc/subuid 2>/dev/null ||
			usermod --add-subuids 100000-165535 --add-subgids 100000-165535 "$RUSER"
		mkdir -p /etc/systemd/system/user@.service.d
		printf '[Service]\nDelegate=cpu cpuset io memory pids\n' >/etc/systemd/system/user@.service.d/delegate.conf
		systemctl daemon-reload
		loginctl enable-linger "$RUSER"
	fi
	RUID=$(id -u "$RUSER") RHOME=$(getent passwd "$RUSER" | cut -d: -f6)
	wait_for 60 systemctl is-active "user@$RUID.service" ||
		{ notok "user@$RUID.service starts after enable-linger" "$(systemctl status "user@$RUID.service" 2>&1 | tail -5)"; return 1; }
	wait_for 30 test -S "/run/user/$RUID/systemd/private" ||
		{ notok "the user's systemd answers (/run/user/$RUID/systemd/private)"; return 1; }
}
# AS CMD...: CMD as the user, with the environment a login would give
# (XDG_RUNTIME_DIR: the runtimes' default --root, podman's runroot), from
# this root service's cgroup, which the user cannot write.
AS() {
	runuser -u "$RUSER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$RHOME" USER="$RUSER" \
		LOGNAME="$RUSER" XDG_RUNTIME_DIR="/run/user/$RUID" \
		DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$RUID/bus" "$@"
}
# in_user_scope CMD...: CMD as the user in a new transient scope of the
# user's systemd with Delegate=yes (under user@UID.service/app.slice), as
# runc's docs run rootless containers with limits on cgroup v2.
in_user_scope() { AS systemd-run --user --scope --quiet -p Delegate=yes "$@"; }
