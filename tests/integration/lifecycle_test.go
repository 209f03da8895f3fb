package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestRunExitCode(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"zero", []string{"true"}, 0},
		{"exit 3", []string{"sh", "-c", "exit 3"}, 3},
		{"killed by SIGKILL", []string{"sh", "-c", "kill -9 $$"}, 137},
		{"killed by SIGTERM", []string{"sh", "-c", "trap - TERM; kill -TERM $$; sleep 5"}, 143},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.args...)
			// Not pid 1, which ignores signals it has no handler for.
			e.spec.Linux.Namespaces = e.spec.Linux.Namespaces[1:]
			e.writeSpec()
			if r := e.run("run", "--bundle", e.bundle, "c1"); r.code != c.want {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, c.want, r.stderr)
			}
		})
	}
}

func TestRunSeesContainerView(t *testing.T) {
	e := newEnv(t, "sh", "-c", "hostname; echo pid=$$; cat /proc/1/comm; ls /proc/self/fd | tr '\\n' ' '")
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "view")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 {
		t.Fatalf("output %q", r.stdout)
	}
	if lines[0] != "testhost" {
		t.Errorf("hostname %q, want testhost", lines[0])
	}
	if lines[1] != "pid=1" {
		t.Errorf("%s, want pid=1 in a new pid namespace", lines[1])
	}
	// Only stdio and the fd ls opens for the directory itself:
	// nothing of the runtime's may leak in (CVE-2024-21626).
	if got := strings.Fields(lines[3]); len(got) != 4 {
		t.Errorf("open fds in the container: %v, want 0 1 2 and ls's own", got)
	}
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := e.run("create", "--bundle", e.bundle, "--pid-file", pidFile, "life")
	if r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("create wrote %q to its stdout; the container's stdio belongs to the caller", r.stdout)
	}
	s := e.state("life")
	if s.Status != "created" || s.Pid <= 0 {
		t.Fatalf("after create: %+v", s)
	}
	if data, _ := os.ReadFile(pidFile); strings.TrimSpace(string(data)) != itoa(s.Pid) {
		t.Errorf("pid file %q, state pid %d", data, s.Pid)
	}
	if s.Bundle != e.bundle {
		t.Errorf("bundle %q, want %q", s.Bundle, e.bundle)
	}
	// (delete of a created container without --force succeeds, as in
	// runc: TestCommandContractMatchesRunc.)
	e.must("start", "life")
	if s := e.state("life"); s.Status != "running" {
		t.Fatalf("after start: %s", s.Status)
	}
	if r := e.run("start", "life"); r.code == 0 || !strings.Contains(r.stderr, "running") {
		t.Errorf("second start: exit %d %q", r.code, r.stderr)
	}
	if r := e.run("delete", "life"); r.code == 0 {
		t.Fatal("delete of a running container succeeded without --force")
	}
	if s := e.state("life"); s.Status != "running" {
		t.Fatalf("failed delete changed the container: %s", s.Status)
	}
	e.must("kill", "life", "KILL")
	e.waitStatus("life", "stopped")
	if r := e.run("kill", "life", "KILL"); r.code == 0 {
		t.Error("kill of a stopped container succeeded")
	}
	e.must("delete", "life")
	if r := e.run("state", "life"); r.code == 0 {
		t.Error("state after delete succeeded")
	}
}

func TestKillSignalSpellings(t *testing.T) {
	for _, sig := range []string{"KILL", "SIGKILL", "9", "kill"} {
		t.Run(sig, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.writeSpec()
			e.must("run", "-d", "--bundle", e.bundle, "k")
			e.must("kill", "k", sig)
			e.waitStatus("k", "stopped")
		})
	}
}

func TestKillCreatedContainer(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "kc")
	e.must("kill", "kc", "KILL")
	e.waitStatus("kc", "stopped")
	e.must("delete", "kc")
}

func TestDeleteForce(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "df")
	pid := e.state("df").Pid
	e.must("delete", "--force", "df")
	if alive(pid) {
		t.Errorf("init %d alive after delete --force", pid)
	}
	// containerd's shim relies on this for cleanup.
	if r := e.run("delete", "--force", "never-existed"); r.code != 0 {
		t.Errorf("delete --force of a missing id: exit %d %s", r.code, r.stderr)
	}
	if r := e.run("delete", "never-existed"); r.code == 0 {
		t.Error("delete of a missing id without --force succeeded")
	}
}

// TestDeleteForceKillsPidNamespace: delete --force of a container with its
// own pid namespace kills init and waits for the kernel to take the rest of
// the namespace with it, rather than signalling the cgroup's processes one
// by one (which on cgroup v1 froze and thawed the cgroup: 35 -> 20 ms for a
// created container here, crun 25). The debug line says which way it went;
// a child of init, a process exec'd beside it and a paused container's
// processes must all be gone after, and the cgroup with them.
func TestDeleteForceKillsPidNamespace(t *testing.T) {
	for _, c := range []struct {
		name  string
		start []string // after create
	}{
		{"created", nil},
		{"running", []string{"start"}},
		{"paused", []string{"start", "pause"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", "sleep 100 & wait")
			e.writeSpec()
			id := "dfp-" + c.name
			e.must("create", "--bundle", e.bundle, id)
			pids := []int{e.state(id).Pid}
			if c.start != nil {
				e.must("start", id)
				e.must("exec", "-d", id, "sleep", "300")
				// init's child and the exec'd sleep, read from the cgroup
				deadline := time.Now().Add(5 * time.Second)
				for len(pids) < 3 && time.Now().Before(deadline) {
					pids = psPids(t, e, id)
					time.Sleep(10 * time.Millisecond)
				}
				if len(pids) < 3 {
					t.Fatalf("ps %s: %v, want init, its sleep and the exec'd one", id, pids)
				}
				if len(c.start) > 1 {
					e.must("pause", id)
				}
			}
			cgroups := e.cgroupDirs(id)
			log := filepath.Join(t.TempDir(), "log")
			e.must("--debug", "--log", log, "delete", "--force", id)
			if data, _ := os.ReadFile(log); !strings.Contains(string(data), "its pid namespace gone with it") {
				t.Errorf("delete --force did not wait for init's pid namespace:\n%s", data)
			}
			for _, pid := range pids {
				if alive(pid) {
					t.Errorf("process %d alive after delete --force", pid)
				}
			}
			for _, cg := range cgroups {
				if _, err := os.Stat(cg); err == nil {
					t.Errorf("cgroup %s left after delete --force", cg)
				}
			}
		})
	}
}

// psPids is `ps --format json id`.
func psPids(t *testing.T, e *env, id string) []int {
	t.Helper()
	var pids []int
	if err := json.Unmarshal([]byte(e.must("ps", "--format", "json", id)), &pids); err != nil {
		t.Fatalf("ps %s: %v", id, err)
	}
	return pids
}

func TestDuplicateID(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "dup")
	r := e.run("create", "--bundle", e.bundle, "dup")
	if r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("second create: exit %d %q", r.code, r.stderr)
	}
	if s := e.state("dup"); s.Status != "created" {
		t.Errorf("the first container changed: %s", s.Status)
	}
}

func TestListAndPs(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "l1")
	if out := e.must("list", "-q"); strings.TrimSpace(out) != "l1" {
		t.Errorf("list -q: %q", out)
	}
	if out := e.must("list", "--format", "json"); !strings.Contains(out, `"status":"running"`) {
		t.Errorf("list json: %s", out)
	}
	pid := e.state("l1").Pid
	if out := e.must("ps", "--format", "json", "l1"); strings.TrimSpace(out) != "["+itoa(pid)+"]" {
		t.Errorf("ps json: %q, want [%d]", out, pid)
	}
	if out := e.must("ps", "l1"); !strings.Contains(out, "sleep 100") {
		t.Errorf("ps table: %q", out)
	}
}

func TestPauseResume(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "pr")
	e.must("pause", "pr")
	if s := e.state("pr"); s.Status != "paused" {
		t.Fatalf("after pause: %s", s.Status)
	}
	e.must("resume", "pr")
	if s := e.state("pr"); s.Status != "running" {
		t.Fatalf("after resume: %s", s.Status)
	}
	// A paused container can still be force-deleted.
	e.must("pause", "pr")
	e.must("delete", "--force", "pr")
}

func TestDevNullUntouched(t *testing.T) {
	e := newEnv(t, "sh", "-c", "echo hi > /dev/null")
	e.spec.Process.User.UID, e.spec.Process.User.GID = 1000, 1000
	e.writeSpec()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if r := e.runIn(null, "run", "--bundle", e.bundle, "dn"); r.code != 0 {
		t.Fatalf("run: %d %s", r.code, r.stderr)
	}
	var st = statOwner(t, os.DevNull)
	if st != "0:0 666" {
		t.Errorf("host /dev/null is now %s; a runtime must never chown the caller's stdio", st)
	}
}

// TestInitRunsFromReadOnlyBinary: while a container is created, its init
// is gorunc, and a container process could reach the host binary through
// /proc/PID/exe (CVE-2019-5736) unless init runs from a read-only view of
// it (the full attack is in exec_cve_test.go).
func TestInitRunsFromReadOnlyBinary(t *testing.T) {
	e := newEnv(t, "true")
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "ro")
	pid := e.state("ro").Pid
	f, err := os.Open(filepath.Join("/proc", itoa(pid), "exe"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if st.Flags&unix.ST_RDONLY == 0 {
		t.Fatal("init's executable is on a writable mount: the host binary is reachable for writing")
	}
}
