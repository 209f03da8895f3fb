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

// TestHookFailureWordingAsRunc: a failing hook is reported in runc's words,
// "error running <kind> hook #<index>: exit status N, stdout: ..., stderr:
// ...", for every kind (clients grep for it). runc 1.5.1 prints, for the
// same bundles: "error running prestart hook #1: exit status 3, stdout:
// said-out\n, stderr: said-no\n" inside its log line (the startContainer one
// straight on the container's stderr, the poststop one as a warning).
func TestHookFailureWordingAsRunc(t *testing.T) {
	fail := specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo said-out; echo said-no >&2; exit 3"}}
	two := []specs.Hook{{Path: "/bin/true"}, fail}
	cases := []struct {
		kind  string
		hooks specs.Hooks
	}{
		{"prestart", specs.Hooks{Prestart: two}},
		{"createRuntime", specs.Hooks{CreateRuntime: two}},
		{"createContainer", specs.Hooks{CreateContainer: two}},
		{"startContainer", specs.Hooks{StartContainer: two}},
		{"poststart", specs.Hooks{Poststart: two}},
		{"poststop", specs.Hooks{Poststop: two}},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			e := newEnv(t, "true")
			e.spec.Hooks = &c.hooks
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "hw")
			want := "error running " + c.kind + " hook #1: exit status 3, stdout: said-out, stderr: said-no"
			// runc's log line shows the hook's newlines as \n, or
			// prints them (startContainer); gorunc's keeps one line.
			got := strings.NewReplacer(`\n`, "", "\n", "").Replace(r.stderr)
			if !strings.Contains(got, want) {
				t.Errorf("run (exit %d): stderr %q lacks %q", r.code, r.stderr, want)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		e := newEnv(t, "true")
		one := 1
		e.spec.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "10"}, Timeout: &one}}}
		e.writeSpec()
		r := e.run("run", "--bundle", e.bundle, "ht")
		want := "error running prestart hook #0: hook ran past specified timeout of 1.0s"
		if r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("run (exit %d): stderr %q lacks %q", r.code, r.stderr, want)
		}
	})
}

// hookProbe is a hook that records where it runs: its working directory,
// environment and seccomp mode, into the file named by its first argument.
const hookProbe = `pwd > "$0"; env | sort >> "$0"; grep Seccomp: /proc/self/status >> "$0"`

// TestCreateContainerHookInRootfsAsRunc: createContainer hooks run with the
// rootfs as their working directory (runc's prepareRootfs chdirs there
// before running them) and, with no env of their own, an empty environment
// (runc's init has none left at that point). runc 1.5.1 records the rootfs
// path and only PWD (which the shell sets).
func TestCreateContainerHookInRootfsAsRunc(t *testing.T) {
	e := newEnv(t, "true")
	out := filepath.Join(t.TempDir(), "probe")
	e.spec.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", hookProbe, out}}}}
	e.writeSpec()
	e.must("run", "--bundle", e.bundle, "hc")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if lines[0] != e.spec.Root.Path {
		t.Errorf("createContainer hook ran in %q, want the rootfs %q", lines[0], e.spec.Root.Path)
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "=") && !strings.HasPrefix(l, "PWD=") {
			t.Errorf("createContainer hook without env saw %q; runc gives it an empty environment", l)
		}
	}
}

// TestStartContainerHookAsRunc: a startContainer hook runs as runc's does
// (standard_init_linux.go): after the seccomp filter is loaded (with
// noNewPrivileges the filter goes in late, still before the hook), and,
// with no env of its own, in the process's environment. runc 1.5.1 records
// "Seccomp: 2" and PROCVAR=from-process; before this change gorunc recorded
// "Seccomp: 0" and only its init's GOMAXPROCS.
func TestStartContainerHookAsRunc(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, "true")
	e.spec.Process.Env = append(e.spec.Process.Env, "PROCVAR=from-process")
	e.spec.Process.NoNewPrivileges = true
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"getppid"}, Action: specs.ActErrno},
	}}
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/hooks", Type: "bind", Source: dir, Options: []string{"bind", "rw"}})
	e.spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", hookProbe, "/hooks/probe"}}}}
	e.writeSpec()
	e.must("run", "--bundle", e.bundle, "hs")
	data, err := os.ReadFile(filepath.Join(dir, "probe"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nPROCVAR=from-process\n", "Seccomp:\t2"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("startContainer hook recorded %q, lacking %q", data, want)
		}
	}
	if strings.Contains(string(data), "GOMAXPROCS") {
		t.Errorf("startContainer hook saw the runtime's environment: %q", data)
	}
}
