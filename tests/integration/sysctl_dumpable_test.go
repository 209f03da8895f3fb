package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
