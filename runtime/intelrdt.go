package runtime

import (
	"errors"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// gorunc does not apply linux.intelRdt (no resctrl groups), so a config
// asking for it is refused rather than run without it: in runc 1.5's
// words where the host has no Intel RDT (runc refuses it there too), and
// as not supported where it has.
func validateIntelRdt(l *specs.Linux) error {
	if l.IntelRdt == nil {
		return nil
	}
	if ResctrlRoot() == "" {
		return errors.New("intelRdt is specified in config, but Intel RDT is not enabled")
	}
	return errors.New("linux.intelRdt: Intel RDT is not supported by gorunc")
}

// ResctrlRoot is where the resctrl filesystem is mounted, "" when it is
// not: /sys/fs/resctrl, or the first resctrl mount of /proc/self/mountinfo
// (runc's intelrdt.Root).
func ResctrlRoot() string {
	const std = "/sys/fs/resctrl"
	var st unix.Statfs_t
	if err := unix.Statfs(std, &st); err != nil {
		return ""
	}
	if st.Type == unix.RDTGROUP_SUPER_MAGIC {
		return std
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		// "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - FSTYPE SOURCE SUPER"
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if ok && len(f) >= 5 && len(g) >= 1 && g[0] == "resctrl" {
			return f[4]
		}
	}
	return ""
}
