package cgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The fake cgroupfs: plain directories and files named as the kernel names
// them. Its mkdir populates the interface files as the kernel would; its
// rmdir refuses (EBUSY) while cgroup.procs lists a process.

var v2Files = map[string]string{
	"cgroup.controllers": "", "cgroup.subtree_control": "", "cgroup.procs": "",
	"cgroup.events": "populated 0\nfrozen 0\n", "cgroup.freeze": "0", "cgroup.kill": "", "cgroup.max.depth": "max",
	"memory.max": "max", "memory.low": "0", "memory.high": "max", "memory.swap.max": "max",
	"memory.current": "0", "memory.stat": "", "memory.events": "",
	"cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.idle": "0", "cpu.stat": "",
	"cpuset.cpus": "", "cpuset.mems": "", "pids.max": "max", "pids.current": "0",
	"io.weight": "default 100", "io.max": "", "hugetlb.2MB.max": "max", "rdma.max": "",
}

var v1Files = map[string]map[string]string{
	"memory": {"memory.limit_in_bytes": "9223372036854771712", "memory.soft_limit_in_bytes": "9223372036854771712",
		"memory.memsw.limit_in_bytes": "9223372036854771712", "memory.swappiness": "60", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
		"memory.usage_in_bytes": "0", "memory.max_usage_in_bytes": "0", "memory.stat": ""},
	"cpu": {"cpu.shares": "1024", "cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000", "cpu.cfs_burst_us": "0", "cpu.stat": "", "cpu.idle": "0",
		"cpu.rt_period_us": "1000000", "cpu.rt_runtime_us": "0"},
	"cpuacct": {"cpuacct.usage": "0", "cpuacct.usage_user": "0", "cpuacct.usage_sys": "0"},
	"cpuset":  {"cpuset.cpus": "", "cpuset.mems": ""},
	"pids":    {"pids.max": "max", "pids.current": "0"},
	"blkio": {"blkio.weight": "500", "blkio.leaf_weight": "500", "blkio.weight_device": "", "blkio.throttle.read_bps_device": "",
		"blkio.throttle.write_bps_device": "", "blkio.throttle.read_iops_device": "", "blkio.throttle.write_iops_device": ""},
	"devices": {"devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm"},
	"freezer": {"freezer.state": "THAWED"},
	"hugetlb": {"hugetlb.2MB.limit_in_bytes": "0"},
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeV2 makes a fake unified hierarchy with the given root controllers.
func fakeV2(t *testing.T, controllers string) (string, ops) {
	t.Helper()
	root := t.TempDir()
	writeFiles(t, root, v2Files)
	writeFiles(t, root, map[string]string{"cgroup.controllers": controllers})
	o := ops{
		mkdir: func(dir string) error {
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			writeFiles(t, dir, v2Files)
			// A child's controllers are what its parent enables, at any
			// time: a symlink keeps them in step.
			ctrl := filepath.Join(dir, "cgroup.controllers")
			if err := os.Remove(ctrl); err != nil {
				return err
			}
			return os.Symlink(filepath.Join(filepath.Dir(dir), "cgroup.subtree_control"), ctrl)
		},
		rmdir: fakeRmdir,
	}
	return root, o
}

// fakeV1 makes a fake v1 layout with one directory per controller.
func fakeV1(t *testing.T, controllers ...string) (string, *hostLayout, ops) {
	t.Helper()
	root := t.TempDir()
	for _, c := range controllers {
		dir := filepath.Join(root, c)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFiles(t, dir, v1Files[c])
		writeFiles(t, dir, map[string]string{"cgroup.procs": ""})
		if c == "cpuset" {
			writeFiles(t, dir, map[string]string{"cpuset.cpus": "0-1", "cpuset.mems": "0"})
		}
	}
	layout := fakeV1Layout(root)
	o := ops{
		mkdir: func(dir string) error {
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, dir)
			ctrl, _, _ := strings.Cut(rel, "/")
			writeFiles(t, dir, v1Files[ctrl])
			writeFiles(t, dir, map[string]string{"cgroup.procs": ""})
			return nil
		},
		rmdir: fakeRmdir,
	}
	return root, layout, o
}

// fakeV1Layout describes a fake v1 cgroupfs under root as readHostLayout
// describes the host's: one hierarchy per controller directory that exists
// under root, and root/unified as the hybrid cgroup2 hierarchy when it
// exists.
func fakeV1Layout(root string) *hostLayout {
	l := &hostLayout{Version: 1, V1: map[string]v1Mount{}}
	for _, c := range v1Controllers {
		if fi, err := os.Stat(filepath.Join(root, c)); err == nil && fi.IsDir() {
			l.V1[c] = v1Mount{Mountpoint: filepath.Join(root, c), Root: "/"}
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "unified")); err == nil && fi.IsDir() {
		l.Unified = &v1Mount{Mountpoint: filepath.Join(root, "unified"), Root: "/"}
	}
	return l
}

func fakeRmdir(dir string) error {
	if b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")); err == nil && strings.TrimSpace(string(b)) != "" {
		return unix.EBUSY
	}
	return os.RemoveAll(dir)
}

func readT(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }
