package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Cgroup parity with runc 1.5 (v1 and hybrid hosts): each test runs the
// same bundle through gorunc and, when it is at hand, runc 1.5.1, and
// asserts the same outcome of both. The cgroup files are read from the
// host's hierarchies, not from gorunc's state, so that the runc half is
// checked the same way.

// cgBin is one runtime under test.
type cgBin struct{ name, path string }

// cgBins is gorunc and, when present, runc 1.5.
func cgBins(t *testing.T) []cgBin {
	bins := []cgBin{{"gorunc", os.Getenv("GORUNC")}}
	if runc, why := runc15(); runc != "" {
		bins = append(bins, cgBin{"runc-1.5", runc})
	} else {
		t.Logf("runc half skipped: %s", why)
	}
	return bins
}

// cgEnv is an env for bin whose cgroup parent (the first element of the
// relative cgroupsPath, under this process's own cgroup) is removed in
// every hierarchy once the env's own cleanup has deleted the container
// and checked what gorunc recorded: runc 1.5.1 leaves parents it made
// behind, and tests make parents of their own.
func cgEnv(t *testing.T, bin cgBin, args ...string) *env {
	t.Helper()
	var parent string
	t.Cleanup(func() {
		if parent != "" {
			for _, h := range hostHierarchies(t) {
				removeTree(filepath.Join(h.own, parent))
			}
		}
	})
	e := newEnv(t, args...)
	e.bin = bin.path
	parent, _, _ = strings.Cut(e.spec.Linux.CgroupsPath, "/")
	return e
}

// ownCgroup is this process's cgroup directory for ctrl; the test is
// skipped when the host does not mount it.
func ownCgroup(t *testing.T, ctrl string) string {
	t.Helper()
	for _, h := range hostHierarchies(t) {
		if h.ctrl == ctrl {
			return h.own
		}
	}
	t.Skipf("no %s hierarchy is mounted under /sys/fs/cgroup on this host", ctrl)
	return ""
}

// removeTree removes a cgroup directory and the ones below it, children
// first (rmdir: cgroupfs directories are never removed recursively).
func removeTree(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() {
			removeTree(filepath.Join(dir, e.Name()))
		}
	}
	unix.Rmdir(dir)
}

func readTrim(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// mustWrite writes a cgroup file the test itself sets up.
func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0); err != nil {
		t.Fatal(err)
	}
}

// mustMkdir makes a cgroup directory of the test's own under its own cgroup.
func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// wantFailed asserts a failed create or run: exit 1, the words, and no
// state left (the env's cleanup checks processes and gorunc's cgroups).
func wantFailed(t *testing.T, e *env, r result, words string) {
	t.Helper()
	if r.code != 1 || !strings.Contains(r.stderr, words) {
		t.Errorf("exit %d, stderr %q: want exit 1 and %q", r.code, r.stderr, words)
	}
	if ents, _ := os.ReadDir(e.root); len(ents) > 0 && strings.Contains(e.bin, "gorunc") {
		t.Errorf("state left in %s after the failed create: %v", e.root, ents)
	}
}

// runc 1.5 (opencontainers/cgroups fs/pids.go, fs2/pids.go) writes
// pids.max = 1 for a limit of 0, as systemd's TasksMax cannot be 0, and
// "max" for a negative one. The container must still start under 1: its
// init's threads are there before the limit (runc writes it at procHooks),
// so each case is started a few times (a limit written too early failed
// most starts: pthread_create EAGAIN in init).
func TestPidsLimitZeroAsRunc(t *testing.T) {
	own := ownCgroup(t, "pids")
	for _, c := range []struct {
		limit int64
		want  string
	}{{0, "1"}, {-1, "max"}, {7, "7"}} {
		for _, b := range cgBins(t) {
			t.Run(strconv.FormatInt(c.limit, 10)+"/"+b.name, func(t *testing.T) {
				e := cgEnv(t, b, "sleep", "100")
				e.spec.Linux.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(c.limit)}}
				e.writeSpec()
				for range 3 {
					e.must("create", "--bundle", e.bundle, "pl")
					e.must("start", "pl")
					e.waitStatus("pl", "running")
					got := readTrim(t, filepath.Join(own, e.spec.Linux.CgroupsPath, "pids.max"))
					if got != c.want {
						t.Errorf("pids.limit %d: pids.max = %s, want %s", c.limit, got, c.want)
					}
					e.must("delete", "--force", "pl")
				}
			})
		}
	}
}

// isCgroup2 says whether dir is a cgroup2 mount.
func isCgroup2(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// cgroup2Line is the "0::" path of /proc/<pid>/cgroup.
func cgroup2Line(t *testing.T, pid int) string {
	t.Helper()
	for _, l := range strings.Split(readTrim(t, "/proc/"+strconv.Itoa(pid)+"/cgroup"), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return p
		}
	}
	t.Fatalf("pid %d has no cgroup2 line", pid)
	return ""
}

// On a hybrid host runc's fs driver puts the container in the cgroup2
// hierarchy mounted at /sys/fs/cgroup/unified too, at the same path
// (opencontainers/cgroups fs.go: a "" subsystem when
// IsCgroup2HybridMode), and removes it on delete.
func TestHybridUnifiedJoinedAsRunc(t *testing.T) {
	if !isCgroup2("/sys/fs/cgroup/unified") {
		t.Skip("not a hybrid host: /sys/fs/cgroup/unified is not a cgroup2 mount")
	}
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "sleep", "100")
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "hu")
			own := ownCgroup(t, "unified")
			dir := filepath.Join(own, e.spec.Linux.CgroupsPath)
			pid := e.state("hu").Pid
			rel, _ := filepath.Rel("/sys/fs/cgroup/unified", dir)
			if got := cgroup2Line(t, pid); got != "/"+rel {
				t.Errorf("init's cgroup2 cgroup is %s, want /%s", got, rel)
			}
			e.must("delete", "--force", "hu")
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("%s left after delete", dir)
			}
		})
	}
	// A pre-made unified cgroup is joined and, as every pre-made cgroup
	// of gorunc's (docs: "pre-made is joined, never removed"), kept;
	// runc 1.5 removes every path it joined, pre-made or not.
	t.Run("pre-made/gorunc", func(t *testing.T) {
		e := cgEnv(t, cgBin{"gorunc", os.Getenv("GORUNC")}, "sleep", "100")
		dir := filepath.Join(ownCgroup(t, "unified"), e.spec.Linux.CgroupsPath)
		mustMkdir(t, dir)
		e.writeSpec()
		e.must("create", "--bundle", e.bundle, "hp")
		if procs := readTrim(t, filepath.Join(dir, "cgroup.procs")); procs != strconv.Itoa(e.state("hp").Pid) {
			t.Errorf("pre-made %s has processes %q, want init's", dir, procs)
		}
		e.must("delete", "--force", "hp")
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("pre-made %s removed by delete: %v", dir, err)
		}
	})
}

// runc's cpuset cpusetEnsureParent fills every ancestor whose cpuset.cpus
// or cpuset.mems is empty from its parent, top down, pre-made or not:
// the kernel refuses a task in an empty cpuset (ENOSPC).
func TestCpusetEmptyAncestorAsRunc(t *testing.T) {
	own := ownCgroup(t, "cpuset")
	if readTrim(t, filepath.Join(own, "cgroup.clone_children")) != "0" {
		t.Skip("cgroup.clone_children is set here: a new cpuset is not empty")
	}
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "sleep", "100")
			parent, _, _ := strings.Cut(e.spec.Linux.CgroupsPath, "/")
			pdir := filepath.Join(own, parent)
			mustMkdir(t, pdir)
			if got := readTrim(t, filepath.Join(pdir, "cpuset.cpus")); got != "" {
				t.Fatalf("a new cpuset has cpus %q, want empty", got)
			}
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "cs")
			want := readTrim(t, filepath.Join(own, "cpuset.cpus"))
			for _, d := range []string{pdir, filepath.Join(own, e.spec.Linux.CgroupsPath)} {
				if got := readTrim(t, filepath.Join(d, "cpuset.cpus")); got != want {
					t.Errorf("%s/cpuset.cpus = %q, want the parent's %q", d, got, want)
				}
				if got := readTrim(t, filepath.Join(d, "cpuset.mems")); got == "" {
					t.Errorf("%s/cpuset.mems is empty", d)
				}
			}
		})
	}
}

// runc's fs/cpu.go writes cpu.rt_period_us first and, when the kernel
// refuses it (EINVAL: the old runtime does not fit the new period), the
// runtime first and the period again.
func TestRtOrderAsRunc(t *testing.T) {
	own := ownCgroup(t, "cpu")
	if _, err := os.Stat(filepath.Join(own, "cpu.rt_runtime_us")); err != nil {
		t.Skip("the kernel has no RT group scheduling (no cpu.rt_runtime_us)")
	}
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "sleep", "100")
			// A parent of the test's own with 5% of the RT bandwidth: a
			// new cgroup has none, so its children could have none.
			parent, _, _ := strings.Cut(e.spec.Linux.CgroupsPath, "/")
			pdir := filepath.Join(own, parent)
			mustMkdir(t, pdir)
			if err := os.WriteFile(filepath.Join(pdir, "cpu.rt_runtime_us"), []byte("50000"), 0); err != nil {
				t.Skipf("cannot give the test's own cgroup 5%% of the RT bandwidth (others hold it?): %v", err)
			}
			e.spec.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{
				RealtimePeriod: u64p(1000000), RealtimeRuntime: i64p(20000),
			}}
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "rt")
			// 20000 of a 50000 period would be 40%: the period alone is
			// refused, the runtime must go first.
			e.must("update", "--cpu-rt-period", "50000", "--cpu-rt-runtime", "1000", "rt")
			dir := filepath.Join(own, e.spec.Linux.CgroupsPath)
			if p, r := readTrim(t, filepath.Join(dir, "cpu.rt_period_us")), readTrim(t, filepath.Join(dir, "cpu.rt_runtime_us")); p != "50000" || r != "1000" {
				t.Errorf("rt period/runtime = %s/%s, want 50000/1000", p, r)
			}
			e.must("delete", "--force", "rt")
			removeTree(pdir) // gives the RT bandwidth back before the next half
		})
	}
}

// runc's update sets swap to unlimited too when --memory -1 comes
// without --memory-swap (v1 would refuse memory above memory+swap).
func TestUpdateMemoryUnlimitedAsRunc(t *testing.T) {
	own := ownCgroup(t, "memory")
	if _, err := os.Stat(filepath.Join(own, "memory.memsw.limit_in_bytes")); err != nil {
		t.Skip("no swap accounting (memory.memsw.limit_in_bytes) on this kernel")
	}
	for _, how := range []string{"flags", "resources"} {
		for _, b := range cgBins(t) {
			t.Run(how+"/"+b.name, func(t *testing.T) {
				e := cgEnv(t, b, "sleep", "100")
				e.spec.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(100 << 20), Swap: i64p(200 << 20)}}
				e.writeSpec()
				e.must("create", "--bundle", e.bundle, "mu")
				if how == "flags" {
					e.must("update", "--memory", "-1", "mu")
				} else {
					if r := e.runIn(stdinOf(t, `{"memory":{"limit":-1}}`), "update", "--resources", "-", "mu"); r.code != 0 {
						t.Fatalf("update --resources: exit %d: %s", r.code, r.stderr)
					}
				}
				dir := filepath.Join(own, e.spec.Linux.CgroupsPath)
				ownLimit := readTrim(t, filepath.Join(own, "memory.limit_in_bytes"))
				for _, f := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
					if got := readTrim(t, filepath.Join(dir, f)); got != ownLimit {
						t.Errorf("%s = %s, want unlimited (%s)", f, got, ownLimit)
					}
				}
			})
		}
	}
}

// runc's specconv keeps only the r, w and m of a device rule's access
// (other letters are dropped) and refuses an empty access.
func TestDeviceRwaAsRunc(t *testing.T) {
	own := ownCgroup(t, "devices")
	for _, c := range []struct {
		name, access string
		code         int
		want         string // a devices.list line, or the error's words
	}{
		{"rwa", "rwa", 0, "c 1:1 rw"},
		{"empty", "", 1, "device access at 1 field cannot be empty"},
	} {
		for _, b := range cgBins(t) {
			t.Run(c.name+"/"+b.name, func(t *testing.T) {
				e := cgEnv(t, b, "sleep", "100")
				e.spec.Linux.Resources = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
					{Allow: false, Access: "rwm"},
					{Allow: true, Type: "c", Major: i64p(1), Minor: i64p(1), Access: c.access},
				}}
				e.writeSpec()
				r := e.run("create", "--bundle", e.bundle, "dv")
				if c.code != 0 {
					wantFailed(t, e, r, c.want)
					return
				}
				if r.code != 0 {
					t.Fatalf("create: exit %d: %s", r.code, r.stderr)
				}
				list := readTrim(t, filepath.Join(own, e.spec.Linux.CgroupsPath, "devices.list"))
				if !strings.Contains("\n"+list+"\n", "\n"+c.want+"\n") {
					t.Errorf("devices.list %q: want the line %q", list, c.want)
				}
			})
		}
	}
}

// runc refuses linux.resources.unified on a cgroup v1 (or hybrid) host
// with cgroups.ErrV1NoUnified's words.
func TestUnifiedOnV1AsRunc(t *testing.T) {
	if isCgroup2("/sys/fs/cgroup") {
		t.Skip("a cgroup v2 host: unified is valid here")
	}
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b)
			e.spec.Linux.Resources = &specs.LinuxResources{Unified: map[string]string{"pids.max": "10"}}
			e.writeSpec()
			r := e.run("create", "--bundle", e.bundle, "uv")
			wantFailed(t, e, r, "invalid configuration: cannot use unified on cgroup v1")
			for _, h := range hostHierarchies(t) {
				if _, err := os.Stat(filepath.Join(h.own, e.spec.Linux.CgroupsPath)); err == nil && b.name == "gorunc" {
					t.Errorf("cgroup left in the %s hierarchy", h.ctrl)
				}
			}
		})
	}
}

// runc 1.2+ refuses a container's cgroup that already has processes
// ("container's cgroup is not empty: N process(es) found"); the process
// found there is left alone.
func TestNonEmptyCgroupRefusedAsRunc(t *testing.T) {
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "sleep", "100")
			squatter := exec.Command("sleep", "100")
			if err := squatter.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { squatter.Process.Kill(); squatter.Wait() })
			// In every hierarchy but cpuset (where a new cgroup has no
			// cpus to run on): runc looks in one (devices), gorunc may
			// look in another.
			for _, h := range hostHierarchies(t) {
				if h.ctrl == "cpuset" {
					continue
				}
				dir := filepath.Join(h.own, e.spec.Linux.CgroupsPath)
				mustMkdir(t, dir)
				mustWrite(t, filepath.Join(dir, "cgroup.procs"), strconv.Itoa(squatter.Process.Pid))
			}
			e.writeSpec()
			r := e.run("create", "--bundle", e.bundle, "ne")
			wantFailed(t, e, r, "container's cgroup is not empty: 1 process(es) found")
			if err := squatter.Process.Signal(syscall.Signal(0)); err != nil || !alive(squatter.Process.Pid) {
				t.Errorf("the process already in the cgroup was killed: %v", err)
			}
		})
	}
}
