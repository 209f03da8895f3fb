#!/bin/bash
# Run by vmtest.service (systemd, PID 1 is systemd): installs the payload's
# binaries, runs /vmtest/payload.sh (run.sh's -- CMD), prints the markers
# tests/vm/run.sh reads on the serial console and powers off.
read -r up _ </proc/uptime
echo "VMTEST-START: uptime=$up"
for b in /vmtest/bin/*; do
	[ -e "$b" ] && install -m 0755 "$b" "/usr/local/bin/${b##*/}"
done
cd /vmtest || exit 125
bash /vmtest/payload.sh
rc=$?
if grep -qw vmtest.shell /proc/cmdline; then
	# tests/vm-systemd/run.sh --shell: ttyS1 is a unix socket on the host.
	echo "VMTEST: payload rc=$rc; a root shell on ttyS1 until it exits"
	setsid -c -w bash -il <>/dev/ttyS1 >&0 2>&0
fi
read -r up _ </proc/uptime
echo
echo "VMTEST-RESULT: rc=$rc uptime=$up "
systemctl --no-block poweroff
exit 0
