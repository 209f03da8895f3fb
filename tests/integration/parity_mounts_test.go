package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Mount parity with runc 1.5.1: each test states what runc does on the same
// config (run them with GORUNC=$RUNC_REF to see it pass).
// Tests that need a mount on the host side (a bind source with flags, a
// container without a mount namespace) run the runtime inside
// `unshare -m --propagation private`: everything they mount dies with that
// namespace, and the initial mount namespace is never touched.

// runPrivateNS runs setup, then `<bin> --root <root> <op> --bundle <bundle>
// <id>` (op "run" unless given), then after, in a private mount namespace
// of their own. The exit code is the runtime's, or after's when the
// runtime's was 0. The shell sees $SRC (a directory made here), $BIN,
// $ROOT, $BUNDLE and $ID.
func (e *env) runPrivateNS(src, setup, id, after string, op ...string) result {
	e.t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		e.t.Skip("needs unshare(1) (util-linux) for a private mount namespace")
	}
	e.writeSpec()
	cmd := "run"
	if len(op) > 0 {
		cmd = op[0]
	}
	script := setup + "\n\"$BIN\" --root \"$ROOT\" " + cmd + " --bundle \"$BUNDLE\" \"$ID\"\nrc=$?\n" +
		"[ $rc = 0 ] || exit $rc\n(:\n" + after + "\n)\n"
	sh := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script)
	sh.Env = append(os.Environ(), "SRC="+src, "BIN="+e.bin, "ROOT="+e.root, "BUNDLE="+e.bundle, "ID="+id)
	var out, errb bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &errb
	err := sh.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("unshare: %v", err)
	}
	return r
}

// openDir is a directory a mapped root can reach (the top of t.TempDir's
// tree is 0700).
func openDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "open")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	openUp(t, filepath.Dir(dir))
	return dir
}

// openUp makes dir and its parents up to the temporary directory
// searchable by anyone.
func openUp(t *testing.T, dir string) {
	t.Helper()
	for ; dir != os.TempDir() && dir != "/"; dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// mountOpts maps each mount point of a mountinfo listing to its per-mount
// options (the topmost mount wins).
func mountOpts(out string) map[string][]string {
	lines, _ := parseMountinfo(out)
	at := map[string][]string{}
	for _, l := range lines {
		at[l.point] = strings.Split(l.opts, ",")
	}
	return at
}

// oneCgroupLevel: runc removes only the leaf of cgroupsPath it made.
func oneCgroupLevel(e *env) {
	e.spec.Linux.CgroupsPath = strings.ReplaceAll(e.spec.Linux.CgroupsPath, "/", "-")
}

// TestBindFlagsExactAsRunc: a bind mount gets exactly the flags its
// options ask for, clearing those of the source mount ("mount --bind -o"),
// and keeps the source's flags only when no flag is asked at all. Where
// the kernel refuses to clear a flag (locked in a user namespace, as on an
// sshfs/FUSE mount seen from a container) the locked flags are kept, and
// an option that explicitly clears one is an error. runc 1.5.1 on a
// source mounted ro,nosuid,noexec: "bind" ro,nosuid,noexec; "bind,nodev"
// rw,nodev; "bind,rw" and "bind,exec" rw; "bind,ro" ro. In a user
// namespace "bind,nodev" is ro,nosuid,nodev,noexec and "bind,rw" fails
// with "cannot clear locked flags".
func TestBindFlagsExactAsRunc(t *testing.T) {
	const setup = `mount -t tmpfs -o ro,nosuid,noexec tmpfs "$SRC" || exit 99`
	cases := []struct {
		name   string
		userns bool
		opts   map[string][]string // destination -> options
		want   map[string]string   // destination -> exact per-mount flags (atime aside)
		err    string
	}{
		{name: "host", opts: map[string][]string{
			"/b/plain": {"bind"}, "/b/nodev": {"bind", "nodev"}, "/b/rw": {"rbind", "rw"},
			"/b/exec": {"bind", "exec"}, "/b/ro": {"bind", "ro"},
		}, want: map[string]string{
			"/b/plain": "ro,nosuid,noexec", "/b/nodev": "rw,nodev", "/b/rw": "rw",
			"/b/exec": "rw", "/b/ro": "ro",
		}},
		{name: "userns-locked", userns: true, opts: map[string][]string{
			"/b/plain": {"bind"}, "/b/nodev": {"bind", "nodev"}, "/b/ro": {"bind", "ro"},
		}, want: map[string]string{
			"/b/plain": "ro,nosuid,noexec", "/b/nodev": "ro,nosuid,nodev,noexec", "/b/ro": "ro,nosuid,noexec",
		}},
		{name: "userns-clear-locked", userns: true, opts: map[string][]string{
			"/b/rw": {"bind", "rw"},
		}, err: "cannot clear locked flags"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "cat", "/proc/self/mountinfo")
			oneCgroupLevel(e)
			if c.userns {
				userns(e, 200000)
			}
			src := openDir(t)
			dests := make([]string, 0, len(c.opts))
			for d := range c.opts {
				dests = append(dests, d)
			}
			slices.Sort(dests)
			for _, d := range dests {
				e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: d, Type: "bind", Source: src, Options: c.opts[d]})
			}
			r := e.runPrivateNS(src, setup, "bf", "")
			if c.err != "" {
				t.Logf("stderr: %s", r.stderr)
				if r.code == 0 || !strings.Contains(r.stderr, c.err) {
					t.Fatalf("exit %d, stderr %q: want a failure saying %q", r.code, r.stderr, c.err)
				}
				return
			}
			if r.code != 0 {
				t.Fatalf("run: exit %d: %s", r.code, r.stderr)
			}
			at := mountOpts(r.stdout)
			for _, d := range dests {
				var got []string
				for _, o := range at[d] {
					if !strings.HasSuffix(o, "atime") {
						got = append(got, o)
					}
				}
				if g := strings.Join(got, ","); g != c.want[d] {
					t.Errorf("%s %v: flags %q, want %q (runc 1.5.1)", d, c.opts[d], g, c.want[d])
				}
			}
		})
	}
}

// TestTmpfsKeepsDirModeAsRunc: a tmpfs mounted over a directory of the
// image takes that directory's mode (setgid included) unless a mode= is
// given; over a missing directory it keeps tmpfs's 1777. runc 1.5.1 does
// the same (createOpenMountpoint): 0710 stays 710, 2750 stays 2750.
func TestTmpfsKeepsDirModeAsRunc(t *testing.T) {
	e := newEnv(t, "sh", "-c", "stat -c '%n %a' /t/d710 /t/d2750 /t/given /t/new /t/ro710")
	root := ownRootfs(t, e)
	for dir, mode := range map[string]os.FileMode{"d710": 0o710, "d2750": 0o750 | os.ModeSetgid, "given": 0o710, "ro710": 0o710} {
		p := filepath.Join(root, "t", dir)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []specs.Mount{
		{Destination: "/t/d710", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/t/d2750", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid"}},
		{Destination: "/t/given", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=755"}},
		{Destination: "/t/new", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/t/ro710", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "tmpcopyup"}},
	} {
		e.spec.Mounts = append(e.spec.Mounts, m)
	}
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "tm")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	want := "/t/d710 710\n/t/d2750 2750\n/t/given 755\n/t/new 1777\n/t/ro710 710\n"
	if r.stdout != want {
		t.Errorf("tmpfs modes:\n%s\nwant (runc 1.5.1):\n%s", r.stdout, want)
	}
}

// TestReadonlyDevAsRunc: a /dev tmpfs with "ro" is populated (devices,
// symlinks, /dev/pts, the console) while read-write and made read-only at
// the end of the rootfs setup, as runc's finalizeRootfs does; any read-only
// tmpfs likewise, so a later mount inside one still gets its mount point.
// Today's code made /dev read-only at once and failed creating the devices.
func TestReadonlyDevAsRunc(t *testing.T) {
	e := newEnv(t, "sh", "-c", `echo x >/dev/null && echo null-ok; touch /dev/new 2>/dev/null || echo dev-ro; `+
		`touch /t/ro/x 2>/dev/null || echo t-ro; ls /t/ro; cat /proc/self/mountinfo`)
	for i, m := range e.spec.Mounts {
		if m.Destination == "/dev" {
			e.spec.Mounts[i].Options = append(m.Options, "ro")
		}
	}
	e.spec.Mounts = append(e.spec.Mounts,
		specs.Mount{Destination: "/t/ro", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "mode=755"}},
		specs.Mount{Destination: "/t/ro/sub", Type: "tmpfs", Source: "tmpfs"},
	)
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "rd")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	for _, w := range []string{"null-ok\n", "dev-ro\n", "t-ro\n", "sub\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, r.stdout)
		}
	}
	at := mountOpts(r.stdout)
	for _, p := range []string{"/dev", "/t/ro"} {
		if !slices.Contains(at[p], "ro") {
			t.Errorf("%s: options %v, want ro", p, at[p])
		}
	}
	if !slices.Contains(at["/t/ro/sub"], "rw") {
		t.Errorf("/t/ro/sub: options %v, want rw", at["/t/ro/sub"])
	}
}

// TestNoMountNamespaceAsRunc: without a "mount" namespace runc 1.5.1 still
// performs the mounts, in the namespace it runs in (after making /
// rslave and the rootfs's parent private), then chroots: the container has
// its /proc and /dev, and the mounts stay behind in that namespace. Run
// here in a private namespace of its own. Today's gorunc mounted nothing
// and failed on /dev/ptmx.
func TestNoMountNamespaceAsRunc(t *testing.T) {
	e := newEnv(t, "sh", "-c", "test -c /dev/null && echo dev-ok; test -d /proc/self && echo proc-ok; test -L /dev/ptmx && echo ptmx-ok")
	oneCgroupLevel(e)
	ownRootfs(t, e)
	var ns []specs.LinuxNamespace
	for _, n := range e.spec.Linux.Namespaces {
		if n.Type != specs.MountNamespace {
			ns = append(ns, n)
		}
	}
	e.spec.Linux.Namespaces = ns
	// Refused without a mount namespace (runc: "unable to restrict sys
	// entries without a private MNT namespace").
	e.spec.Linux.MaskedPaths, e.spec.Linux.ReadonlyPaths = nil, nil
	r := e.runPrivateNS(openDir(t), "", "nm", "echo left=$(grep -cF ' "+e.spec.Root.Path+"' /proc/self/mountinfo)")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s%s", r.code, r.stderr, r.stdout)
	}
	for _, w := range []string{"dev-ok\n", "proc-ok\n", "ptmx-ok\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "left=0\n") {
		t.Errorf("no mount made in the runtime's namespace (runc leaves its mounts there):\n%s", r.stdout)
	}
	// Masks cannot be applied there: refused before anything is made
	// (today's gorunc skipped them silently).
	e.spec.Linux.MaskedPaths = []string{"/proc/kcore"}
	r = e.runPrivateNS(openDir(t), "", "nm2", "")
	if want := "unable to restrict sys entries without a private MNT namespace"; r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("masked paths without a mount namespace: exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
}

// TestUsernsBindSourceAsRunc: a bind source the container's mapped root
// cannot reach (inside a 0700 directory) is opened by the runtime before
// the user namespace is joined and handed over, as runc's "mount fds"
// do; and a source below the rootfs that an earlier mount of the same
// config provides is resolved in the container's namespace, in config
// order. runc 1.5.1 runs both.
func TestUsernsBindSourceAsRunc(t *testing.T) {
	e := newEnv(t, "sh", "-c", "cat /hidden/f /later/f")
	oneCgroupLevel(e)
	root := ownRootfs(t, e)
	openUp(t, filepath.Dir(root))
	userns(e, 200000)
	// The mapped root cannot create mount points in this rootfs.
	for _, d := range []string{"hidden", "base", "later"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hidden := filepath.Join(t.TempDir(), "data")
	if err := os.Chmod(filepath.Dir(hidden), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(hidden, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hidden, "f"), []byte("hidden\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	shared := openDir(t)
	if err := os.MkdirAll(filepath.Join(shared, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "sub", "f"), []byte("later\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.spec.Mounts = append(e.spec.Mounts,
		specs.Mount{Destination: "/hidden", Type: "bind", Source: hidden, Options: []string{"bind", "ro"}},
		specs.Mount{Destination: "/base", Type: "bind", Source: shared, Options: []string{"bind"}},
		// Exists only once /base is mounted in the container.
		specs.Mount{Destination: "/later", Type: "bind", Source: filepath.Join(root, "base", "sub"), Options: []string{"bind"}},
	)
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "ub")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	if r.stdout != "hidden\nlater\n" {
		t.Errorf("output %q, want %q", r.stdout, "hidden\nlater\n")
	}
}

// TestMaskedPathsSharedTmpfsAsRunc: masked directories are all covered by
// one read-only tmpfs instance (runc 1.5.1 mounts it once and binds it on
// the others), a path listed twice is masked once, and a file is covered by
// /dev/null.
func TestMaskedPathsSharedTmpfsAsRunc(t *testing.T) {
	e := newEnv(t, "sh", "-c", "cat /proc/self/mountinfo; echo ---; cat /mf; ls -A /m1 /m2 /m3")
	root := ownRootfs(t, e)
	for _, d := range []string{"m1", "m2", "m3"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, d, "secret"), []byte("s"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "mf"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.spec.Linux.MaskedPaths = []string{"/m1", "/mf", "/m2", "/m1", "/mf", "/m3/", "/missing"}
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "mp")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	lines, rest := parseMountinfo(r.stdout)
	if strings.Contains(rest, "secret") || strings.Contains(rest, "s\n") {
		t.Errorf("masked content visible:\n%s", rest)
	}
	count := map[string]int{}
	devs := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(strings.SplitN(r.stdout, "---", 2)[0]), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		count[f[4]]++
		if f[4] == "/m1" || f[4] == "/m2" || f[4] == "/m3" {
			devs[f[2]] = true
		}
	}
	for _, p := range []string{"/m1", "/m2", "/m3", "/mf"} {
		if count[p] != 1 {
			t.Errorf("%s mounted %d times, want once", p, count[p])
		}
	}
	if len(devs) != 1 {
		t.Errorf("masked directories on %d tmpfs instances (%v), want one shared", len(devs), devs)
	}
	// runc 1.5.1's mask: ro,relatime tmpfs, ro,size=4k,nr_inodes=1.
	want := mountLine{opts: "ro,relatime", fstype: "tmpfs", root: "/", super: "ro,size=4k,nr_inodes=1"}
	for _, l := range lines {
		if l.point == "/m1" || l.point == "/m2" || l.point == "/m3" {
			if want.point = l.point; l != want {
				t.Errorf("mask %+v, want %+v", l, want)
			}
		}
	}
}
