package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rootlessUser is an unprivileged user made for one test: its own home
// directory (0755, so the user reaches it) holding copies of the binaries,
// a bundle it owns and an XDG_RUNTIME_DIR it owns, with a subordinate id
// range for newuidmap. Everything goes at the test's end, failed or not.
type rootlessUser struct {
	t        *testing.T
	name     string
	uid, gid int
	dir      string // 0755, root-owned
	xdg      string // the user's XDG_RUNTIME_DIR
	bundle   string // the user's bundle: rootfs/ and config.json
	subStart int    // first subordinate uid and gid
	bins     map[string]string
}

const subSize = 65536

func newRootlessUser(t *testing.T) *rootlessUser {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a test user with useradd")
	}
	bin, rootfs := os.Getenv("GORUNC"), os.Getenv("ROOTFS")
	if bin == "" || rootfs == "" {
		t.Skip("GORUNC and ROOTFS must name the binary and a busybox rootfs (run `make integration`)")
	}
	for _, tool := range []string{"useradd", "userdel", "usermod"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (package passwd) to make the test user", tool)
		}
	}
	u := &rootlessUser{t: t, name: fmt.Sprintf("gorunc-rl-%d-%d", os.Getpid(), seq.Add(1)), bins: map[string]string{}}
	// A range far above the usual 100000.. ones, unique per test process.
	u.subStart = 1<<28 + (os.Getpid()%2048)*subSize*4 + int(seq.Add(1)%4)*subSize
	dir, err := os.MkdirTemp("", "gorunc-rl-")
	if err != nil {
		t.Fatal(err)
	}
	u.dir = dir
	t.Cleanup(u.cleanup)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("useradd", "-M", "-d", dir, "-s", "/usr/sbin/nologin", u.name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v: %s", u.name, err, out)
	}
	r := fmt.Sprintf("%d-%d", u.subStart, u.subStart+subSize-1)
	if out, err := exec.Command("usermod", "--add-subuids", r, "--add-subgids", r, u.name).CombinedOutput(); err != nil {
		t.Fatalf("usermod --add-subuids %s: %v: %s", r, err, out)
	}
	out, err := exec.Command("id", "-u", u.name).Output()
	if err != nil {
		t.Fatal(err)
	}
	u.uid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
	out, _ = exec.Command("id", "-g", u.name).Output()
	u.gid, _ = strconv.Atoi(strings.TrimSpace(string(out)))

	u.xdg = filepath.Join(dir, "xdg")
	u.bundle = filepath.Join(dir, "bundle")
	for _, d := range []string{u.xdg, u.bundle} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-a", rootfs, filepath.Join(u.bundle, "rootfs")).CombinedOutput(); err != nil {
		t.Fatalf("copy the rootfs: %v: %s", err, out)
	}
	if out, err := exec.Command("chown", "-R", u.name+":", u.xdg, u.bundle).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	bins := map[string]string{"gorunc": bin}
	if runc, _ := runc15(); runc != "" {
		bins["runc"] = runc
	}
	for name, src := range bins {
		dst := filepath.Join(dir, name)
		if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
			t.Fatalf("copy %s: %v: %s", src, err, out)
		}
		os.Chmod(dst, 0o755)
		u.bins[name] = dst
	}
	// gorunc-init beside the copy, as beside bin/gorunc (make build):
	// a rootless init and exec-init run from a sealed copy of it.
	for _, src := range initsBeside(bin) {
		dst := filepath.Join(dir, filepath.Base(src))
		if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
			t.Fatalf("copy %s: %v: %s", src, err, out)
		}
		os.Chmod(dst, 0o755)
	}
	return u
}

// runtimes are the binaries to run side by side: gorunc, then runc 1.5.1
// when RUNC_REF names it.
func (u *rootlessUser) runtimes() []string {
	if _, ok := u.bins["runc"]; !ok {
		_, why := runc15()
		u.t.Logf("runc half skipped: %s", why)
		return []string{"gorunc"}
	}
	return []string{"gorunc", "runc"}
}

// env is what a login would give the user; extra entries override.
func (u *rootlessUser) env(extra ...string) []string {
	e := []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + u.dir, "USER=" + u.name, "XDG_RUNTIME_DIR=" + u.xdg}
	for _, x := range extra {
		k := x[:strings.IndexByte(x, '=')+1]
		for i := range e {
			if strings.HasPrefix(e[i], k) {
				e = append(e[:i], e[i+1:]...)
				break
			}
		}
		if !strings.HasSuffix(x, "=") { // "NAME=" unsets
			e = append(e, x)
		}
	}
	return e
}

// run runs a runtime as the user in the bundle, stdin closed, with a
// bound: a hang is a failure, not a stuck suite.
func (u *rootlessUser) run(rt string, env []string, args ...string) result {
	u.t.Helper()
	return u.runArgv(env, append([]string{u.bins[rt]}, args...)...)
}

// runArgv runs any command as the user in the bundle (run's body).
func (u *rootlessUser) runArgv(env []string, argv ...string) result {
	u.t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = u.bundle
	cmd.Env = env
	cmd.SysProcAttr = u.login()
	// Files, not pipes: a detached container keeps the stdio it was given.
	out, errf := tempIn(u.t, u.dir), tempIn(u.t, u.dir)
	defer os.Remove(out.Name())
	defer os.Remove(errf.Name())
	defer out.Close()
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = out, errf
	s := startCmd(u.t, cmd)
	exited, err := s.within(30 * time.Second)
	if !exited {
		s.kill(false)
		u.t.Fatalf("%v as %s: no answer within 30s", argv, u.name)
	}
	return resultOf(u.t, fmt.Sprint(argv), err, out, errf)
}

// login is the credentials a login gives the user: its uid, its group and
// no other.
func (u *rootlessUser) login() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{uint32(u.gid)}}}
}

func tempIn(t *testing.T, dir string) *os.File {
	f, err := os.CreateTemp(dir, "stdio")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (u *rootlessUser) must(rt string, args ...string) string {
	u.t.Helper()
	r := u.run(rt, u.env(), args...)
	if r.code != 0 {
		u.t.Fatalf("%s %s as %s: exit %d: %s", rt, strings.Join(args, " "), u.name, r.code, r.stderr)
	}
	return r.stdout
}

// spec is the runtime's own `spec --rootless` with edit applied, written
// as the bundle's config.json (owned by the user).
func (u *rootlessUser) spec(rt string, edit func(s *specs.Spec)) {
	u.t.Helper()
	os.Remove(filepath.Join(u.bundle, "config.json"))
	u.must(rt, "spec", "--rootless")
	p := filepath.Join(u.bundle, "config.json")
	data, err := os.ReadFile(p)
	if err != nil {
		u.t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		u.t.Fatal(err)
	}
	s.Process.Terminal = false
	if edit != nil {
		edit(&s)
	}
	if data, err = json.Marshal(&s); err != nil {
		u.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		u.t.Fatal(err)
	}
	os.Chown(p, u.uid, u.gid)
}

// stateDir is where rt keeps state for the user by default.
func (u *rootlessUser) stateDir(rt string) string { return filepath.Join(u.xdg, rt) }

// cleanup force-deletes every container either runtime left, kills any
// process of the user that survived (a failure: none may), and removes
// the user, its subordinate ranges and its files.
func (u *rootlessUser) cleanup() {
	t := u.t
	if u.uid != 0 {
		for rt := range u.bins {
			entries, _ := os.ReadDir(u.stateDir(rt))
			for _, ent := range entries {
				if r := u.run(rt, u.env(), "delete", "--force", ent.Name()); r.code != 0 {
					t.Errorf("cleanup: %s delete --force %s: %s", rt, ent.Name(), r.stderr)
				}
			}
		}
		for _, pid := range pidsOfUID(u.uid) {
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Errorf("process %d of %s left behind (%q): killed", pid, u.name, cmdline)
			unix.Kill(pid, unix.SIGKILL)
		}
		// userdel also drops the user's /etc/subuid and /etc/subgid lines.
		if out, err := exec.Command("userdel", u.name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", u.name, err, out)
		}
		for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
			if data, _ := os.ReadFile(f); strings.Contains(string(data), u.name+":") {
				t.Errorf("%s still lists %s", f, u.name)
			}
		}
	}
	if err := os.RemoveAll(u.dir); err != nil {
		t.Errorf("remove %s: %v", u.dir, err)
	}
}

// pidsOfUID lists the live processes whose real uid is uid (zombies are
// dead: they wait for this host's pid 1 to reap them).
func pidsOfUID(uid int) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || !alive(pid) {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "status"))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// TestRootlessSpec: `spec --rootless` as the user writes what runc 1.5.1
// writes, field for field: the caller mapped to 0 (size 1), no network
// namespace, /sys bound from the host, no gid=5 on devpts, no resources.
func TestRootlessSpec(t *testing.T) {
	u := newRootlessUser(t)
	got := map[string]any{}
	for _, rt := range u.runtimes() {
		os.Remove(filepath.Join(u.bundle, "config.json"))
		u.must(rt, "spec", "--rootless")
		data, err := os.ReadFile(filepath.Join(u.bundle, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		got[rt] = v
	}
	var s struct {
		Linux struct {
			UIDMappings []specs.LinuxIDMapping `json:"uidMappings"`
			Resources   any                    `json:"resources"`
		} `json:"linux"`
	}
	data, _ := json.Marshal(got["gorunc"])
	json.Unmarshal(data, &s)
	if want := []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(u.uid), Size: 1}}; fmt.Sprint(s.Linux.UIDMappings) != fmt.Sprint(want) {
		t.Errorf("uidMappings %v, want %v", s.Linux.UIDMappings, want)
	}
	if r, ok := got["runc"]; ok {
		if a, b := mustJSON(t, got["gorunc"]), mustJSON(t, r); a != b {
			t.Errorf("spec --rootless differs from runc's:\ngorunc: %s\nrunc:   %s", a, b)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	data, err := json.Marshal(v) // map keys sorted: a canonical form
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRootlessRun: `spec --rootless` + `run` as the user, unchanged but
// for the command: the process is root of a user namespace mapping the
// caller, without a cgroup (none is writable here and none is asked for),
// with the state under $XDG_RUNTIME_DIR/<runtime> (0700, sticky).
func TestRootlessRun(t *testing.T) {
	u := newRootlessUser(t)
	want := fmt.Sprintf("0\n0 %d 1\n", u.uid)
	for _, rt := range u.runtimes() {
		u.spec(rt, func(s *specs.Spec) {
			s.Process.Args = []string{"sh", "-c", "id -u; cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'"}
		})
		r := u.run(rt, u.env(), "run", "r1")
		if r.code != 0 || r.stdout != want {
			t.Errorf("%s run: exit %d, stdout %q, want %q; stderr %s", rt, r.code, r.stdout, want, r.stderr)
		}
		fi, err := os.Stat(u.stateDir(rt))
		if err != nil {
			t.Errorf("%s: no state directory under XDG_RUNTIME_DIR: %v", rt, err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode() != os.ModeDir|os.ModeSticky|0o700 || int(st.Uid) != u.uid {
			t.Errorf("%s: %s is %v owned by %d, want drwx-----T owned by %d", rt, u.stateDir(rt), fi.Mode(), st.Uid, u.uid)
		}
		if left, _ := os.ReadDir(u.stateDir(rt)); len(left) != 0 {
			t.Errorf("%s: state left after run: %v", rt, left)
		}
		// --rootless false: cgroup permission errors are not ignored.
		r = u.run(rt, u.env(), "--rootless", "false", "run", "r2")
		if r.code == 0 {
			t.Errorf("%s --rootless false run without a writable cgroup: exit 0", rt)
		}
		if rt == "gorunc" {
			assertOneLineError(t, r, "create cgroup for")
		}
		if left, _ := os.ReadDir(u.stateDir(rt)); len(left) != 0 {
			t.Errorf("%s: state left after a refused run: %v", rt, left)
		}
	}
}

// TestRootlessLifecycle: create, exec into the created container, start,
// state, list, exec, kill, delete as the user; ps and pause need a cgroup
// and are refused (runc 1.5.1 too), update of limits as well.
func TestRootlessLifecycle(t *testing.T) {
	u := newRootlessUser(t)
	for _, rt := range u.runtimes() {
		t.Run(rt, func(t *testing.T) {
			parent := u.t
			u.t = t
			defer func() { u.t = parent }()
			u.spec(rt, func(s *specs.Spec) { s.Process.Args = []string{"sleep", "100"} })
			u.must(rt, "create", "l1")
			if got := u.stateStatus(rt, "l1"); got != "created" {
				t.Errorf("after create: %s", got)
			}
			if out := u.must(rt, "exec", "l1", "id", "-u"); out != "0\n" {
				t.Errorf("exec in the created container: %q", out)
			}
			u.must(rt, "start", "l1")
			if got := u.stateStatus(rt, "l1"); got != "running" {
				t.Errorf("after start: %s", got)
			}
			if out := u.must(rt, "list", "-q"); out != "l1\n" {
				t.Errorf("list -q: %q", out)
			}
			if out := u.must(rt, "exec", "l1", "echo", "in"); out != "in\n" {
				t.Errorf("exec: %q", out)
			}
			for _, args := range [][]string{{"ps", "l1"}, {"pause", "l1"}, {"update", "--memory", "100000000", "l1"}} {
				r := u.run(rt, u.env(), args...)
				if r.code == 0 {
					t.Errorf("%s %v without a cgroup: exit 0", rt, args)
				}
				if rt == "gorunc" {
					assertOneLineError(t, r, "cgroup")
				}
			}
			u.must(rt, "kill", "l1", "KILL")
			u.waitStatus(rt, "l1", "stopped")
			u.must(rt, "delete", "l1")
			if out := u.must(rt, "list", "-q"); out != "" {
				t.Errorf("list -q after delete: %q", out)
			}
		})
	}
}

func (u *rootlessUser) stateStatus(rt, id string) string {
	u.t.Helper()
	var s state
	if err := json.Unmarshal([]byte(u.must(rt, "state", id)), &s); err != nil {
		u.t.Fatalf("%s state %s: %v", rt, id, err)
	}
	return s.Status
}

func (u *rootlessUser) waitStatus(rt, id, want string) {
	u.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := u.stateStatus(rt, id)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("%s: %s is %s after 5s, want %s", rt, id, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRootlessRefused: what a rootless caller cannot have fails create
// with one clear line, as with runc 1.5.1, and leaves no state, process
// or cgroup behind (the cleanup checks processes).
func TestRootlessRefused(t *testing.T) {
	limit := int64(64 << 20)
	lower := -100
	cases := []struct {
		name string
		edit func(s *specs.Spec)
		msg  string // gorunc's error must contain it
	}{
		{"memory limit", func(s *specs.Spec) {
			s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}
		}, "linux.resources needs a cgroup the caller can write"},
		{"cgroupsPath", func(s *specs.Spec) { s.Linux.CgroupsPath = "/gorunc-rl-test" }, "linux.cgroupsPath /gorunc-rl-test"},
		{"oom_score_adj lowered", func(s *specs.Spec) { s.Process.OOMScoreAdj = &lower }, "process.oomScoreAdj -100: permission denied"},
		{"net sysctl without a netns", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
		{"no user namespace", func(s *specs.Spec) {
			var nss []specs.LinuxNamespace
			for _, ns := range s.Linux.Namespaces {
				if ns.Type != specs.UserNamespace {
					nss = append(nss, ns)
				}
			}
			s.Linux.Namespaces, s.Linux.UIDMappings, s.Linux.GIDMappings = nss, nil, nil
		}, "rootless container requires user namespaces"},
		{"additionalGids", func(s *specs.Spec) { s.Process.User.AdditionalGids = []uint32{0} }, "cannot set any additional groups in a rootless container"},
		{"missing device", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/gorunc-rl-none", Type: "c", Major: 1, Minor: 99}}
		}, "/dev/gorunc-rl-none"},
	}
	u := newRootlessUser(t)
	rts := u.runtimes()
	for _, tc := range cases {
		for _, rt := range rts {
			u.spec(rt, func(s *specs.Spec) {
				s.Process.Args = []string{"true"}
				tc.edit(s)
			})
			r := u.run(rt, u.env(), "run", "x1")
			if r.code == 0 {
				t.Errorf("%s: %s run: exit 0, want a refusal", tc.name, rt)
			}
			if rt == "gorunc" {
				assertOneLineError(t, r, tc.msg)
			}
			if left, _ := os.ReadDir(u.stateDir(rt)); len(left) != 0 {
				t.Errorf("%s: %s left state: %v", tc.name, rt, left)
			}
		}
	}
}

// TestRootlessDevicesAndSysctl: what a rootless caller can have works as
// with runc 1.5.1: an extra device is a bind mount of the host's node,
// device rules alone need no cgroup, a sysctl of a namespace the container
// owns is written, oom_score_adj may be raised.
func TestRootlessDevicesAndSysctl(t *testing.T) {
	raise := 500
	u := newRootlessUser(t)
	for _, rt := range u.runtimes() {
		u.spec(rt, func(s *specs.Spec) {
			s.Process.Args = []string{"sh", "-c", "ls /dev/full2 && cat /proc/sys/kernel/shmmax /proc/self/oom_score_adj"}
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/full2", Type: "c", Major: 1, Minor: 7}}
			s.Linux.Resources = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "123456"}
			s.Process.OOMScoreAdj = &raise
		})
		r := u.run(rt, u.env(), "run", "d1")
		if want := "/dev/full2\n123456\n500\n"; r.code != 0 || r.stdout != want {
			// /dev/full2 does not exist on the host: both must refuse.
			if !strings.Contains(r.stderr, "full2") {
				t.Errorf("%s: exit %d, stdout %q, want %q; stderr %s", rt, r.code, r.stdout, want, r.stderr)
			}
		}
		u.spec(rt, func(s *specs.Spec) {
			s.Process.Args = []string{"sh", "-c", "ls -l /dev/full | cut -c1; cat /proc/sys/kernel/shmmax /proc/self/oom_score_adj"}
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/full", Type: "c", Major: 1, Minor: 7}}
			s.Linux.Resources = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "123456"}
			s.Process.OOMScoreAdj = &raise
		})
		r = u.run(rt, u.env(), "run", "d2")
		if want := "c\n123456\n500\n"; r.code != 0 || r.stdout != want {
			t.Errorf("%s: exit %d, stdout %q, want %q; stderr %s", rt, r.code, r.stdout, want, r.stderr)
		}
	}
}

// TestRootlessIDMapTools: a map of more than the caller's own id goes
// through newuidmap/newgidmap and the user's /etc/subuid range, as with
// runc 1.5.1; without the tools on $PATH the error names what is missing.
func TestRootlessIDMapTools(t *testing.T) {
	u := newRootlessUser(t)
	maps := func(s *specs.Spec) {
		m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(u.uid), Size: 1}, {ContainerID: 1, HostID: uint32(u.subStart), Size: 1000}}
		s.Linux.UIDMappings = m
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(u.gid), Size: 1}, {ContainerID: 1, HostID: uint32(u.subStart), Size: 1000}}
		s.Process.Args = []string{"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' ' | sed 's/^ //'; grep Groups: /proc/self/status"}
	}
	for _, rt := range u.runtimes() {
		u.spec(rt, maps)
		// No newuidmap on $PATH: one clear error naming it.
		r := u.run(rt, u.env("PATH=/nonexistent"), "run", "m1")
		if r.code == 0 {
			t.Errorf("%s without newuidmap on $PATH: exit 0", rt)
		}
		if rt == "gorunc" {
			assertOneLineError(t, r, "newuidmap (package uidmap) and ranges in /etc/subuid, but newuidmap is not in $PATH")
		}
		if _, err := exec.LookPath("newuidmap"); err != nil {
			t.Logf("newuidmap not installed (package uidmap): the mapping itself is not tried")
			continue
		}
		r = u.run(rt, u.env(), "run", "m2")
		// The caller's own group stays, as 0 (runc: no setgroups when
		// the caller is not root).
		want := fmt.Sprintf("0 %d 1\n1 %d 1000\n0 %d 1\n1 %d 1000\nGroups:\t0 \n", u.uid, u.subStart, u.gid, u.subStart)
		if r.code != 0 || r.stdout != want {
			t.Errorf("%s run with a subuid map: exit %d, stdout %q, want %q; stderr %s", rt, r.code, r.stdout, want, r.stderr)
		}
	}
}

// TestRootlessRootDefault: --root defaults to $XDG_RUNTIME_DIR/<runtime>
// for an unprivileged caller; one it cannot write is refused in runc's
// words; without XDG_RUNTIME_DIR the default /run/gorunc is refused with a
// line that says why (runc: only "permission denied").
func TestRootlessRootDefault(t *testing.T) {
	u := newRootlessUser(t)
	notMine := filepath.Join(u.dir, "not-mine") // root's, 0755
	if err := os.Mkdir(notMine, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, rt := range u.runtimes() {
		u.spec(rt, func(s *specs.Spec) { s.Process.Args = []string{"true"} })
		r := u.run(rt, u.env("XDG_RUNTIME_DIR="+notMine), "run", "x1")
		if r.code == 0 || !strings.Contains(r.stderr, "the path in $XDG_RUNTIME_DIR must be writable by the user") {
			t.Errorf("%s with XDG_RUNTIME_DIR not writable: exit %d, stderr %s", rt, r.code, r.stderr)
		}
		r = u.run(rt, u.env("XDG_RUNTIME_DIR="), "run", "x1")
		if r.code == 0 || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("%s without XDG_RUNTIME_DIR: exit %d, stderr %s", rt, r.code, r.stderr)
		}
		if rt == "gorunc" {
			assertOneLineError(t, r, "XDG_RUNTIME_DIR is not set, so --root defaulted to /run/gorunc")
		}
		// An explicit --root wins over XDG_RUNTIME_DIR.
		own := filepath.Join(u.xdg, "explicit-"+rt)
		u.must(rt, "--root", own, "run", "x2")
		if _, err := os.Stat(filepath.Join(u.stateDir(rt), "x2")); err == nil {
			t.Errorf("%s: --root %s ignored", rt, own)
		}
	}
	if left, _ := os.ReadDir(notMine); len(left) != 0 {
		t.Errorf("left in the directory the user may not write: %v", left)
	}
}

// TestRootlessDelegatedCgroup: a cgroup the user owns (here a directory
// under this test's own cgroup in every hierarchy, chowned to the user, as
// systemd's Delegate= does on v2) is used as with runc 1.5.1: the
// container's cgroup is made under it and linux.resources are written.
func TestRootlessDelegatedCgroup(t *testing.T) {
	u := newRootlessUser(t)
	limit, pids := int64(64<<20), int64(50)
	for _, rt := range u.runtimes() {
		parent := fmt.Sprintf("gorunc-rl-%d-%d-%s", os.Getpid(), seq.Add(1), rt)
		hs := hostHierarchies(t)
		for _, h := range hs {
			d := filepath.Join(h.own, parent)
			if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				// Before the user's own cleanup (LIFO): the container
				// must go before its parent cgroup can.
				u.run(rt, u.env(), "delete", "--force", "g1")
				os.Remove(filepath.Join(d, "c"))
				if err := os.Remove(d); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Errorf("remove the delegated cgroup: %v", err)
				}
			})
			if h.ctrl == "cpuset" {
				// A v1 cpuset is empty when made; the admin who delegates
				// it fills it in.
				for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
					v, _ := os.ReadFile(filepath.Join(h.own, f))
					if err := os.WriteFile(filepath.Join(d, f), v, 0); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := os.Chown(d, u.uid, u.gid); err != nil {
				t.Fatal(err)
			}
		}
		u.spec(rt, func(s *specs.Spec) {
			s.Process.Args = []string{"sleep", "100"}
			s.Linux.CgroupsPath = parent + "/c"
			s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}, Pids: &specs.LinuxPids{Limit: &pids}}
		})
		u.must(rt, "create", "g1")
		pid := 0
		var st state
		json.Unmarshal([]byte(u.must(rt, "state", "g1")), &st)
		pid = st.Pid
		for _, h := range hs {
			dir := filepath.Join(h.own, parent, "c")
			var file, want string
			switch h.ctrl {
			case "memory":
				file, want = "memory.limit_in_bytes", strconv.FormatInt(limit, 10)
			case "pids":
				file, want = "pids.max", "50"
			default:
				continue
			}
			if got, err := os.ReadFile(filepath.Join(dir, file)); err != nil || strings.TrimSpace(string(got)) != want {
				t.Errorf("%s: %s/%s = %q (%v), want %s", rt, dir, file, got, err, want)
			}
			if procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs")); !strings.Contains("\n"+string(procs), fmt.Sprintf("\n%d\n", pid)) {
				t.Errorf("%s: init %d is not in %s: %q", rt, pid, dir, procs)
			}
		}
		if rt == "gorunc" {
			if out := u.must(rt, "ps", "--format", "json", "g1"); strings.TrimSpace(out) != fmt.Sprintf("[%d]", pid) {
				t.Errorf("ps with a cgroup: %q, want [%d]", out, pid)
			}
		}
		u.must(rt, "delete", "--force", "g1")
		for _, h := range hs {
			if _, err := os.Stat(filepath.Join(h.own, parent, "c")); err == nil {
				t.Errorf("%s: cgroup %s/c left in %s", rt, parent, h.ctrl)
			}
		}
	}
}

// TestRootlessExecProcSelfExeAttack is TestExecProcSelfExeAttack as the
// user, against a gorunc binary the user owns: the container's root is the
// user, so without a protection a rootless container could rewrite the
// user's runtime through /proc/PID/exe (CVE-2019-5736). init and
// exec-init run from a sealed memfd copy instead, which no one can write.
func TestRootlessExecProcSelfExeAttack(t *testing.T) {
	u := newRootlessUser(t)
	// The user's own copies, in a directory of the user's: gorunc and the
	// gorunc-init beside it, if any.
	ownDir := filepath.Join(u.dir, "own")
	if err := os.Mkdir(ownDir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(ownDir, u.uid, u.gid)
	own, orig := copyRuntime(t, u.bins["gorunc"], ownDir)
	for dst := range orig {
		os.Chown(dst, u.uid, u.gid)
	}
	u.bins["gorunc-own"] = own
	x := filepath.Join(u.dir, "x")
	if err := os.Mkdir(x, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(x, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"evil": "#!/proc/self/exe --log=/run/x/fifo\n", "attack.sh": attackScript} {
		if err := os.WriteFile(filepath.Join(x, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("chown", "-R", u.name+":", x).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	u.spec("gorunc-own", func(s *specs.Spec) {
		s.Process.Args = []string{"sleep", "100"}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/run/x", Type: "bind", Source: x, Options: []string{"rbind"}})
	})
	u.must("gorunc-own", "run", "-d", "cve")
	u.waitStatus("gorunc-own", "cve", "running")
	u.must("gorunc-own", "exec", "-d", "cve", "sh", "/run/x/attack.sh")
	// evil's stderr is a full pipe, as in TestExecProcSelfExeAttack.
	full := fullPipe(t, filepath.Join(x, "stderr"))
	os.Chown(full.Name(), u.uid, u.gid)
	cmd := exec.Command(own, "exec", "-d", "cve", "/run/x/evil")
	cmd.Dir, cmd.Env, cmd.Stderr, cmd.SysProcAttr = u.bundle, u.env(), full, u.login()
	execEvil(t, cmd)

	var result string
	// The script ends by itself; the deadline only stops a hung attack.
	for deadline := time.Now().Add(90 * time.Second); result == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(filepath.Join(x, "result"))
		result = strings.TrimSpace(string(data))
	}
	// The cleanup must not run a damaged binary.
	u.bins["gorunc-own"] = u.bins["gorunc"]
	attackFailed(t, orig, result)
}

// TestRootlessAsRootOfUserNamespace: rootless podman calls the runtime as
// uid 0 of its own user namespace. --rootless auto detects it (uid_map is
// not the identity), the state goes under $XDG_RUNTIME_DIR ($USER is not
// root), no host cgroup is needed, and the binary is protected without
// open_tree on the host's mount namespace, as with runc 1.5.1.
func TestRootlessAsRootOfUserNamespace(t *testing.T) {
	u := newRootlessUser(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare (package util-linux)")
	}
	for _, rt := range u.runtimes() {
		// The spec as the namespace's root writes it: itself (0) mapped.
		os.Remove(filepath.Join(u.bundle, "config.json"))
		if r := u.runArgv(u.env(), unshare, "-r", u.bins[rt], "spec", "--rootless"); r.code != 0 {
			t.Fatalf("%s spec --rootless in a user namespace: %s", rt, r.stderr)
		}
		p := filepath.Join(u.bundle, "config.json")
		data, _ := os.ReadFile(p)
		var s specs.Spec
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatal(err)
		}
		s.Process.Terminal = false
		s.Process.Args = []string{"sh", "-c", "id -u; cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'"}
		data, _ = json.Marshal(&s)
		os.WriteFile(p, data, 0o644)
		os.Chown(p, u.uid, u.gid)
		r := u.runArgv(u.env(), unshare, "-r", u.bins[rt], "run", "n1")
		if want := "0\n0 0 1\n"; r.code != 0 || r.stdout != want {
			t.Errorf("%s run as root of a user namespace: exit %d, stdout %q, want %q; stderr %s", rt, r.code, r.stdout, want, r.stderr)
		}
		if _, err := os.Stat(u.stateDir(rt)); err != nil {
			t.Errorf("%s: state not under XDG_RUNTIME_DIR: %v", rt, err)
		}
	}
}

// TestRootlessExecSetupProgramMatchesGoExecInit: a rootless caller's exec
// runs exec-init's setup program (rootless podman's every exec), and the
// process it starts sees what Go exec-init (GORUNC_INIT=go) gives it: the
// same identity and supplementary groups (setgroups is not called for an
// unprivileged host user), capabilities, limits, environment, cwd and
// fds; and a failing exec fails in the same words. As the unprivileged
// user itself, and as the root of a user namespace it made (rootless
// podman's shape: the runtime's euid 0 there).
func TestRootlessExecSetupProgramMatchesGoExecInit(t *testing.T) {
	u := newRootlessUser(t)
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		t.Skip("needs nsenter (package util-linux)")
	}
	// The user's own user namespace, itself mapped to 0, held by a
	// sleeping process; the runtime enters it for every call, as
	// podman's calls join its pause process's.
	holder := exec.Command("unshare", "-r", "sleep", "300")
	holder.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid)}}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	waitUserns(t, holder.Process.Pid)
	in := func(argv ...string) []string {
		return append([]string{nsenter, "-U", "--preserve-credentials", "-t", strconv.Itoa(holder.Process.Pid)}, argv...)
	}
	wrapper := filepath.Join(u.dir, "gorunc-goinit")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nGORUNC_INIT=go exec "+u.bins["gorunc"]+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(u.xdg, "exec.log")
	cases := []struct {
		name string
		args []string
		fail bool
	}{
		{name: "base"},
		{name: "cwd-env", args: []string{"--cwd", "/tmp", "-e", "A=1", "-e", "HOME="}},
		{name: "caps-no-new-privs", args: []string{"--cap", "CAP_NET_RAW", "--no-new-privs"}},
		{name: "no-such-program", args: []string{"x", "nosuchprogram"}, fail: true},
		{name: "cwd-missing", args: []string{"--cwd", "/nope", "x", "true"}, fail: true},
	}
	for _, as := range []string{"user", "userns-root"} {
		t.Run(as, func(t *testing.T) {
			parent := u.t
			u.t = t
			defer func() { u.t = parent }()
			argv := func(bin string, args ...string) []string {
				a := append([]string{bin}, args...)
				if as == "userns-root" {
					return in(a...)
				}
				return a
			}
			// spec --rootless where the runtime runs: inside the
			// namespace it maps that namespace's 0, the user itself.
			p := filepath.Join(u.bundle, "config.json")
			os.Remove(p)
			if r := u.runArgv(u.env(), argv(u.bins["gorunc"], "spec", "--rootless")...); r.code != 0 {
				t.Fatalf("spec --rootless: exit %d: %s", r.code, r.stderr)
			}
			data, _ := os.ReadFile(p)
			var s specs.Spec
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			s.Process.Terminal, s.Process.Args = false, []string{"sleep", "100"}
			data, _ = json.Marshal(&s)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if r := u.runArgv(u.env(), argv(u.bins["gorunc"], "run", "-d", "x")...); r.code != 0 {
				t.Fatalf("run -d: exit %d: %s", r.code, r.stderr)
			}
			defer u.runArgv(u.env(), argv(u.bins["gorunc"], "delete", "-f", "x")...)
			for _, c := range cases {
				var outs [2]string
				for i, bin := range []string{u.bins["gorunc"], wrapper} {
					os.Remove(log)
					args := append([]string{"--debug", "--log", log, "exec"}, c.args...)
					if !c.fail {
						args = append(args, "x", "/bin/sh", "-c", execProbe)
					}
					r := u.runArgv(u.env(), argv(bin, args...)...)
					if c.fail == (r.code == 0) {
						t.Fatalf("%s (GORUNC_INIT=go: %v): exit %d: %s", c.name, i == 1, r.code, r.stderr)
					}
					data, _ := os.ReadFile(log)
					want := "exec-init runs a setup program"
					if i == 1 {
						want = "Go exec-init (GORUNC_INIT=go)"
					}
					if !strings.Contains(string(data), want) {
						t.Fatalf("%s: debug log has no %q:\n%s", c.name, want, data)
					}
					outs[i] = fmt.Sprintf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				if outs[0] != outs[1] {
					t.Errorf("%s: the setup program's exec differs from Go exec-init's:\n%s", c.name, lineDiff(outs[1], outs[0]))
				}
				if !c.fail && !strings.Contains(outs[0], "Uid:") {
					t.Errorf("%s: the probe printed no status:\n%s", c.name, outs[0])
				}
			}
		})
	}
}

// waitUserns waits until pid is in a user namespace other than ours.
func waitUserns(t *testing.T, pid int) {
	t.Helper()
	own, _ := os.Readlink("/proc/self/ns/user")
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid)); err == nil && ns != own {
			return
		}
	}
	t.Fatalf("process %d made no user namespace in 5 s", pid)
}
