package main

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseBytes(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "1048576", want: 1 << 20},
		{in: "64m", want: 64 << 20},
		{in: "64M", want: 64 << 20},
		{in: "64MiB", want: 64 << 20},
		{in: "1.5g", want: 3 << 29},
		{in: "2k", want: 2048},
		{in: "10b", want: 10},
		{in: "-1", want: -1},
		{in: "abc", err: `--memory "abc": not a size`},
		{in: "-2", err: `--memory "-2": not a size`},
		{in: "64x", err: `--memory "64x": not a size`},
		{in: "", err: `--memory "": not a size`},
	}
	for _, c := range cases {
		got, err := parseBytes("memory", c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseBytes(%q) = %d, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
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
		{name: "cpu flags", args: []string{"--cpu-share", "512", "--cpu-quota", "-1", "--cpu-period", "100000", "--cpuset-cpus", "0", "--cpuset-mems", "0", "c"},
			want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512), Quota: i64(-1), Period: u64(100000), Cpus: "0", Mems: "0"}}},
		{name: "pids and blkio", args: []string{"--pids-limit", "10", "--blkio-weight", "500", "c"},
			want: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(10)}, BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}},
		{name: "kernel memory ignored", args: []string{"--kernel-memory", "1g", "c"}, want: &specs.LinuxResources{}},
		{name: "stdin then flags", args: []string{"-r", "-", "--pids-limit", "5", "c"}, stdin: `{"memory": {"limit": 1048576}, "pids": {"limit": 9}}`,
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20)}, Pids: &specs.LinuxPids{Limit: i64(5)}}},
		{name: "bad json", args: []string{"-r", "-", "c"}, stdin: `{`, err: "update: --resources -: not a JSON linux.resources object"},
		{name: "bad shares", args: []string{"--cpu-share", "x", "c"}, err: `update: --cpu-share "x": not a non-negative integer`},
		{name: "bad pids", args: []string{"--pids-limit", "ten", "c"}, err: `update: --pids-limit "ten": not an integer`},
		{name: "rdt", args: []string{"--mem-bw-schema", "MB:0=20", "c"}, err: "Intel RDT"},
		{name: "no id", args: []string{"--memory", "1m"}, err: "expects exactly one container id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, got, _, err := parseUpdate(c.args, strings.NewReader(c.stdin))
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
