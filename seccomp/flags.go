package seccomp

import (
	"fmt"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// filterFlags are the seccomp(2) SECCOMP_SET_MODE_FILTER flags the spec lets a
// profile ask for, with their kernel values (include/uapi/linux/seccomp.h).
// NEW_LISTENER and TSYNC_ESRCH are not in the list: gorunc sets them itself.
var filterFlags = sync.OnceValue(func() map[specs.LinuxSeccompFlag]uintptr {
	return map[specs.LinuxSeccompFlag]uintptr{
		"SECCOMP_FILTER_FLAG_TSYNC":            unix.SECCOMP_FILTER_FLAG_TSYNC,
		specs.LinuxSeccompFlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
		specs.LinuxSeccompFlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
		specs.LinuxSeccompFlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
	}
})

// kernelFlags turns the profile's flags into seccomp(2) flags. When the
// filter has a NOTIFY rule the kernel must hand back a listener fd
// (SECCOMP_FILTER_FLAG_NEW_LISTENER); combined with TSYNC the kernel
// requires TSYNC_ESRCH too, or it cannot tell an fd from a thread id in the
// return value (seccomp(2), "EINVAL ... NEW_LISTENER and TSYNC").
func kernelFlags(fl []specs.LinuxSeccompFlag, notify bool) (uintptr, error) {
	var out uintptr
	for i, f := range fl {
		v, ok := filterFlags()[f]
		if !ok {
			return 0, fmt.Errorf("linux.seccomp.flags[%d]: unknown flag %q", i, f)
		}
		out |= v
	}
	if notify {
		out |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		if out&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
			out |= unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
		}
	}
	return out, nil
}
