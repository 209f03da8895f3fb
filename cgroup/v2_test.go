package cgroup

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const allV2 = "cpuset cpu io memory hugetlb pids rdma"

func newFakeV2(t *testing.T, cgPath string) (*v2Manager, string) {
	t.Helper()
	root, o := fakeV2(t, allV2)
	m, err := newManager(Config{Path: cgPath, Name: "ctr"}, &hostLayout{Version: 2, V2Root: root}, map[string]string{"": "/"}, o)
	if err != nil {
		t.Fatal(err)
	}
	return m.(*v2Manager), root
}

func TestV2Mapping(t *testing.T) {
	tests := []struct {
		name  string
		r     specs.LinuxResources
		extra map[string]string // files to add before Set
		file  string
		want  string
	}{
		{name: "memory.limit", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(52428800)}}, file: "memory.max", want: "52428800"},
		{name: "memory.limit -1", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}}, file: "memory.max", want: "max"},
		{name: "memory.reservation", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Reservation: i64(41943040)}}, file: "memory.low", want: "41943040"},
		{name: "memory.swap is memory+swap", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(300)}}, file: "memory.swap.max", want: "200"},
		{name: "memory.swap -1", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(-1)}}, file: "memory.swap.max", want: "max"},
		{name: "cpu quota/period", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}}, file: "cpu.max", want: "50000 100000"},
		{name: "cpu quota only", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(20000)}}, file: "cpu.max", want: "20000 100000"},
		{name: "cpu period only", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(200000)}}, file: "cpu.max", want: "max 200000"},
		{name: "cpu quota -1", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1), Period: u64(50000)}}, file: "cpu.max", want: "max 50000"},
		{name: "cpu.shares 1024", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1024)}}, file: "cpu.weight", want: "100"},
		{name: "cpu.shares 2", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(2)}}, file: "cpu.weight", want: "1"},
		{name: "cpu.shares 262144", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(262144)}}, file: "cpu.weight", want: "10000"},
		{name: "cpu.burst", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Burst: u64(1000)}}, file: "cpu.max.burst", want: "1000"},
		{name: "cpu.idle", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: i64(1)}}, file: "cpu.idle", want: "1"},
		{name: "cpus", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0-1"}}, file: "cpuset.cpus", want: "0-1"},
		{name: "mems", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Mems: "0"}}, file: "cpuset.mems", want: "0"},
		{name: "pids.limit", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}}, file: "pids.max", want: "20"},
		{name: "pids.limit 0 is 1, as runc", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, file: "pids.max", want: "1"},
		{name: "pids.limit -1", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, file: "pids.max", want: "max"},
		{name: "blockIO.weight io.weight", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, file: "io.weight", want: "default 4950"},
		{name: "blockIO.weight bfq", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, extra: map[string]string{"io.bfq.weight": "100"}, file: "io.bfq.weight", want: "500"},
		{name: "blockIO weightDevice", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(10)}}}}, file: "io.weight", want: "8:0 1"},
		{name: "blockIO weightDevice bfq", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(10)}}}}, extra: map[string]string{"io.bfq.weight": "default 100"}, file: "io.bfq.weight", want: "8:0 10"},
		{name: "throttle rbps", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1048576}}}}, file: "io.max", want: "8:0 rbps=1048576"},
		{name: "throttle wiops", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 253, Minor: 1}, Rate: 100}}}}, file: "io.max", want: "253:1 wiops=100"},
		{name: "hugepageLimits", r: specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4194304}}}, file: "hugetlb.2MB.max", want: "4194304"},
		{name: "hugepageLimits rsvd", r: specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4194304}}}, extra: map[string]string{"hugetlb.2MB.rsvd.max": "max"}, file: "hugetlb.2MB.rsvd.max", want: "4194304"},
		{name: "rdma", r: specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx5_1": {HcaHandles: u32(3), HcaObjects: u32(10000)}}}, file: "rdma.max", want: "mlx5_1 hca_handle=3 hca_object=10000"},
		{name: "unified verbatim", r: specs.LinuxResources{Unified: map[string]string{"memory.high": "1000000"}}, file: "memory.high", want: "1000000"},
		{name: "unified overrides mapped", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100)}, Unified: map[string]string{"memory.max": "200"}}, file: "memory.max", want: "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newFakeV2(t, "/c")
			if err := m.Apply(0); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, m.dir, tt.extra)
			if err := m.Set(&tt.r); err != nil {
				t.Fatal(err)
			}
			if got := readT(t, filepath.Join(m.dir, tt.file)); got != tt.want {
				t.Fatalf("%s = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

func TestV2EnablesNeededControllersInAncestors(t *testing.T) {
	m, root := newFakeV2(t, "/a/b/c")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	r := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: i64(1 << 20)},
		Pids:    &specs.LinuxPids{Limit: i64(5)},
		Unified: map[string]string{"io.max": "8:0 rbps=1", "cgroup.max.depth": "3"},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{root, filepath.Join(root, "a"), filepath.Join(root, "a/b")} {
		if got := readT(t, filepath.Join(dir, "cgroup.subtree_control")); got != "+io +memory +pids" {
			t.Errorf("%s/cgroup.subtree_control = %q, want %q", dir, got, "+io +memory +pids")
		}
	}
	if got := readT(t, filepath.Join(m.dir, "cgroup.subtree_control")); got != "" {
		t.Errorf("the container's own subtree_control = %q, want it untouched", got)
	}
}

func TestV2ControllerNotAvailable(t *testing.T) {
	root, o := fakeV2(t, "cpu memory") // no pids at the root
	m := newV2(root, "/c", o)
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)}})
	want := "enable controller pids for the children of " + root + ": not available there (its cgroup.controllers is \"cpu memory\"); enable it in the parent's cgroup.subtree_control first, or the kernel lacks it"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestV2ExplainEnableBusy(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"cgroup.procs": "42\n43\n"})
	err := explainEnable(dir, []string{"+memory"}, unix.EBUSY)
	for _, want := range []string{"no-internal-processes", "[42 43]", dir + "/cgroup.subtree_control", "leaf cgroup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestV2MissingFileExplained(t *testing.T) {
	m, _ := newFakeV2(t, "/c")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(m.dir, "memory.swap.max")); err != nil {
		t.Fatal(err)
	}
	err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(200)}})
	if err == nil || !strings.Contains(err.Error(), "memory.swap.max") || !strings.Contains(err.Error(), "controllers enabled for") {
		t.Fatalf("err = %v", err)
	}
}

func TestV2ApplyCreatesAndDestroyRemovesOnlyWhatItMade(t *testing.T) {
	root, o := fakeV2(t, allV2)
	if err := o.mkdir(filepath.Join(root, "premade")); err != nil {
		t.Fatal(err)
	}
	m := newV2(root, "/premade/x/y", o)
	if err := m.Apply(1234); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(root, "premade/x"), filepath.Join(root, "premade/x/y")}
	if got := m.State().Created; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Created = %v, want %v", got, want)
	}
	if got := readT(t, filepath.Join(m.dir, "cgroup.procs")); got != "1234" {
		t.Fatalf("cgroup.procs = %q", got)
	}
	// The process left; the cgroup can go.
	writeFiles(t, m.dir, map[string]string{"cgroup.procs": ""})
	// Reopen from the saved state, as gorunc delete does.
	b, err := json.Marshal(m.State())
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	m2, err := load(st, o)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Path("") != m.dir {
		t.Fatalf("loaded Path = %q, want %q", m2.Path(""), m.dir)
	}
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "premade/x")); !os.IsNotExist(err) {
		t.Fatalf("premade/x still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "premade")); err != nil {
		t.Fatalf("the pre-made cgroup was removed: %v", err)
	}
	if err := m2.Destroy(); err != nil {
		t.Fatalf("second Destroy: %v", err)
	}
}

func TestV2DestroyBusyNamesPids(t *testing.T) {
	m, _ := newFakeV2(t, "/c")
	if err := m.Apply(4242); err != nil {
		t.Fatal(err)
	}
	err := m.Destroy()
	if err == nil || !strings.Contains(err.Error(), "processes still inside: [4242]") || !strings.Contains(err.Error(), "device or resource busy") {
		t.Fatalf("err = %v", err)
	}
}

func TestV2Freeze(t *testing.T) {
	m, _ := newFakeV2(t, "/c")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	// The fake kernel does not react; pretend it has frozen.
	writeFiles(t, m.dir, map[string]string{"cgroup.events": "populated 1\nfrozen 1\n"})
	if err := m.Freeze(true); err != nil {
		t.Fatal(err)
	}
	if got := readT(t, filepath.Join(m.dir, "cgroup.freeze")); got != "1" {
		t.Fatalf("cgroup.freeze = %q", got)
	}
	if f, err := m.Frozen(); err != nil || !f {
		t.Fatalf("Frozen = %v, %v", f, err)
	}
	// Thawing never reports frozen 0 here: bounded wait, then an error.
	if err := m.Freeze(false); err == nil || !strings.Contains(err.Error(), "did not report frozen=0") {
		t.Fatalf("err = %v", err)
	}
}

func TestV2KillWritesCgroupKill(t *testing.T) {
	m, _ := newFakeV2(t, "/c")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := m.Kill(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if got := readT(t, filepath.Join(m.dir, "cgroup.kill")); got != "1" {
		t.Fatalf("cgroup.kill = %q", got)
	}
}

func TestV2Stats(t *testing.T) {
	m, _ := newFakeV2(t, "/c")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, m.dir, map[string]string{
		"memory.current": "1000", "memory.max": "max", "memory.stat": "anon 10\nfile 20\n",
		"memory.events": "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n",
		"cpu.stat":      "usage_usec 500\nuser_usec 300\nsystem_usec 200\nnr_periods 7\nnr_throttled 2\nthrottled_usec 9\n",
		"pids.current":  "3", "pids.max": "20",
		"io.stat": "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
	})
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory.Usage != 1000 || st.Memory.Limit != ^uint64(0) || st.Memory.OOM != 2 || st.Memory.OOMKill != 1 || st.Memory.Stat["file"] != 20 {
		t.Errorf("memory = %+v", st.Memory)
	}
	if !reflect.DeepEqual(st.CPU, CPUStats{UsageUsec: 500, UserUsec: 300, SystemUsec: 200, NrPeriods: 7, NrThrottled: 2, ThrottledUsec: 9}) {
		t.Errorf("cpu = %+v", st.CPU)
	}
	if st.Memory.Failcnt != 3 {
		t.Errorf("memory failcnt (memory.events max) = %d, want 3", st.Memory.Failcnt)
	}
	if want := []IOEntry{{8, 0, "Read", 4096}, {8, 0, "Write", 8192}}; !reflect.DeepEqual(st.IOServiceBytes, want) {
		t.Errorf("io service bytes = %+v, want %+v", st.IOServiceBytes, want)
	}
	if want := []IOEntry{{8, 0, "Read", 1}, {8, 0, "Write", 2}}; !reflect.DeepEqual(st.IOServiced, want) {
		t.Errorf("io serviced = %+v, want %+v", st.IOServiced, want)
	}
	if st.Pids != (PidsStats{3, 20}) {
		t.Errorf("pids = %+v", st.Pids)
	}
}

func TestV2PidsRecursive(t *testing.T) {
	m, _ := newFakeV2(t, "/c")
	if err := m.Apply(10); err != nil {
		t.Fatal(err)
	}
	child := filepath.Join(m.dir, "sub")
	if err := os.Mkdir(child, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, child, map[string]string{"cgroup.procs": "11\n12\n"})
	pids, err := m.Pids()
	if err != nil || len(pids) != 3 {
		t.Fatalf("Pids = %v, %v", pids, err)
	}
}

// TestNewManagerPlacesOnFakeLayouts: the driver follows the layout's
// version, a v1 manager has a directory for each mounted controller and
// none for the others, and New refuses ".." before it looks at the host.
func TestNewManagerPlacesOnFakeLayouts(t *testing.T) {
	root, _ := fakeV2(t, allV2)
	m, err := newManager(Config{Path: "x"}, &hostLayout{Version: 2, V2Root: root}, map[string]string{}, ops{})
	if err != nil {
		t.Fatal(err)
	}
	if m.State().Version != 2 || m.Path("") != filepath.Join(root, "x") {
		t.Fatalf("state = %+v", m.State())
	}
	v1root, layout, _ := fakeV1(t, "memory", "cpu")
	m, err = newManager(Config{Name: "ctr"}, layout, map[string]string{}, ops{})
	if err != nil {
		t.Fatal(err)
	}
	if m.State().Version != 1 || m.Path("memory") != filepath.Join(v1root, "memory/ctr") || m.Path("pids") != "" {
		t.Fatalf("state = %+v", m.State())
	}
	if _, err := New(Config{Path: "../x"}); err == nil {
		t.Fatal("\"..\" accepted")
	}
}
