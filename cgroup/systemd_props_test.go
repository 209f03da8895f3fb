package cgroup

import (
	"math"
	"reflect"
	"strings"
	"testing"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// propMap is the properties by name; a name given twice keeps the last
// value, as systemd applies them in order.
func propMap(props []sdbus.Property) map[string]any {
	m := map[string]any{}
	for _, p := range props {
		m[p.Name] = p.Value.Value()
	}
	return m
}

// TestSystemdResourceProperties: each expected value is what runc 1.5's
// genV2ResourcesProperties gives for the same OCI resources (its
// conversion functions ConvertCPUSharesToCgroupV2Value,
// ConvertMemorySwapToCgroupV2Value and addCPUQuota, by hand).
func TestSystemdResourceProperties(t *testing.T) {
	inf := uint64(math.MaxUint64)
	tests := []struct {
		name string
		r    specs.LinuxResources
		cg   int // cgroup version, 2 when 0
		ver  int
		want map[string]any
		// quota is the cpu quota the files get (after rounding), -2 when unchecked
		quota int64
		err   string
	}{
		{name: "memory limit", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(52428800)}}, want: map[string]any{"MemoryMax": uint64(52428800)}},
		{name: "memory -1 is infinity, and swap too", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}}, want: map[string]any{"MemoryMax": inf, "MemorySwapMax": inf}},
		{name: "reservation", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Reservation: i64(1 << 20)}}, want: map[string]any{"MemoryLow": uint64(1 << 20)}},
		{name: "swap is memory+swap", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(300 << 20)}},
			want: map[string]any{"MemoryMax": uint64(100 << 20), "MemorySwapMax": uint64(200 << 20)}},
		{name: "swap equal to limit: no swap", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(100)}},
			want: map[string]any{"MemoryMax": uint64(100), "MemorySwapMax": uint64(0)}},
		{name: "swap -1", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(-1)}},
			want: map[string]any{"MemoryMax": uint64(100), "MemorySwapMax": inf}},
		{name: "swap below limit", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(200), Swap: i64(100)}}, err: "is less than memory.limit"},
		{name: "swap without limit", r: specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(100)}}, err: "needs memory.limit"},
		{name: "shares 1024 -> weight 100", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1024)}}, want: map[string]any{"CPUWeight": uint64(100)}},
		{name: "shares 2 -> 1", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(2)}}, want: map[string]any{"CPUWeight": uint64(1)}},
		{name: "shares 262144 -> 10000", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(262144)}}, want: map[string]any{"CPUWeight": uint64(10000)}},
		{name: "shares 512", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512)}}, want: map[string]any{"CPUWeight": sharesToWeight(512)}},
		{name: "quota in whole percent", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}}, ver: 252,
			want: map[string]any{"CPUQuotaPeriodUSec": uint64(100000), "CPUQuotaPerSecUSec": uint64(500000)}, quota: 50000},
		// 12345/100000 s per s = 123450 us/s, rounded up to 130000
		// (13%); the file gets 13000 so that both agree.
		{name: "quota rounded up to 10ms per second", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(12345), Period: u64(100000)}}, ver: 252,
			want: map[string]any{"CPUQuotaPeriodUSec": uint64(100000), "CPUQuotaPerSecUSec": uint64(130000)}, quota: 13000},
		{name: "quota, default period", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(150000)}}, ver: 252,
			want: map[string]any{"CPUQuotaPerSecUSec": uint64(1500000)}, quota: 150000},
		{name: "quota with 50ms period", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(1001), Period: u64(50000)}}, ver: 252,
			want: map[string]any{"CPUQuotaPeriodUSec": uint64(50000), "CPUQuotaPerSecUSec": uint64(30000)}, quota: 1500},
		{name: "quota -1 is infinity", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1), Period: u64(100000)}}, ver: 252,
			want: map[string]any{"CPUQuotaPeriodUSec": uint64(100000), "CPUQuotaPerSecUSec": inf}, quota: -1},
		{name: "period only", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(200000)}}, ver: 252,
			want: map[string]any{"CPUQuotaPeriodUSec": uint64(200000), "CPUQuotaPerSecUSec": inf}},
		{name: "systemd 241 has no CPUQuotaPeriodUSec", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}}, ver: 241,
			want: map[string]any{"CPUQuotaPerSecUSec": uint64(500000)}, quota: 50000},
		{name: "idle", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: i64(1), Shares: u64(1024)}}, ver: 252, want: map[string]any{"CPUWeight": uint64(0)}},
		{name: "idle before systemd 252: weight", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: i64(1), Shares: u64(1024)}}, ver: 251, want: map[string]any{"CPUWeight": uint64(100)}},
		{name: "cpuset", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0-1", Mems: "0"}}, ver: 252,
			want: map[string]any{"AllowedCPUs": []byte{3}, "AllowedMemoryNodes": []byte{1}}},
		{name: "cpuset before systemd 244: files only", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0-1"}}, ver: 243, want: map[string]any{}},
		{name: "bad cpuset", r: specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "1-0"}}, ver: 252, err: "linux.resources.cpu.cpus: \"1-0\": invalid range"},
		{name: "pids", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(20)}}, want: map[string]any{"TasksMax": uint64(20)}},
		{name: "pids 0 is 1", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, want: map[string]any{"TasksMax": uint64(1)}},
		{name: "pids -1", r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, want: map[string]any{"TasksMax": inf}},
		{name: "blkio weight -> IOWeight", r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, want: map[string]any{"IOWeight": uint64(4950)}},
		{name: "unified", r: specs.LinuxResources{Unified: map[string]string{
			"memory.high": "1048576", "memory.min": "max", "pids.max": "7", "cpu.weight": "50", "cpu.max": "max 50000", "memory.oom.group": "1", "io.max": "8:0 rbps=1"}}, ver: 252,
			want: map[string]any{"MemoryHigh": uint64(1048576), "MemoryMin": inf, "TasksMax": uint64(7), "CPUWeight": uint64(50),
				"CPUQuotaPeriodUSec": uint64(50000), "CPUQuotaPerSecUSec": inf}},
		// cgroup v1, runc's genV1ResourcesProperties: systemd's v1 names,
		// only the limit of memory, shares and blkio weight unconverted.
		{name: "v1 memory", cg: 1, r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Reservation: i64(1 << 20), Swap: i64(300 << 20)}},
			want: map[string]any{"MemoryLimit": uint64(100 << 20)}},
		{name: "v1 memory -1", cg: 1, r: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}}, want: map[string]any{"MemoryLimit": inf}},
		{name: "v1 shares", cg: 1, r: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512)}}, want: map[string]any{"CPUShares": uint64(512)}},
		{name: "v1 quota rounded", cg: 1, r: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(12345), Period: u64(100000)}}, ver: 252,
			want: map[string]any{"CPUQuotaPeriodUSec": uint64(100000), "CPUQuotaPerSecUSec": uint64(130000)}, quota: 13000},
		{name: "v1 blkio weight", cg: 1, r: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, want: map[string]any{"BlockIOWeight": uint64(500)}},
		{name: "v1 pids and cpuset", cg: 1, r: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(9)}, CPU: &specs.LinuxCPU{Cpus: "1"}}, ver: 252,
			want: map[string]any{"TasksMax": uint64(9), "AllowedCPUs": []byte{2}}},
		{name: "unified bad number", r: specs.LinuxResources{Unified: map[string]string{"memory.high": "1G"}}, err: "linux.resources.unified[\"memory.high\"]: \"1G\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before int64
			if tt.r.CPU != nil && tt.r.CPU.Quota != nil {
				before = *tt.r.CPU.Quota
			}
			cg := tt.cg
			if cg == 0 {
				cg = 2
			}
			props, files, _, err := sdResources(&tt.r, cg, tt.ver)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := propMap(props); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("properties %v\nwant       %v", got, tt.want)
			}
			if tt.quota != 0 {
				if files.CPU == nil || files.CPU.Quota == nil || *files.CPU.Quota != tt.quota {
					t.Errorf("files get quota %v, want %d", files.CPU, tt.quota)
				}
			}
			// The rounding is the files' copy's, not the caller's.
			if tt.r.CPU != nil && tt.r.CPU.Quota != nil && *tt.r.CPU.Quota != before {
				t.Errorf("caller's quota changed from %d to %d", before, *tt.r.CPU.Quota)
			}
		})
	}
}

func TestSystemdOOMPolicy(t *testing.T) {
	for v, want := range map[string]string{"0": "continue", "1": "kill"} {
		p, err := sdOOMPolicy(map[string]string{"memory.oom.group": v})
		if err != nil || len(p) != 1 || p[0].Name != "OOMPolicy" || p[0].Value.Value() != want {
			t.Errorf("memory.oom.group %s: %v %v, want OOMPolicy=%s", v, p, err, want)
		}
	}
	if _, err := sdOOMPolicy(map[string]string{"memory.oom.group": "2"}); err == nil {
		t.Error("memory.oom.group 2 accepted")
	}
}
