package cgroup

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func testName(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "gorunc-test-" + hex.EncodeToString(b)
}

// startSleep starts a child that the test kills and reaps, whatever happens.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // already dead in the passing case
		_, _ = cmd.Process.Wait()
	})
	return cmd
}

func requireRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create cgroups")
	}
}

// TestHostV1Lifecycle runs on a v1 or hybrid host as root: it creates a
// cgroup under this process's own cgroup (relative path), writes limits,
// moves a child in, freezes, kills and removes it.
func TestHostV1Lifecycle(t *testing.T) {
	requireRoot(t)
	if v, err := HostVersion(); err != nil || v != 1 {
		t.Skipf("needs a cgroup v1 host (HostVersion = %d, %v)", v, err)
	}
	m, err := New(Config{Path: testName(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m.Kill(unix.SIGKILL)
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	r := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: i64(64 << 20), Reservation: i64(32 << 20), Swap: i64(128 << 20)},
		CPU:     &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0"},
		Pids:    &specs.LinuxPids{Limit: i64(10)},
		Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ ctrl, file, want string }{
		{"memory", "memory.limit_in_bytes", "67108864"},
		{"memory", "memory.soft_limit_in_bytes", "33554432"},
		{"memory", "memory.memsw.limit_in_bytes", "134217728"},
		{"cpu", "cpu.shares", "512"},
		{"cpu", "cpu.cfs_quota_us", "50000"},
		{"cpu", "cpu.cfs_period_us", "100000"},
		{"cpuset", "cpuset.cpus", "0"},
		{"pids", "pids.max", "10"},
		{"devices", "devices.list", "c 1:3 rwm"},
	}
	for _, c := range checks {
		if m.Path(c.ctrl) == "" {
			t.Errorf("controller %s not managed", c.ctrl)
			continue
		}
		if got := readT(t, filepath.Join(m.Path(c.ctrl), c.file)); got != c.want {
			t.Errorf("%s = %q, want %q", c.file, got, c.want)
		}
	}
	cmd := startSleep(t)
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("/proc/" + itoa(cmd.Process.Pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	own := strings.TrimPrefix(m.Path("pids"), "/sys/fs/cgroup/pids")
	if !strings.Contains(string(self), "pids:"+own+"\n") {
		t.Fatalf("child's /proc/pid/cgroup lacks pids:%s:\n%s", own, self)
	}
	if pids, err := m.Pids(); err != nil || len(pids) != 1 || pids[0] != cmd.Process.Pid {
		t.Fatalf("Pids = %v, %v", pids, err)
	}
	if err := m.Freeze(true); err != nil {
		t.Fatal(err)
	}
	if got := readT(t, filepath.Join(m.Path("freezer"), "freezer.state")); got != "FROZEN" {
		t.Fatalf("freezer.state = %q", got)
	}
	if err := m.Freeze(false); err != nil {
		t.Fatal(err)
	}
	if f, err := m.Frozen(); err != nil || f {
		t.Fatalf("Frozen after thaw = %v, %v", f, err)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Current != 1 || st.Pids.Limit != 10 || st.Memory.Limit != 64<<20 {
		t.Errorf("stats = %+v", st)
	}
	if err := m.Kill(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("sleep ended with %v, want killed", err)
	}
	created := m.State().Created
	if len(created) == 0 {
		t.Fatal("nothing recorded as created")
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range created {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", d, err)
		}
	}
}

// TestHostV1DestroyBusy: a live process keeps the cgroup; Destroy names it.
func TestHostV1DestroyBusy(t *testing.T) {
	requireRoot(t)
	if v, err := HostVersion(); err != nil || v != 1 {
		t.Skipf("needs a cgroup v1 host (HostVersion = %d, %v)", v, err)
	}
	m, err := New(Config{Path: testName(t)})
	if err != nil {
		t.Fatal(err)
	}
	cmd := startSleep(t)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	err = m.Destroy()
	if err == nil || !strings.Contains(err.Error(), "processes still inside: ["+itoa(cmd.Process.Pid)+"]") {
		t.Fatalf("Destroy = %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
