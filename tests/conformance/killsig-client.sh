#!/bin/sh
# The runtime as the killsig program sees it (run.sh puts this in front of
# every runtime for that program only): each command goes straight to
# $KILLSIG_RUNTIME, except that `kill ID SIG` first waits, at most 500
# polls 10 ms apart (some 5-8 s with each poll's fork), until the
# container's shell is in its `wait`, and then signals it whatever it found.
#
# Why: killsig's container runs sh -c "trap 'touch /SIG' SIG; sleep 10 &
# wait $!" and the program signals it as soon as `state` says running. A
# signal that lands after the trap but before the shell reaches `wait` is
# handled (the file is made) and the shell then waits the whole 10 s, past
# the program's 5 s, so the lifecycle fails. Which side wins depends only on
# how long the client's state + kill take: traced on this host, gorunc's
# (C, no Go runtime) signal came 9 ms after the shell's exec, crun 1.8.1's
# 33 ms, runc's later still; the shell needs ~7-12 ms under load to reach
# its wait. The pause makes the program check what it is about (the named
# signal reaches the container's process) for every runtime alike.
#
# busybox ash waits in sigsuspend (wchan "sigsuspend"), other shells in
# wait4 ("do_wait"); before its `wait` the shell never blocks in either.
rt=${KILLSIG_RUNTIME:?}
if [ "${1:-}" = kill ] && [ $# -ge 2 ]; then
	pid=$("$rt" state "$2" 2>/dev/null | sed -n 's/^ *"pid": \([0-9][0-9]*\),*$/\1/p')
	i=0
	while [ -n "$pid" ] && [ $i -lt 500 ]; do
		case $(cat "/proc/$pid/wchan" 2>/dev/null) in
		sigsuspend* | do_wait*) break ;;
		esac
		sleep 0.01
		i=$((i + 1))
	done
fi
exec "$rt" "$@"
