package cgroup

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var hybridControllers = []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"}

func newFakeV1(t *testing.T, cgPath string, controllers ...string) (*v1Manager, string) {
	t.Helper()
	root, layout, o := fakeV1(t, controllers...)
	m, err := newManager(Config{Path: cgPath, Name: "ctr"}, layout, map[string]string{}, o)
	if err != nil {
		t.Fatal(err)
	}
	return m.(*v1Manager), root
}

func TestV1Mapping(t *testing.T) {
	tests := []struct {
		name        string
		r           specs.LinuxResources
		ctrl, file  string
		want        string
		controllers []string
	}{
		{name: "memory.limit", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(52428800)}}, ctrl: "memory", file: "memory.limit_in_bytes", want: "52428800"},
		{name: "memory.limit -1", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}}, ctrl: "memory", file: "memory.limit_in_bytes", want: "-1"},
		{name: "memory.reservation", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Reservation: i64(41943040)}}, ctrl: "memory", file: "memory.soft_limit_in_bytes", want: "41943040"},
		{name: "memory.swap", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(300)}}, ctrl: "memory", file: "memory.memsw.limit_in_bytes", want: "300"},
		{name: "memory.swap sets limit too", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(300)}}, ctrl: "memory", file: "memory.limit_in_bytes", want: "100"},
		{name: "memory.swappiness", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(10)}}, ctrl: "memory", file: "memory.swappiness", want: "10"},
		{name: "disableOOMKiller", r: specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: boolp(true)}}, ctrl: "memory", file: "memory.oom_control", want: "1"},
		{name: "memory.kernel ignored", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Kernel: i64(100)}}, ctrl: "memory", file: "memory.limit_in_bytes", want: "9223372036854771712"},
		{name: "cpu.shares", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512)}}, ctrl: "cpu", file: "cpu.shares", want: "512"},
		{name: "cpu.quota", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(200000)}}, ctrl: "cpu", file: "cpu.cfs_quota_us", want: "50000"},
		{name: "cpu.period", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(200000)}}, ctrl: "cpu", file: "cpu.cfs_period_us", want: "200000"},
		{name: "cpu.burst", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Burst: u64(1000)}}, ctrl: "cpu", file: "cpu.cfs_burst_us", want: "1000"},
		{name: "cpus", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "1"}}, ctrl: "cpuset", file: "cpuset.cpus", want: "1"},
		{name: "mems", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Mems: "0"}}, ctrl: "cpuset", file: "cpuset.mems", want: "0"},
		{name: "pids.limit", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}}, ctrl: "pids", file: "pids.max", want: "20"},
		{name: "pids.limit -1", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, ctrl: "pids", file: "pids.max", want: "max"},
		{name: "pids.limit 0 is 1, as runc", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, ctrl: "pids", file: "pids.max", want: "1"},
		{name: "rt period and runtime", r: specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimePeriod: u64(50000), RealtimeRuntime: i64(1000)}}, ctrl: "cpu", file: "cpu.rt_runtime_us", want: "1000"},
		{name: "device access other letters dropped", r: specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Major: i64(1), Minor: i64(1), Access: "rwa"}}}, ctrl: "devices", file: "devices.allow", want: "c 1:1 rw"},
		{name: "blkio.weight", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(300)}}, ctrl: "blkio", file: "blkio.weight", want: "300"},
		{name: "blkio.leafWeight", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(300)}}, ctrl: "blkio", file: "blkio.leaf_weight", want: "300"},
		{name: "blkio weightDevice", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(200)}}}}, ctrl: "blkio", file: "blkio.weight_device", want: "8:0 200"},
		{name: "throttle read bps", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 100}}}}, ctrl: "blkio", file: "blkio.throttle.read_bps_device", want: "8:0 100"},
		{name: "throttle write iops", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 5}}}}, ctrl: "blkio", file: "blkio.throttle.write_iops_device", want: "8:16 5"},
		{name: "hugepageLimits", r: specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4194304}}}, ctrl: "hugetlb", file: "hugetlb.2MB.limit_in_bytes", want: "4194304", controllers: []string{"hugetlb"}},
		{name: "devices last write", r: specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}}}, ctrl: "devices", file: "devices.allow", want: "c 1:3 rwm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctrls := tt.controllers
			if ctrls == nil {
				ctrls = hybridControllers
			}
			m, _ := newFakeV1(t, "/c", ctrls...)
			if err := m.Apply(0); err != nil {
				t.Fatal(err)
			}
			if err := m.Set(&tt.r); err != nil {
				t.Fatal(err)
			}
			if got := readT(t, filepath.Join(m.Path(tt.ctrl), tt.file)); got != tt.want {
				t.Fatalf("%s = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

func TestV1DeviceWritesKeepConfigOrder(t *testing.T) {
	rules := []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rw"},
		{Allow: true, Type: "b", Major: i64(8), Access: "r"},
		{Allow: false, Type: "c", Major: i64(5), Minor: i64(1), Access: "m"},
	}
	want := []fileWrite{
		{"devices.deny", "a"},
		{"devices.deny", "a *:* rwm"},
		{"devices.allow", "c 1:3 rw"},
		{"devices.allow", "b 8:* r"},
		{"devices.deny", "c 5:1 m"},
	}
	if got := v1DeviceWrites(rules); !reflect.DeepEqual(got, want) {
		t.Fatalf("writes = %v\nwant %v", got, want)
	}
}

func TestV1MissingController(t *testing.T) {
	m, _ := newFakeV1(t, "/c", "memory", "cpu")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)}})
	want := "linux.resources.pids.limit: set, but the pids controller is not mounted on this host (cgroup v1)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestV1CpusetCopiedFromParent(t *testing.T) {
	m, _ := newFakeV1(t, "/a/b", hybridControllers...)
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		for _, dir := range []string{filepath.Dir(m.Path("cpuset")), m.Path("cpuset")} {
			if got := readT(t, filepath.Join(dir, f)); got == "" {
				t.Errorf("%s/%s is empty", dir, f)
			}
		}
	}
	for _, c := range hybridControllers {
		if got := readT(t, filepath.Join(m.Path(c), "cgroup.procs")); got != "77" {
			t.Errorf("%s cgroup.procs = %q", c, got)
		}
	}
}

func TestV1CreatedDestroyAndLoad(t *testing.T) {
	root, layout, o := fakeV1(t, "memory", "cpu", "freezer")
	if err := o.mkdir(filepath.Join(root, "memory/premade")); err != nil {
		t.Fatal(err)
	}
	mgr, err := newManager(Config{Path: "/premade/c"}, layout, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := mgr.Apply(0); err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(root, "cpu/premade"), filepath.Join(root, "cpu/premade/c"),
		filepath.Join(root, "freezer/premade"), filepath.Join(root, "freezer/premade/c"),
		filepath.Join(root, "memory/premade/c"),
	}
	if got := mgr.State().Created; !reflect.DeepEqual(got, want) {
		t.Fatalf("Created = %v\nwant %v", got, want)
	}
	m2, err := load(mgr.State(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Apply(99); err != nil { // joining after a reload creates nothing
		t.Fatal(err)
	}
	writeFiles(t, m2.Path("memory"), map[string]string{"cgroup.procs": ""})
	writeFiles(t, m2.Path("cpu"), map[string]string{"cgroup.procs": ""})
	writeFiles(t, m2.Path("freezer"), map[string]string{"cgroup.procs": ""})
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range want {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still there", d)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "memory/premade")); err != nil {
		t.Errorf("pre-made memory cgroup removed: %v", err)
	}
}

func TestV1FreezeAndStats(t *testing.T) {
	m, _ := newFakeV1(t, "/c", hybridControllers...)
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(true); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || !f {
		t.Fatalf("Frozen = %v, %v", f, err)
	}
	if err := m.Freeze(false); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || f {
		t.Fatalf("Frozen after thaw = %v, %v", f, err)
	}
	writeFiles(t, m.Path("memory"), map[string]string{
		"memory.usage_in_bytes": "4096", "memory.max_usage_in_bytes": "8192", "memory.limit_in_bytes": "1048576",
		"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "memory.stat": "cache 1\nrss 2\n",
		"memory.failcnt": "5",
	})
	writeFiles(t, m.Path("blkio"), map[string]string{"blkio.throttle.io_service_bytes": "8:0 Read 512\n8:0 Write 1024\nTotal 1536\n"})
	writeFiles(t, m.Path("cpuacct"), map[string]string{"cpuacct.usage": "5000000", "cpuacct.usage_user": "3000000", "cpuacct.usage_sys": "2000000", "cpuacct.usage_percpu": "3000000 2000000 \n"})
	writeFiles(t, m.Path("cpu"), map[string]string{"cpu.stat": "nr_periods 4\nnr_throttled 1\nthrottled_time 7000\n"})
	writeFiles(t, m.Path("pids"), map[string]string{"pids.current": "2", "pids.max": "max"})
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory.Usage != 4096 || st.Memory.MaxUsage != 8192 || st.Memory.Limit != 1048576 || st.Memory.OOMKill != 2 || st.Memory.Stat["rss"] != 2 {
		t.Errorf("memory = %+v", st.Memory)
	}
	if !reflect.DeepEqual(st.CPU, CPUStats{UsageUsec: 5000, UserUsec: 3000, SystemUsec: 2000, NrPeriods: 4, NrThrottled: 1, ThrottledUsec: 7, PercpuNs: []uint64{3000000, 2000000}}) {
		t.Errorf("cpu = %+v", st.CPU)
	}
	if st.Memory.Failcnt != 5 {
		t.Errorf("memory.failcnt = %d, want 5", st.Memory.Failcnt)
	}
	if want := []IOEntry{{8, 0, "Read", 512}, {8, 0, "Write", 1024}}; !reflect.DeepEqual(st.IOServiceBytes, want) {
		t.Errorf("io service bytes = %+v, want %+v", st.IOServiceBytes, want)
	}
	if st.Pids != (PidsStats{Current: 2, Limit: ^uint64(0)}) {
		t.Errorf("pids = %+v", st.Pids)
	}
}

func TestV1DestroyBusyNamesPids(t *testing.T) {
	m, _ := newFakeV1(t, "/c", "memory")
	if err := m.Apply(31337); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err == nil || !strings.Contains(err.Error(), "processes still inside: [31337]") {
		t.Fatalf("err = %v", err)
	}
}

func TestV1BlkioWeightWithoutScheduler(t *testing.T) {
	m, _ := newFakeV1(t, "/c", "blkio")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(m.Path("blkio"), "blkio.weight")); err != nil {
		t.Fatal(err)
	}
	err := m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(300)}})
	want := "linux.resources.blockIO.weight: 300 cannot be set: " + m.Path("blkio") + " has neither blkio.weight nor blkio.bfq.weight (no CFQ or BFQ I/O scheduler on this kernel)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// TestV1PlannedBeforeApply: before Apply, State lists what Apply will make
// (and not the pre-made part), so a runtime that records it and then
// crashes after the mkdir can still remove exactly those directories.
func TestV1PlannedBeforeApply(t *testing.T) {
	root, layout, o := fakeV1(t, "memory", "cpu")
	if err := o.mkdir(filepath.Join(root, "memory/premade")); err != nil {
		t.Fatal(err)
	}
	mgr, err := newManager(Config{Path: "/premade/c"}, layout, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	planned := mgr.State()
	want := []string{
		filepath.Join(root, "cpu/premade"), filepath.Join(root, "cpu/premade/c"),
		filepath.Join(root, "memory/premade/c"),
	}
	if !reflect.DeepEqual(planned.Planned, want) || len(planned.Created) != 0 {
		t.Fatalf("before Apply: Planned %v Created %v\nwant Planned %v", planned.Planned, planned.Created, want)
	}
	if err := mgr.Apply(0); err != nil {
		t.Fatal(err)
	}
	if st := mgr.State(); len(st.Planned) != 0 {
		t.Errorf("after Apply, Planned %v", st.Planned)
	}
	// The crash: only the planned state reached the disk.
	m2, err := load(planned, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range want {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s survived Destroy of a reloaded planned state", d)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "memory/premade")); err != nil {
		t.Errorf("the pre-made cgroup was removed: %v", err)
	}
}

// TestV1BlkioBFQ: without CFQ's blkio.weight, both the weight and the
// per-device weights go to BFQ's files, as runc's fs/blkio.go does.
func TestV1BlkioBFQ(t *testing.T) {
	m, _ := newFakeV1(t, "/c", "blkio")
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	dir := m.Path("blkio")
	for _, f := range []string{"blkio.weight", "blkio.weight_device"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	writeFiles(t, dir, map[string]string{"blkio.bfq.weight": "100", "blkio.bfq.weight_device": ""})
	err := m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(300), WeightDevice: []specs.LinuxWeightDevice{
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(200)},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{"blkio.bfq.weight": "300", "blkio.bfq.weight_device": "8:0 200"} {
		if got := readT(t, filepath.Join(dir, f)); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
}

// TestV1CpusetFillsEmptyAncestors: a pre-made ancestor with an empty
// cpuset is filled from its parent (else the kernel refuses the task:
// ENOSPC), one already set is left alone.
func TestV1CpusetFillsEmptyAncestors(t *testing.T) {
	for _, tt := range []struct {
		name, premadeCpus, want string
	}{
		{"empty pre-made parent", "", "0-1"},
		{"set pre-made parent", "1", "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root, layout, o := fakeV1(t, "cpuset")
			parent := filepath.Join(root, "cpuset", "pre")
			if err := o.mkdir(parent); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, parent, map[string]string{"cpuset.cpus": tt.premadeCpus})
			mi, err := newManager(Config{Path: "/pre/c"}, layout, map[string]string{}, o)
			if err != nil {
				t.Fatal(err)
			}
			m := mi.(*v1Manager)
			if err := m.Apply(7); err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{parent, m.Path("cpuset")} {
				if got := readT(t, filepath.Join(d, "cpuset.cpus")); got != tt.want {
					t.Errorf("%s cpuset.cpus = %q, want %q", d, got, tt.want)
				}
				if got := readT(t, filepath.Join(d, "cpuset.mems")); got != "0" {
					t.Errorf("%s cpuset.mems = %q, want 0", d, got)
				}
			}
		})
	}
}

// TestV1HybridUnifiedJoined: on a hybrid host the container is placed in
// the cgroup2 hierarchy at /sys/fs/cgroup/unified too, at the same path,
// recorded under the key "" (as runc's paths), removed when made, kept
// when pre-made.
func TestV1HybridUnifiedJoined(t *testing.T) {
	for _, premade := range []bool{false, true} {
		t.Run(map[bool]string{false: "made", true: "pre-made"}[premade], func(t *testing.T) {
			root, layout, o := fakeV1(t, "memory", "unified")
			if layout.Unified == nil {
				t.Fatal("the fake's unified directory is not taken for the hybrid hierarchy")
			}
			want := filepath.Join(root, "unified", "a", "c")
			if premade {
				if err := o.mkdir(filepath.Dir(want)); err != nil {
					t.Fatal(err)
				}
				if err := o.mkdir(want); err != nil {
					t.Fatal(err)
				}
			}
			mi, err := newManager(Config{Path: "a/c"}, layout, map[string]string{"": "/", "memory": "/"}, o)
			if err != nil {
				t.Fatal(err)
			}
			m := mi.(*v1Manager)
			if err := m.Apply(42); err != nil {
				t.Fatal(err)
			}
			if got := m.State().Paths[""]; got != want {
				t.Fatalf("paths[\"\"] = %q, want %q", got, want)
			}
			if got := readT(t, filepath.Join(want, "cgroup.procs")); got != "42" {
				t.Errorf("unified cgroup.procs = %q, want 42", got)
			}
			writeFiles(t, want, map[string]string{"cgroup.procs": ""})
			writeFiles(t, m.Path("memory"), map[string]string{"cgroup.procs": ""})
			reloaded, err := load(m.State(), o)
			if err != nil {
				t.Fatal(err)
			}
			if err := reloaded.Destroy(); err != nil {
				t.Fatal(err)
			}
			_, err = os.Stat(want)
			if gone := err != nil; gone == premade {
				t.Errorf("pre-made %v: %s gone after Destroy = %v", premade, want, gone)
			}
		})
	}
}

// TestV1ApplyTwiceMakesOnce: create applies before init exists and again
// with init's pid; the second pass only joins (no mkdir, no cpuset copy).
func TestV1ApplyTwiceMakesOnce(t *testing.T) {
	m, _ := newFakeV1(t, "/a/b", hybridControllers...)
	mkdirs := 0
	inner := m.ops.mkdir
	m.ops.mkdir = func(dir string) error { mkdirs++; return inner(dir) }
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	first, created := mkdirs, len(m.created)
	if first == 0 {
		t.Fatal("the first Apply made nothing")
	}
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	if mkdirs != first || len(m.created) != created {
		t.Errorf("second Apply: %d mkdir calls (first %d), created %d (first %d)", mkdirs, first, len(m.created), created)
	}
	for _, c := range hybridControllers {
		if got := readT(t, filepath.Join(m.Path(c), "cgroup.procs")); got != "77" {
			t.Errorf("%s cgroup.procs = %q", c, got)
		}
	}
}

// InitHierarchies guesses /proc/PID/cgroup for a process the v1 driver
// places: each hierarchy it manages shows the container's directory
// relative to the hierarchy's root (a mount of a sub-directory, as inside
// a container, adds its root), the others stay the caller's.
func TestInitHierarchies(t *testing.T) {
	own := map[string]string{"cpu,cpuacct": "/", "memory": "/user.slice", "name=systemd": "/init.scope", "": "/init.scope"}
	tests := []struct {
		name   string
		mounts map[string]v1Mount
		paths  map[string]string
		want   map[string]string
	}{
		{
			name:   "host mounts",
			mounts: map[string]v1Mount{"cpu": {"/sys/fs/cgroup/cpu,cpuacct", "/"}, "cpuacct": {"/sys/fs/cgroup/cpu,cpuacct", "/"}, "memory": {"/sys/fs/cgroup/memory", "/"}},
			paths:  map[string]string{"cpu": "/sys/fs/cgroup/cpu,cpuacct/ctr", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/ctr", "memory": "/sys/fs/cgroup/memory/user.slice/ctr"},
			want:   map[string]string{"cpu,cpuacct": "/ctr", "memory": "/user.slice/ctr", "name=systemd": "/init.scope", "": "/init.scope"},
		},
		{
			name:   "hybrid unified joined too",
			mounts: map[string]v1Mount{"memory": {"/sys/fs/cgroup/memory", "/"}, "": {"/sys/fs/cgroup/unified", "/"}},
			paths:  map[string]string{"memory": "/sys/fs/cgroup/memory/ctr", "": "/sys/fs/cgroup/unified/ctr"},
			want:   map[string]string{"cpu,cpuacct": "/", "memory": "/ctr", "name=systemd": "/init.scope", "": "/ctr"},
		},
		{
			name:   "mount of a sub-directory",
			mounts: map[string]v1Mount{"memory": {"/sys/fs/cgroup/memory", "/docker/abc"}},
			paths:  map[string]string{"memory": "/sys/fs/cgroup/memory/ctr"},
			want:   map[string]string{"cpu,cpuacct": "/", "memory": "/docker/abc/ctr", "name=systemd": "/init.scope", "": "/init.scope"},
		},
		{
			name:   "directory outside its mount: no guess",
			mounts: map[string]v1Mount{"memory": {"/sys/fs/cgroup/memory", "/"}},
			paths:  map[string]string{"memory": "/elsewhere/ctr"},
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := InitHierarchies(newV1(tt.mounts, tt.paths, ops{}), own)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := InitHierarchies(&v2Manager{}, own); got != nil {
		t.Errorf("v2 driver: got %v, want no guess", got)
	}
}
