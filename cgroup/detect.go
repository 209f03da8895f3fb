package cgroup

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// DefaultRoot is where cgroupfs is mounted on every distribution we target.
const DefaultRoot = "/sys/fs/cgroup"

// v1Mount is one cgroup v1 hierarchy: where it is mounted and which
// directory of the hierarchy the mount shows (not "/" inside some
// containers).
type v1Mount struct {
	Mountpoint string
	Root       string
}

// hostLayout is what the host's mount table says about cgroups.
type hostLayout struct {
	Version int
	// V2Root is the cgroup2 mount at /sys/fs/cgroup (Version 2 only).
	V2Root string
	// V1 maps a controller ("memory", "cpu", ...) to its hierarchy.
	V1 map[string]v1Mount
	// Unified is, on a hybrid host (Version 1), the cgroup2 mount at
	// /sys/fs/cgroup/unified, which holds no controllers but which the
	// container joins too, as runc's fs driver does (nil when absent).
	Unified *v1Mount
}

// hybridUnified is where hybrid hosts (systemd's "hybrid" layout) mount
// the cgroup2 hierarchy beside the v1 ones; runc looks there only
// (opencontainers/cgroups IsCgroup2HybridMode).
const hybridUnified = DefaultRoot + "/unified"

// unifiedKey is the unified hierarchy's key among a v1 manager's
// controllers, as in runc's paths map.
const unifiedKey = ""

// HostVersion reports the cgroup version of this host: 2 when
// /sys/fs/cgroup is a cgroup2 mount (unified), 1 otherwise (legacy or
// hybrid, where controllers are in v1 hierarchies).
//
// It asks statfs, as runc (IsCgroup2UnifiedMode) does, not the mount table:
// create calls it before cgroup.New reads the table, and a read of
// mountinfo costs 0.1-0.2 ms here where a statfs costs microseconds. A
// host without any hierarchy is refused by New with its reason.
func HostVersion() (int, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(DefaultRoot, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", DefaultRoot, err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return 2, nil
	}
	return 1, nil
}

func readHostLayout() (*hostLayout, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return parseLayout(mounts)
}

// parseLayout decides the driver from cgroup mounts (pure, for tests).
func parseLayout(mounts []*mountinfo.Info) (*hostLayout, error) {
	l := &hostLayout{V1: map[string]v1Mount{}}
	for _, m := range mounts {
		switch m.FSType {
		case "cgroup2":
			switch m.Mountpoint {
			case DefaultRoot:
				l.Version = 2
				l.V2Root = m.Mountpoint
			case hybridUnified:
				l.Unified = &v1Mount{Mountpoint: m.Mountpoint, Root: m.Root}
			}
		case "cgroup":
			for _, opt := range strings.Split(m.VFSOptions, ",") {
				if _, ok := l.V1[opt]; ok || !knownV1Controller(opt) {
					continue
				}
				l.V1[opt] = v1Mount{Mountpoint: m.Mountpoint, Root: m.Root}
			}
		}
	}
	if l.Version == 2 {
		l.Unified = nil
		return l, nil
	}
	if len(l.V1) == 0 {
		return nil, fmt.Errorf("no cgroup hierarchy is mounted (neither cgroup2 at %s nor any cgroup v1 controller)", DefaultRoot)
	}
	l.Version = 1
	return l, nil
}

// v1Controllers are the v1 hierarchies the v1 driver places a container in,
// besides the hybrid "unified" one (hostLayout.Unified). name=systemd is
// left alone: systemd's hierarchy is systemd's.
var v1Controllers = []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma"}

func knownV1Controller(s string) bool {
	for _, c := range v1Controllers {
		if c == s {
			return true
		}
	}
	return false
}

// ownCgroups returns this process's cgroup per v1 controller and under the
// key "" its v2 cgroup.
func ownCgroups() (map[string]string, error) {
	lines, err := OwnHierarchies()
	if err != nil {
		return nil, err
	}
	return perController(lines), nil
}

// OwnHierarchies returns this process's cgroup per line of
// /proc/self/cgroup, keyed by the line's controller list as the kernel
// writes it ("cpu,cpuacct", "name=systemd"; "" for the cgroup2 line): what
// matching a hierarchy's mount needs (rootfs's cgroup mount).
func OwnHierarchies() (map[string]string, error) {
	return procHierarchies("/proc/self/cgroup")
}

// ProcHierarchies is OwnHierarchies for process pid: where a runtime's
// init is, once it has joined its cgroups.
func ProcHierarchies(pid int) (map[string]string, error) {
	return procHierarchies("/proc/" + strconv.Itoa(pid) + "/cgroup")
}

func procHierarchies(name string) (map[string]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	return parseProcCgroupLines(f)
}

// parseProcCgroup parses /proc/<pid>/cgroup into ownCgroups's shape.
func parseProcCgroup(r io.Reader) (map[string]string, error) {
	lines, err := parseProcCgroupLines(r)
	if err != nil {
		return nil, err
	}
	return perController(lines), nil
}

// perController gives each controller of a line's list its own key.
func perController(lines map[string]string) map[string]string {
	own := map[string]string{}
	for list, path := range lines {
		if list == "" {
			own[""] = path
			continue
		}
		for _, c := range strings.Split(list, ",") {
			own[c] = path
		}
	}
	return own
}

// parseProcCgroupLines parses /proc/<pid>/cgroup lines "ID:controllers:path"
// (Documentation/admin-guide/cgroup-v1/cgroups.rst, section 2.1).
func parseProcCgroupLines(r io.Reader) (map[string]string, error) {
	lines := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("parse /proc/self/cgroup line %q: want ID:controllers:path", sc.Text())
		}
		if parts[0] == "0" && parts[1] == "" {
			lines[""] = parts[2]
			continue
		}
		lines[parts[1]] = parts[2]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	return lines, nil
}
