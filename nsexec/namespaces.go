// Package nsexec starts the container's init process in new namespaces, or
// in existing ones named by path.
//
// Creating namespaces needs no trickery: clone(2) flags do it, and Go's
// os/exec passes them (SysProcAttr.Cloneflags, with UidMappings/GidMappings
// for a user namespace). Joining is the hard part, because setns(2) refuses a
// mount or user namespace to a multi-threaded process (EINVAL; see setns(2)
// NOTES) and the Go runtime has several threads before main runs. The other
// types are per-thread and are joined here from a locked OS thread just
// before fork, so the child inherits them:
//
//	goroutine: LockOSThread()
//	  setns(net|uts|ipc|pid|cgroup|time fd)   -- only this thread moves
//	  clone(CLONE_NEW* for the rest) + execve /proc/self/exe init
//	goroutine exits still locked             -- Go discards the thread, so
//	                                            no other goroutine ever runs
//	                                            in the joined namespaces
//
// When a mount or user namespace is given by path, or a new user namespace
// is asked for, init is started through the nsenter constructor instead
// (nsenter.c, join.go): it joins every path in setns order from the still
// single-threaded process, unshares the new types (so they belong to the
// joined or new user namespace; the runtime writes a new one's id maps) and
// forks init. A new user namespace is not given to clone(2) because init's
// memory must belong to the host's user namespace for its non-dumpability
// to keep the container's root out (nsenter.c, "Dumpability").
package nsexec

import (
	"fmt"
	"sort"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// kind describes one namespace type: its clone flag and its /proc/PID/ns name.
type kind struct {
	flag   uintptr
	procNS string
}

// kinds is the table of namespace types gorunc knows; `features` prints its
// keys, so the command cannot drift from what the code does.
var kinds = sync.OnceValue(func() map[specs.LinuxNamespaceType]kind {
	return map[specs.LinuxNamespaceType]kind{
		specs.PIDNamespace:     {unix.CLONE_NEWPID, "pid"},
		specs.NetworkNamespace: {unix.CLONE_NEWNET, "net"},
		specs.MountNamespace:   {unix.CLONE_NEWNS, "mnt"},
		specs.IPCNamespace:     {unix.CLONE_NEWIPC, "ipc"},
		specs.UTSNamespace:     {unix.CLONE_NEWUTS, "uts"},
		specs.UserNamespace:    {unix.CLONE_NEWUSER, "user"},
		specs.CgroupNamespace:  {unix.CLONE_NEWCGROUP, "cgroup"},
		specs.TimeNamespace:    {unix.CLONE_NEWTIME, "time"},
	}
})

// Types lists the namespace types of the kinds table, sorted (for
// `features`): derived, so a type added to kinds is reported too.
func Types() []string {
	types := make([]string, 0, len(kinds()))
	for t := range kinds() {
		types = append(types, string(t))
	}
	sort.Strings(types)
	return types
}

// Validate checks linux.namespaces before anything is created: known types,
// no type listed twice, absolute paths.
func Validate(nss []specs.LinuxNamespace) error {
	seen := map[specs.LinuxNamespaceType]bool{}
	for i, ns := range nss {
		if _, ok := kinds()[ns.Type]; !ok {
			return fmt.Errorf("linux.namespaces[%d]: unknown namespace type %q", i, ns.Type)
		}
		if seen[ns.Type] {
			return fmt.Errorf("linux.namespaces[%d]: namespace type %q listed twice", i, ns.Type)
		}
		seen[ns.Type] = true
		if ns.Path != "" && ns.Path[0] != '/' {
			return fmt.Errorf("linux.namespaces[%d]: path %q is not absolute", i, ns.Path)
		}
	}
	return nil
}

// Has reports whether nss lists type t (new or joined).
func Has(nss []specs.LinuxNamespace, t specs.LinuxNamespaceType) bool {
	for _, ns := range nss {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// ProcName is the name of namespace type t under /proc/PID/ns ("" when t
// is unknown).
func ProcName(t specs.LinuxNamespaceType) string {
	return kinds()[t].procNS
}
