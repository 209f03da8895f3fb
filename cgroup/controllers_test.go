package cgroup

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// neededNames is what each driver's table derives from r: the controllers
// Set writes (v1: in the table's order; v2: neededV2Controllers, sorted).
func neededNames(table []controller, r *specs.LinuxResources) []string {
	var out []string
	for _, c := range table {
		if c.needed(r) {
			out = append(out, c.name)
		}
	}
	return out
}

func TestNeededControllersDerived(t *testing.T) {
	avail := map[string]bool{"cpu": true, "memory": true, "io": true, "pids": true}
	cases := []struct {
		name   string
		r      specs.LinuxResources
		v1, v2 string // space-separated; "" = none
	}{
		{"nothing", specs.LinuxResources{}, "", ""},
		{"empty sections", specs.LinuxResources{Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}, Pids: &specs.LinuxPids{}, BlockIO: &specs.LinuxBlockIO{}, Network: &specs.LinuxNetwork{}}, "", ""},
		{"memory limit", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20)}}, "memory", "memory"},
		// swappiness and the OOM killer switch are v1 files only.
		{"memory swappiness", specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(10)}}, "memory", ""},
		{"memory oom killer", specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: boolp(true)}}, "memory", ""},
		{"cpu shares", specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512)}}, "cpu", "cpu"},
		{"cpu realtime (v1 only)", specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(1000)}}, "cpu", ""},
		{"cpus and mems", specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0", Mems: "0"}}, "cpuset", "cpuset"},
		{"cpu and cpuset", specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(5000), Cpus: "0"}}, "cpu cpuset", "cpu cpuset"},
		{"pids limit", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)}}, "pids", "pids"},
		{"io weight", specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, "blkio", "io"},
		{"leaf weight (v1 only)", specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(500)}}, "blkio", ""},
		{"hugepages", specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1 << 21}}}, "hugetlb", "hugetlb"},
		{"rdma", specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx": {HcaHandles: u32(1)}}}, "rdma", "rdma"},
		{"net classid (v1 only)", specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(7)}}, "net_cls", ""},
		{"net priorities (v1 only)", specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 1}}}}, "net_prio", ""},
		// v2's device rules are an eBPF program, no controller.
		{"devices", specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}, "devices", ""},
		{"unified controller keys", specs.LinuxResources{Unified: map[string]string{"memory.high": "1M", "pids.max": "9"}}, "", "memory pids"},
		{"unified core file and unavailable controller", specs.LinuxResources{Unified: map[string]string{"cgroup.max.depth": "3", "rdma.max": "x"}}, "", ""},
		{"unified beside a mapped field", specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(2)}, Unified: map[string]string{"io.max": "x"}}, "cpu", "cpu io"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(neededNames(v1Setters, &tc.r), " "); got != tc.v1 {
				t.Errorf("v1: %q, want %q", got, tc.v1)
			}
			want := strings.Fields(tc.v2)
			if want == nil {
				want = []string{}
			}
			if got := neededV2Controllers(&tc.r, avail); !reflect.DeepEqual(got, want) {
				t.Errorf("v2: %q, want %q", got, want)
			}
		})
	}
}
