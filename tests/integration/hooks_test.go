package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hookScript logs "<name> <state json>" to log beside itself; it is run on
// the host (runtime namespace) and, for startContainer, in the container
// through a bind mount of its directory at /hooks.
const hookScript = `#!/bin/sh
read -r state
echo "$1 $state" >> "$(dirname "$0")/log"
`

func TestHooksFireOnceInOrder(t *testing.T) {
	e := newEnv(t, "true")
	dir := t.TempDir()
	script := filepath.Join(dir, "hook.sh")
	if err := os.WriteFile(script, []byte(hookScript), 0o755); err != nil {
		t.Fatal(err)
	}
	hook := func(path, name string) []specs.Hook {
		return []specs.Hook{{Path: path, Args: []string{"hook.sh", name}}}
	}
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/hooks", Type: "bind", Source: dir, Options: []string{"bind", "rw"}})
	e.spec.Hooks = &specs.Hooks{
		Prestart:        hook(script, "prestart"),
		CreateRuntime:   hook(script, "createRuntime"),
		CreateContainer: hook(script, "createContainer"),
		StartContainer:  hook("/hooks/hook.sh", "startContainer"),
		Poststart:       hook(script, "poststart"),
		Poststop:        hook(script, "poststop"),
	}
	e.spec.Annotations = map[string]string{"org.test": "yes"}
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "hk")
	e.must("start", "hk")
	e.waitStatus("hk", "stopped")
	e.must("delete", "hk")

	data, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := []struct{ name, status string }{
		{"prestart", "creating"}, {"createRuntime", "creating"}, {"createContainer", "creating"},
		{"startContainer", "created"}, {"poststart", "running"}, {"poststop", "stopped"},
	}
	if len(lines) != len(want) {
		t.Fatalf("hooks ran %d times, want %d:\n%s", len(lines), len(want), data)
	}
	for i, w := range want {
		name, js, _ := strings.Cut(lines[i], " ")
		var st specs.State
		if err := json.Unmarshal([]byte(js), &st); err != nil {
			t.Errorf("%s: state on stdin is not JSON: %q", name, js)
			continue
		}
		if name != w.name || string(st.Status) != w.status {
			t.Errorf("hook %d: %s with status %q, want %s with %q", i, name, st.Status, w.name, w.status)
		}
		if st.ID != "hk" || st.Bundle != e.bundle || st.Annotations["org.test"] != "yes" {
			t.Errorf("%s: state %+v lacks id, bundle or annotations", name, st)
		}
		if w.status != "stopped" && st.Pid <= 0 {
			t.Errorf("%s: state has no pid", name)
		}
	}
}

func TestFailingHooks(t *testing.T) {
	cases := []struct {
		name      string
		hooks     func(fail specs.Hook) *specs.Hooks
		createErr bool
	}{
		{"createRuntime aborts create", func(f specs.Hook) *specs.Hooks { return &specs.Hooks{CreateRuntime: []specs.Hook{f}} }, true},
		{"prestart aborts create", func(f specs.Hook) *specs.Hooks { return &specs.Hooks{Prestart: []specs.Hook{f}} }, true},
		{"createContainer aborts create", func(f specs.Hook) *specs.Hooks { return &specs.Hooks{CreateContainer: []specs.Hook{f}} }, true},
		{"poststart is only a warning", func(f specs.Hook) *specs.Hooks { return &specs.Hooks{Poststart: []specs.Hook{f}} }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.spec.Hooks = c.hooks(specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo hook-said-no >&2; exit 3"}})
			e.writeSpec()
			r := e.run("create", "--bundle", e.bundle, "fh")
			if c.createErr {
				assertOneLineError(t, r, "hook-said-no")
				noCgroup(t, strings.Split(e.spec.Linux.CgroupsPath, "/")[0])
				return
			}
			if r.code != 0 {
				t.Fatalf("create: %s", r.stderr)
			}
			r = e.run("start", "fh")
			if r.code != 0 || !strings.Contains(r.stderr, "warning") {
				t.Errorf("start with a failing poststart: exit %d, stderr %q; want success with a warning", r.code, r.stderr)
			}
			if s := e.state("fh"); s.Status != "running" {
				t.Errorf("status %s after a failing poststart, want running", s.Status)
			}
		})
	}
}

func TestPoststopAllRunDespiteFailure(t *testing.T) {
	e := newEnv(t, "true")
	dir := t.TempDir()
	script := filepath.Join(dir, "hook.sh")
	os.WriteFile(script, []byte(hookScript), 0o755)
	e.spec.Hooks = &specs.Hooks{Poststop: []specs.Hook{
		{Path: "/bin/false"},
		{Path: script, Args: []string{"hook.sh", "second"}},
	}}
	e.writeSpec()
	e.must("run", "--bundle", e.bundle, "ps1")
	data, _ := os.ReadFile(filepath.Join(dir, "log"))
	if !strings.HasPrefix(string(data), "second ") {
		t.Errorf("the poststop hook after a failing one did not run: %q", data)
	}
}
