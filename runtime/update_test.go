package runtime

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMergeResources(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	cur := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: i64(100), Reservation: i64(50)},
		CPU:     &specs.LinuxCPU{Shares: u64(512), Cpus: "0-1"},
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Unified: map[string]string{"memory.high": "90", "pids.max": "5"},
	}
	cases := []struct {
		name   string
		update *specs.LinuxResources
		want   *specs.LinuxResources
	}{
		{name: "nil update keeps everything", update: nil, want: cur},
		{name: "one field", update: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(200)}}, want: &specs.LinuxResources{
			Memory: &specs.LinuxMemory{Limit: i64(200), Reservation: i64(50)}, CPU: cur.CPU, Devices: cur.Devices, Unified: cur.Unified,
		}},
		{name: "new section, string field, map key", update: &specs.LinuxResources{
			Pids: &specs.LinuxPids{Limit: i64(7)}, CPU: &specs.LinuxCPU{Cpus: "1"}, Unified: map[string]string{"pids.max": "9"},
		}, want: &specs.LinuxResources{
			Memory: cur.Memory, CPU: &specs.LinuxCPU{Shares: u64(512), Cpus: "1"}, Devices: cur.Devices,
			Pids: &specs.LinuxPids{Limit: i64(7)}, Unified: map[string]string{"memory.high": "90", "pids.max": "9"},
		}},
		{name: "devices replaced whole", update: &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "r"}}}, want: &specs.LinuxResources{
			Memory: cur.Memory, CPU: cur.CPU, Unified: cur.Unified, Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "r"}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mergeResources(cur, c.update)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("merge = %+v, want %+v", got, c.want)
			}
		})
	}
	// The merge copies: changing the result leaves the current values alone.
	got := mergeResources(cur, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1)}})
	*got.CPU.Shares = 2
	got.Unified["x.y"] = "1"
	if *cur.Memory.Limit != 100 || *cur.CPU.Shares != 512 || len(cur.Unified) != 2 {
		t.Errorf("merge changed its input: %+v", cur)
	}
}
