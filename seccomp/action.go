package seccomp

import (
	"fmt"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// actionBase is the SECCOMP_RET_* value of each spec action
// (Documentation/userspace-api/seccomp_filter.rst, "Return values").
// SCMP_ACT_KILL is libseccomp's alias for KILL_THREAD.
var actionBase = sync.OnceValue(func() map[specs.LinuxSeccompAction]uint32 {
	return map[specs.LinuxSeccompAction]uint32{
		specs.ActKill:        unix.SECCOMP_RET_KILL_THREAD,
		specs.ActKillThread:  unix.SECCOMP_RET_KILL_THREAD,
		specs.ActKillProcess: unix.SECCOMP_RET_KILL_PROCESS,
		specs.ActTrap:        unix.SECCOMP_RET_TRAP,
		specs.ActErrno:       unix.SECCOMP_RET_ERRNO,
		specs.ActTrace:       unix.SECCOMP_RET_TRACE,
		specs.ActAllow:       unix.SECCOMP_RET_ALLOW,
		specs.ActLog:         unix.SECCOMP_RET_LOG,
		specs.ActNotify:      unix.SECCOMP_RET_USER_NOTIF,
	}
})

// badArchAction is returned for a syscall made under an architecture the
// filter does not list (and for x32 numbers when only x86_64 is listed). It is
// libseccomp's default bad-arch action, which runc and crun keep, so a
// container cannot dodge the filter by switching ABI.
const badArchAction = unix.SECCOMP_RET_KILL_PROCESS

// retValue returns the filter's return value for an action. errnoRet is the
// spec's errnoRet: the errno for ERRNO (EPERM when absent, config-linux.md)
// and the data handed to the tracer for TRACE; any other action must not
// carry one ("When the action doesn't support an errno, the runtime MUST
// print and error and fail").
func retValue(act specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	base, ok := actionBase()[act]
	if !ok {
		return 0, fmt.Errorf("unknown action %q", act)
	}
	switch act {
	case specs.ActErrno, specs.ActTrace:
		data := uint(unix.EPERM)
		if errnoRet != nil {
			data = *errnoRet
		}
		if data > unix.SECCOMP_RET_DATA {
			return 0, fmt.Errorf("errnoRet %d of %s does not fit SECCOMP_RET_DATA (16 bits)", data, act)
		}
		return base | uint32(data), nil
	default:
		if errnoRet != nil {
			return 0, fmt.Errorf("errnoRet is not supported by action %s", act)
		}
		return base, nil
	}
}
