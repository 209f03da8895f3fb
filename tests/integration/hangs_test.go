package integration

// Hangs: no gorunc command may wait forever on a container it creates. A
// frozen cgroup (the container's own or an ancestor's), a hook that never
// returns, an init that cannot answer: each command either refuses up
// front, gives up with the reason, or (delete --force) cleans up anyway.
// Each run is bounded, so code that hangs fails the test instead of
// hanging it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hangBound is how long a command may take in these tests before it
// counts as hung.
const hangBound = 15 * time.Second

// startBounded starts gorunc in a process group of its own; wait reaps it,
// killing the group (gorunc and any init it left) if it outlives bound.
func (e *env) startBounded(args ...string) (wait func(bound time.Duration) (result, time.Duration, bool)) {
	e.t.Helper()
	cmd := exec.Command(e.bin, append([]string{"--root", e.root}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, errf := e.tempFile(), e.tempFile()
	cmd.Stdout, cmd.Stderr = out, errf
	begin := time.Now()
	s := startCmd(e.t, cmd)
	return func(bound time.Duration) (result, time.Duration, bool) {
		defer out.Close()
		defer errf.Close()
		exited, err := s.within(bound)
		if !exited {
			err = s.kill(true)
		}
		hung := !exited
		r := result{stdout: readAll(out), stderr: readAll(errf)}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		}
		return r, time.Since(begin), hung
	}
}

func (e *env) runBounded(bound time.Duration, args ...string) (result, time.Duration, bool) {
	e.t.Helper()
	return e.startBounded(args...)(bound)
}

// refusedNaming runs gorunc, which must not hang, and must fail with one
// line saying want and naming the frozen cgroup.
func (e *env) refusedNaming(frozen, want string, args ...string) {
	e.t.Helper()
	r, took, hung := e.runBounded(hangBound, args...)
	if hung {
		e.t.Fatalf("gorunc %s hung (killed after %v)", args[0], took)
	}
	if args[0] == "exec" {
		assertExecError(e.t, r, want) // runc's 255
	} else {
		assertOneLineError(e.t, r, want)
	}
	if !strings.Contains(r.stderr, frozen) {
		e.t.Errorf("%s: error does not name the frozen cgroup %s: %q", args[0], frozen, r.stderr)
	}
}

// freezerDir is where a relative cgroupsPath lands in the v1 freezer
// hierarchy: under this process's own freezer cgroup.
func freezerDir(t *testing.T, cgroupsPath string) string {
	t.Helper()
	for _, h := range v1Hierarchies(t) {
		if h.ctrl == "freezer" && exists(filepath.Join(h.own, "cgroup.procs")) {
			return filepath.Join(h.own, cgroupsPath)
		}
	}
	t.Skip("needs a cgroup v1 freezer hierarchy at /sys/fs/cgroup/freezer (cgroup v2 is checked by tests/vm/payloads/gorunc-cgroup-v2.sh)")
	return ""
}

// premade makes dirs (parents first) in the freezer hierarchy, and
// registers their removal: thawed, emptied of any process a broken gorunc
// left frozen there, then removed, leaves first. Register it before
// newEnv's cleanup runs (t.Cleanup is LIFO: call it after newEnv).
func premade(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, d := range dirs {
			os.WriteFile(filepath.Join(d, "freezer.state"), []byte("THAWED"), 0o644)
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			removeCgroupTree(t, dirs[i])
		}
	})
}

// removeCgroupTree removes a cgroup and any child a broken gorunc made in
// it, leaves first, killing what is left inside.
func removeCgroupTree(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		if ent.IsDir() {
			removeCgroupTree(t, filepath.Join(dir, ent.Name()))
		}
	}
	killTasks(t, dir)
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cleanup: remove cgroup: %v", err)
	}
}

// killTasks SIGKILLs every process left in a cgroup directory and waits
// (bounded) for it to empty; a process found there is a leak the test has
// already reported, or reports now.
func killTasks(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		pids := strings.Fields(string(data))
		if len(pids) == 0 {
			return
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("cleanup: processes %v stay in %s", pids, dir)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freeze(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "freezer.state"), []byte("FROZEN"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for freezerState(dir) != "FROZEN" {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not freeze: %s", dir, freezerState(dir))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func freezerState(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "freezer.state"))
	return strings.TrimSpace(string(b))
}

// assertNothingLeft: no state, and no directory of cgroupsPath in any v1
// hierarchy but the pre-made ones.
func assertNothingLeft(t *testing.T, e *env, keep ...string) {
	t.Helper()
	if ents, _ := os.ReadDir(e.root); len(ents) > 0 {
		t.Errorf("state left in %s: %v", e.root, ents)
	}
	kept := map[string]bool{}
	for _, k := range keep {
		kept[k] = true
	}
	for _, d := range cgroupLeft(t, e.spec.Linux.CgroupsPath) {
		if !kept[d] {
			t.Errorf("cgroup %s left behind", d)
			os.Remove(d)
		}
	}
	for _, k := range keep {
		if data, _ := os.ReadFile(filepath.Join(k, "cgroup.procs")); len(bytes.TrimSpace(data)) > 0 {
			t.Errorf("processes left in %s: %s", k, data)
		}
	}
}

// TestFrozenCgroupRefused: create and run -d with a cgroupsPath held by a
// freeze exit 1 at once with runc's words and the frozen cgroup's name,
// leaving nothing, and the pre-made cgroups still there and still frozen.
// runc 1.5.1 refuses the "self" case with "container's cgroup unexpectedly
// frozen" and hangs forever in the two "ancestor" cases (checked by hand:
// init stays frozen, the state directory stays, no error).
// Before the fix gorunc hung in all three (init frozen in its first
// instruction, create blocked reading init's sync socket).
func TestFrozenCgroupRefused(t *testing.T) {
	cases := []struct {
		name string
		// premade (relative to the parent P of cgroupsPath's leaf c):
		// which of P and P/c exist before, and which one is frozen.
		withLeaf bool
		frozen   string // "P" or "P/c"
	}{
		{name: "self", withLeaf: true, frozen: "P/c"},
		{name: "ancestor", withLeaf: true, frozen: "P"},
		{name: "ancestor, leaf made by gorunc", withLeaf: false, frozen: "P"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			leaf := freezerDir(t, e.spec.Linux.CgroupsPath)
			parent := filepath.Dir(leaf)
			dirs := []string{parent}
			if tc.withLeaf {
				dirs = append(dirs, leaf)
			}
			premade(t, dirs...)
			frozen := parent
			if tc.frozen == "P/c" {
				frozen = leaf
			}
			freeze(t, frozen)
			e.writeSpec()
			for _, cmd := range [][]string{{"run", "-d", "--bundle", e.bundle, "fr1"}, {"create", "--bundle", e.bundle, "fr2"}} {
				e.refusedNaming(frozen, "container's cgroup unexpectedly frozen", cmd...)
				assertNothingLeft(t, e, dirs...)
				for _, d := range dirs {
					if _, err := os.Stat(d); err != nil {
						t.Errorf("pre-made cgroup %s: %v", d, err)
					}
				}
				if st := freezerState(frozen); st != "FROZEN" {
					t.Errorf("pre-made cgroup %s is %s after %s, want it left FROZEN", frozen, st, cmd[0])
				}
			}
		})
	}
}

// TestStartFrozen: a container created in a pre-made cgroup that is then
// frozen cannot be started, nor exec'd into. runc 1.5.1 says "cannot start
// a container in the paused state" when the cgroup itself is frozen and
// hangs forever when its parent is; gorunc refuses both in runc's words,
// with the freeze named. Before the fix gorunc's start hung in both (init cannot write the
// exec fifo), and so did exec (exec-init froze as it joined the cgroup).
func TestStartFrozen(t *testing.T) {
	for _, which := range []string{"self", "ancestor"} {
		t.Run(which, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			leaf := freezerDir(t, e.spec.Linux.CgroupsPath)
			premade(t, filepath.Dir(leaf), leaf)
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "sf")
			frozen := leaf
			if which == "ancestor" {
				frozen = filepath.Dir(leaf)
			}
			freeze(t, frozen)
			for _, cmd := range [][]string{{"exec", "sf", "true"}, {"start", "sf"}} {
				e.refusedNaming(frozen, "paused", cmd...)
			}
			// delete --force (env cleanup) must still remove it all;
			// under a frozen ancestor only after the owner thaws it.
			if which == "ancestor" {
				os.WriteFile(filepath.Join(frozen, "freezer.state"), []byte("THAWED"), 0o644)
			}
		})
	}
}

// TestDeleteForceStuckCreate: a create stuck for good (a hook that never
// returns, no timeout: the spec lets it run; or init frozen mid-create)
// holds the container's lock. delete --force must still finish within a
// bound, kill init and everything in its cgroup, and leave no process,
// state or cgroup; the stuck create must then fail with one clear line and
// clean up without fighting the delete. runc 1.5.1's delete --force
// returns 0 at once here but removes nothing (it finds no state.json yet),
// leaving the create stuck. Before the fix gorunc's delete --force blocked
// on the lock for as long as the create did: forever.
func TestDeleteForceStuckCreate(t *testing.T) {
	cases := []struct {
		name string
		// hooks builds the hooks; pidFile is where the blocking hook
		// writes its pid, so the test can check it is gone.
		hooks func(pidFile, freezer string) *specs.Hooks
		// want is in the create's error.
		want string
	}{
		{
			name: "createRuntime hook never returns",
			hooks: func(pidFile, _ string) *specs.Hooks {
				return &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo $$ >" + pidFile + "; exec sleep 1000"}}}}
			},
			want: "container init exited unexpectedly",
		},
		{
			name: "createContainer hook never returns",
			hooks: func(_, _ string) *specs.Hooks {
				return &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "exec sleep 1000"}}}}
			},
			want: "container init exited unexpectedly",
		},
		{
			// Someone freezes the pre-made cgroup while create runs
			// (here a hook, so that it happens at a known step).
			name: "cgroup frozen mid-create",
			hooks: func(_, freezer string) *specs.Hooks {
				return &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo FROZEN >" + filepath.Join(freezer, "freezer.state")}}}}
			},
			want: "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			leaf := freezerDir(t, e.spec.Linux.CgroupsPath)
			premade(t, filepath.Dir(leaf), leaf)
			pidFile := filepath.Join(t.TempDir(), "hook.pid")
			e.spec.Hooks = tc.hooks(pidFile, leaf)
			e.writeSpec()
			wait := e.startBounded("create", "--bundle", e.bundle, "st")
			// Stuck: init started and recorded (state.json names it),
			// the create still running.
			initPid := 0
			deadline := time.Now().Add(10 * time.Second)
			for initPid == 0 && time.Now().Before(deadline) {
				data, _ := os.ReadFile(filepath.Join(e.root, "st", "state.json"))
				var rec struct {
					InitPid int `json:"init_pid"`
				}
				if json.Unmarshal(data, &rec) == nil {
					initPid = rec.InitPid
				}
				time.Sleep(20 * time.Millisecond)
			}
			if initPid == 0 {
				r, _, _ := wait(time.Second)
				t.Fatalf("create never recorded init: %+v", r)
			}
			time.Sleep(300 * time.Millisecond)

			r, took, hung := e.runBounded(hangBound, "delete", "--force", "st")
			if hung {
				wait(time.Second)
				t.Fatalf("delete --force hung on the stuck create (killed after %v)", took)
			}
			if r.code != 0 {
				t.Errorf("delete --force: exit %d: %s", r.code, r.stderr)
			}
			cr, ctook, chung := wait(hangBound)
			if chung {
				t.Fatalf("the stuck create did not end after delete --force (killed after %v)", ctook)
			}
			t.Logf("delete --force took %v; the stuck create said: %s", took, cr.stderr)
			if cr.code == 0 {
				t.Errorf("the stuck create exited 0 after delete --force")
			} else {
				assertOneLineError(t, cr, tc.want)
			}
			if alive(initPid) {
				t.Errorf("init %d alive after delete --force", initPid)
			}
			if data, err := os.ReadFile(pidFile); err == nil {
				if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); pid > 0 && alive(pid) {
					t.Errorf("the blocking hook %d is still alive", pid)
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			assertNothingLeft(t, e, filepath.Dir(leaf), leaf)
		})
	}
}

// TestCreateFrozenMidway: nobody deletes; the create whose init is frozen
// under it gives up by itself with the reason. With its own (pre-made)
// cgroup frozen it kills init, undoes everything and leaves the cgroup as
// it found it: frozen. Under a frozen ancestor, not its to thaw, init
// cannot die (v1 freezer: SIGKILL waits for the thaw): it says so and
// keeps the state, and delete --force removes everything once the owner
// thaws. Before the fix create waited forever for init's "ready".
func TestCreateFrozenMidway(t *testing.T) {
	for _, which := range []string{"self", "ancestor"} {
		t.Run(which, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			leaf := freezerDir(t, e.spec.Linux.CgroupsPath)
			premade(t, filepath.Dir(leaf), leaf)
			frozen := leaf
			if which == "ancestor" {
				frozen = filepath.Dir(leaf)
			}
			e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo FROZEN >" + filepath.Join(frozen, "freezer.state")}}}}
			e.writeSpec()
			r, took, hung := e.runBounded(hangBound+10*time.Second, "create", "--bundle", e.bundle, "fm")
			if hung {
				t.Fatalf("create hung with its init frozen (killed after %v)", took)
			}
			t.Logf("create: %s", r.stderr)
			assertOneLineError(t, r, "container's cgroup unexpectedly frozen while waiting for container init")
			if which == "self" {
				assertNothingLeft(t, e, filepath.Dir(leaf), leaf)
				if st := freezerState(leaf); st != "FROZEN" {
					t.Errorf("pre-made cgroup is %s after the failed create, want it left FROZEN", st)
				}
				return
			}
			if !strings.Contains(r.stderr, "delete --force fm") {
				t.Errorf("error does not say how to finish: %q", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(e.root, "fm", "state.json")); err != nil {
				t.Fatalf("state not kept for the init left frozen: %v", err)
			}
			os.WriteFile(filepath.Join(frozen, "freezer.state"), []byte("THAWED"), 0o644)
			if r, took, hung := e.runBounded(hangBound, "delete", "--force", "fm"); hung || r.code != 0 {
				t.Fatalf("delete --force after the thaw: exit %d, hung %v after %v: %s", r.code, hung, took, r.stderr)
			}
			assertNothingLeft(t, e, filepath.Dir(leaf), leaf)
		})
	}
}

// TestStoppedInit: an init stopped by SIGSTOP cannot answer; create (init
// stopped by a createRuntime hook, from the pid in the state it is given)
// and start (init stopped after create) give up after a grace with the
// reason instead of waiting, and delete --force removes it all (SIGKILL
// acts on a stopped task). Before the fix both waited forever.
func TestStoppedInit(t *testing.T) {
	const stopHook = `pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p'); kill -STOP "$pid"`
	for _, step := range []string{"create", "start"} {
		t.Run(step, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			if step == "create" {
				e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", stopHook}}}}
			}
			e.writeSpec()
			args := []string{"create", "--bundle", e.bundle, "sp"}
			if step == "start" {
				e.must(args...)
				syscall.Kill(e.state("sp").Pid, syscall.SIGSTOP)
				args = []string{"start", "sp"}
			}
			r, took, hung := e.runBounded(hangBound, args...)
			if hung {
				t.Fatalf("%s hung on a stopped init (killed after %v)", step, took)
			}
			assertOneLineError(t, r, "is stopped (SIGSTOP) while gorunc waits for it")
			if step == "create" {
				assertNothingLeft(t, e)
			}
		})
	}
}
