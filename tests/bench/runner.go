package main

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
	"time"

	"golang.org/x/sys/unix"
)

// runtimeUnderTest is one OCI runtime CLI driven the way containerd's shim
// drives runc: global flags, then the sub-command.
type runtimeUnderTest struct {
	name   string
	bin    string // absolute path
	root   string // --root, private to this bench run
	log    string // --log (json)
	cgroup func(name string) string
	pids   []int // init pids seen, checked for leaks
	ids    []string
}

// result of one CLI invocation.
type result struct {
	wall time.Duration
}

// errFile receives the stderr of every command; it is a file, not a pipe,
// because the container's init inherits it and would keep a pipe open.
type bench struct {
	dir     string // scratch: bundles, logs, pid files
	rootfs  string
	errPath string
	stop    *atomic.Bool // set on SIGINT/SIGTERM; nil for the cleanup's commands
}

var errInterrupted = errors.New("interrupted")

func (b *bench) stopped() bool { return b.stop != nil && b.stop.Load() }

func (b *bench) exec(args ...string) (result, error) {
	if b.stopped() {
		return result{}, errInterrupted
	}
	ef, err := os.OpenFile(b.errPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return result{}, err
	}
	defer ef.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = ef
	cmd.Stderr = ef
	t0 := time.Now()
	err = cmd.Run()
	r := result{wall: time.Since(t0)}
	if err != nil {
		msg, _ := os.ReadFile(b.errPath)
		return r, fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(lastLines(string(msg), 5)))
	}
	return r, nil
}

// timeBin is GNU time, the peak-RSS wrapper (see execRSS).
const timeBin = "/usr/bin/time"

// execRSS runs args under GNU time and returns the command's ru_maxrss
// (KiB). Not measured from the harness itself: Go's os/exec starts
// children with CLONE_VM|CLONE_VFORK, and at execve the kernel carries the
// old mm's high-water RSS into the child's ru_maxrss, so every child
// would report at least the harness's own RSS. GNU time is a small C
// program: its own RSS (reported as the "floor" of the RSS rows) is the
// lower bound of what this can measure.
func (b *bench) execRSS(args ...string) (int64, error) {
	out := filepath.Join(b.dir, "rss")
	if _, err := b.exec(append([]string{timeBin, "-f", "%M", "-o", out}, args...)...); err != nil {
		return 0, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}
	l := strings.Fields(strings.TrimSpace(lastLines(string(data), 1)))
	if len(l) != 1 {
		return 0, fmt.Errorf("%s: unexpected output %q", timeBin, data)
	}
	return strconv.ParseInt(l[0], 10, 64)
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

func (r *runtimeUnderTest) global() []string {
	return []string{r.bin, "--root", r.root, "--log", r.log, "--log-format", "json"}
}

// run: `R run --bundle B ID` in the foreground, as `runc run` is typed.
func (b *bench) run(r *runtimeUnderTest, bundle, id string) (result, error) {
	r.ids = append(r.ids, id)
	return b.exec(append(r.global(), "run", "--bundle", bundle, id)...)
}

func (b *bench) create(r *runtimeUnderTest, bundle, id string) (result, int, error) {
	r.ids = append(r.ids, id)
	pidFile := filepath.Join(b.dir, "pid-"+id)
	res, err := b.exec(append(r.global(), "create", "--bundle", bundle, "--pid-file", pidFile, id)...)
	if err != nil {
		return res, 0, err
	}
	data, err := os.ReadFile(pidFile)
	os.Remove(pidFile)
	if err != nil {
		return res, 0, fmt.Errorf("%s create %s: pid file: %w", r.name, id, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return res, 0, fmt.Errorf("%s create %s: pid file %q: %w", r.name, id, data, err)
	}
	r.pids = append(r.pids, pid)
	return res, pid, nil
}

func (b *bench) start(r *runtimeUnderTest, id string) (result, error) {
	return b.exec(append(r.global(), "start", id)...)
}

func (b *bench) delete(r *runtimeUnderTest, id string, force bool) (result, error) {
	args := append(r.global(), "delete")
	if force {
		args = append(args, "--force")
	}
	return b.exec(append(args, id)...)
}

// waitExit blocks until pid has exited (it is not our child: the runtime's
// CLI exited after create, so a pidfd is how to wait for it).
func waitExit(pid int, timeout time.Duration) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(timeout.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll pidfd %d: %w", pid, err)
		}
		if n == 0 {
			return fmt.Errorf("pid %d still running after %v", pid, timeout)
		}
		return nil
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// procStatus reads VmHWM (KiB) and Threads from /proc/PID/status.
func procStatus(pid int) (hwm, threads int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmHWM:":
			hwm, _ = strconv.ParseInt(f[1], 10, 64)
		case "Threads:":
			threads, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	return hwm, threads, nil
}

// writeBundle writes B/config.json: busybox rootfs (absolute: runc refuses
// a relative or symlinked root), default namespaces minus cgroup (pid, net,
// ipc, uts, mount), memory/cpu/pids limits and the given cgroupsPath.
func writeBundle(dir, rootfs, cgroupsPath string, args []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	cfg := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"terminal": false,
			"user":     map[string]any{"uid": 0, "gid": 0},
			"args":     args,
			"env":      []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
			"cwd":      "/",
			"capabilities": map[string]any{
				"bounding": caps, "effective": caps, "permitted": caps,
			},
			"rlimits":         []any{map[string]any{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}},
			"noNewPrivileges": true,
		},
		"root":     map[string]any{"path": rootfs, "readonly": true},
		"hostname": "bench",
		"mounts": []any{
			map[string]any{"destination": "/proc", "type": "proc", "source": "proc"},
			map[string]any{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			map[string]any{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			map[string]any{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			map[string]any{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": []string{"nosuid", "noexec", "nodev", "ro"}},
		},
		"linux": map[string]any{
			"cgroupsPath": cgroupsPath,
			"resources": map[string]any{
				"memory": map[string]any{"limit": 64 << 20},
				"cpu":    map[string]any{"quota": 50000, "period": 100000},
				"pids":   map[string]any{"limit": 32},
			},
			"namespaces": []any{
				map[string]any{"type": "pid"}, map[string]any{"type": "network"},
				map[string]any{"type": "ipc"}, map[string]any{"type": "uts"},
				map[string]any{"type": "mount"},
			},
			"maskedPaths":   []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"},
			"readonlyPaths": []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	data, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
}

// gitDescribe names the gorunc commit measured.
func gitDescribe(repo string) string {
	cmd := exec.Command("git", "-C", repo, "describe", "--always", "--dirty")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return strings.TrimSpace(out.String())
}
