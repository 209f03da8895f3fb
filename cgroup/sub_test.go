package cgroup

import (
	"os"
	"path"
	"reflect"
	"strings"
	"testing"
)

// checkMap compares a result map and error with the wanted ones.
func checkMap(t *testing.T, in any, got map[string]string, err error, want map[string]string, wantErr string) {
	t.Helper()
	switch {
	case wantErr != "" && (err == nil || err.Error() != wantErr):
		t.Errorf("%v: error %v, want %q", in, err, wantErr)
	case wantErr == "" && (err != nil || !reflect.DeepEqual(got, want)):
		t.Errorf("%v: %v, %v; want %v", in, got, err, want)
	}
}

func TestParseSubPaths(t *testing.T) {
	cases := []struct {
		args []string
		want map[string]string
		err  string
	}{
		{nil, nil, ""},
		{[]string{"foo"}, map[string]string{"": "foo"}, ""},
		{[]string{"memory:a", "cpu,cpuacct:b"}, map[string]string{"memory": "a", "cpu": "b", "cpuacct": "b"}, ""},
		{[]string{"x", "y"}, nil, "invalid --cgroup argument: x (missing <controller>: prefix)"},
		{[]string{",cpu:x"}, nil, "invalid --cgroup argument: ,cpu:x (empty <controller> prefix)"},
		{[]string{"cpu:a", "cpu,memory:b"}, nil, "invalid --cgroup argument(s): controller cpu specified multiple times"},
	}
	for _, c := range cases {
		got, err := ParseSubPaths(c.args)
		checkMap(t, c.args, got, err, c.want, c.err)
	}
}

func TestSubDirs(t *testing.T) {
	own := map[string]string{"": "/cg/u/c", "memory": "/cg/memory/c", "cpu": "/cg/cpu/c"}
	cases := []struct {
		sub  map[string]string
		want map[string]string
		err  string
	}{
		{map[string]string{"": "s"}, map[string]string{"": "/cg/u/c/s", "memory": "/cg/memory/c/s", "cpu": "/cg/cpu/c/s"}, ""},
		{map[string]string{"": "/"}, own, ""},
		{map[string]string{"memory": "a/b"}, map[string]string{"": "/cg/u/c", "memory": "/cg/memory/c/a/b", "cpu": "/cg/cpu/c"}, ""},
		{map[string]string{"": ".."}, nil, "bad sub cgroup path: .."},
		{map[string]string{"cpu": "../c-sibling"}, nil, "bad sub cgroup path: ../c-sibling"},
		{map[string]string{"pids": "x"}, nil, "unknown controller pids in SubCgroupPaths"},
	}
	for _, c := range cases {
		got, err := SubDirs(own, c.sub)
		checkMap(t, c.sub, got, err, c.want, c.err)
	}
}

// TestEnterInitCgroup reads this process's own cgroup as "init's": joined
// when it is the container's (or below), refused outside it and on v1.
func TestEnterInitCgroup(t *testing.T) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		t.Skip(err)
	}
	own, err := parseProcCgroup(f)
	f.Close()
	if err != nil || own[""] == "" {
		t.Skipf("no cgroup v2 line in /proc/self/cgroup (%v)", err)
	}
	root := t.TempDir()
	dir := path.Join(root, own[""])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path.Join(dir, "cgroup.procs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := EnterInitCgroup(State{Version: 2, Root: root, Paths: map[string]string{"": dir}}, 42, os.Getpid()); err != nil {
		t.Fatalf("init in the container's cgroup: %v", err)
	}
	if b, _ := os.ReadFile(path.Join(dir, "cgroup.procs")); string(b) != "42" {
		t.Errorf("cgroup.procs %q, want 42", b)
	}
	if err := EnterInitCgroup(State{Version: 2, Root: root, Paths: map[string]string{"": path.Join(dir, "c")}}, 42, os.Getpid()); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("init above the container's cgroup: %v, want refused", err)
	}
	if err := EnterInitCgroup(State{Version: 1, Paths: map[string]string{"": dir}}, 42, os.Getpid()); err == nil {
		t.Error("v1: want refused")
	}
}
