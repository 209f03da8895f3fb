// Package stress drives the built gorunc binary through many container
// lifecycles at once and then asserts that nothing leaked: no process, no
// state directory, no cgroup, no mount, no file descriptor in the caller.
//
// GORUNC names the binary and ROOTFS a busybox rootfs; STRESS_N is the
// number of lifecycles (default 200). `make stress N=2000` is the long run,
// `make stress-ci` the size `make test` runs. Needs root.
package stress

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// parallel is how many lifecycles run at once.
const parallel = 8

type harness struct {
	t      *testing.T
	bin    string
	rootfs string
	root   string // --root
	tmp    string // bundles, console sockets, stdio files
	parent string // prefix of every container's relative cgroupsPath
	// bundles: 0 plain, 1 terminal, 2 limits, 3 terminal + limits.
	bundles [4]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates namespaces, mounts and cgroups")
	}
	bin, rootfs := os.Getenv("GORUNC"), os.Getenv("ROOTFS")
	if bin == "" || rootfs == "" {
		t.Skip("GORUNC and ROOTFS must name the binary and a busybox rootfs (run `make stress`)")
	}
	// Orphans (every container init once its create exits) are
	// reparented to this process, not to the host's init, so that
	// leftovers are found among its children and reaped at the end.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	h := &harness{t: t, bin: bin, rootfs: rootfs, root: t.TempDir(), tmp: t.TempDir(),
		parent: fmt.Sprintf("gorunc-stress-%d", os.Getpid())}
	for i := range h.bundles {
		h.bundles[i] = h.bundle(i&1 != 0, i&2 != 0)
	}
	return h
}

// bundle writes a config: init sleeps; terminal or not; with or without
// memory, pids and cpu limits. cgroupsPath is set per container by
// create's --bundle copy (see config), so the bundle has none.
func (h *harness) bundle(terminal, limits bool) string {
	dir, err := os.MkdirTemp(h.tmp, "bundle")
	if err != nil {
		h.t.Fatal(err)
	}
	spec := &specs.Spec{
		Version: "1.0.2",
		Process: &specs.Process{
			Terminal: terminal,
			Args:     []string{"sleep", "1000"},
			Env:      []string{"PATH=/bin:/sbin:/usr/bin"},
			Cwd:      "/",
		},
		Root:     &specs.Root{Path: h.rootfs, Readonly: true},
		Hostname: "stress",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}},
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
	if limits {
		mem, pids, shares, quota, period := int64(64<<20), int64(64), uint64(512), int64(50000), uint64(100000)
		spec.Linux.Resources = &specs.LinuxResources{
			Memory: &specs.LinuxMemory{Limit: &mem},
			Pids:   &specs.LinuxPids{Limit: &pids},
			CPU:    &specs.LinuxCPU{Shares: &shares, Quota: &quota, Period: &period},
		}
	}
	data, err := json.Marshal(spec)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		h.t.Fatal(err)
	}
	return dir
}

// config makes a per-container bundle: a copy of config.json with this
// container's cgroupsPath (h.parent-id), the rootfs shared.
func (h *harness) config(kind int, id string) (string, error) {
	// One level, no parent shared between containers: gorunc's delete
	// of a container removes the parents it created recursively, siblings
	// included (TestStressSharedCreatedParent).
	return h.configAt(kind, id, h.parent+"-"+id)
}

func (h *harness) configAt(kind int, id, cgroupsPath string) (string, error) {
	data, err := os.ReadFile(filepath.Join(h.bundles[kind], "config.json"))
	if err != nil {
		return "", err
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return "", err
	}
	spec.Linux.CgroupsPath = cgroupsPath
	dir := filepath.Join(h.tmp, "b-"+id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	if data, err = json.Marshal(&spec); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
}

// gorunc runs one command with stdio on a temp file (a pipe would keep
// cmd.Wait waiting for a detached container that inherited it) and returns
// its output and, on failure, an error with the command and stderr.
func (h *harness) gorunc(args ...string) (string, error) {
	f, err := os.CreateTemp(h.tmp, "stdio")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd := exec.Command(h.bin, append([]string{"--root", h.root}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	if err != nil {
		return string(out), fmt.Errorf("gorunc %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "s-" + hex.EncodeToString(b)
}

// consoleSocket accepts one connection and receives the pty master that
// gorunc sends (runc's --console-socket protocol); the master is kept
// open until the container is deleted, as a shim would.
func (h *harness) consoleSocket(id string) (string, <-chan *os.File, func(), error) {
	path := filepath.Join(h.tmp, id+".sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return "", nil, nil, err
	}
	ch := make(chan *os.File, 1)
	go func() {
		defer close(ch)
		conn, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		defer conn.Close()
		buf, oob := make([]byte, 256), make([]byte, unix.CmsgSpace(4))
		_, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if err != nil {
			return
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			return
		}
		fds, err := unix.ParseUnixRights(&msgs[0])
		if err != nil || len(fds) != 1 {
			return
		}
		ch <- os.NewFile(uintptr(fds[0]), "pty-master")
	}()
	return path, ch, func() { ln.Close(); os.Remove(path) }, nil
}

// lifecycle: create, start, exec, kill, wait for stopped, delete. On
// failure it force-deletes so that one failure does not hide leaks.
func (h *harness) lifecycle(kind int) (err error) {
	id := randomID()
	bundle, err := h.config(kind, id)
	if err != nil {
		return err
	}
	defer os.RemoveAll(bundle)
	args := []string{"create", "--bundle", bundle}
	var master *os.File
	if kind&1 != 0 {
		path, ch, closeSock, err := h.consoleSocket(id)
		if err != nil {
			return err
		}
		defer closeSock()
		args = append(args, "--console-socket", path)
		defer func() {
			if master == nil {
				// create failed before sending it, or sent it
				// and failed later: drain what arrived.
				closeSock()
				if m, ok := <-ch; ok && m != nil {
					m.Close()
				}
			} else {
				master.Close()
			}
		}()
		if _, err := h.gorunc(append(args, id)...); err != nil {
			return err
		}
		select {
		case m, ok := <-ch:
			if !ok || m == nil {
				h.gorunc("delete", "--force", id)
				return fmt.Errorf("%s: no pty master on the console socket", id)
			}
			master = m
		case <-time.After(10 * time.Second):
			h.gorunc("delete", "--force", id)
			return fmt.Errorf("%s: timed out waiting for the pty master", id)
		}
	} else if _, err := h.gorunc(append(args, id)...); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			h.gorunc("delete", "--force", id)
		}
	}()
	if _, err := h.gorunc("start", id); err != nil {
		return err
	}
	out, err := h.gorunc("exec", id, "sh", "-c", "echo ok-$(hostname)")
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "ok-stress" {
		return fmt.Errorf("%s: exec printed %q", id, out)
	}
	if _, err := h.gorunc("kill", id, "KILL"); err != nil {
		return err
	}
	if err := h.waitStopped(id); err != nil {
		return err
	}
	_, err = h.gorunc("delete", id)
	return err
}

func (h *harness) status(id string) (string, error) {
	out, err := h.gorunc("state", id)
	if err != nil {
		return "", err
	}
	var st struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return "", fmt.Errorf("state %s: %v: %q", id, err, out)
	}
	return st.Status, nil
}

func (h *harness) waitStopped(id string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := h.status(id)
		if err != nil {
			return err
		}
		if st == "stopped" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still %s 10 s after kill", id, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// leaks checks the world after a run and returns what it found; it
// removes nothing but the zombies it reaps.
func (h *harness) leaks() []string {
	var found []string
	// State directories.
	if ents, _ := os.ReadDir(h.root); len(ents) > 0 {
		for _, e := range ents {
			found = append(found, "state dir "+e.Name())
		}
	}
	// Processes: with this process a subreaper, anything started and
	// not gone is a child of ours; zombies are reaped here.
	deadline := time.Now().Add(5 * time.Second)
	for {
		live := liveChildren()
		reapZombies()
		if len(live) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, p := range live {
				cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
				found = append(found, fmt.Sprintf("process %d (%s)", p, strings.ReplaceAll(string(cmd), "\x00", " ")))
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Cgroups: none named after this run under this process's own
	// cgroup in any hierarchy.
	for _, dir := range ownCgroups() {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.IsDir() && strings.HasPrefix(e.Name(), h.parent) {
				found = append(found, "cgroup "+filepath.Join(dir, e.Name()))
			}
		}
	}
	// Mounts in this (the host's) mount namespace that name a bundle,
	// the state root or the rootfs.
	if f, err := os.Open("/proc/self/mountinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := sc.Text()
			if strings.Contains(l, h.tmp) || strings.Contains(l, h.root) || strings.Contains(l, h.rootfs) {
				found = append(found, "mount "+l)
			}
		}
		f.Close()
	}
	return found
}

func liveChildren() []int {
	self := strconv.Itoa(os.Getpid())
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == self && f[0] != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// reapZombies waits for every exited child. Called only when no exec.Cmd
// of ours is running, so it cannot take a status os/exec waits for.
func reapZombies() int {
	n := 0
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return n
		}
		n++
	}
}

// ownCgroups is this process's own cgroup directory in each v1 hierarchy
// (and the v2 one), where a relative cgroupsPath puts a container.
func ownCgroups() []string {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil
	}
	var dirs []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		ctrls := strings.Split(parts[1], ",")
		if parts[1] == "" {
			ctrls = []string{"unified", ""}
		}
		for _, c := range ctrls {
			dir := filepath.Join("/sys/fs/cgroup", strings.TrimPrefix(c, "name="), parts[2])
			if _, err := os.Stat(dir); err == nil {
				dirs = append(dirs, dir)
			}
		}
	}
	return dirs
}

// TestStressLifecycles: N lifecycles, 8 at a time, a mix of terminal and
// non-terminal containers with and without resource limits; then zero
// leaks of any kind and no fd growth in this long-lived caller.
func TestStressLifecycles(t *testing.T) {
	h := newHarness(t)
	n := 200
	if s := os.Getenv("STRESS_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			t.Fatalf("STRESS_N=%q: not a positive number", s)
		}
	}
	// Warm up (the runtime's poller, the console socket path) before
	// counting this process's fds.
	for kind := range h.bundles {
		if err := h.lifecycle(kind); err != nil {
			t.Fatalf("warm-up: %v", err)
		}
	}
	fdsBefore := countFDs(t)
	start := time.Now()
	var next, failed atomic.Int64
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if err := h.lifecycle(int(i % 4)); err != nil {
					failed.Add(1)
					mu.Lock()
					if len(errs) < 10 {
						errs = append(errs, err.Error())
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	fdsAfter := countFDs(t)
	leaks := h.leaks()
	t.Logf("stress: N=%d parallel=%d wall=%s (%.1f lifecycles/s) failed=%d leaks=%d fds %d->%d",
		n, parallel, wall.Round(time.Millisecond), float64(n)/wall.Seconds(), failed.Load(), len(leaks), fdsBefore, fdsAfter)
	for _, e := range errs {
		t.Errorf("lifecycle: %s", e)
	}
	for _, l := range leaks {
		t.Errorf("leak: %s", l)
	}
	if fdsAfter > fdsBefore {
		t.Errorf("fd growth in the caller: %d before, %d after", fdsBefore, fdsAfter)
	}
}

// TestStressSameID: concurrent operations on one id are serialised by the
// container's lock: exactly one wins, the other fails with one clear line.
func TestStressSameID(t *testing.T) {
	h := newHarness(t)
	const rounds = 10
	both := func(a, b []string) (errA, errB error) {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); _, errA = h.gorunc(a...) }()
		go func() { defer wg.Done(); _, errB = h.gorunc(b...) }()
		wg.Wait()
		return
	}
	clear := func(err error) bool {
		// "gorunc <args>: exit status 1: gorunc: <what>: <why>", one line
		s := err.Error()
		return strings.Contains(s, "exit status 1: gorunc: ") && !strings.Contains(s, "\n")
	}
	create := func(id string) string {
		bundle, err := h.config(0, id)
		if err != nil {
			t.Fatal(err)
		}
		return bundle
	}
	for r := 0; r < rounds; r++ {
		// Two deletes of one stopped container.
		id := randomID()
		b := create(id)
		if _, err := h.gorunc("run", "-d", "--bundle", b, id); err != nil {
			t.Fatal(err)
		}
		if _, err := h.gorunc("kill", id, "KILL"); err != nil {
			t.Fatal(err)
		}
		if err := h.waitStopped(id); err != nil {
			t.Fatal(err)
		}
		e1, e2 := both([]string{"delete", id}, []string{"delete", id})
		if (e1 == nil) == (e2 == nil) {
			t.Errorf("two deletes: want exactly one to succeed, got %v and %v", e1, e2)
		} else if e := errors.Join(e1, e2); !clear(e) || !strings.Contains(e.Error(), "does not exist") {
			t.Errorf("losing delete: %v", e)
		}

		// start twice.
		id = randomID()
		b = create(id)
		if _, err := h.gorunc("create", "--bundle", b, id); err != nil {
			t.Fatal(err)
		}
		e1, e2 = both([]string{"start", id}, []string{"start", id})
		if (e1 == nil) == (e2 == nil) {
			t.Errorf("two starts: want exactly one to succeed, got %v and %v", e1, e2)
		} else if e := errors.Join(e1, e2); !clear(e) || !strings.Contains(e.Error(), "cannot start") {
			t.Errorf("losing start: %v", e)
		}
		if _, err := h.gorunc("delete", "--force", id); err != nil {
			t.Error(err)
		}

		// kill during create: kill waits for create's lock, then
		// either signals the created container or finds none yet.
		id = randomID()
		b = create(id)
		var wg sync.WaitGroup
		var killErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(r) * 3 * time.Millisecond)
			_, killErr = h.gorunc("kill", id, "KILL")
		}()
		_, createErr := h.gorunc("create", "--bundle", b, id)
		wg.Wait()
		if createErr != nil {
			t.Errorf("create with a concurrent kill: %v", createErr)
		}
		if killErr != nil && (!clear(killErr) || !(strings.Contains(killErr.Error(), "does not exist") || strings.Contains(killErr.Error(), "container not running"))) {
			t.Errorf("kill during create: %v", killErr)
		}
		if killErr == nil {
			if err := h.waitStopped(id); err != nil {
				t.Errorf("kill during create succeeded but: %v", err)
			}
		}
		if _, err := h.gorunc("delete", "--force", id); err != nil {
			t.Error(err)
		}
	}
	for _, l := range h.leaks() {
		t.Errorf("leak: %s", l)
	}
	ents, _ := os.ReadDir(h.tmp)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "b-") {
			os.RemoveAll(filepath.Join(h.tmp, e.Name()))
		}
	}
}

// TestStressSharedCreatedParent: two containers under one parent cgroup
// that gorunc made for the first of them (so it is in the first one's
// recorded "created" list). Deleting the first must not touch the second.
func TestStressSharedCreatedParent(t *testing.T) {
	h := newHarness(t)
	parent := h.parent + "-shared"
	ids := []string{randomID(), randomID()}
	for _, id := range ids {
		b, err := h.configAt(0, id, parent+"/"+id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.gorunc("run", "-d", "--bundle", b, id); err != nil {
			t.Fatal(err)
		}
	}
	delErr := func() error { _, err := h.gorunc("delete", "--force", ids[0]); return err }()
	st, stErr := h.status(ids[1])
	var gone []string
	for _, dir := range ownCgroups() {
		leaf := filepath.Join(dir, parent, ids[1])
		if _, err := os.Stat(filepath.Join(dir, parent)); err == nil {
			if _, err := os.Stat(leaf); err != nil {
				gone = append(gone, leaf)
			}
		}
	}
	for _, id := range []string{ids[1], ids[0]} {
		h.gorunc("delete", "--force", id)
	}
	for _, dir := range ownCgroups() {
		// Made for the first container, still holding the second when
		// the first was deleted: an ancestor is removed only if empty.
		os.Remove(filepath.Join(dir, parent))
	}
	for _, l := range h.leaks() {
		t.Errorf("leak: %s", l)
	}
	if stErr != nil || st != "running" {
		t.Errorf("second container after the first one's delete: %q %v", st, stErr)
	}
	if len(gone) > 0 && delErr == nil {
		t.Errorf("the first one's delete removed the second one's cgroup: %v", gone)
	}
	if delErr != nil {
		t.Errorf("delete of a container whose created parent holds a sibling: %v", delErr)
	}
}
