package integration

import (
	"context"
	"encoding/json"
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
)

// readSysctl reads key (dotted) in this process's namespaces.
func readSysctl(t *testing.T, key string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/")))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// joinNS replaces the spec's namespace of type typ by one joined at path.
func joinNS(s *specs.Spec, typ specs.LinuxNamespaceType, path string) {
	for i := range s.Linux.Namespaces {
		if s.Linux.Namespaces[i].Type == typ {
			s.Linux.Namespaces[i].Path = path
			return
		}
	}
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
}

// TestSysctlHostNamespaceRefused: a namespaced sysctl with the namespace
// joined by a path that is gorunc's own namespace would be written into the
// host's. runc 1.5.1 refuses this for the network namespace with exactly
// these words (and lets ipc/uts through; gorunc refuses those too). Every
// refused case writes the value the host already has, so even a broken
// gorunc cannot change the host: the refusal is what is asserted.
func TestSysctlHostNamespaceRefused(t *testing.T) {
	self := "/proc/" + strconv.Itoa(os.Getpid()) + "/ns/"
	cases := []struct {
		name string
		ns   specs.LinuxNamespaceType
		path string
		key  string
		want string
	}{
		{"net via /proc/self of gorunc", specs.NetworkNamespace, "/proc/self/ns/net", "net.ipv4.ip_forward",
			`sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
		{"net via the caller's pid", specs.NetworkNamespace, self + "net", "net.ipv4.ip_default_ttl",
			`sysctl "net.ipv4.ip_default_ttl" not allowed in host network namespace`},
		{"ipc", specs.IPCNamespace, "/proc/self/ns/ipc", "kernel.shmmni",
			`sysctl "kernel.shmmni" is not allowed in the hosts ipc namespace`},
		{"mqueue", specs.IPCNamespace, self + "ipc", "fs.mqueue.msg_max",
			`sysctl "fs.mqueue.msg_max" is not allowed in the hosts ipc namespace`},
		{"uts", specs.UTSNamespace, "/proc/self/ns/uts", "kernel.domainname",
			`sysctl "kernel.domainname" is not in a separate kernel namespace`},
		{"missing netns path", specs.NetworkNamespace, "/nonexistent-netns", "net.ipv4.ip_forward",
			"invalid netns path: stat /nonexistent-netns: no such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "true")
			// Never the host's hostname, whatever the code under test does
			// with a joined uts namespace.
			e.spec.Hostname = ""
			joinNS(e.spec, c.ns, c.path)
			before := readSysctl(t, c.key)
			e.spec.Linux.Sysctl = map[string]string{c.key: before}
			e.writeSpec()
			want := "gorunc: " + filepath.Join(e.bundle, "config.json") + ": " + c.want + "\n"
			for _, cmd := range []string{"create", "run"} {
				r := e.run(cmd, "--bundle", e.bundle, "sh")
				if r.code != 1 || r.stderr != want {
					t.Errorf("%s: exit %d, stderr %q; want exit 1, %q", cmd, r.code, r.stderr, want)
				}
				noCgroup(t, strings.Split(e.spec.Linux.CgroupsPath, "/")[0])
			}
			if after := readSysctl(t, c.key); after != before {
				t.Errorf("host %s changed from %s to %s", c.key, before, after)
			}
		})
	}

	// A joined network namespace that is not gorunc's own is the
	// container's: the sysctl is allowed and lands only there.
	t.Run("joined non-host netns allowed", func(t *testing.T) {
		e := newEnv(t, "cat", "/proc/sys/net/ipv4/ip_default_ttl")
		holder := exec.Command("unshare", "--net", "sleep", "600")
		if err := holder.Start(); err != nil {
			t.Skipf("unshare --net: %v", err)
		}
		t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
		nsPath := "/proc/" + strconv.Itoa(holder.Process.Pid) + "/ns/net"
		waitNSDiffers(t, nsPath, self+"net")
		host := readSysctl(t, "net.ipv4.ip_default_ttl")
		ttl := "63"
		if host == ttl {
			ttl = "62"
		}
		joinNS(e.spec, specs.NetworkNamespace, nsPath)
		e.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_default_ttl": ttl}
		e.writeSpec()
		if out := e.must("run", "--bundle", e.bundle, "nn"); strings.TrimSpace(out) != ttl {
			t.Errorf("container sees ip_default_ttl %q, want %s", out, ttl)
		}
		out, err := exec.Command("nsenter", "--net="+nsPath, "cat", "/proc/sys/net/ipv4/ip_default_ttl").Output()
		if err != nil || strings.TrimSpace(string(out)) != ttl {
			t.Errorf("joined netns has ip_default_ttl %q (%v), want %s", out, err, ttl)
		}
		if after := readSysctl(t, "net.ipv4.ip_default_ttl"); after != host {
			t.Errorf("host ip_default_ttl changed from %s to %s", host, after)
		}
	})
}

// waitNSDiffers waits until path names another namespace than ref (a
// freshly started `unshare` has not unshared yet).
func waitNSDiffers(t *testing.T, path, ref string) {
	t.Helper()
	want, _ := os.Readlink(ref)
	for i := 0; i < 500; i++ {
		if got, err := os.Readlink(path); err == nil && got != want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never left namespace %s", path, want)
}

// procOwner is the uid:gid that owns /proc/PID/environ: the process's euid
// while it is dumpable, root of the user namespace its binary was executed
// in once it is not (proc(5), /proc/pid; kernel task_dump_owner).
func procOwner(t *testing.T, pid int) string {
	t.Helper()
	fi, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d", st.Uid, st.Gid)
}

// writeProcess writes a --process file running sh -c script as the
// container's root with exactly the given capabilities.
func writeProcess(t *testing.T, dir string, script string, caps ...string) string {
	t.Helper()
	p := specs.Process{
		Args: []string{"sh", "-c", script},
		Env:  []string{"PATH=/bin:/sbin:/usr/bin"},
		Cwd:  "/",
		Capabilities: &specs.LinuxCapabilities{
			Bounding: caps, Effective: caps, Permitted: caps,
		},
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "process.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInitNotDumpable: init holds host state (sync socket, fifo, its
// environment) until it execve()s the container's process, so it must be
// non-dumpable until then, as runc's init is (runc 1.5.1 shows the same
// owners as asserted here); once started the container's process is
// dumpable again, as ps and exec tooling expect.
func TestInitNotDumpable(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	userns(e, 300000)
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "nd")
	pid := e.state("nd").Pid
	// Dumpable, the owner would be init's euid, the mapped 300000; and
	// with init executed inside the new user namespace, even a
	// non-dumpable init would belong to that namespace's root.
	if got := procOwner(t, pid); got != "0:0" {
		t.Errorf("created: /proc/%d/environ owned by %s, want 0:0 (non-dumpable, owned by the host's user namespace)", pid, got)
	}
	e.must("start", "nd")
	waitOwner(t, pid, "300000:300000")
}

// waitOwner waits until /proc/PID/environ is owned by want (init execve()s
// the container's process just after `start` returns).
func waitOwner(t *testing.T, pid int, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := procOwner(t, pid)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("started: /proc/%d/environ owned by %s, want %s (dumpable after execve)", pid, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExecInitNotDumpable: exec's helper joins a running container and
// holds the runtime's fds until it execve()s. The attack of CVE-2016-9962:
// the container's root stalls the helper and reads it. Here root is in a
// user namespace with CAP_SYS_PTRACE there, which reaches any dumpable
// process of the namespace; it maps to host root, so joining it changes
// no uid and the kernel leaves the helper dumpable unless gorunc makes it
// not.
//
// The stall is one the container's root really has: the helper is in the
// container's mount namespace before the Go runtime starts, and the Go
// runtime reads /sys/kernel/mm/transparent_hugepage/hpage_pmd_size (and
// /proc/self/cgroup, /proc/self/mountinfo) by name before main, in
// gorunc's helper as in runc's. gorunc's own reads no longer stall
// (TestExecProcOvermount). The attacker mounts a tmpfs over /sys/kernel/mm
// with a fifo there, finds the helper through a proc mount of its own,
// tries its environ, and releases it by writing the real size. The
// container's own process (pid 1, after execve) is the control: readable.
// (From the host, the helper's /proc files are owned by host root whether
// it is dumpable or not: its euid is host root until it switches user.)
func TestExecInitNotDumpable(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	userns(e, 0)
	// The attacker's capabilities, so that the control passes the
	// capability rules of ptrace(2) the same way.
	caps := []string{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"}
	e.spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "xd")
	pid := e.state("xd").Pid
	attack := writeProcess(t, t.TempDir(), `set -e
mount -t tmpfs t /tmp; mkdir /tmp/rp; mount -t proc p /tmp/rp
size=$(cat /sys/kernel/mm/transparent_hugepage/hpage_pmd_size 2>/dev/null || echo 2097152)
mount -t tmpfs t /sys/kernel/mm; mkdir /sys/kernel/mm/transparent_hugepage
mkfifo /sys/kernel/mm/transparent_hugepage/hpage_pmd_size
set +e
h=; i=0
while [ -z "$h" ] && [ $i -lt 300 ]; do
	for d in /tmp/rp/[0-9]*; do
		[ "$(tr '\0' ' ' <$d/cmdline 2>/dev/null)" = "gorunc exec-init " ] && h=${d#/tmp/rp/}
	done
	i=$((i+1)); [ -n "$h" ] || sleep 0.05
done
[ -n "$h" ] || { echo no-helper; exit 1; }
cat /tmp/rp/$h/environ >/dev/null 2>&1 && echo helper:READ || echo helper:DENIED
cat /tmp/rp/1/environ >/dev/null 2>&1 && echo init:READ || echo init:DENIED
echo $size > /sys/kernel/mm/transparent_hugepage/hpage_pmd_size`, caps...)
	var out, errb strings.Builder
	attacker := exec.Command(e.bin, "--root", e.root, "exec", "--process", attack, "xd")
	attacker.Stdout, attacker.Stderr = &out, &errb
	if err := attacker.Start(); err != nil {
		t.Fatal(err)
	}
	defer attacker.Wait()
	defer attacker.Process.Kill()
	// The trap is set when the fifo shows in the container's mount tree.
	fifo := "/proc/" + strconv.Itoa(pid) + "/root/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
	for i := 0; ; i++ {
		if fi, err := os.Stat(fifo); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
			break
		}
		if i == 500 {
			attacker.Process.Kill()
			attacker.Wait()
			t.Fatalf("the attacker never set its trap: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	victim := exec.CommandContext(ctx, e.bin, "--root", e.root, "exec", "xd", "true")
	// Go exec-init: the setup program's helper reads nothing the
	// container could stall (TestExecSetupProgramHelperNotDumpable).
	victim.Env = append(os.Environ(), "GORUNC_INIT=go")
	if vout, err := victim.CombinedOutput(); err != nil {
		t.Errorf("exec stalled by the trap: %v: %s", err, vout)
	}
	if err := attacker.Wait(); err != nil {
		t.Errorf("attacker: %v: %s", err, errb.String())
	}
	got := out.String()
	for _, want := range []string{"helper:DENIED", "init:READ"} {
		if !strings.Contains(got, want) {
			t.Errorf("attacker saw %q, want %s", got, want)
		}
	}
}

// TestUserNamespaceOwnProcWrites: init in a new user namespace is
// non-dumpable, so its own /proc files belong to host root, not to it; the
// writes it makes there must still work (runc has its parent make them).
func TestUserNamespaceOwnProcWrites(t *testing.T) {
	adj := 100
	cases := []struct {
		name   string
		mutate func(s *specs.Spec)
		file   string
		want   string
	}{
		{"process.oomScoreAdj", func(s *specs.Spec) { s.Process.OOMScoreAdj = &adj }, "/proc/self/oom_score_adj", "100"},
		{"linux.timeOffsets", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 86400}}
		}, "/proc/self/timens_offsets", "monotonic 86400 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.spec.Process.Args = []string{"cat", c.file}
			userns(e, 300000)
			c.mutate(e.spec)
			e.writeSpec()
			out := e.must("run", "--bundle", e.bundle, "pw")
			if !strings.Contains(strings.Join(strings.Fields(out), " "), c.want) {
				t.Errorf("%s in the container: %q, want %q", c.file, out, c.want)
			}
		})
	}
}
