package cgroup

import (
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// controller is how a driver writes one controller's share of
// linux.resources: needed says whether r sets anything it writes (the
// only place that knows it), set writes those files into the container's
// directory for that controller and may assume needed(r). field is the
// OCI field named when the controller is needed but absent (v1: not
// mounted).
type controller struct {
	name   string
	field  string
	needed func(r *specs.LinuxResources) bool
	set    func(dir string, r *specs.LinuxResources) error
}

// v1Setters are the v1 driver's controllers in the order Set writes them
// (Documentation/admin-guide/cgroup-v1/).
var v1Setters = []controller{
	{"memory", "linux.resources.memory", func(r *specs.LinuxResources) bool {
		m := r.Memory
		return m != nil && (m.Limit != nil || m.Swap != nil || m.Reservation != nil || m.Swappiness != nil || m.DisableOOMKiller != nil)
	}, setV1Memory},
	{"cpu", "linux.resources.cpu", func(r *specs.LinuxResources) bool {
		c := r.CPU
		return c != nil && (c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
			c.RealtimePeriod != nil || c.RealtimeRuntime != nil || c.Idle != nil)
	}, setV1CPU},
	{"cpuset", "linux.resources.cpu.cpus/mems", neededCpuset, setV1Cpuset},
	{"pids", "linux.resources.pids.limit", neededPids, setV1Pids},
	{"blkio", "linux.resources.blockIO", func(r *specs.LinuxResources) bool {
		return isIOSet(r.BlockIO) || (r.BlockIO != nil && r.BlockIO.LeafWeight != nil)
	}, setV1Blkio},
	{"hugetlb", "linux.resources.hugepageLimits", neededHugetlb, setV1Hugetlb},
	{"net_cls", "linux.resources.network.classID", func(r *specs.LinuxResources) bool {
		return r.Network != nil && r.Network.ClassID != nil
	}, setV1NetCls},
	{"net_prio", "linux.resources.network.priorities", func(r *specs.LinuxResources) bool {
		return r.Network != nil && len(r.Network.Priorities) > 0
	}, setV1NetPrio},
	// rdma.max has the same lines on v1 and v2
	// (Documentation/admin-guide/cgroup-v1/rdma.rst).
	{"rdma", "linux.resources.rdma", neededRdma, setV2Rdma},
	{"devices", "linux.resources.devices", func(r *specs.LinuxResources) bool { return len(r.Devices) > 0 }, setV1Devices},
}

// v2Setters are the v2 driver's controllers in the order Set writes them
// (Documentation/admin-guide/cgroup-v2.rst, "Controllers"). Devices are no
// controller on v2 (an eBPF program, v2_devices.go) and unified is written
// last, over these (v2.go).
var v2Setters = []controller{
	{"memory", "linux.resources.memory", func(r *specs.LinuxResources) bool {
		m := r.Memory
		return m != nil && (m.Limit != nil || m.Reservation != nil || m.Swap != nil)
	}, setV2Memory},
	{"cpu", "linux.resources.cpu", func(r *specs.LinuxResources) bool {
		c := r.CPU
		return c != nil && (c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil || c.Idle != nil)
	}, setV2CPU},
	{"cpuset", "linux.resources.cpu.cpus/mems", neededCpuset, setV2Cpuset},
	{"pids", "linux.resources.pids.limit", neededPids, setV2Pids},
	{"io", "linux.resources.blockIO", func(r *specs.LinuxResources) bool { return isIOSet(r.BlockIO) }, setV2IO},
	{"hugetlb", "linux.resources.hugepageLimits", neededHugetlb, setV2Hugetlb},
	{"rdma", "linux.resources.rdma", neededRdma, setV2Rdma},
}

func neededCpuset(r *specs.LinuxResources) bool {
	return r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != "")
}
func neededPids(r *specs.LinuxResources) bool    { return r.Pids != nil && r.Pids.Limit != nil }
func neededHugetlb(r *specs.LinuxResources) bool { return len(r.HugepageLimits) > 0 }
func neededRdma(r *specs.LinuxResources) bool    { return len(r.Rdma) > 0 }

// neededV2Controllers lists, sorted, the v2 controllers that r writes to:
// those of v2Setters whose needed(r) holds, and the controller prefix of
// each linux.resources.unified key that names one of the hierarchy's
// available controllers (not a core file such as "cgroup.max.depth").
func neededV2Controllers(r *specs.LinuxResources, available map[string]bool) []string {
	set := map[string]bool{}
	for _, c := range v2Setters {
		if c.needed(r) {
			set[c.name] = true
		}
	}
	for k := range r.Unified {
		if ctrl, _, ok := strings.Cut(k, "."); ok && available[ctrl] {
			set[ctrl] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
