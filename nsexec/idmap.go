package nsexec

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// write writes the maps of pid's user namespace, uid_map first, as Go's
// os/exec does for SysProcAttr.UidMappings.
//
// As root, setgroups stays "allow": the container's root must be able to
// call setgroups(2). A rootless caller (euid != 0) may write only a map of
// its own id, and for gid_map only once setgroups is "deny"
// (user_namespaces(7)); runc 1.5 denies it when the gid map is exactly the
// caller's gid (requiresRootOrMappingTool). Any other map is written by
// the setuid newuidmap/newgidmap (package uidmap), which check it against
// /etc/subuid and /etc/subgid, as runc does when its own write gets EPERM.
func (m *idMaps) write(pid int) error {
	proc := "/proc/" + strconv.Itoa(pid) + "/"
	if os.Geteuid() != 0 && ownIDOnly(m.gid, os.Getegid()) {
		if err := os.WriteFile(proc+"setgroups", []byte("deny"), 0); err != nil {
			return fmt.Errorf("write %ssetgroups: %w", proc, errors.Unwrap(err))
		}
	}
	for _, f := range []struct {
		name, tool string
		ms         []specs.LinuxIDMapping
	}{{"uid_map", "newuidmap", m.uid}, {"gid_map", "newgidmap", m.gid}} {
		var b strings.Builder
		for _, e := range f.ms {
			fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
		}
		path := proc + f.name
		err := os.WriteFile(path, []byte(b.String()), 0)
		if err == nil {
			continue
		}
		if !errors.Is(err, unix.EPERM) || os.Geteuid() == 0 {
			return fmt.Errorf("write %s: %w", path, errors.Unwrap(err))
		}
		if err := mapWithTool(f.tool, pid, f.ms); err != nil {
			return fmt.Errorf("write %s %q: %w", path, strings.ReplaceAll(strings.TrimSpace(b.String()), "\n", ", "), err)
		}
	}
	return nil
}

// ownIDOnly: the map is the caller's own id mapped alone, the one map an
// unprivileged process may write itself.
func ownIDOnly(ms []specs.LinuxIDMapping, id int) bool {
	return len(ms) == 1 && ms[0].Size == 1 && int64(ms[0].HostID) == int64(id)
}

// mapWithTool runs newuidmap or newgidmap PID ID HOSTID SIZE...
func mapWithTool(tool string, pid int, ms []specs.LinuxIDMapping) error {
	path, err := exec.LookPath(tool)
	if err != nil {
		return fmt.Errorf("a rootless caller may map only its own id; more needs %s (package uidmap) and ranges in /etc/sub%sid, but %s is not in $PATH", tool, tool[3:4], tool)
	}
	args := []string{strconv.Itoa(pid)}
	for _, e := range ms {
		args = append(args, strconv.FormatUint(uint64(e.ContainerID), 10), strconv.FormatUint(uint64(e.HostID), 10), strconv.FormatUint(uint64(e.Size), 10))
	}
	out, err := CombinedOutput(exec.Command(path, args...))
	if err != nil {
		return fmt.Errorf("%s: %s (%w)", path, strings.TrimSpace(string(out)), err)
	}
	return nil
}
