package integration

// Escapes through names the container controls: /dev/null as the source
// of masked paths (CVE-2025-31133), /dev/pts and /dev/console for the
// terminal (CVE-2025-52565), and init's writes to /proc (CVE-2025-52881).
// Each is harmless when the code under test is broken: the host file a
// broken runtime would reach is a file of the test's own, or a process of
// the test's own.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// withoutDevTmpfs drops the /dev tmpfs (and the devpts on it): /dev is
// then the rootfs's own directory, with whatever the image put there,
// which is how these attacks bring their own dev/null or dev/pts.
func withoutDevTmpfs(e *env) {
	var kept []specs.Mount
	for _, m := range e.spec.Mounts {
		if m.Destination != "/dev" && !strings.HasPrefix(m.Destination, "/dev/") {
			kept = append(kept, m)
		}
	}
	e.spec.Mounts = kept
}

// bindHostFile makes a file of the test's with content and binds it at
// /hostfile in the container: the stand-in for a host file an escape
// would reach (core_pattern in the real attacks).
func bindHostFile(t *testing.T, e *env, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostfile")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.spec.Root.Path, "hostfile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/hostfile", Type: "bind", Source: path, Options: []string{"bind"}})
	return path
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	if data, err := os.ReadFile(path); err != nil || string(data) != want {
		t.Errorf("%s now holds %q (err %v), want %q: written through the container", path, data, err, want)
	}
}

// assertNotMounted fails when path is mounted in this (the host's) mount
// namespace: the container's mounts must die with it.
func assertNotMounted(t *testing.T, path string) {
	t.Helper()
	data, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(data), path) {
		t.Errorf("%s is mounted on the host", path)
	}
}

// TestEscapeMaskDevNullSymlink (CVE-2025-31133): masked files are binds of
// /dev/null; a rootfs whose dev/null is a symlink (to core_pattern in the
// attack; here to a file of the test's) and no /dev tmpfs turned every
// masked file into a writable bind of the link's target: before the fix
// the container's `echo PWNED > /etc/masked` wrote the host file. A
// dev/null that is a regular file or another device is refused the same
// way. runc 1.5.1 on the same bundle: "runc run failed: unable to start
// container process: error during container init: error reopening
// /dev/null inside container: can't reopen /dev/null: container's
// /dev/null is invalid".
func TestEscapeMaskDevNullSymlink(t *testing.T) {
	cases := []struct {
		name string
		make func(devNull string) error
	}{
		{"symlink", func(p string) error { return os.Symlink("/hostfile", p) }},
		{"regular file", func(p string) error { return os.WriteFile(p, nil, 0o666) }},
		{"zero device", func(p string) error { return unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 5))) }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", "echo PWNED > /etc/masked")
			root := ownRootfs(t, e)
			withoutDevTmpfs(e)
			host := bindHostFile(t, e, "untouched\n")
			if err := os.WriteFile(filepath.Join(root, "etc/masked"), []byte("secret\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := c.make(filepath.Join(root, "dev/null")); err != nil {
				t.Fatal(err)
			}
			e.spec.Linux.MaskedPaths = append(e.spec.Linux.MaskedPaths, "/etc/masked")
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "devnull"+itoa(i))
			assertOneLineError(t, r, "container's /dev/null is invalid")
			assertFile(t, host, "untouched\n")
			assertFile(t, filepath.Join(root, "etc/masked"), "secret\n")
			assertNotMounted(t, host)
		})
	}
}

// TestEscapeConsoleSymlink (CVE-2025-52565): with process.terminal, init
// opened the pty slave as /dev/pts/N and bound it over /dev/console by
// name. A rootfs without a /dev tmpfs whose dev/pts holds ptmx -> a real
// devpts elsewhere and N -> a host file had init bind the host file over
// /dev/console and chown it to process.user: before the fix the host file
// ended up owned by uid 4242 ("make /dev/pts/0 the controlling terminal:
// inappropriate ioctl for device" came only afterwards). A /dev/console
// that is a symlink was refused already (O_NOFOLLOW), and still is. runc
// 1.5.1 on the same bundles: "verify ptmx handle: ptmx handle is not on a
// real devpts mount: super magic is 0xef53" and "create /dev/console mount
// target: open /dev/console: too many levels of symbolic links".
func TestEscapeConsoleSymlink(t *testing.T) {
	devpts := specs.Mount{Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}
	cases := []struct {
		name    string
		devpts  string // where devpts is mounted
		links   map[string]string
		want    string
		hostPID bool // no pid namespace: the test's own /proc/PID/root is the host's /
	}{
		{"pts slave", "/dev/realpts", map[string]string{
			"dev/pts/ptmx": "../realpts/ptmx", "dev/pts/0": "/hostfile", "dev/pts/1": "/hostfile", "dev/pts/2": "/hostfile",
		}, "verify ptmx handle: ptmx handle is not on a real devpts mount", false},
		{"console", "/dev/pts", map[string]string{"dev/console": "/hostfile"},
			"create /dev/console mount target: open /dev/console: too many levels of symbolic links", false},
		// A magic link leaves the root (here through the test's own
		// /proc/PID/root, which init may read; /proc/1/root needs
		// ptrace rights on the host's init): before openat2(
		// RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) init allocated the
		// pty in the host's devpts (its ptmx passes every check).
		{"pts magic link", "/dev/realpts", map[string]string{"dev/pts": "/proc/" + itoa(os.Getpid()) + "/root/dev/pts"},
			"open the container's /dev/pts/ptmx (is /dev/pts a devpts newinstance mount?): too many levels of symbolic links", true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			terminalSpec(e, "true")
			e.spec.Process.User.UID = 4242
			root := ownRootfs(t, e)
			withoutDevTmpfs(e)
			if c.hostPID {
				e.spec.Linux.Namespaces = withoutNamespace(e.spec.Linux.Namespaces, specs.PIDNamespace)
			}
			m := devpts
			m.Destination = c.devpts
			e.spec.Mounts = append(e.spec.Mounts, m)
			host := bindHostFile(t, e, "untouched\n")
			for name, target := range c.links {
				os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
				if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
					t.Fatal(err)
				}
			}
			e.writeSpec()
			cs := newConsoleSocket(t)
			r := e.run("create", "--console-socket", cs.path, "--bundle", e.bundle, "consym"+itoa(i))
			assertOneLineError(t, r, c.want)
			assertFile(t, host, "untouched\n")
			if owner := statOwner(t, host); !strings.HasPrefix(owner, "0:0 ") {
				t.Errorf("host file chowned to %s by init", owner)
			}
			assertNotMounted(t, host)
		})
	}
}

// overmountProcHook adds a hook of the given kind that bind-mounts a file
// of the test's (the stand-in for a host file such as core_pattern) over
// procFile in the container's /proc, in the container's mount namespace
// before pivot_root (runtime-spec config.md "Hooks"), so the mount is the
// container's alone: it is what a mount racing the /proc mount checks
// (through a volume shared with another container) leaves behind, without
// the race. A createContainer hook runs there (and keeps Go init); a
// createRuntime hook runs in the runtime's namespaces and enters init's
// mount namespace (the setup program runs init). It returns the file.
func overmountProcHook(t *testing.T, e *env, procFile, kind string) string {
	t.Helper()
	host := filepath.Join(t.TempDir(), "core_pattern")
	if err := os.WriteFile(host, []byte("untouched\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(e.spec.Root.Path, "proc", procFile)
	switch kind {
	case "createContainer":
		e.spec.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{
			Path: "/bin/sh", Args: []string{"sh", "-c", `exec mount --bind "$0" "$1"`, host, target},
		}}}
	case "createRuntime":
		e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{
			Path: "/bin/sh", Args: []string{"sh", "-c", `pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p') && exec nsenter -t "$pid" -m mount --bind "$0" "$1"`, host, target},
		}}}
	default:
		t.Fatalf("hook kind %q", kind)
	}
	return host
}

// procRedirectHooks are the hook kinds overmountProcHook takes, and the
// init each leaves the create with (--debug's words).
var procRedirectHooks = []struct{ kind, init string }{
	{"createContainer", "Go init"},
	{"createRuntime", "init runs a setup program"},
}

// TestEscapeProcfsSysctlRedirect (CVE-2025-52881): init wrote linux.sysctl
// by name through the container's /proc, so a file mounted on
// /proc/sys/kernel/domainname there received the value: before the fix the
// test's file (standing in for the host's core_pattern) held "escape.test"
// afterwards and the container's domainname stayed "(none)". The sysctl
// must reach the container's own UTS namespace. runc 1.5.1 on the same
// bundle does that: exit 0, the container's domainname set, the file
// untouched. (A bind mount on /proc/sys/... in config.json is refused by
// both, by the /proc mount check: "cannot be mounted because it is inside
// /proc".)
func TestEscapeProcfsSysctlRedirect(t *testing.T) {
	for _, h := range procRedirectHooks {
		t.Run(h.kind, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", "mkdir -p /tmp/p && mount -t proc proc /tmp/p && cat /tmp/p/sys/kernel/domainname")
			host := overmountProcHook(t, e, "sys/kernel/domainname", h.kind)
			e.spec.Linux.Sysctl = map[string]string{"kernel.domainname": "escape.test"}
			e.writeSpec()
			r := runLogged(t, e, h.init, "sysctlredir")
			assertFile(t, host, "untouched\n")
			if r.code != 0 || strings.TrimSpace(r.stdout) != "escape.test" {
				t.Errorf("run: exit %d, container's domainname %q (want escape.test): %s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// runLogged is `run --debug` of e as id, which must log init (which init
// ran: "Go init" or "init runs a setup program").
func runLogged(t *testing.T, e *env, init, id string) result {
	t.Helper()
	log := filepath.Join(t.TempDir(), "log")
	r := e.run("--debug", "--log", log, "run", "--bundle", e.bundle, id)
	if data, _ := os.ReadFile(log); !strings.Contains(string(data), init) {
		t.Errorf("debug log has no %q:\n%s", init, data)
	}
	return r
}

// TestEscapeProcfsOomScoreAdjRedirect (CVE-2025-52881): init wrote
// process.oomScoreAdj to /proc/self/oom_score_adj by name; with a file
// mounted there (init is pid 1, /proc/1/oom_score_adj) the value went to
// the file: before the fix the test's file read "7ntouched" and init kept
// 0. runc
// 1.5.1 on the same bundle: exit 0, the process's oom_score_adj 7, the file
// untouched.
func TestEscapeProcfsOomScoreAdjRedirect(t *testing.T) {
	for _, h := range procRedirectHooks {
		t.Run(h.kind, func(t *testing.T) {
			// Init is pid 1 (the process execs into it); a procfs of
			// its own shows its real value.
			e := newEnv(t, "sh", "-c", "mkdir -p /tmp/p && mount -t proc proc /tmp/p && cat /tmp/p/1/oom_score_adj")
			host := overmountProcHook(t, e, "1/oom_score_adj", h.kind)
			adj := 7
			e.spec.Process.OOMScoreAdj = &adj
			e.writeSpec()
			r := runLogged(t, e, h.init, "oomredir")
			assertFile(t, host, "untouched\n")
			if r.code != 0 || strings.TrimSpace(r.stdout) != "7" {
				t.Errorf("run: exit %d, container's oom_score_adj %q (want 7): %s", r.code, r.stdout, r.stderr)
			}
		})
	}
}
