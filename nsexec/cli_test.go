//go:build setupharness

package nsexec

import (
	"encoding/json"
	"testing"
)

// goStartRecord is what runtime's record (store.go) gives start: the
// members of the same names, decoded by encoding/json.
type goStartRecord struct {
	InitPid   int    `json:"init_pid"`
	InitStart uint64 `json:"init_start"`
	Cgroup    struct {
		Version int               `json:"version"`
		Paths   map[string]string `json:"paths"`
	} `json:"cgroup"`
	Spec *struct {
		Linux *struct {
			Namespaces []struct {
				Type string `json:"type"`
				Path string `json:"path"`
			} `json:"namespaces"`
		} `json:"linux"`
		Process *struct{} `json:"process"`
		Hooks   *struct {
			Poststart []json.RawMessage `json:"poststart"`
		} `json:"hooks"`
	} `json:"spec"`
}

// TestStartRecord: what cli.c takes from state.json is what
// encoding/json reads there, and what it cannot read the same way (escapes,
// keys of another case, numbers that are not plain, anything malformed) it
// leaves to Go.
func TestStartRecord(t *testing.T) {
	const v1 = `"cgroup":{"version":1,"paths":{"cpu":"/sys/fs/cgroup/cpu/a","freezer":"/sys/fs/cgroup/freezer/a"}}`
	cases := []struct {
		name, json string
		taken      bool
	}{
		{"v1", `{"id":"a","init_pid":42,"init_start":7,` + v1 + `,"spec":{"process":{"args":["sh"]}}}`, true},
		{"v2", `{"init_pid":42,"init_start":7,"cgroup":{"version":2,"paths":{"":"/sys/fs/cgroup/a"},"root":"/sys/fs/cgroup"},"spec":{"process":{}}}`, true},
		{"no cgroup", `{"init_pid":42,"init_start":7,"cgroup":{"version":0,"paths":null},"spec":{"process":{}}}`, true},
		{"v1 without freezer", `{"init_pid":42,"cgroup":{"version":1,"paths":{"cpu":"/sys/fs/cgroup/cpu/a"}},"spec":{"process":{}}}`, true},
		{"no process", `{"init_pid":42,` + v1 + `,"spec":{"process":null}}`, true},
		{"other members", " {\"created\":\"2026-12-02T10:00:00.5Z\",\"x\":[1,-2.5e+3,true,false,null,{\"y\":[]}],\t\n\"init_pid\":42," + v1 + `,"spec":{"ociVersion":"1.0.2","process":{"env":["A=\"b\\\\"]},"hooks":{"prestart":[{"path":"/x"}],"poststart":[]}}} `, true},
		{"poststart null", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"hooks":{"poststart":null}}}`, true},
		{"duplicate member", `{"init_pid":41,"init_pid":42,` + v1 + `,"spec":{"process":{}}}`, true},
		{"pid namespace", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"linux":{"namespaces":[{"type":"network"},{"type":"pid"},{"type":"pid","path":"/x"}]}}}`, true},
		{"joined pid namespace", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"linux":{"namespaces":[{"path":"/proc/1/ns/pid","type":"pid"}],"resources":{}}}}`, true},
		{"pid namespace spelt otherwise", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"linux":{"namespaces":[{"Type":"pid"}]}}}`, true},
		{"poststart empty, spaced", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"hooks":{"poststart":[ ]}}}`, true},
		{"null namespace entry", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"linux":{"namespaces":[null,{"type":"pid"}]}}}`, true},
		{"trailing comma in a skipped array", `{"x":[1,],"init_pid":42,` + v1 + `,"spec":{"process":{}}}`, false},
		{"leading comma in a skipped array", `{"x":[,1],"init_pid":42,` + v1 + `,"spec":{"process":{}}}`, false},
		{"trailing comma in a skipped object", `{"x":{"a":1,},"init_pid":42,` + v1 + `,"spec":{"process":{}}}`, false},
		{"trailing comma in namespaces", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"linux":{"namespaces":[{"type":"pid"},]}}}`, false},
		{"poststart hooks", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"hooks":{"poststart":[{"path":"/bin/true"}]}}}`, false},
		{"escaped key", `{"init\u005fpid":42,` + v1 + `,"spec":{"process":{}}}`, false},
		{"key of another case", `{"Init_Pid":42,` + v1 + `,"spec":{"process":{}}}`, false},
		{"hooks key of another case", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"hooks":{"PostStart":[{"path":"/x"}]}}}`, false},
		{"key folded by Unicode", `{"init_pid":42,` + v1 + `,"spec":{"process":{},"hooks":{"poſtstart":[{"path":"/x"}]}}}`, false},
		{"escaped path", `{"init_pid":42,"cgroup":{"version":2,"paths":{"":"/sys/fs/cgroup/\u0061"}},"spec":{"process":{}}}`, false},
		{"float pid", `{"init_pid":42.0,` + v1 + `,"spec":{"process":{}}}`, false},
		{"negative pid", `{"init_pid":-1,` + v1 + `,"spec":{"process":{}}}`, false},
		{"bad literal", `{"x":nul,"init_pid":42,` + v1 + `,"spec":{"process":{}}}`, false},
		{"trailing comma", `{"init_pid":42,` + v1 + `,"spec":{"process":{}},}`, false},
		{"trailing bytes", `{"init_pid":42,` + v1 + `,"spec":{"process":{}}}x`, false},
		{"no spec", `{"init_pid":42,` + v1 + `}`, false},
		{"version 3", `{"init_pid":42,"cgroup":{"version":3,"paths":{"":"/a"}},"spec":{"process":{}}}`, false},
		{"v2 without path", `{"init_pid":42,"cgroup":{"version":2,"paths":{}},"spec":{"process":{}}}`, false},
		{"relative path", `{"init_pid":42,"cgroup":{"version":2,"paths":{"":"a"}},"spec":{"process":{}}}`, false},
		{"truncated", `{"init_pid":42,` + v1 + `,"spec":{"process":{}`, false},
		{"not an object", `[]`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, taken := readStartRecord([]byte(c.json))
			if taken != c.taken {
				t.Fatalf("taken %v, want %v (%+v)", taken, c.taken, got)
			}
			if !taken {
				return
			}
			var want goStartRecord
			if err := json.Unmarshal([]byte(c.json), &want); err != nil {
				t.Fatalf("cli.c took what encoding/json refuses: %v", err)
			}
			path := want.Cgroup.Paths[""]
			if want.Cgroup.Version == 1 {
				path = want.Cgroup.Paths["freezer"]
			}
			hasProcess := want.Spec != nil && want.Spec.Process != nil
			pidNS := 0
			if want.Spec != nil && want.Spec.Linux != nil {
				for _, ns := range want.Spec.Linux.Namespaces {
					if ns.Type == "pid" {
						pidNS = map[bool]int{true: 1, false: 2}[ns.Path == ""]
						break
					}
				}
			}
			if got.PidNS != -1 && got.PidNS != pidNS {
				t.Errorf("cli.c's pid namespace %d, encoding/json's %d", got.PidNS, pidNS)
			}
			if c.name == "pid namespace spelt otherwise" && got.PidNS != -1 {
				t.Errorf("a namespace key of another case is not left to Go: %d", got.PidNS)
			}
			if want.Spec != nil && want.Spec.Hooks != nil && len(want.Spec.Hooks.Poststart) > 0 {
				t.Fatalf("cli.c took a spec with poststart hooks")
			}
			if got.InitPid != uint64(want.InitPid) || got.InitStart != want.InitStart || got.Version != uint64(want.Cgroup.Version) ||
				got.Cgroup != path || got.HasProcess != hasProcess {
				t.Errorf("cli.c read %+v; encoding/json: pid %d start %d version %d path %q process %v",
					got, want.InitPid, want.InitStart, want.Cgroup.Version, path, hasProcess)
			}
		})
	}
}

// TestOnePCommand: create, run and exec, attached or not, start on one P
// (nsenter.c, "One P for the CLI"); every other command does not.
func TestOnePCommand(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want bool
	}{
		{"create", true},
		{"run", true},
		{"exec", true},
		{"start", false},
		{"delete", false},
		{"restore", false},
		{"creat", false},
		{"runs", false},
	} {
		if got := onePCommand(tc.cmd); got != tc.want {
			t.Errorf("%q: one P %v, want %v", tc.cmd, got, tc.want)
		}
	}
}
