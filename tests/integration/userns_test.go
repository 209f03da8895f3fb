package integration

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func userns(e *env, hostID uint32) { usernsSpec(e.spec, hostID) }

// usernsSpec gives s a user namespace whose 65536 ids start at hostID.
func usernsSpec(s *specs.Spec, hostID uint32) {
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: hostID, Size: 65536}}
}

// TestUserNamespace: the container's root is an unprivileged host uid;
// /proc, /sys, /dev (devices bound, not made) work inside; exec enters the
// user namespace too and runs as the mapped uid.
func TestUserNamespace(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	userns(e, 200000)
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "un")
	pid := e.state("un").Pid
	if uid := hostUID(t, pid); uid != "200000" {
		t.Errorf("init runs as host uid %s, want 200000", uid)
	}
	out := e.must("exec", "un", "sh", "-c", "id -u; cat /proc/self/uid_map; echo x > /dev/null && echo null-ok; ls /sys/kernel >/dev/null && echo sys-ok")
	for _, want := range []string{"0\n", "0     200000      65536", "null-ok", "sys-ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("exec output %q lacks %q", out, want)
		}
	}
	// The exec'd process is in init's user namespace, seen from the host.
	if got, want := nsLink(t, "self", "user"), nsLink(t, itoa(pid), "user"); got == want {
		t.Errorf("init's user namespace is the host's (%s)", got)
	}
}

func hostUID(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" {
			return f[1]
		}
	}
	return ""
}

func nsLink(t *testing.T, pid, ns string) string {
	t.Helper()
	l, err := os.Readlink("/proc/" + pid + "/ns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
