// Package integration drives the built gorunc binary as root on this host:
// every command, every error case, and afterwards a check that no
// container process, cgroup or state directory is left behind.
//
// GORUNC names the binary and ROOTFS a busybox rootfs (make integration
// sets both). Tests are skipped, with the reason, when not root.
package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var seq atomic.Int64

type env struct {
	t      *testing.T
	bin    string
	root   string // --root
	bundle string
	spec   *specs.Spec
	// cgroupsPath is the relative path newEnv gave the spec, removed
	// by cleanup wherever it is left empty.
	cgroupsPath string
}

// newEnv makes a private state root and a bundle whose config runs args.
func newEnv(t *testing.T, args ...string) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates namespaces, mounts and cgroups")
	}
	bin, rootfs := os.Getenv("GORUNC"), os.Getenv("ROOTFS")
	if bin == "" || rootfs == "" {
		t.Skip("GORUNC and ROOTFS must name the binary and a busybox rootfs (run `make integration`)")
	}
	e := &env{t: t, bin: bin, root: t.TempDir(), bundle: t.TempDir()}
	e.spec = baseSpec(rootfs, args...)
	// A cgroup of its own per test, relative (so under this process's own
	// cgroup, as the host safety rules require), and unique so that runs
	// and tests never share one.
	e.spec.Linux.CgroupsPath = fmt.Sprintf("gorunc-it-%d-%d/c", os.Getpid(), seq.Add(1))
	e.cgroupsPath = e.spec.Linux.CgroupsPath
	t.Cleanup(e.cleanup)
	return e
}

// baseSpec is a small runc-like config: the usual namespaces, mounts and
// masks, no terminal, a relative cgroupsPath (under this test's own cgroup,
// as the host safety rules require).
func baseSpec(rootfs string, args ...string) *specs.Spec {
	if len(args) == 0 {
		args = []string{"true"}
	}
	return &specs.Spec{
		Version: "1.0.2",
		Process: &specs.Process{
			Args: args,
			Env:  []string{"PATH=/bin:/sbin:/usr/bin", "HOME=/root"},
			Cwd:  "/",
		},
		Root:     &specs.Root{Path: rootfs},
		Hostname: "testhost",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			MaskedPaths:   []string{"/proc/kcore", "/proc/keys"},
			ReadonlyPaths: []string{"/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

// withoutNamespace is ns without the namespaces of type typ.
func withoutNamespace(ns []specs.LinuxNamespace, typ specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var keep []specs.LinuxNamespace
	for _, n := range ns {
		if n.Type != typ {
			keep = append(keep, n)
		}
	}
	return keep
}

// writeSpec writes e.spec as the bundle's config.json.
func (e *env) writeSpec() {
	e.t.Helper()
	data, err := json.MarshalIndent(e.spec, "", " ")
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.bundle, "config.json"), data, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs gorunc with --root and the given arguments, stdin closed.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runIn(nil, args...)
}

func (e *env) runIn(stdin *os.File, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(e.bin, append([]string{"--root", e.root}, args...)...)
	// Files, not pipes: a detached container keeps the stdio it was
	// given, and exec.Cmd would wait for a pipe's EOF until it exits.
	out, errf := e.tempFile(), e.tempFile()
	defer out.Close()
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = out, errf
	if stdin != nil {
		cmd.Stdin = stdin
	}
	return resultOf(e.t, fmt.Sprintf("gorunc %v", args), cmd.Run(), out, errf)
}

// resultOf is a finished command's result: what it wrote to the files
// out and errf, and its exit code; an error that is not an exit status
// (the command did not run) fails the test.
func resultOf(t *testing.T, what string, err error, out, errf *os.File) result {
	t.Helper()
	r := result{stdout: readAll(out), stderr: readAll(errf)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", what, err)
	}
	return r
}

// must runs gorunc and fails the test unless it exits 0.
func (e *env) must(args ...string) string {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("gorunc %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func (e *env) tempFile() *os.File {
	e.t.Helper()
	f, err := os.CreateTemp(e.t.TempDir(), "stdio")
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func readAll(f *os.File) string {
	data, _ := os.ReadFile(f.Name())
	return string(data)
}

// waitContains polls f, a process's output, until it contains what or d
// has passed; whether it does.
func waitContains(f *os.File, what string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if strings.Contains(readAll(f), what) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type state struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
	Bundle string `json:"bundle"`
}

func (e *env) state(id string) state {
	e.t.Helper()
	var s state
	if err := json.Unmarshal([]byte(e.must("state", id)), &s); err != nil {
		e.t.Fatalf("state %s: %v", id, err)
	}
	return s
}

// cgroupDirs reads the cgroup directories gorunc recorded for id, so the
// cleanup check can assert they are gone.
func (e *env) cgroupDirs(id string) []string {
	data, err := os.ReadFile(filepath.Join(e.root, id, "state.json"))
	if err != nil {
		return nil
	}
	var rec struct {
		Cgroup struct {
			Created []string `json:"created"`
		} `json:"cgroup"`
	}
	json.Unmarshal(data, &rec)
	return rec.Cgroup.Created
}

// cleanup force-deletes whatever the test left and then asserts that
// nothing remains: no state directory, no process, no cgroup.
func (e *env) cleanup() {
	entries, _ := os.ReadDir(e.root)
	var pids []int
	var cgroups []string
	for _, ent := range entries {
		id := ent.Name()
		if s, err := e.tryState(id); err == nil && s.Pid > 0 {
			pids = append(pids, s.Pid)
		}
		cgroups = append(cgroups, e.cgroupDirs(id)...)
		if r := e.run("delete", "--force", id); r.code != 0 {
			e.t.Errorf("cleanup: delete --force %s: %s", id, r.stderr)
		}
	}
	if left, _ := os.ReadDir(e.root); len(left) > 0 {
		e.t.Errorf("state left in %s: %v", e.root, left)
	}
	for _, pid := range pids {
		if alive(pid) {
			e.t.Errorf("container process %d still alive after delete", pid)
		}
	}
	for _, cg := range cgroups {
		if _, err := os.Stat(cg); err == nil {
			e.t.Errorf("cgroup %s left behind", cg)
		}
	}
	removeEmptyCgroups(e.t, e.cgroupsPath)
	if p := e.spec.Linux.CgroupsPath; p != e.cgroupsPath && strings.HasPrefix(p, "gorunc-it-") {
		removeEmptyCgroups(e.t, p) // a test that flattened it to one level
	}
}

// removeEmptyCgroups removes rel (leaf first, then its parents) under this
// process's own cgroup in every hierarchy where it is left empty: runc
// removes only the leaf it made, so the side-by-side runs would leave the
// parents behind. gorunc's own leaks are caught above, before this.
func removeEmptyCgroups(t *testing.T, rel string) {
	if rel == "" {
		return
	}
	for _, h := range hostHierarchies(t) {
		for p := rel; p != "." && p != "/"; p = filepath.Dir(p) {
			os.Remove(filepath.Join(h.own, p)) // rmdir: only when empty
		}
	}
}

// hierarchy is one cgroup hierarchy of this host: its controller name
// ("unified" for the cgroup2 one) and this process's own cgroup directory
// in it, under which a relative cgroupsPath goes.
type hierarchy struct{ ctrl, own string }

// hostHierarchies lists the v1 hierarchies mounted at
// /sys/fs/cgroup/<name> and the cgroup2 one (a hybrid host's
// /sys/fs/cgroup/unified, else /sys/fs/cgroup itself), from
// /proc/self/cgroup: the one parser of it the tests use.
func hostHierarchies(t *testing.T) []hierarchy {
	t.Helper()
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var out []hierarchy
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		mounts := map[string]string{}
		if parts[1] == "" {
			mounts["unified"] = "/sys/fs/cgroup/unified"
			var st unix.Statfs_t
			if unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
				mounts["unified"] = "/sys/fs/cgroup"
			}
		} else {
			for _, n := range strings.Split(parts[1], ",") {
				n = strings.TrimPrefix(n, "name=")
				mounts[n] = filepath.Join("/sys/fs/cgroup", n)
			}
		}
		for n, mp := range mounts {
			dir := filepath.Join(mp, parts[2])
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				out = append(out, hierarchy{n, dir})
			}
		}
	}
	return out
}

// v1Hierarchies are hostHierarchies without the cgroup2 one.
func v1Hierarchies(t *testing.T) []hierarchy {
	var out []hierarchy
	for _, h := range hostHierarchies(t) {
		if h.ctrl != "unified" {
			out = append(out, h)
		}
	}
	return out
}

func (e *env) tryState(id string) (state, error) {
	r := e.run("state", id)
	var s state
	if r.code != 0 {
		return s, errors.New(r.stderr)
	}
	return s, json.Unmarshal([]byte(r.stdout), &s)
}

// alive: the pid exists and is not a zombie.
func alive(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i > 0 && i+2 < len(data) && data[i+2] != 'Z'
}

// waitStatus polls until id reaches want or the deadline passes.
func (e *env) waitStatus(id, want string) state {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := e.state(id)
		if s.Status == want || time.Now().After(deadline) {
			if s.Status != want {
				e.t.Fatalf("%s: status %s, want %s", id, s.Status, want)
			}
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
}
