package cgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newFakeTool(t *testing.T) (*Tool, string) {
	t.Helper()
	root, o := fakeV2(t, "cpu memory pids io")
	tool, err := NewTool(root)
	if err != nil {
		t.Fatal(err)
	}
	tool.ops = o
	return tool, root
}

func TestToolCreateSetStatDelete(t *testing.T) {
	tool, root := newFakeTool(t)
	if err := tool.Create("my-containers/container1"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{root, filepath.Join(root, "my-containers")} {
		if got := readT(t, filepath.Join(d, "cgroup.subtree_control")); got != "+cpu +memory +pids" {
			t.Errorf("%s subtree_control = %q", d, got)
		}
	}
	p := "my-containers/container1"
	steps := []struct {
		name       string
		set        func() error
		file, want string
	}{
		{"memory-max", func() error { return tool.SetMemoryMax(p, "50000000") }, "memory.max", "50000000"},
		{"cpu-max", func() error { return tool.SetCPUMax(p, "50000 100000") }, "cpu.max", "50000 100000"},
		{"cpu-max max", func() error { return tool.SetCPUMax(p, "max  100000") }, "cpu.max", "max 100000"},
		{"pids-max", func() error { return tool.SetPidsMax(p, "5") }, "pids.max", "5"},
		{"pids-max max", func() error { return tool.SetPidsMax(p, "max") }, "pids.max", "max"},
	}
	for _, s := range steps {
		if err := s.set(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := readT(t, filepath.Join(root, p, s.file)); got != s.want {
			t.Errorf("%s: %s = %q, want %q", s.name, s.file, got, s.want)
		}
	}
	if err := tool.Attach(p, 4321); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, filepath.Join(root, p), map[string]string{"memory.current": "1234", "cpu.stat": "usage_usec 99\n", "pids.current": "1"})
	st, err := tool.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.String() != "memory.current 1234\ncpu.stat usage_usec 99\npids.current 1\n" {
		t.Errorf("stat = %q", st.String())
	}
	if err := tool.Delete(p); err == nil || !strings.Contains(err.Error(), "processes still inside: [4321]") {
		t.Fatalf("busy delete = %v", err)
	}
	writeFiles(t, filepath.Join(root, p), map[string]string{"cgroup.procs": ""})
	if err := tool.Delete(p); err != nil {
		t.Fatal(err)
	}
	if err := tool.Delete("my-containers"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "my-containers")); !os.IsNotExist(err) {
		t.Fatalf("my-containers left: %v", err)
	}
}

func TestToolBadInput(t *testing.T) {
	tool, root := newFakeTool(t)
	if err := tool.Create("c"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"bad memory", tool.SetMemoryMax("c", "50M"), `memory.max value "50M": want a number of bytes or "max"`},
		{"bad cpu", tool.SetCPUMax("c", "50000 100000 7"), `cpu.max value "50000 100000 7": want "QUOTA PERIOD" in microseconds, QUOTA may be "max"`},
		{"bad pids", tool.SetPidsMax("c", "-1"), `pids.max value "-1": want a number of processes or "max"`},
		{"dotdot", tool.Create("../etc"), `cgroup path "../etc" must not contain ".."`},
		{"root", tool.Delete("/"), `cgroup path "/" names the root cgroup; give a child path`},
		{"attach pid", tool.Attach("c", 0), `pid 0: want a positive process id`},
		{"delete missing", tool.Delete("nope"), "delete cgroup nope: stat " + filepath.Join(root, "nope") + ": no such file or directory"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("%s: err = %v\nwant %s", tt.name, tt.err, tt.want)
		}
	}
}

func TestToolNeedsV2(t *testing.T) {
	_, err := NewTool(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "this tool needs cgroup v2") {
		t.Fatalf("err = %v", err)
	}
}

// TestHostV1ToolRefuses: on this kind of host the default root is v1.
func TestHostV1ToolRefuses(t *testing.T) {
	if v, err := HostVersion(); err != nil || v != 1 {
		t.Skipf("needs a cgroup v1 host (HostVersion = %d, %v)", v, err)
	}
	_, err := NewTool("")
	want := "this tool needs cgroup v2 (the host has cgroup v1 at /sys/fs/cgroup)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}
