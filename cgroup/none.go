package cgroup

import (
	"errors"
	"os"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// None is the Manager of a container that has no cgroup: a rootless
// caller with no cgroup it can write, running a container that asks for no
// limits (runc 1.5 ignores the permission errors then, and so do we). Its
// processes stay in the caller's cgroup. What needs a cgroup fails with
// runc's words; what only reads reports nothing.
func None() Manager { return none{} }

type none struct{}

// errNone is runc's answer to pause without a cgroup.
var errNone = errors.New("cgroups not configured for container")

// ErrNoCgroup is the answer to limits without a cgroup, in runc's words.
var ErrNoCgroup = errors.New("cannot set limits: container could not join or create cgroup (rootless, no writable cgroup)")

func (none) Apply(int) error { return nil }

func (none) Set(r *specs.LinuxResources) error {
	if !NeedsCgroup(r) {
		return nil
	}
	return ErrNoCgroup
}

func (none) Freeze(bool) error          { return errNone }
func (none) Frozen() (bool, error)      { return false, nil }
func (none) FrozenBy() (*Frozen, error) { return nil, nil }
func (none) Pids() ([]int, error)       { return nil, errNone }
func (none) Kill(unix.Signal) error     { return errNone }
func (none) Stats() (*Stats, error)     { return &Stats{}, nil }
func (none) Destroy() error             { return nil }
func (none) Path(string) string         { return "" }
func (none) State() State               { return State{} }

// NeedsCgroup reports whether r asks for anything a cgroup controller
// enforces. Device rules alone do not count: in a user namespace the
// kernel's own checks on the bind-mounted device nodes apply (runc's
// needAnyControllers leaves devices out too).
func NeedsCgroup(r *specs.LinuxResources) bool {
	if r == nil {
		return false
	}
	c := *r
	c.Devices = nil
	if len(c.Unified) == 0 {
		c.Unified = nil
	}
	return !reflect.DeepEqual(c, specs.LinuxResources{})
}

// IsPermission reports whether err is the kernel refusing a cgroup
// operation to a caller without the rights (runc's isIgnorableError).
func IsPermission(err error) bool {
	return errors.Is(err, os.ErrPermission) || errors.Is(err, unix.EROFS) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)
}
