package cgroup

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidate(t *testing.T) {
	cpu := func(c specs.LinuxCPU) *specs.LinuxResources { return &specs.LinuxResources{CPU: &c} }
	mem := func(m specs.LinuxMemory) *specs.LinuxResources { return &specs.LinuxResources{Memory: &m} }
	unified := func(k string) *specs.LinuxResources {
		return &specs.LinuxResources{Unified: map[string]string{k: "1"}}
	}
	tests := []struct {
		name    string
		r       *specs.LinuxResources
		version int
		want    string // "" = valid
	}{
		{"nil", nil, 2, ""},
		{"good v2", &specs.LinuxResources{
			CPU:    &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000)},
			Memory: &specs.LinuxMemory{Limit: i64(52428800), Swap: i64(104857600)},
			Pids:   &specs.LinuxPids{Limit: i64(20)}, Unified: map[string]string{"memory.high": "1000"},
		}, 2, ""},
		{"shares 1 v2", cpu(specs.LinuxCPU{Shares: u64(1)}), 2, "linux.resources.cpu.shares: 1 is out of range [2, 262144] (cpu.weight)"},
		{"shares 1 v1", cpu(specs.LinuxCPU{Shares: u64(1)}), 1, "linux.resources.cpu.shares: 1 is out of range [2, 262144] (cpu.shares)"},
		{"shares too big", cpu(specs.LinuxCPU{Shares: u64(262145)}), 2, "linux.resources.cpu.shares: 262145 is out of range [2, 262144] (cpu.weight)"},
		{"shares 0 is unset", cpu(specs.LinuxCPU{Shares: u64(0)}), 2, ""},
		{"period 0 with quota", cpu(specs.LinuxCPU{Quota: i64(50000), Period: u64(0)}), 2, "linux.resources.cpu.period: 0 is invalid when cpu.quota is set, want microseconds in [1000, 1000000] (cpu.max)"},
		{"period 0 with quota v1", cpu(specs.LinuxCPU{Quota: i64(50000), Period: u64(0)}), 1, "linux.resources.cpu.period: 0 is invalid when cpu.quota is set, want microseconds in [1000, 1000000] (cpu.cfs_period_us)"},
		{"negative quota", cpu(specs.LinuxCPU{Quota: i64(-5)}), 2, "linux.resources.cpu.quota: -5 is invalid, want a positive number of microseconds or -1 for no limit (cpu.max)"},
		{"quota -1", cpu(specs.LinuxCPU{Quota: i64(-1)}), 2, ""},
		{"realtime on v2", cpu(specs.LinuxCPU{RealtimeRuntime: i64(100)}), 2, "linux.resources.cpu.realtimeRuntime/realtimePeriod: set, but cgroup v2 has no realtime bandwidth files (cpu.rt_runtime_us is cgroup v1 only)"},
		{"zero limit", mem(specs.LinuxMemory{Limit: i64(0)}), 2, "linux.resources.memory.limit: 0 is invalid, want a positive number of bytes or -1 for no limit (memory.max)"},
		{"negative limit v1", mem(specs.LinuxMemory{Limit: i64(-2)}), 1, "linux.resources.memory.limit: -2 is invalid, want a positive number of bytes or -1 for no limit (memory.limit_in_bytes)"},
		{"limit -1", mem(specs.LinuxMemory{Limit: i64(-1)}), 2, ""},
		{"swap < limit", mem(specs.LinuxMemory{Limit: i64(200), Swap: i64(100)}), 2, "linux.resources.memory.swap: 100 is less than memory.limit 200, but swap is memory+swap and must be >= limit (memory.swap.max)"},
		{"swap without limit", mem(specs.LinuxMemory{Swap: i64(100)}), 1, "linux.resources.memory.swap: 100 needs memory.limit to be set, because swap is memory+swap (memory.memsw.limit_in_bytes)"},
		{"swap -1", mem(specs.LinuxMemory{Limit: i64(200), Swap: i64(-1)}), 2, ""},
		{"disableOOMKiller v2", mem(specs.LinuxMemory{DisableOOMKiller: boolp(true)}), 2, "linux.resources.memory.disableOOMKiller: true is not supported on cgroup v2 (memory.oom_control is cgroup v1 only)"},
		{"disableOOMKiller v1", mem(specs.LinuxMemory{DisableOOMKiller: boolp(true)}), 1, ""},
		{"unified slash", unified("memory/../x"), 2, `linux.resources.unified: key "memory/../x" must be a file name, without "/" or ".."`},
		{"unified dotdot", unified("..memory"), 2, `linux.resources.unified: key "..memory" must be a file name, without "/" or ".."`},
		{"unified no dot", unified("memory"), 2, `linux.resources.unified: key "memory" is not of the form <controller>.<file>`},
		{"unified empty file", unified("memory."), 2, `linux.resources.unified: key "memory." is not of the form <controller>.<file>`},
		{"unified v1 name", unified("memory.limit_in_bytes"), 2, `linux.resources.unified: key "memory.limit_in_bytes" is a cgroup v1 file; on cgroup v2 use memory.max`},
		{"unified on v1", unified("memory.high"), 1, "invalid configuration: cannot use unified on cgroup v1 (linux.resources.unified holds cgroup v2 files)"},
		{"device type", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "x"}}}, 1, `linux.resources.devices[0].type: "x" is invalid, want a, b or c`},
		{"device access other letters dropped", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "c", Access: "rwa"}}}, 1, ""},
		{"device access empty", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "c", Access: "rwm"}, {Type: "c"}}}, 2, "device access at 1 field cannot be empty"},
		{"device access no rwm", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "c", Access: "ax"}}}, 2, `linux.resources.devices[0].access: "ax" has none of the letters r, w, m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.r, tt.version)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Validate = %v\nwant %s", err, tt.want)
			}
		})
	}
}
