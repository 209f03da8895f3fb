package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRoot is a cgroup2-looking directory: the tool only needs the files
// it touches to exist.
func fakeRoot(t *testing.T) string {
	root := t.TempDir()
	for name, v := range map[string]string{"cgroup.controllers": "cpu memory pids", "cgroup.subtree_control": ""} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestRun(t *testing.T) {
	root := fakeRoot(t)
	if err := run([]string{"--root", root, "create", "box"}, "", &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "cgroup.subtree_control")); string(b) != "+cpu +memory +pids" {
		t.Fatalf("subtree_control = %q", b)
	}
	// A real kernel populates the new directory; the fake needs help.
	for name, v := range map[string]string{"memory.max": "max", "cpu.max": "max 100000", "pids.max": "max",
		"memory.current": "10", "cpu.stat": "usage_usec 20\n", "pids.current": "3", "cgroup.procs": ""} {
		if err := os.WriteFile(filepath.Join(root, "box", name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		args       []string
		file, want string
	}{
		{[]string{"memory-max", "box", "50000000"}, "memory.max", "50000000"},
		{[]string{"cpu-max", "box", "50000 100000"}, "cpu.max", "50000 100000"},
		{[]string{"pids-max", "box", "20"}, "pids.max", "20"},
		{[]string{"attach", "box", "123"}, "cgroup.procs", "123"},
	}
	for _, s := range steps {
		// CGROUP_ROOT works as well as --root.
		if err := run(s.args, root, &bytes.Buffer{}); err != nil {
			t.Fatalf("%v: %v", s.args, err)
		}
		if b, _ := os.ReadFile(filepath.Join(root, "box", s.file)); string(b) != s.want {
			t.Errorf("%v: %s = %q, want %q", s.args, s.file, b, s.want)
		}
	}
	var out bytes.Buffer
	if err := run([]string{"stat", "box"}, root, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "memory.current 10\ncpu.stat usage_usec 20\npids.current 3\n" {
		t.Errorf("stat printed %q", out.String())
	}
}

func TestRunErrors(t *testing.T) {
	root := fakeRoot(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"create"}, "usage: cgroup-tool"},
		{[]string{"frobnicate", "x"}, "usage: cgroup-tool"},
		{[]string{"attach", "x"}, "usage: cgroup-tool"},
		{[]string{"attach", "x", "abc"}, `pid "abc": want a positive number`},
		{[]string{"--root", t.TempDir(), "create", "x"}, "this tool needs cgroup v2"},
	}
	for _, tt := range tests {
		err := run(tt.args, root, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
		}
	}
}
