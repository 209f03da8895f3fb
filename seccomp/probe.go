package seccomp

import (
	"errors"
	"fmt"
	"sort"

	"golang.org/x/sys/unix"
)

// SupportedFlags lists the KnownFlags the running kernel accepts
// (features-linux.md "supportedFlags"). Like runc, it calls
// seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL): the kernel validates the
// flags before it copies the program in, so EFAULT means the flag is
// known and EINVAL that it is not. Nothing is installed either way.
func SupportedFlags() ([]string, error) {
	var out []string
	for name, v := range filterFlags() {
		// The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER
		// (kernel/seccomp.c, seccomp_set_mode_filter).
		if v == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
			v |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		}
		_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, v, 0)
		switch {
		case errors.Is(errno, unix.EFAULT):
			out = append(out, string(name))
		case errors.Is(errno, unix.EINVAL):
		default:
			return nil, fmt.Errorf("probe seccomp flag %s: %w", name, errno)
		}
	}
	sort.Strings(out)
	return out, nil
}
