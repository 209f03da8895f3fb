package integration

// Regression tests named after the runtime CVEs (runc, crun, youki) whose
// defence gorunc already has; docs/security.md maps every such CVE to its
// test, or says why there is none. Each test runs the attack's non-racy
// form: a config or an image that a vulnerable runtime mishandles.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// capMask parses the CapXxx line of a /proc/PID/status text.
func capMask(t *testing.T, status, field string) uint64 {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			return m
		}
	}
	t.Fatalf("no %s in %q", field, status)
	return 0
}

// Bits of the capabilities the tests below use (linux/capability.h).
const (
	bitChown  = 1 << 0
	bitKill   = 1 << 5
	bitNetRaw = 1 << 13
)

// TestCVE2022_29162InheritableCaps (runc CVE-2022-29162, crun CVE-2022-27650,
// youki's libcontainer CVE-2025-27612): a runtime that fills the inheritable
// set the config left empty (crun for every process, runc and libcontainer
// for `exec --cap`) lets a container program with file inheritable
// capabilities gain them at execve, past what the config grants. The
// inheritable and ambient sets of the container's first process, of an
// exec, and of an exec with --cap must be exactly what the config says;
// --cap adds to bounding, effective and permitted only, and to ambient only
// when the config has an inheritable set (runc >= 1.1.2). An ambient
// capability without its inheritable bit cannot be raised at all.
func TestCVE2022_29162InheritableCaps(t *testing.T) {
	base := []string{"CAP_CHOWN", "CAP_KILL"}
	cases := []struct {
		name                 string
		inheritable, ambient []string
		wantInh, wantAmb     uint64
	}{
		{name: "none", wantInh: 0, wantAmb: 0},
		{name: "configured", inheritable: []string{"CAP_KILL"}, ambient: []string{"CAP_KILL"}, wantInh: bitKill, wantAmb: bitKill},
		{name: "ambient-without-inheritable", ambient: []string{"CAP_KILL"}, wantInh: 0, wantAmb: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.spec.Process.Capabilities = &specs.LinuxCapabilities{
				Bounding: base, Effective: base, Permitted: base,
				Inheritable: c.inheritable, Ambient: c.ambient,
			}
			e.writeSpec()
			e.must("run", "-d", "--bundle", e.bundle, "caps")
			s := e.waitStatus("caps", "running")
			initStatus, err := os.ReadFile(filepath.Join("/proc", itoa(s.Pid), "status"))
			if err != nil {
				t.Fatal(err)
			}
			procs := []struct {
				what    string
				status  string
				wantPrm uint64
			}{
				{"run", string(initStatus), bitChown | bitKill},
				{"exec", e.must("exec", "caps", "cat", "/proc/self/status"), bitChown | bitKill},
				{"exec --cap CAP_NET_RAW", e.must("exec", "--cap", "CAP_NET_RAW", "caps", "cat", "/proc/self/status"), bitChown | bitKill | bitNetRaw},
			}
			for _, p := range procs {
				if got := capMask(t, p.status, "CapInh"); got != c.wantInh {
					t.Errorf("%s: CapInh %#x, want %#x", p.what, got, c.wantInh)
				}
				if got := capMask(t, p.status, "CapAmb"); got != c.wantAmb {
					t.Errorf("%s: CapAmb %#x, want %#x", p.what, got, c.wantAmb)
				}
				for _, f := range []string{"CapPrm", "CapEff", "CapBnd"} {
					if got := capMask(t, p.status, f); got != p.wantPrm {
						t.Errorf("%s: %s %#x, want %#x", p.what, f, got, p.wantPrm)
					}
				}
			}
		})
	}
}

// procChecks prints, from inside the container, the filesystem type at
// /proc, the size of the masked /proc/keys and the first mount option of
// the read-only /proc/sys (through any symlink on the way).
const procChecks = `stat -f -c %T /proc/
wc -c </proc/keys
p=$(readlink -f /proc/sys); awk -v p="$p" '$5 == p { split($6, o, ","); r = o[1] } END { print r }' /proc/self/mountinfo`

// TestCVE2023_28642ProcSymlink (runc CVE-2019-19921, CVE-2023-27561,
// CVE-2023-28642, the mount half of CVE-2019-16884; youki CVE-2025-54867):
// an image whose /proc or /sys is a symlink, or a mount that reaches /proc
// through a symlink, made runtimes mount procfs or sysfs somewhere the
// image controls, or cover /proc (or a file in it) with something else, so
// that the masks and the runtime's own writes to /proc (LSM labels,
// sysctls) missed the real procfs. Every such config is refused, as runc
// 1.5.1 refuses it (same wording); the harmless variants run, with procfs
// at /proc and the masks applied.
func TestCVE2023_28642ProcSymlink(t *testing.T) {
	symlink := func(target, name string) func(t *testing.T, root, host string) {
		return func(t *testing.T, root, host string) {
			p := filepath.Join(root, name)
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(strings.ReplaceAll(target, "{host}", host), p); err != nil {
				t.Fatal(err)
			}
		}
	}
	fakeDir := func(name string) func(t *testing.T, root, host string) {
		return func(t *testing.T, root, host string) {
			if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	tmpfs := func(dst string) specs.Mount { return specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs"} }
	cases := []struct {
		name  string
		setup []func(t *testing.T, root, host string)
		// mounts replace baseSpec's when mount0 is set, are added otherwise.
		mount0 *specs.Mount
		extra  []specs.Mount
		// refused: the one-line error wanted; "" means it must run.
		refused string
	}{
		{name: "proc-is-symlink", setup: []func(*testing.T, string, string){fakeDir("fakeproc"), symlink("/fakeproc", "proc")},
			refused: `mounts[0] (proc on /proc): filesystem "proc" must be mounted on ordinary directory`},
		{name: "proc-is-symlink-to-host", setup: []func(*testing.T, string, string){symlink("../../../../../../../..{host}", "proc")},
			refused: `filesystem "proc" must be mounted on ordinary directory`},
		{name: "sys-is-symlink", setup: []func(*testing.T, string, string){fakeDir("fakesys"), symlink("/fakesys", "sys")},
			refused: `mounts[3] (sysfs on /sys): filesystem "sysfs" must be mounted on ordinary directory`},
		{name: "proc-on-symlink-to-proc", setup: []func(*testing.T, string, string){symlink("/proc", "myproc")},
			extra:   []specs.Mount{{Destination: "/myproc", Type: "proc", Source: "proc"}},
			refused: `mounts[4] (proc on /myproc): filesystem "proc" must be mounted on ordinary directory`},
		// runc#2128, the CVE-2019-16884 proof of concept: a volume on
		// /proc with a fake self/attr.
		{name: "tmpfs-over-proc", extra: []specs.Mount{tmpfs("/proc")},
			refused: `mounts[4] (tmpfs on /proc): /proc cannot be mounted because it is not of type proc`},
		{name: "tmpfs-over-proc-through-symlink", setup: []func(*testing.T, string, string){symlink("/proc", "evil")},
			extra:   []specs.Mount{tmpfs("/evil")},
			refused: `/proc cannot be mounted because it is not of type proc`},
		{name: "tmpfs-under-proc-through-symlink", setup: []func(*testing.T, string, string){symlink("/proc/self/attr", "evil")},
			extra:   []specs.Mount{tmpfs("/evil/current")},
			refused: `attr/current cannot be mounted because it is inside /proc`},
		{name: "tmpfs-under-proc-sys-through-symlink", setup: []func(*testing.T, string, string){symlink("../proc/sys", "evil")},
			extra:   []specs.Mount{tmpfs("/evil/kernel")},
			refused: `mounts[4] (tmpfs on /evil/kernel): /proc/sys/kernel cannot be mounted because it is inside /proc`},
		{name: "plain"},
		{name: "proc-through-parent-symlink-to-root", setup: []func(*testing.T, string, string){symlink("/", "a")},
			mount0: &specs.Mount{Destination: "/a/proc", Type: "proc", Source: "proc"}},
		{name: "bind-of-procfs", mount0: &specs.Mount{Destination: "/proc", Type: "bind", Source: "/proc", Options: []string{"rbind"}}},
		{name: "bind-of-procfs-on-symlink", setup: []func(*testing.T, string, string){fakeDir("fakeproc"), symlink("/fakeproc", "proc")},
			mount0: &specs.Mount{Destination: "/proc", Type: "bind", Source: "/proc", Options: []string{"rbind"}}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", procChecks)
			root := ownRootfs(t, e)
			host := t.TempDir() // on the host: must stay empty
			for _, s := range c.setup {
				s(t, root, host)
			}
			if c.mount0 != nil {
				e.spec.Mounts[0] = *c.mount0
			}
			e.spec.Mounts = append(e.spec.Mounts, c.extra...)
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "proc"+itoa(i))
			if ents, _ := os.ReadDir(host); len(ents) > 0 {
				t.Errorf("host directory %s written through the rootfs: %v", host, ents)
			}
			if c.refused != "" {
				assertOneLineError(t, r, c.refused)
				return
			}
			if r.code != 0 {
				t.Fatalf("run: exit %d: %s", r.code, r.stderr)
			}
			if want := "proc\n0\nro\n"; r.stdout != want {
				t.Errorf("inside: fs type of /proc, size of masked /proc/keys, /proc/sys option = %q, want %q", r.stdout, want)
			}
		})
	}
}

// TestCVE2024_45310MountpointOnHost (runc CVE-2024-45310; crun
// CVE-2019-18837): making a missing mount point (the directories, or the
// empty file of a file bind) through a path that an image symlink sends to
// the host created empty files and directories on the host. runc's case
// needed a race; here the symlinks are in place from the start, pointing
// at a host directory (absolute, by "..", and dangling into a host path
// that does not exist yet), under a file bind, a directory bind and a
// tmpfs, each some levels deep. Everything is made inside the rootfs, the
// mounts land there, and the host directory stays empty.
func TestCVE2024_45310MountpointOnHost(t *testing.T) {
	e := newEnv(t, "cat", "/proc/self/mountinfo")
	root := ownRootfs(t, e)
	host := t.TempDir() // on the host: must stay empty
	src := t.TempDir()  // bind sources, outside host
	srcFile := filepath.Join(src, "file")
	if err := os.WriteFile(srcFile, []byte("bound"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"evil-abs":      host,
		"evil-up":       "../../../../../../../.." + host,
		"evil-dangling": host + "/missing",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	mounts := []struct {
		m  specs.Mount
		at string // where it must land, inside the container
	}{
		{specs.Mount{Destination: "/evil-abs/a/b/file", Type: "bind", Source: srcFile, Options: []string{"bind"}}, host + "/a/b/file"},
		{specs.Mount{Destination: "/evil-up/c/d", Type: "bind", Source: src, Options: []string{"rbind"}}, host + "/c/d"},
		{specs.Mount{Destination: "/evil-dangling/e/f", Type: "tmpfs", Source: "tmpfs"}, host + "/missing/e/f"},
	}
	for _, m := range mounts {
		e.spec.Mounts = append(e.spec.Mounts, m.m)
	}
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "mkhost")
	if ents, _ := os.ReadDir(host); len(ents) > 0 {
		t.Errorf("host directory %s written through a symlink in the rootfs: %v", host, ents)
	}
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	mountpoints := mountPoints(r.stdout)
	for _, m := range mounts {
		if !mountpoints[m.at] {
			t.Errorf("mount %s: not at %s inside the container; mount points: %v", m.m.Destination, m.at, mountpoints)
		}
		if _, err := os.Lstat(filepath.Join(root, m.at)); err != nil {
			t.Errorf("mount %s: %s not made in the rootfs: %v", m.m.Destination, m.at, err)
		}
	}
}

// TestCVE2026_41579DevSymlink (runc CVE-2026-41579, crun CVE-2026-47766):
// an image whose /dev is a symlink to a host directory made runtimes
// remove "ptmx" and create the /dev symlinks (fd, stdin, ...) and device
// nodes there. With a tmpfs on /dev and with the image's own /dev, every
// device and link is made inside the rootfs and the host directory stays
// empty.
func TestCVE2026_41579DevSymlink(t *testing.T) {
	cases := []struct {
		name   string
		target string
		devTmp bool
	}{
		{"abs-tmpfs", "{host}", true},
		{"up-tmpfs", "../../../../../../../..{host}", true},
		{"abs-image-dev", "{host}", false},
		{"up-image-dev", "../../../../../../../..{host}", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", "ls -l /dev/ | wc -l; echo x >/dev/null && readlink /dev/fd")
			root := ownRootfs(t, e)
			host := t.TempDir() // on the host: must stay empty
			// A file named ptmx: runc removed it through the link.
			ptmx := filepath.Join(host, "ptmx")
			if err := os.WriteFile(ptmx, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			dev := filepath.Join(root, "dev")
			if err := os.RemoveAll(dev); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(strings.ReplaceAll(c.target, "{host}", host), dev); err != nil {
				t.Fatal(err)
			}
			if !c.devTmp {
				var kept []specs.Mount
				for _, m := range e.spec.Mounts {
					if m.Destination != "/dev" {
						kept = append(kept, m)
					}
				}
				e.spec.Mounts = kept
			}
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "devsym"+itoa(i))
			ents, _ := os.ReadDir(host)
			if len(ents) != 1 || ents[0].Name() != "ptmx" || !ents[0].Type().IsRegular() {
				t.Errorf("host directory %s changed through the /dev symlink: %v", host, ents)
			}
			if r.code != 0 {
				t.Fatalf("run: exit %d: %s", r.code, r.stderr)
			}
			if !strings.HasSuffix(r.stdout, "/proc/self/fd\n") {
				t.Errorf("container /dev not set up: %q", r.stdout)
			}
		})
	}
}
