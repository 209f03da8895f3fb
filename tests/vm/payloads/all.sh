#!/bin/sh
# The VM tier's payload: gorunc's cgroup v2 scenarios, linux.netDevices
# with a dummy device (needs run.sh --module dummy), checkpoint/restore with
# CRIU (skipped without criu), then the cgroup package's real-kernel tests
# (TestV2Real*), which skip on the v1 host, and the user switch's
# dumpability under fs.suid_dumpable=1 (host-wide: no host test may set it).
rc=0
sh /payloads/gorunc-cgroup-v2.sh || rc=1
sh /payloads/netdevices.sh || rc=1
sh /payloads/gorunc-criu.sh || rc=1
echo "# cgroup package tests on a real cgroup v2"
cd /tmp && /usr/bin/cgroup.test -test.run 'TestV2Real' -test.v -test.count=1 || rc=1
echo "# init and exec-init stay non-dumpable after the user switch, fs.suid_dumpable=1"
echo 1 > /proc/sys/fs/suid_dumpable
/usr/bin/nsexec.test -test.run '^TestSetupIdentity$' -test.v -test.count=1 || rc=1
/usr/bin/runtime.test -test.run '^TestApplyUserKeepsNotDumpable$' -test.v -test.count=1 || rc=1
echo 0 > /proc/sys/fs/suid_dumpable
exit $rc
