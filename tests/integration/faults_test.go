package integration

// Faults: gorunc or the container's init dies half way, the state disk is
// full, a stopped container leaves processes behind. Each test asserts the
// truth of `state`/`list` and that nothing is left (env.cleanup checks the
// state root, the recorded pids and cgroups; these tests add the cgroup
// dirs gorunc may not have recorded and the processes of the crashed
// gorunc's process group).

import (
	"bytes"
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

// faultBin is gorunc built with -tags faultinject (runtime/
// fault_inject.go), named by GORUNC_FAULT: `make integration` builds it as
// bin/gorunc-fault. The production build has no fault points.
func faultBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("GORUNC_FAULT")
	if bin == "" {
		t.Skip("GORUNC_FAULT must name a gorunc built with -tags faultinject (`make integration` builds bin/gorunc-fault)")
	}
	return bin
}

// runFault runs `bin create` with the fault point armed in a process group
// of its own, so that the processes it started are found by their group
// even when it recorded no pid: init keeps the group until it calls setsid,
// after it receives its config.
func (e *env) runFault(bin, fault string, args ...string) (r result, pgid int) {
	e.t.Helper()
	cmd := exec.Command(bin, append([]string{"--root", e.root}, args...)...)
	cmd.Env = append(os.Environ(), "_GORUNC_TEST_FAULT="+fault)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, errf := e.tempFile(), e.tempFile()
	defer out.Close()
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = out, errf
	err := cmd.Run()
	r = result{stdout: readAll(out), stderr: readAll(errf)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
	default:
		e.t.Fatalf("gorunc %v: %v", args, err)
	}
	return r, cmd.Process.Pid
}

// groupPids lists the live processes of process group pgid.
func groupPids(pgid int) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + ent.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(data, ')')
		f := strings.Fields(string(data[i+1:]))
		// f[0] is field 3 (state), f[2] field 5 (pgrp).
		if len(f) > 2 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cgroupLeft lists the directories of cgroupsPath (and its parents up to
// its first component) that exist under this process's own cgroup in any
// v1 hierarchy, leaves first.
func cgroupLeft(t *testing.T, cgroupsPath string) []string {
	t.Helper()
	var dirs []string
	for _, h := range v1Hierarchies(t) {
		for p := cgroupsPath; p != "." && p != "/"; p = filepath.Dir(p) {
			if dir := filepath.Join(h.own, p); exists(dir) {
				dirs = append(dirs, dir)
			}
		}
	}
	return dirs
}

// TestFaultCreateKilled: `gorunc create` SIGKILLed at each step. state and
// list tell the truth; delete --force removes every process, cgroup and
// the state directory.
func TestFaultCreateKilled(t *testing.T) {
	cases := []struct {
		fault string
		// status after the crash: init never got its config (after-
		// cgroup, after-spawn) or is alive and waiting on the exec
		// fifo, fully created, only the pid file is missing
		// (before-pidfile: "created" is the truth, start would work).
		status string
	}{
		{"after-cgroup", "stopped"},
		{"after-spawn", "stopped"},
		{"before-pidfile", "created"},
	}
	bin := faultBin(t)
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.writeSpec()
			pidFile := filepath.Join(t.TempDir(), "pid")
			// The crash is the fault binary's; what follows (state,
			// list, delete --force) is the production gorunc's.
			r, pgid := e.runFault(bin, c.fault, "create", "--bundle", e.bundle, "--pid-file", pidFile, "fc")
			if r.code != 128+int(syscall.SIGKILL) {
				t.Fatalf("create with fault %s: exit %d, want death by SIGKILL (stderr %q)", c.fault, r.code, r.stderr)
			}
			if _, err := os.Stat(pidFile); err == nil {
				t.Error("pid file written by a create that died")
			}
			if c.fault != "before-pidfile" {
				// init blocks reading its config; the crash closes
				// the other end, and init must exit on that EOF by
				// itself: nobody knows its pid. On v1 init exists
				// at after-cgroup too (its cgroup is made while it
				// execs); on v2 it does not yet.
				deadline := time.Now().Add(5 * time.Second)
				for len(groupPids(pgid)) > 0 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if left := groupPids(pgid); len(left) > 0 {
					t.Errorf("init %v still alive 5 s after its creator died", left)
				}
			}
			s := e.state("fc")
			if s.Status != c.status {
				t.Errorf("state after a crash at %s: %s, want %s", c.fault, s.Status, c.status)
			}
			if s.Status == "created" && !alive(s.Pid) {
				t.Errorf("state says created, but pid %d is not alive", s.Pid)
			}
			if out := e.must("list", "-q"); !strings.Contains(out, "fc\n") {
				t.Errorf("list -q does not show the half-created container: %q", out)
			}
			e.must("delete", "--force", "fc")
			if left := groupPids(pgid); len(left) > 0 {
				t.Errorf("processes %v of the crashed create alive after delete --force", left)
			}
			if s.Pid > 0 && alive(s.Pid) {
				t.Errorf("init %d alive after delete --force", s.Pid)
			}
			if ents, _ := os.ReadDir(e.root); len(ents) > 0 {
				t.Errorf("state left after delete --force: %v", ents)
			}
			left := cgroupLeft(t, e.spec.Linux.CgroupsPath)
			for _, d := range left {
				os.Remove(d) // leaves first: a test removes what it made
			}
			if len(left) > 0 {
				t.Errorf("cgroup %v left after delete --force", left)
			}
		})
	}
}

// TestFaultPointsOnlyInFaultBuild: the production gorunc ignores
// _GORUNC_TEST_FAULT (its fault points are no-ops, runtime/fault.go), so
// the variable in a client's environment cannot kill a create.
func TestFaultPointsOnlyInFaultBuild(t *testing.T) {
	for _, fault := range []string{"after-cgroup", "after-spawn", "before-pidfile"} {
		t.Run(fault, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.writeSpec()
			r, pgid := e.runFault(e.bin, fault, "create", "--bundle", e.bundle, "fp")
			if r.code != 0 {
				t.Fatalf("production create with _GORUNC_TEST_FAULT=%s: exit %d (stderr %q), want 0", fault, r.code, r.stderr)
			}
			if s := e.state("fp"); s.Status != "created" {
				t.Errorf("state %s, want created", s.Status)
			}
			e.must("delete", "--force", "fp")
			if left := groupPids(pgid); len(left) > 0 {
				t.Errorf("processes %v left after delete --force", left)
			}
		})
	}
}

// TestFaultInitMissingBinary: init cannot find process.args[0]; create
// says so and leaves nothing.
func TestFaultInitMissingBinary(t *testing.T) {
	e := newEnv(t, "/no/such/binary")
	e.writeSpec()
	r := e.run("create", "--bundle", e.bundle, "nb")
	assertOneLineError(t, r, "/no/such/binary")
	if r.code == 0 {
		e.run("delete", "--force", "nb")
	}
	if ents, _ := os.ReadDir(e.root); len(ents) > 0 {
		t.Errorf("state left: %v", ents)
	}
	if left := cgroupLeft(t, e.spec.Linux.CgroupsPath); len(left) > 0 {
		t.Errorf("cgroup left: %v", left)
	}
}

// TestFaultInitOOM: on this v1 host init's pages from before it joined the
// cgroup stay charged to the caller's, but what it allocates afterwards
// (its config, mounts, pivot_root) is charged to the container: 64 KiB is
// too little for that, and the memory controller OOM-kills init during
// create (the cgroup v2 VM payload checks the same with CLONE_INTO_CGROUP).
// Go init needed more than 256 KiB; the setup program (no Go runtime) fits
// in 256 and is OOM-killed under 128.
func TestFaultInitOOM(t *testing.T) {
	e := newEnv(t, "true")
	limit := int64(64 << 10)
	e.spec.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}
	e.writeSpec()
	r := e.run("create", "--bundle", e.bundle, "oom")
	assertOneLineError(t, r, "container init was OOM-killed (memory limit too low?)")
	if r.code == 0 {
		e.run("delete", "--force", "oom")
	}
	if ents, _ := os.ReadDir(e.root); len(ents) > 0 {
		t.Errorf("state left: %v", ents)
	}
	if left := cgroupLeft(t, e.spec.Linux.CgroupsPath); len(left) > 0 {
		t.Errorf("cgroup left: %v", left)
	}
}

// TestFaultStateDiskFull: --root on a full 64 KiB tmpfs, mounted in a
// private mount namespace of its own (never in the host's): create fails
// with one clear line, and the root holds nothing of it afterwards (no
// state directory, no half-written or temporary state file).
func TestFaultStateDiskFull(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1) (util-linux) for a private mount namespace")
	}
	e.writeSpec()
	script := `set -e
mount -t tmpfs -o size=64k tmpfs "$1"
dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null || true
set +e
"$2" --root "$1" create --bundle "$3" full 2>"$1/../stderr"
echo "code=$?"
cat "$1/../stderr"
echo "left:"; ls -A "$1"; ls -A "$1/full" 2>/dev/null
echo "list:"; "$2" --root "$1" list -q
"$2" --root "$1" delete --force full 2>&1
`
	stderrDir := t.TempDir()
	rootDir := filepath.Join(stderrDir, "root")
	if err := os.Mkdir(rootDir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", rootDir, e.bin, e.bundle).CombinedOutput()
	if err != nil {
		t.Fatalf("unshare: %v: %s", err, out)
	}
	got := string(out)
	if !strings.Contains(got, "code=1\n") {
		t.Errorf("create on a full state disk did not fail with exit 1:\n%s", got)
	}
	if !strings.Contains(got, "gorunc: ") || !strings.Contains(got, "no space left on device") {
		t.Errorf("error does not say the disk is full:\n%s", got)
	}
	left := got[strings.Index(got, "left:\n")+len("left:\n"):]
	if !strings.HasPrefix(left, "fill\nlist:\n") {
		t.Errorf("state left on the full disk (want only our fill file):\n%s", got)
	}
	if left := cgroupLeft(t, e.spec.Linux.CgroupsPath); len(left) > 0 {
		t.Errorf("cgroup left: %v", left)
	}
}

// TestFaultOrphansKilledOnDelete: without a pid namespace init's children
// outlive it in the cgroup. The container is stopped once init exits, and
// delete (not --force) kills what is left before removing the cgroup.
func TestFaultOrphansKilledOnDelete(t *testing.T) {
	e := newEnv(t, "sh", "-c", "sleep 100 & echo $! > /tmp/bg; exit 0")
	var ns []specs.LinuxNamespace
	for _, n := range e.spec.Linux.Namespaces {
		if n.Type != specs.PIDNamespace {
			ns = append(ns, n)
		}
	}
	e.spec.Linux.Namespaces = ns
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "orph")
	e.waitStatus("orph", "stopped")
	procs := strings.Fields(e.cgroupFile("orph", "memory", "cgroup.procs"))
	if len(procs) == 0 {
		t.Fatal("no process left in the cgroup after init exited: the test shows nothing")
	}
	e.must("delete", "orph")
	for _, p := range procs {
		pid := atoi(t, p)
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat("/proc/" + p); err != nil {
				break // gone and reaped
			}
			if time.Now().After(deadline) {
				if alive(pid) {
					t.Errorf("process %d of the stopped container alive after delete", pid)
				} else {
					t.Errorf("process %d of the stopped container is a zombie nobody reaped", pid)
				}
				break
			}
		}
	}
	if left := cgroupLeft(t, e.spec.Linux.CgroupsPath); len(left) > 0 {
		t.Errorf("cgroup left: %v", left)
	}
}
