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
read -r up _ </proc/uptime
echo
echo "VMTEST-RESULT: rc=$rc uptime=$up "
if grep -qw vmtest.keep /proc/cmdline; then
	echo "VMTEST: vmtest.keep: staying up (log in as root on ttyS0 / the console)"
else
	systemctl --no-block poweroff
fi
exit 0
