// Package cgroup places processes in cgroups and writes OCI linux.resources
// into them. One Manager interface serves both hierarchies: the v2 driver
// (unified, one directory per container) and the v1 driver (one directory per
// controller, as on hybrid hosts). The driver is chosen from the host's mounts.
//
// The package knows nothing about containers: it is given a cgroupsPath, a
// default name and resources, and remembers which directories it created so
// that Destroy removes those and nothing else (a pre-made cgroup is joined,
// never removed).
package cgroup

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Manager is what the runtime needs of a container's cgroup. Keep it as small
// as its callers need.
type Manager interface {
	// Apply creates the cgroup (or joins the pre-made one) and, when pid > 0,
	// moves pid into it. Directories it creates are recorded in State.
	Apply(pid int) error
	// Set writes resources. On create it runs before the init process does
	// any work; on update it replaces the previous values.
	Set(r *specs.LinuxResources) error
	// Freeze freezes (true) or thaws (false) every process in the cgroup.
	Freeze(frozen bool) error
	// Frozen reports whether the cgroup is frozen.
	Frozen() (bool, error)
	// FrozenBy says which freeze, of the cgroup or of an ancestor, holds
	// it (nil when none), also before Apply made it (frozen.go).
	FrozenBy() (*Frozen, error)
	// Pids lists every process in the cgroup (and its children).
	Pids() ([]int, error)
	// Kill sends sig to every process in the cgroup (cgroup.kill for
	// SIGKILL on v2 where the kernel has it).
	Kill(sig unix.Signal) error
	// Stats reads the current usage.
	Stats() (*Stats, error)
	// Destroy removes the directories this manager created, children
	// first, retrying briefly while the kernel still reports them busy.
	Destroy() error
	// Path is the container's cgroup directory for a controller on v1
	// ("memory", "cpu", ...), or its only directory on v2 (controller "").
	Path(controller string) string
	// State is what must be kept on disk to reopen this manager in a later
	// process (gorunc delete after gorunc create).
	State() State
}

// State is the serialisable part of a Manager.
type State struct {
	// Version is 1 or 2.
	Version int `json:"version"`
	// Paths maps a controller to its directory (v1); v2 uses the key "".
	Paths map[string]string `json:"paths"`
	// Created lists the directories this manager made, parents before
	// children, so Destroy removes them in reverse.
	Created []string `json:"created,omitempty"`
	// Planned lists, before Apply, the directories Apply is going to
	// create (those missing then). The runtime records it before any
	// mkdir, so a crash between the mkdir and the next state write leaks
	// nothing: Load treats them as created, and the ones never made are
	// simply absent at Destroy.
	Planned []string `json:"planned,omitempty"`
	// Root is the v2 hierarchy's mount point, kept so that a reloaded
	// manager can still enable controllers in the ancestors (v2 only).
	Root string `json:"root,omitempty"`
	// Systemd is set by the systemd driver: the unit's
	// "slice:prefix:name", from which Load reopens that driver.
	Systemd string `json:"systemd,omitempty"`
	// SystemdUser: that unit is the systemd's of this uid (rootless),
	// reached over the session bus, authenticated as this uid (found once,
	// at create: from a user namespace that takes busctl).
	SystemdUser *int `json:"systemd_user,omitempty"`
}

// Config says where the cgroup goes.
type Config struct {
	// Path is linux.cgroupsPath: absolute from the hierarchy root, relative
	// under the caller's own cgroup (v1) or its parent (v2, as runc), or
	// empty for Name placed like a relative path. See ResolvePath.
	Path string
	// Name is the default leaf when Path is empty (the container id).
	Name string
	// Rootless: the caller is not the host's root (runc's
	// Cgroups.Rootless). A hybrid host's cgroup2 hierarchy it may not
	// write is then done without (v1.go).
	Rootless bool
	// Systemd selects the systemd driver (systemd.go): Path is then
	// "slice:prefix:name", or empty for system.slice:gorunc:<Name>.
	// With Rootless the unit is the user's systemd's (user.slice by
	// default), as runc's rootless systemd driver.
	Systemd bool
	// Annotations are the container's; the systemd driver passes the
	// org.systemd.property.<Name> ones to systemd as unit properties.
	Annotations map[string]string
	// Warn receives what is worth saying but not failing for (a device
	// rule systemd cannot express); nil drops it.
	Warn func(string)
}

// Stats is the usage the runtime reports (events --stats, ps).
type Stats struct {
	CPU    CPUStats    `json:"cpu"`
	Memory MemoryStats `json:"memory"`
	Pids   PidsStats   `json:"pids"`
	// IOServiceBytes and IOServiced are per device and operation (v1
	// blkio.*io_service_bytes/io_serviced, v2 io.stat rbytes/wbytes and
	// rios/wios as "Read"/"Write").
	IOServiceBytes []IOEntry `json:"io_service_bytes,omitempty"`
	IOServiced     []IOEntry `json:"io_serviced,omitempty"`
	// Hugetlb is keyed by page size as the kernel names it ("2MB").
	Hugetlb map[string]HugetlbStats `json:"hugetlb,omitempty"`
}

type IOEntry struct {
	Major uint64 `json:"major"`
	Minor uint64 `json:"minor"`
	Op    string `json:"op"`
	Value uint64 `json:"value"`
}

type HugetlbStats struct {
	Usage    uint64 `json:"usage"`
	MaxUsage uint64 `json:"max_usage,omitempty"`
	Failcnt  uint64 `json:"failcnt"`
}

type CPUStats struct {
	UsageUsec     uint64 `json:"usage_usec"`
	UserUsec      uint64 `json:"user_usec"`
	SystemUsec    uint64 `json:"system_usec"`
	NrPeriods     uint64 `json:"nr_periods"`
	NrThrottled   uint64 `json:"nr_throttled"`
	ThrottledUsec uint64 `json:"throttled_usec"`
	// PercpuNs is cpuacct.usage_percpu (v1 only; v2 has no per-cpu usage).
	PercpuNs []uint64 `json:"percpu_ns,omitempty"`
}

type MemoryStats struct {
	Usage    uint64 `json:"usage"`
	MaxUsage uint64 `json:"max_usage,omitempty"`
	Limit    uint64 `json:"limit"`
	OOMKill  uint64 `json:"oom_kill"`
	OOM      uint64 `json:"oom"`
	// Failcnt counts hits of the limit (v1 memory.failcnt, v2
	// memory.events "max").
	Failcnt uint64 `json:"failcnt"`
	// Swap* are v1 memory.memsw.* (memory+swap) or v2 memory.swap.*
	// (swap only); zero when the kernel has no swap accounting.
	SwapUsage    uint64            `json:"swap_usage,omitempty"`
	SwapMaxUsage uint64            `json:"swap_max_usage,omitempty"`
	SwapLimit    uint64            `json:"swap_limit,omitempty"`
	SwapFailcnt  uint64            `json:"swap_failcnt,omitempty"`
	Stat         map[string]uint64 `json:"stat,omitempty"`
}

type PidsStats struct {
	Current uint64 `json:"current"`
	Limit   uint64 `json:"limit"`
}
