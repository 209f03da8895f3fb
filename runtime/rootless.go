package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/cgroup"
	sd "github.com/gorunc/gorunc/cgroup/systemd"
	"github.com/gorunc/gorunc/nsexec"
	"github.com/gorunc/gorunc/userns"
)

// Rootless resolves the global --rootless flag as runc 1.5 does
// (rootless_linux.go shouldUseRootlessCgroupManager): "true" and "false"
// are taken as given; "auto" (or nothing) is decided by rootlessAuto.
func Rootless(mode string, systemd bool) (bool, error) {
	switch mode {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "", "auto":
	default:
		return false, fmt.Errorf("--rootless %q: must be auto, true or false", mode)
	}
	return rootlessAuto(os.Geteuid(), userns.Running(), systemd, func() (int, error) { return sd.OwnerUID(true) }), nil
}

// rootlessAuto is runc 1.5's "auto": rootless when the effective uid is not
// 0 (with --systemd-cgroup: the user's own systemd makes the scope), not
// for the host's root. uid 0 of a user namespace (rootless podman calls
// the runtime so) owns no host cgroup, so it is rootless too, except with
// --systemd-cgroup when the session bus belongs to uid 0 (a rootful
// systemd in that namespace): ownerUID asks the bus (busctl --user
// status); when it cannot answer the caller is taken for root, as runc.
func rootlessAuto(euid int, inUserNS, systemd bool, ownerUID func() (int, error)) bool {
	switch {
	case euid != 0:
		return true
	case !inUserNS:
		return false
	case systemd:
		uid, err := ownerUID()
		return err == nil && uid != 0
	}
	return true
}

// XDGRoot is the default --root for a caller that must not use DefaultRoot,
// as runc 1.5 chooses it (shouldHonorXDGRuntimeDir): $XDG_RUNTIME_DIR/gorunc
// when XDG_RUNTIME_DIR is set and the caller is not the host's root, or is
// uid 0 of a user namespace whose $USER is not "root". "" means DefaultRoot.
func XDGRoot() string {
	xdg := os.Getenv("XDG_RUNTIME_DIR")
	if xdg == "" {
		return ""
	}
	if os.Geteuid() == 0 {
		if !userns.Running() {
			// The host's root keeps /run/gorunc even when a login gave
			// it XDG_RUNTIME_DIR=/run/user/0, as runc.
			return ""
		}
		if u, ok := os.LookupEnv("USER"); ok && u == "root" {
			return ""
		}
	}
	return filepath.Join(xdg, "gorunc")
}

// MakeXDGRoot creates an XDGRoot directory as runc does: 0700 and sticky,
// which the XDG Base Directory spec asks for so that the session's cleaner
// does not remove files a long-running container still needs.
func MakeXDGRoot(root string) error {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return fmt.Errorf("the path in $XDG_RUNTIME_DIR must be writable by the user: %w", err)
	}
	if err := os.Chmod(root, 0o700|os.ModeSticky); err != nil {
		return fmt.Errorf("the path in $XDG_RUNTIME_DIR must be writable by the user: %w", err)
	}
	return nil
}

// withoutCgroup decides what a create does when its cgroup could not be
// made (err from Apply, nothing left of it). As runc 1.5 (cgroups fs/fs2
// Apply with Rootless): a rootless caller denied the cgroupfs runs a
// container that has no linux.cgroupsPath and asks for no limits without a
// cgroup; one that asks for limits, or names its cgroup, gets one error
// naming the cgroup it could not write (runc fails later, at the first
// limit, with "container could not join or create cgroup").
func (s Store) withoutCgroup(spec *specs.Spec, err error) (cgroup.Manager, error) {
	if !s.Rootless || !cgroup.IsPermission(err) {
		return nil, err
	}
	if spec.Linux.CgroupsPath != "" {
		return nil, fmt.Errorf("rootless: linux.cgroupsPath %s: %w", spec.Linux.CgroupsPath, err)
	}
	if cgroup.NeedsCgroup(spec.Linux.Resources) {
		return nil, fmt.Errorf("rootless: linux.resources needs a cgroup the caller can write (a delegated cgroup v2 subtree): %w", err)
	}
	return cgroup.None(), nil
}

// validateRootlessEUID is runc 1.5's check of a config run by an
// unprivileged caller (libcontainer/configs/validate/rootless.go), in its
// words: without a user namespace of its own nothing else could work, and
// the caller can only be mapped by a map it gives.
func validateRootlessEUID(spec *specs.Spec) error {
	if !nsexec.Has(spec.Linux.Namespaces, specs.UserNamespace) {
		return errors.New("rootless container requires user namespaces")
	}
	if len(spec.Linux.UIDMappings) == 0 {
		return errors.New("rootless containers requires at least one UID mapping")
	}
	if len(spec.Linux.GIDMappings) == 0 {
		return errors.New("rootless containers requires at least one GID mapping")
	}
	return rootlessGroups(spec.Process)
}

// rootlessGroups: an unprivileged caller's process keeps the caller's
// supplementary groups, as runc's (setupUser: no setgroups(2) when
// RootlessEUID, initConfig.RootlessEUID), so it may not ask for others, in
// runc's words.
func rootlessGroups(p *specs.Process) error {
	if os.Geteuid() != 0 && p != nil && len(p.User.AdditionalGids) > 0 {
		return errors.New("cannot set any additional groups in a rootless container")
	}
	return nil
}
