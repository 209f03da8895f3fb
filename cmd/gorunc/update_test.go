package main

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestRAMInBytes: docker/go-units v0.5.0's RAMInBytes, runc 1.5's parser
// of the memory flags, outputs and words.
func TestRAMInBytes(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "1048576", want: 1 << 20},
		{in: "64m", want: 64 << 20},
		{in: "64M", want: 64 << 20},
		{in: "64MiB", want: 64 << 20},
		{in: "64 mb", want: 64 << 20},
		{in: "1.5g", want: 3 << 29},
		{in: "2k", want: 2048},
		{in: "10b", want: 10},
		{in: "1p", want: 1 << 50},
		{in: "abc", err: "invalid size: 'abc'"},
		{in: "-2", err: "invalid size: '-2'"},
		{in: "64x", err: "invalid suffix: 'x'"},
		{in: "64KB", want: 64 << 10},
		{in: "64kib", want: 64 << 10},
		{in: "64kbb", err: "invalid suffix: 'kbb'"},
		{in: "64bytes", err: "invalid suffix: 'bytes'"},
		{in: "64bb", err: "invalid suffix: 'bb'"},
		{in: "1..2", err: `strconv.ParseFloat: parsing "1..2": invalid syntax`},
		{in: "", err: "invalid size: ''"},
	}
	for _, c := range cases {
		got, err := ramInBytes(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("ramInBytes(%q) = %d, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ramInBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestParseUpdate(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	u16 := func(v uint16) *uint16 { return &v }
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  *specs.LinuxResources
		err   string
	}{
		{name: "memory flags", args: []string{"--memory", "64m", "--memory-reservation=32m", "--memory-swap", "-1", "c"},
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(64 << 20), Reservation: i64(32 << 20), Swap: i64(-1)}}},
		{name: "cpu flags", args: []string{"--cpu-share", "512", "--cpu-quota", "-1", "--cpu-period", "100000", "--cpu-burst", "5000", "--cpuset-cpus", "0", "--cpuset-mems", "0", "c"},
			want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512), Quota: i64(-1), Period: u64(100000), Burst: u64(5000), Cpus: "0", Mems: "0"}}},
		{name: "rt flags", args: []string{"--cpu-rt-period", "100000", "--cpu-rt-runtime=-1", "c"},
			want: &specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimePeriod: u64(100000), RealtimeRuntime: i64(-1)}}},
		// runc 1.5 sets the shares to 0 with --cpu-idle alone.
		{name: "idle", args: []string{"--cpu-idle", "1", "c"}, want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: i64(1), Shares: u64(0)}}},
		{name: "idle and shares", args: []string{"--cpu-idle", "0", "--cpu-share", "3", "c"}, want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: i64(0), Shares: u64(3)}}},
		{name: "pids and blkio", args: []string{"--pids-limit", "10", "--blkio-weight", "500", "c"},
			want: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(10)}, BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}},
		{name: "int flags in Go's bases", args: []string{"--pids-limit", "0x10", "--blkio-weight", "0", "c"},
			want: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(16)}}},
		{name: "kernel memory parsed", args: []string{"--kernel-memory", "1g", "--kernel-memory-tcp=-1", "c"},
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Kernel: i64(1 << 30), KernelTCP: i64(-1)}}},
		{name: "stdin, flags ignored", args: []string{"-r", "-", "--pids-limit", "5", "--memory", "x", "c"}, stdin: `{"memory": {"limit": 1048576}, "pids": {"limit": 9}}`,
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20)}, Pids: &specs.LinuxPids{Limit: i64(9)}}},
		{name: "bad json", args: []string{"-r", "-", "c"}, stdin: `{`, err: "update: --resources -: not a JSON linux.resources object"},
		{name: "bad shares", args: []string{"--cpu-share", "x", "c"}, err: `invalid value for cpu-share: strconv.ParseUint: parsing "x": invalid syntax`},
		{name: "bad burst", args: []string{"--cpu-burst", "-1", "c"}, err: `invalid value for cpu-burst: strconv.ParseUint: parsing "-1": invalid syntax`},
		{name: "bad idle", args: []string{"--cpu-idle", "1.0", "c"}, err: `invalid value for cpu-idle: strconv.ParseInt: parsing "1.0": invalid syntax`},
		{name: "bad pids", args: []string{"--pids-limit", "ten", "c"}, err: `invalid value "ten" for flag -pids-limit: parse error`},
		{name: "pids out of range", args: []string{"--pids-limit", "99999999999999999999", "c"}, err: `invalid value "99999999999999999999" for flag -pids-limit: value out of range`},
		{name: "blkio weight beyond 16 bits", args: []string{"--blkio-weight", "65836", "c"}, err: "invalid value for blkio-weight: 65836 does not fit"},
		{name: "bad kernel memory", args: []string{"--kernel-memory", "x", "c"}, err: `invalid value for kernel-memory: invalid size: 'x'`},
		{name: "no id", args: []string{"--memory", "1m"}, err: "expects exactly one container id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, got, err := parseUpdate(c.args, strings.NewReader(c.stdin))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || id != "c" || !reflect.DeepEqual(got, c.want) {
				t.Errorf("parseUpdate = %q, %+v, %v; want c, %+v", id, got, err, c.want)
			}
		})
	}
}
