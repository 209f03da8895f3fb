package cgroup

import (
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// JoinPermitted says whether this process may move a process from its own
// cgroup into m's, before anything is started there. For a caller that
// owns a delegated cgroup v2 subtree (systemd's user@UID.service, or any
// subtree chowned to it) mkdir succeeds, but the kernel also checks the
// move itself: the writer needs write access to cgroup.procs of the
// destination and of the common ancestor of source and destination
// (Documentation/admin-guide/cgroup-v2.rst, "Delegation Containment"), and
// clone3(CLONE_INTO_CGROUP) is checked the same way. A user in a login
// session's scope creating under user@UID.service fails there. runc treats
// that failure like the mkdir's (ignored for a rootless container without
// limits); checking first keeps a failure out of the spawn. v1 managers
// (and a fake cgroupfs) answer nil.
func JoinPermitted(m Manager) error {
	v2, ok := m.(*v2Manager)
	if !ok {
		return nil
	}
	own, err := ownCgroups()
	if err != nil {
		return err
	}
	src := filepath.Join(v2.root, ownOr(own, ""))
	for _, d := range []string{v2.dir, commonAncestor(src, v2.dir)} {
		p := filepath.Join(d, "cgroup.procs")
		if err := unix.Faccessat(unix.AT_FDCWD, p, unix.W_OK, unix.AT_EACCESS); err != nil {
			return fmt.Errorf("move into cgroup %s: write %s: %w", v2.dir, p, err)
		}
	}
	return nil
}

// commonAncestor is the deepest directory containing both a and b (both
// clean and absolute).
func commonAncestor(a, b string) string {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	if n <= 1 {
		return "/"
	}
	return strings.Join(as[:n], "/")
}
