//go:build cgo && linux

package nsexec

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var nsNames = []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

// TestMain doubles as the helper the constructor hands over to: with
// nsenterHelperEnv set, it prints its namespace links and exits.
func TestMain(m *testing.M) {
	if os.Getenv("GORUNC_NSENTER_HELPER") != "" {
		if os.Getenv(NsenterEnvName) != "" {
			fmt.Println("env not cleared")
		}
		// The runtime found the auxiliary vector on the stack, after
		// the environment's NULL (an in-place unsetenv hid it).
		if a, err := unix.Auxv(); err != nil || len(a) == 0 {
			fmt.Println("auxv lost", err)
		}
		for _, n := range nsNames {
			l, _ := os.Readlink("/proc/self/ns/" + n)
			fmt.Println(n, l)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func nsLinks(t *testing.T, pid int, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, n))
		if err != nil {
			t.Fatal(err)
		}
		m[n] = l
	}
	return m
}

// startTarget starts `sleep` in new namespaces (never touching the host's:
// the new mount namespace is a private copy and nothing is mounted).
func startTarget(t *testing.T, flags uintptr, uidMap bool) int {
	cmd := exec.Command("sleep", "100")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags}
	if uidMap {
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start target: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

// enter runs this test binary as the helper with the constructor's env
// and returns what the helper printed, after reaping both processes.
func enter(t *testing.T, pid int, types []specs.LinuxNamespaceType) (map[string]string, error) {
	// The helper's child is re-parented to us when its parent exits.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	env, err := NsenterEnv(3, pid, types)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = []string{env, "GORUNC_NSENTER_HELPER=1"}
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	child, rerr := ReadNsenterPid(r)
	if err := cmd.Wait(); err != nil && rerr == nil {
		rerr = fmt.Errorf("helper parent: %v", err)
	}
	if rerr != nil {
		return nil, rerr
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(child, &ws, 0, nil); err != nil {
		t.Fatalf("wait helper child %d: %v", child, err)
	}
	data, _ := os.ReadFile(out.Name())
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(line, " ")
		got[k] = v
	}
	if ws.ExitStatus() != 0 || got["env"] != "" || got["auxv"] != "" {
		t.Fatalf("helper child: %v, output %q", ws, data)
	}
	return got, nil
}

func TestNsenterRootJoinsEveryNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates namespaces")
	}
	all := []specs.LinuxNamespaceType{specs.UserNamespace, specs.MountNamespace, specs.PIDNamespace, specs.NetworkNamespace,
		specs.IPCNamespace, specs.UTSNamespace, specs.CgroupNamespace, specs.TimeNamespace}
	cases := []struct {
		name   string
		flags  uintptr
		uidMap bool
	}{
		{"without user namespace", unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP, false},
		{"with user namespace", unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pid := startTarget(t, c.flags, c.uidMap)
			got, err := enter(t, pid, all)
			if err != nil {
				t.Fatal(err)
			}
			// pid and time: the helper is the child born after setns.
			want := nsLinks(t, pid, nsNames...)
			for _, n := range nsNames {
				if got[n] != want[n] {
					t.Errorf("%s: helper in %s, target in %s", n, got[n], want[n])
				}
			}
			self := nsLinks(t, os.Getpid(), "mnt", "net")
			if got["mnt"] == self["mnt"] || got["net"] == self["net"] {
				t.Errorf("helper stayed in the test's namespaces: %v", got)
			}
		})
	}
}

func TestNsenterRootReportsErrors(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	pid := startTarget(t, 0, false)
	cmd := exec.Command("true")
	cmd.Start()
	gone := cmd.Process.Pid
	cmd.Wait()
	_, err := enter(t, gone, []specs.LinuxNamespaceType{specs.NetworkNamespace})
	want := fmt.Sprintf("join namespaces: open /proc/%d/ns/net: No such file or directory", gone)
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	// Only namespaces we are not in are joined: same namespaces succeed.
	if _, err := enter(t, pid, []specs.LinuxNamespaceType{specs.UserNamespace, specs.MountNamespace}); err != nil {
		t.Fatal(err)
	}
}

func TestNsenterEnv(t *testing.T) {
	env, err := NsenterEnv(3, 42, []specs.LinuxNamespaceType{specs.UserNamespace, specs.MountNamespace})
	if err != nil || env != "_GORUNC_NSENTER=3:42:user,mnt" {
		t.Fatalf("%q %v", env, err)
	}
	if _, err := NsenterEnv(3, 42, []specs.LinuxNamespaceType{"bogus"}); err == nil {
		t.Fatal("unknown type accepted")
	}
	for in, want := range map[string]string{
		"12\n":                    "",
		"error: setns mnt: Bad\n": "join namespaces: setns mnt: Bad",
		"":                        "join namespaces: the helper exited without reporting",
		"x\n":                     `join namespaces: bad report "x"`,
	} {
		pid, err := ReadNsenterPid(strings.NewReader(in))
		if want == "" && (err != nil || pid != 12) || want != "" && (err == nil || err.Error() != want) {
			t.Errorf("%q: %d %v, want %q", in, pid, err, want)
		}
	}
}

func TestProtectedSelf(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: open_tree(OPEN_TREE_CLONE) needs CAP_SYS_ADMIN")
	}
	// A binary that is not running (a running one is ETXTBSY anyway,
	// which would hide whether the mount is read-only).
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(bin, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile("/proc/self/mountinfo")
	f, err := readOnlyDetached(bin, "bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if after, _ := os.ReadFile("/proc/self/mountinfo"); string(before) != string(after) {
		t.Fatal("the detached bind shows up in this process's mount table")
	}
	via := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	if data, err := os.ReadFile(via); err != nil || string(data) != "\x7fELF not really" {
		t.Fatalf("read through the fd: %q, %v", data, err)
	}
	if _, err := os.OpenFile(via, os.O_WRONLY, 0); !errors.Is(err, unix.EROFS) {
		t.Fatalf("open for writing: %v, want EROFS", err)
	}
	// The original file stays writable for its owner: only the view
	// processes are started from is read-only.
	if err := os.WriteFile(bin, []byte("changed"), 0o755); err != nil {
		t.Fatalf("the original became read-only: %v", err)
	}
	self, err := ProtectedSelf()
	if err != nil {
		t.Fatal(err)
	}
	self.Close()
}

// TestProtectedInit: the init binary is found beside the running binary
// under the name this build gave it, and under no other; none is not an
// error (the caller starts itself).
func TestProtectedInit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: open_tree(OPEN_TREE_CLONE) needs CAP_SYS_ADMIN")
	}
	self, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("gorunc-init-test%d", os.Getpid())
	path := filepath.Join(filepath.Dir(self), name)
	if err := os.WriteFile(path, []byte("\x7fELF init"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	defer func(old string) { initName = old }(initName)
	for _, tc := range []struct {
		initName string
		want     string // "" for none
	}{
		{"", ""},               // built without one
		{name + "0", ""},       // another build's name: not there
		{name, "\x7fELF init"}, // this build's
	} {
		initName = tc.initName
		f, err := ProtectedInit()
		if err != nil {
			t.Fatalf("%q: %v", tc.initName, err)
		}
		if tc.want == "" {
			if f != nil {
				f.Close()
				t.Fatalf("%q: got %s, want none", tc.initName, f.Name())
			}
			continue
		}
		if f == nil {
			t.Fatalf("%q: none, want %s", tc.initName, path)
		}
		via := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
		data, err := os.ReadFile(via)
		if err != nil || string(data) != tc.want {
			t.Fatalf("%q: read through the fd: %q, %v", tc.initName, data, err)
		}
		if _, err := os.OpenFile(via, os.O_WRONLY, 0); !errors.Is(err, unix.EROFS) {
			t.Fatalf("%q: open for writing: %v, want EROFS", tc.initName, err)
		}
		f.Close()
	}
}

func BenchmarkProtectedSelf(b *testing.B) {
	for i := 0; i < b.N; i++ {
		f, err := ProtectedSelf()
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// TestSpawnJoinsByPathThenUnshares: Spawn with mount and user namespaces
// given by path goes through the constructor (fds, "TYPE=N" form): the
// helper ends up in the target's user and mount namespaces and in new
// network and pid namespaces made after the join.
func TestSpawnJoinsByPathThenUnshares(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates namespaces")
	}
	pid := startTarget(t, unix.CLONE_NEWUSER|unix.CLONE_NEWNS, true)
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = []string{"GORUNC_NSENTER_HELPER=1"}
	cmd.Stdout, cmd.Stderr = out, out
	proc, unshare, err := Spawn(Config{Cmd: cmd, CgroupFD: -1, Namespaces: []specs.LinuxNamespace{
		{Type: specs.NetworkNamespace},
		{Type: specs.MountNamespace, Path: fmt.Sprintf("/proc/%d/ns/mnt", pid)},
		{Type: specs.PIDNamespace},
		{Type: specs.UserNamespace, Path: fmt.Sprintf("/proc/%d/ns/user", pid)},
	}})
	if err != nil || unshare != 0 {
		t.Fatalf("Spawn: %v (unshare %#x)", err, unshare)
	}
	if ps, err := proc.Wait(); err != nil || !ps.Success() {
		t.Fatalf("helper: %v %v", ps, err)
	}
	data, _ := os.ReadFile(out.Name())
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(line, " ")
		got[k] = v
	}
	target, self := nsLinks(t, pid, nsNames...), nsLinks(t, os.Getpid(), nsNames...)
	for _, n := range []string{"user", "mnt"} {
		if got[n] != target[n] {
			t.Errorf("%s: helper in %s, want the target's %s", n, got[n], target[n])
		}
	}
	for _, n := range []string{"net", "pid"} {
		if got[n] == "" || got[n] == self[n] || got[n] == target[n] {
			t.Errorf("%s: helper in %s, want a new one (test %s, target %s)", n, got[n], self[n], target[n])
		}
	}
}

// TestSealedCopy: the rootless fallback of ProtectedSelf is a copy of the
// binary that no one can write, truncate or grow.
func TestSealedCopy(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(bin, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := sealedCopy(bin, "bin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	via := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	if data, err := os.ReadFile(via); err != nil || string(data) != "\x7fELF not really" {
		t.Fatalf("read through the fd: %q, %v", data, err)
	}
	w, err := os.OpenFile(via, os.O_WRONLY, 0)
	if err == nil {
		_, err = w.Write([]byte("x"))
		w.Close()
	}
	if !errors.Is(err, unix.EPERM) {
		t.Fatalf("write the sealed copy: %v, want EPERM", err)
	}
	if err := unix.Ftruncate(int(f.Fd()), 0); !errors.Is(err, unix.EPERM) {
		t.Fatalf("truncate the sealed copy: %v, want EPERM", err)
	}
}

// BenchmarkSealedCopy copies the test binary: MB/s gives the cost for
// gorunc's own size.
func BenchmarkSealedCopy(b *testing.B) {
	if fi, err := os.Stat("/proc/self/exe"); err == nil {
		b.SetBytes(fi.Size())
	}
	for i := 0; i < b.N; i++ {
		f, err := sealedCopy("/proc/self/exe", "own binary")
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
