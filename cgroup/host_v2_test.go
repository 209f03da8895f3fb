package cgroup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// v2TestManager returns a v2 manager for a new cgroup under this process's
// own cgroup in the cgroup2 hierarchy mounted at root, or skips. The path
// is relative, so it lands under the PARENT of the own cgroup (the v2
// rule); the test only runs when that parent is the own cgroup itself,
// i.e. the process is in the hierarchy's root, so that nothing is created
// outside the process's own cgroup.
func v2TestManager(t *testing.T, root string) *v2Manager {
	t.Helper()
	requireRoot(t)
	var fs unix.Statfs_t
	if err := unix.Statfs(root, &fs); err != nil || fs.Type != unix.CGROUP2_SUPER_MAGIC {
		t.Skipf("needs cgroup2 mounted at %s", root)
	}
	own, err := ownCgroups()
	if err != nil {
		t.Fatal(err)
	}
	if own[""] != "/" {
		t.Skipf("this process is in %s of the cgroup2 hierarchy; a relative path would land in its parent, outside its own cgroup", own[""])
	}
	m, err := newManager(Config{Path: testName(t)}, &hostLayout{Version: 2, V2Root: root}, own, ops{})
	if err != nil {
		t.Fatal(err)
	}
	v2 := m.(*v2Manager)
	t.Cleanup(func() {
		_ = v2.Kill(unix.SIGKILL)
		if err := v2.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := v2.Apply(0); err != nil {
		t.Fatal(err)
	}
	return v2
}

// runIn runs a command placed into the cgroup at clone time
// (CLONE_INTO_CGROUP), so that it does nothing outside it.
func runIn(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func testV2CoreLifecycle(t *testing.T, m *v2Manager) {
	cmd := startSleep(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if pids, err := m.Pids(); err != nil || len(pids) != 1 || pids[0] != cmd.Process.Pid {
		t.Fatalf("Pids = %v, %v", pids, err)
	}
	if err := m.Freeze(true); err != nil {
		t.Fatal(err)
	}
	if got := readT(t, filepath.Join(m.dir, "cgroup.events")); !strings.Contains(got, "frozen 1") {
		t.Fatalf("cgroup.events = %q", got)
	}
	if err := m.Freeze(false); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || f {
		t.Fatalf("Frozen after thaw = %v, %v", f, err)
	}
	if _, err := m.Stats(); err != nil {
		t.Fatal(err)
	}
	if err := m.Kill(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("sleep ended with %v, want killed", err)
	}
	created := m.State().Created
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range created {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", d, err)
		}
	}
}

func testV2DeviceFilter(t *testing.T, m *v2Manager) {
	null := specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}
	if err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, null}}); err != nil {
		t.Fatal(err)
	}
	if out, err := runIn(t, m.dir, "head", "-c1", "/dev/null"); err != nil {
		t.Fatalf("/dev/null allowed by the rules, but: %v %s", err, out)
	}
	if out, err := runIn(t, m.dir, "head", "-c1", "/dev/zero"); err == nil || !strings.Contains(out, "Operation not permitted") {
		t.Fatalf("/dev/zero denied by default, but: %v %q", err, out)
	}
	// Replace: allow everything but /dev/null (the last rule wins).
	deny := null
	deny.Allow = false
	if err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}, deny}}); err != nil {
		t.Fatal(err)
	}
	if out, err := runIn(t, m.dir, "head", "-c1", "/dev/zero"); err != nil {
		t.Fatalf("/dev/zero allowed after the update, but: %v %s", err, out)
	}
	if out, err := runIn(t, m.dir, "head", "-c1", "/dev/null"); err == nil || !strings.Contains(out, "Operation not permitted") {
		t.Fatalf("/dev/null denied after the update, but: %v %q", err, out)
	}
	fd, err := unix.Open(m.dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if ids, err := attachedDevicePrograms(fd); err != nil || len(ids) != 1 {
		t.Fatalf("attached device programs after the update = %v, %v; want exactly one", ids, err)
	}
}

// The hybrid host's /sys/fs/cgroup/unified is a real cgroup2 hierarchy
// without controllers: enough for the core files, freeze, kill and the
// device program.

func TestHostUnifiedV2CoreLifecycle(t *testing.T) {
	testV2CoreLifecycle(t, v2TestManager(t, "/sys/fs/cgroup/unified"))
}

func TestHostUnifiedV2DeviceFilter(t *testing.T) {
	testV2DeviceFilter(t, v2TestManager(t, "/sys/fs/cgroup/unified"))
}

// TestV2Real... run on a host (or VM) whose /sys/fs/cgroup is cgroup2 and
// skip elsewhere.

func TestV2RealCoreLifecycle(t *testing.T) {
	testV2CoreLifecycle(t, v2TestManager(t, DefaultRoot))
}

func TestV2RealDeviceFilter(t *testing.T) {
	testV2DeviceFilter(t, v2TestManager(t, DefaultRoot))
}

func TestV2RealResources(t *testing.T) {
	m := v2TestManager(t, DefaultRoot)
	avail, err := m.available()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"memory", "cpu", "pids"} {
		if !avail[c] {
			t.Skipf("the %s controller is not available at %s", c, DefaultRoot)
		}
	}
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20), Reservation: i64(32 << 20)},
		CPU:    &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000)},
		Pids:   &specs.LinuxPids{Limit: i64(20)},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ file, want string }{
		{"memory.max", "67108864"},
		{"memory.low", "33554432"},
		{"cpu.max", "50000 100000"},
		{"cpu.weight", "100"},
		{"pids.max", "20"},
	}
	for _, c := range checks {
		if got := readT(t, filepath.Join(m.dir, c.file)); got != c.want {
			t.Errorf("%s = %q, want %q", c.file, got, c.want)
		}
	}
	// The pids limit is enforced: a shell in the cgroup cannot start 30
	// children at once.
	out, err := runIn(t, m.dir, "sh", "-c", "for i in $(seq 30); do sleep 5 & done; wait")
	if err == nil && !strings.Contains(out, "fork") && !strings.Contains(out, "resource") {
		t.Errorf("30 children under pids.max 20 all started: %v %q", err, out)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Limit != 20 || st.Memory.Limit != 64<<20 {
		t.Errorf("stats = %+v", st)
	}
}

// TestV2RealFrozenBy: on a real cgroup2, a child made under a frozen cgroup
// is born frozen (cgroup.events "frozen 1", its own cgroup.freeze 0), and
// FrozenBy names the ancestor, before and after the child exists.
func TestV2RealFrozenBy(t *testing.T) {
	testV2FrozenBy(t, v2TestManager(t, DefaultRoot), DefaultRoot)
}

// The freezer is core cgroup2, so the hybrid host's controller-less
// unified hierarchy has it too.
func TestHostUnifiedV2FrozenBy(t *testing.T) {
	testV2FrozenBy(t, v2TestManager(t, "/sys/fs/cgroup/unified"), "/sys/fs/cgroup/unified")
}

func testV2FrozenBy(t *testing.T, m *v2Manager, root string) {
	// Absolute, so that it lands under m's directory whatever the v2 rule
	// for relative paths (v2TestManager runs only in the root cgroup).
	cm, err := newManager(Config{Path: strings.TrimPrefix(m.dir, root) + "/c"}, &hostLayout{Version: 2, V2Root: root}, map[string]string{}, ops{})
	if err != nil {
		t.Fatal(err)
	}
	child := cm.(*v2Manager)
	t.Cleanup(func() {
		m.Freeze(false)
		if err := child.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if f, err := m.FrozenBy(); err != nil || f != nil {
		t.Fatalf("thawed: FrozenBy = %v, %v", f, err)
	}
	if err := m.Freeze(true); err != nil {
		t.Fatal(err)
	}
	if f, err := child.FrozenBy(); err != nil || f == nil || f.By != m.dir {
		t.Fatalf("before mkdir: FrozenBy = %+v, %v; want by %s", f, err, m.dir)
	}
	if err := child.Apply(0); err != nil {
		t.Fatal(err)
	}
	if frozen, err := child.Frozen(); err != nil || !frozen {
		t.Errorf("a child made under a frozen cgroup: Frozen = %v, %v; want true", frozen, err)
	}
	if f, err := child.FrozenBy(); err != nil || f == nil || f.By != m.dir || f.Dir != child.dir {
		t.Errorf("after mkdir: FrozenBy = %+v, %v; want %s by %s", f, err, child.dir, m.dir)
	}
	if err := m.Freeze(false); err != nil {
		t.Fatal(err)
	}
	if f, err := child.FrozenBy(); err != nil || f != nil {
		t.Errorf("thawed again: FrozenBy = %+v, %v", f, err)
	}
}
