package main

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/gorunc/gorunc/cgroup/systemd"
	"github.com/gorunc/gorunc/netdev"
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
	c := commit
	if c == "" {
		c = vcsRevision()
	}
	f := features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         runtime.HookNames(),
		MountOptions:  rootfs.MountOptions(),
		// gorunc's own, as runc reports org.opencontainers.runc.*
		// (gorunc is not runc, and links no libseccomp).
		// runc's checkpoint.enabled is kept under its name: it says
		// the binary has checkpoint/restore (criu itself may still be
		// missing, as with runc).
		Annotations: map[string]string{
			"org.gorunc.version":         strings.TrimSpace(version),
			"org.gorunc.commit":          c,
			runtime.CheckpointAnnotation: "true",
		},
		// The config.json annotations gorunc acts on: with
		// --systemd-cgroup, org.systemd.property.* become unit
		// properties; org.criu.config names CRIU's configuration
		// file for checkpoint/restore (runc lists both).
		PotentiallyUnsafeConfigAnnotations: append([]string{systemd.PropertyPrefix}, runtime.PotentiallyUnsafeAnnotations()...),
		Linux: &features.Linux{
			Namespaces:   nsexec.Types(),
			Capabilities: runtime.CapabilityNames(),
			// Both drivers are built in, whatever this host mounts
			// (features.md: support, not the host's state);
			// --systemd-cgroup drives system units (cgroup/systemd.go),
			// and rootless the user's systemd's (cgroup/systemd/user.go).
			Cgroup:  &features.Cgroup{V1: &yes, V2: &yes, Systemd: &yes, SystemdUser: &yes, Rdma: &yes},
			Seccomp: seccompFeatures(),
			// AppArmor profiles are applied (runtime/lsm.go); SELinux
			// labels are refused.
			Apparmor: &features.Apparmor{Enabled: &yes},
			Selinux:  &features.Selinux{Enabled: &no},
			// mounts[].uidMappings/gidMappings and "idmap"/"ridmap"
			// (rootfs.OpenIDMapped); reported as runc 1.5 does,
			// whatever the kernel: mount_setattr(2) says at create.
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &yes}},
			// linux.intelRdt is refused (runtime/intelrdt.go).
			IntelRdt: &features.IntelRdt{Enabled: &no},
			MemoryPolicy: &features.MemoryPolicy{
				Modes: runtime.MemoryPolicyModes(),
				Flags: runtime.MemoryPolicyFlags(),
			},
			// linux.netDevices are moved (package netdev).
			NetDevices: netdev.Features(),
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
