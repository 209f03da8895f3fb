package main

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/nsexec"
	"github.com/gorunc/gorunc/rootfs"
	"github.com/gorunc/gorunc/runtime"
	"github.com/gorunc/gorunc/seccomp"
)

// cmdFeatures prints runtime-spec features.md JSON, built from the same
// tables the code uses so it cannot drift from what gorunc does.
func cmdFeatures(g *globals, args []string) (int, error) {
	if _, err := newFlags("features").Parse(args, 0); err != nil {
		return 1, err
	}
	no, yes := false, true
	v, err := cgroup.HostVersion()
	if err != nil {
		return 1, err
	}
	v1, v2 := v == 1, v == 2
	f := features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         runtime.HookNames(),
		MountOptions:  rootfs.MountOptions(),
		Linux: &features.Linux{
			Namespaces:   nsexec.Types(),
			Capabilities: runtime.CapabilityNames(),
			// --systemd-cgroup drives system units (cgroup/systemd.go);
			// units of a user's systemd (rootless) are not done yet.
			Cgroup:  &features.Cgroup{V1: &v1, V2: &v2, Systemd: &yes, SystemdUser: &no},
			Seccomp: seccompFeatures(),
			// AppArmor profiles are applied (runtime/lsm.go); SELinux
			// labels are refused.
			Apparmor: &features.Apparmor{Enabled: &yes},
			Selinux:  &features.Selinux{Enabled: &no},
		},
	}
	return 0, printJSON(f, "    ")
}

func seccompFeatures() *features.Seccomp {
	yes := true
	actions, ops, arches := seccomp.Features()
	return &features.Seccomp{
		Enabled:        &yes,
		Actions:        actions,
		Operators:      ops,
		Archs:          arches,
		KnownFlags:     seccomp.KnownFlags(),
		SupportedFlags: seccomp.KnownFlags(),
	}
}
