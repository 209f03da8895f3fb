// Package rootfs builds a container's filesystem view inside a new mount
// namespace: the OCI mounts in order, /dev and its devices, pivot_root (or
// MS_MOVE + chroot), masked and read-only paths. Every mount destination is
// resolved inside the rootfs without following symlinks out of it.
//
// It runs in the container's init, already inside the new mount namespace,
// as root and before capabilities are dropped, and knows nothing about
// cgroups or containers. Call order: Validate (optional, Prepare calls it),
// Prepare, PivotRoot, then Finalize.
package rootfs

import (
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Config is what init knows of the filesystem when it sets it up.
type Config struct {
	// Rootfs is the absolute host path of root.path.
	Rootfs string
	// Readonly is root.readonly: / is remounted read-only last.
	Readonly bool
	// Propagation is linux.rootfsPropagation. "" means rslave for /. The
	// rootfs bind is made private only if it came out shared (pivot_root
	// refuses a shared new root); the value is applied to the new / again
	// after the pivot.
	Propagation string
	// Mounts are the OCI mounts, in config order.
	Mounts []specs.Mount
	// Devices are linux.devices, created after the default devices.
	Devices []specs.LinuxDevice
	// MaskedPaths and ReadonlyPaths are linux.maskedPaths/readonlyPaths,
	// applied after pivot_root.
	MaskedPaths   []string
	ReadonlyPaths []string
	// NoPivot uses MS_MOVE + chroot instead of pivot_root (--no-pivot).
	NoPivot bool
	// BindDevices creates devices by bind-mounting the host's nodes instead
	// of mknod (user namespaces, where mknod is not allowed).
	BindDevices bool
	// NewCgroupNS is true when the container has its own cgroup namespace,
	// so a "cgroup" mount can be a fresh cgroup2 (or v1) mount rather than
	// binds of the host's hierarchy.
	NewCgroupNS bool
	// CgroupDir is the container's cgroup v2 directory on the host
	// (under /sys/fs/cgroup), "" without one: what a "cgroup" mount binds
	// when the kernel refuses a cgroup2 mount (mountCgroupV2).
	CgroupDir string
	// RootlessCgroups is the runtime's resolved --rootless: a "cgroup"
	// mount whose bind source cannot be found is masked (runc's
	// rootlessCgroups).
	RootlessCgroups bool
	// HostMountNS is true when the config has no mount namespace: the
	// mounts are made in the runtime's own mount namespace, where they
	// stay after the container is gone (as runc's), and the rootfs is
	// entered with chroot(2).
	HostMountNS bool
	// Sources are the bind sources the runtime opened before init
	// entered the user namespace (OpenBindSources), by index of Mounts;
	// nil where there is none. Prepare closes none of them.
	Sources []*os.File
	// UserNS is the container's user namespace, nil without one: an
	// "idmap" or "ridmap" mount without mappings of its own idmaps with
	// it (idmapOf).
	UserNS *UserNS

	// late are handles on the read-only tmpfs and /dev mounts Prepare
	// made read-write (delayReadonly); Finalize makes them read-only
	// and closes them.
	late []*os.File
}
