package integration

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// holdNS starts `unshare FLAGS sleep 100` (unshare execs sleep, so the pid
// is the holder's) and waits until it is in new namespaces of the given
// /proc/PID/ns names. The holder is killed when the test ends. A mount
// namespace is made with --propagation private: nothing done in it can
// reach the host's.
func holdNS(t *testing.T, nsNames []string, flags ...string) int {
	t.Helper()
	cmd := exec.Command("unshare", append(flags, "sleep", "100")...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start holder: %v", err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for _, ns := range nsNames {
		for {
			l, err := os.Readlink("/proc/" + itoa(pid) + "/ns/" + ns)
			if err == nil && l != nsLink(t, "self", ns) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("holder %d never entered a new %s namespace", pid, ns)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return pid
}

// mapUsers gives the holder's user namespace 0..65535 -> host base..,
// as a runtime or podman would before handing the path over.
func mapUsers(t *testing.T, pid int, base string) {
	t.Helper()
	dir := "/proc/" + itoa(pid) + "/"
	for _, f := range []struct{ name, data string }{
		{"uid_map", "0 " + base + " 65536"},
		{"setgroups", "deny"},
		{"gid_map", "0 " + base + " 65536"},
	} {
		if err := os.WriteFile(dir+f.name, []byte(f.data), 0); err != nil {
			t.Fatalf("write %s: %v", f.name, err)
		}
	}
}

// addLink adds a bridge named name in pid's network namespace (the
// kernel here has no dummy driver; any device it alone has will do).
func addLink(t *testing.T, pid int, name string) {
	t.Helper()
	out, err := exec.Command("nsenter", "-t", itoa(pid), "-n", "ip", "link", "add", name, "type", "bridge").CombinedOutput()
	if err != nil {
		t.Fatalf("ip link add %s in %d: %v: %s", name, pid, err, out)
	}
}

// setNS replaces (or adds) the entry of type typ.
func setNS(e *env, typ specs.LinuxNamespaceType, path string) {
	nss := e.spec.Linux.Namespaces[:0]
	for _, ns := range e.spec.Linux.Namespaces {
		if ns.Type != typ {
			nss = append(nss, ns)
		}
	}
	e.spec.Linux.Namespaces = append(nss, specs.LinuxNamespace{Type: typ, Path: path})
}

// TestJoinNetnsByPath: a container given a pre-made network namespace sees
// its interfaces, and only there (the host has no gorunc-nsp0).
func TestJoinNetnsByPath(t *testing.T) {
	e := newEnv(t, "cat", "/proc/net/dev")
	holder := holdNS(t, []string{"net"}, "--net")
	addLink(t, holder, "gorunc-nsp0")
	setNS(e, specs.NetworkNamespace, "/proc/"+itoa(holder)+"/ns/net")
	e.writeSpec()
	if out := e.must("run", "--bundle", e.bundle, "nsnet"); !strings.Contains(out, "gorunc-nsp0") {
		t.Errorf("container's /proc/net/dev lacks the joined namespace's link:\n%s", out)
	}
}

// TestJoinMountNamespaceByPath: init ends up in the given mount namespace
// (joined by the nsenter constructor) and in new pid/net/ipc/uts ones.
func TestJoinMountNamespaceByPath(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	holder := holdNS(t, []string{"mnt"}, "--mount", "--propagation", "private")
	setNS(e, specs.MountNamespace, "/proc/"+itoa(holder)+"/ns/mnt")
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "nsmnt")
	pid := itoa(e.state("nsmnt").Pid)
	if got, want := nsLink(t, pid, "mnt"), nsLink(t, itoa(holder), "mnt"); got != want {
		t.Errorf("init's mount namespace is %s, want the holder's %s", got, want)
	}
	for _, ns := range []string{"pid", "net", "ipc", "uts"} {
		if nsLink(t, pid, ns) == nsLink(t, "self", ns) {
			t.Errorf("init shares the host's %s namespace, want a new one", ns)
		}
	}
	// exec joins init's namespaces: the container's pid 1 is sleep.
	out := e.must("exec", "nsmnt", "sh", "-c", "hostname; cat /proc/1/cmdline")
	if !strings.HasPrefix(out, "testhost\nsleep") {
		t.Errorf("exec output %q, want the container's hostname and pid 1", out)
	}
}

// TestJoinUserNamespaceByPath: init joins a pre-made, mapped user
// namespace (constructor), becomes its root (host uid 300000), and the new
// namespaces made after the join belong to it: it can mount /proc and
// /sys, which a namespace owned by the host's user namespace would refuse.
func TestJoinUserNamespaceByPath(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	holder := holdNS(t, []string{"user"}, "--user")
	mapUsers(t, holder, "300000")
	setNS(e, specs.UserNamespace, "/proc/"+itoa(holder)+"/ns/user")
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "nsuser")
	pid := e.state("nsuser").Pid
	if got, want := nsLink(t, itoa(pid), "user"), nsLink(t, itoa(holder), "user"); got != want {
		t.Errorf("init's user namespace is %s, want the holder's %s", got, want)
	}
	if uid := hostUID(t, pid); uid != "300000" {
		t.Errorf("init runs as host uid %s, want 300000 (the joined namespace's root)", uid)
	}
	out := e.must("exec", "nsuser", "sh", "-c", "id -u; cat /proc/self/uid_map; ls /sys/kernel >/dev/null && echo sys-ok")
	for _, want := range []string{"0\n", "0     300000      65536", "sys-ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("exec output %q lacks %q", out, want)
		}
	}
}

// TestJoinMixed: user and network namespaces joined from one holder,
// pid/mount/ipc/uts new: the container sees the holder's link, runs as
// its mapped root, and has a pid namespace of its own.
func TestJoinMixed(t *testing.T) {
	e := newEnv(t, "sh", "-c", "cat /proc/net/dev; id -u; echo pid=$$")
	holder := holdNS(t, []string{"user", "net"}, "--user", "--net")
	mapUsers(t, holder, "310000")
	addLink(t, holder, "gorunc-nsp1")
	setNS(e, specs.UserNamespace, "/proc/"+itoa(holder)+"/ns/user")
	setNS(e, specs.NetworkNamespace, "/proc/"+itoa(holder)+"/ns/net")
	e.writeSpec()
	out := e.must("run", "--bundle", e.bundle, "nsmix")
	for _, want := range []string{"gorunc-nsp1", "\n0\n", "pid=1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("container output %q lacks %q", out, want)
		}
	}
}

// TestJoinBadPaths: each wrong path or combination fails create with one
// line naming the entry, and leaves nothing behind (cleanup checks).
func TestJoinBadPaths(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(e *env) int // returns the index of the bad entry, or -1
		want    string
		indexed bool
	}{
		{
			name: "mount path is a uts namespace",
			edit: func(e *env) int {
				setNS(e, specs.MountNamespace, "/proc/self/ns/uts")
				return len(e.spec.Linux.Namespaces) - 1
			},
			want: "path /proc/self/ns/uts is not a mount namespace", indexed: true,
		},
		{
			name: "network path is an ipc namespace",
			edit: func(e *env) int {
				setNS(e, specs.NetworkNamespace, "/proc/self/ns/ipc")
				return len(e.spec.Linux.Namespaces) - 1
			},
			want: "path /proc/self/ns/ipc is not a network namespace", indexed: true,
		},
		{
			name: "user path is a regular file",
			edit: func(e *env) int {
				setNS(e, specs.UserNamespace, "/etc/hostname")
				return len(e.spec.Linux.Namespaces) - 1
			},
			want: "path /etc/hostname is not a user namespace", indexed: true,
		},
		{
			name: "joined user namespace with id maps",
			edit: func(e *env) int {
				setNS(e, specs.UserNamespace, "/proc/self/ns/user")
				e.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1}}
				return len(e.spec.Linux.Namespaces) - 1
			},
			want: "user namespace /proc/self/ns/user is joined by path, so linux.uidMappings and linux.gidMappings must be absent", indexed: true,
		},
		{
			name: "new user namespace with a joined mount namespace",
			edit: func(e *env) int {
				setNS(e, specs.MountNamespace, "/proc/self/ns/mnt")
				userns(e, 100000)
				return -1
			},
			want: "linux.namespaces: a new user namespace cannot be combined with a mount namespace joined by path",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			i := tc.edit(e)
			e.writeSpec()
			r := e.run("create", "--bundle", e.bundle, "nsbad")
			want := tc.want
			if tc.indexed {
				want = "linux.namespaces[" + itoa(i) + "]: " + want
			}
			if r.code == 0 || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("create: exit %d, stderr %q; want one line containing %q", r.code, r.stderr, want)
			}
		})
	}
}

// TestNoNamespaces: with linux.namespaces empty, init stays in every one
// of the runtime's namespaces and reaches "created" and "running". As runc,
// gorunc then makes the config's mounts in the runtime's mount namespace
// (TestNoMountNamespaceAsRunc): the runtime runs here in a private mount
// namespace of its own, and the test's (the host's) mount table must come
// out unchanged.
func TestNoNamespaces(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Linux.Namespaces = nil
	e.spec.Hostname = ""
	// Refused without a mount namespace, as by runc.
	e.spec.Linux.MaskedPaths, e.spec.Linux.ReadonlyPaths = nil, nil
	before, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	const check = `"$BIN" --root "$ROOT" start "$ID" || exit 1
pid=$("$BIN" --root "$ROOT" state "$ID" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
for ns in cgroup ipc mnt net pid user uts; do
	[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/self/ns/$ns)" ] || echo "init not in the runtime's $ns namespace"
done
"$BIN" --root "$ROOT" state "$ID" | grep -o '"status": *"[a-z]*"'
"$BIN" --root "$ROOT" delete --force "$ID"`
	r := e.runPrivateNS(openDir(t), "", "nons", check, "create")
	if r.code != 0 || strings.Contains(r.stdout, "not in") || !strings.Contains(r.stdout, `"running"`) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if after, _ := os.ReadFile("/proc/self/mountinfo"); string(after) != string(before) {
		t.Errorf("the host's mount table changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
