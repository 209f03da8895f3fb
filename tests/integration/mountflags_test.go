package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// mountFlagsScript prints what the container sees of its mounts and of the
// tmpcopyup tmpfs: mountinfo, then every entry under /t/cu with its mode,
// owner, size and type, then a file's content.
const mountFlagsScript = `cat /proc/self/mountinfo; echo ---
find /t/cu | sort | while read f; do stat -c '%n %a %u:%g %s %F' "$f"; done
cat /t/cu/dir/f; echo; cat /t/curo/x /t/legacy/y`

// mountFlagsBundle is a container with one mount of each kind gorunc
// builds (filesystems with flags and atime modes, tmpcopyup, file and
// directory binds with flags, rbind with "ro" and with "rro", propagation,
// "remount") and an image directory for tmpcopyup to copy. A tmpfs over a
// directory of the image says its mode: runc 1.5.1 gives such a tmpfs the
// directory's mode when none is asked (TestTmpfsKeepsDirModeAsRunc).
func mountFlagsBundle(t *testing.T, bin string) *env {
	e := newEnv(t, "sh", "-c", mountFlagsScript)
	e.bin = bin
	// One level: runc removes only the leaf it made.
	e.spec.Linux.CgroupsPath = strings.ReplaceAll(e.spec.Linux.CgroupsPath, "/", "-")
	root := ownRootfs(t, e)
	cu := filepath.Join(root, "t", "cu")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(cu, "dir"), 0o755))
	must(os.WriteFile(filepath.Join(cu, "a"), []byte("A"), 0o640))
	must(os.Chown(filepath.Join(cu, "a"), 1000, 1001))
	must(os.WriteFile(filepath.Join(cu, "dir", "f"), []byte("copied up"), 0o755))
	must(os.Chmod(filepath.Join(cu, "dir", "f"), 0o755|os.ModeSetuid))
	must(os.Chmod(filepath.Join(cu, "dir"), 0o711))
	must(os.Symlink("a", filepath.Join(cu, "l")))
	for dir, file := range map[string]string{"curo": "x", "legacy": "y"} {
		must(os.MkdirAll(filepath.Join(root, "t", dir), 0o755))
		must(os.WriteFile(filepath.Join(root, "t", dir, file), []byte(dir+" copied\n"), 0o644))
	}
	src := t.TempDir()
	must(os.WriteFile(filepath.Join(src, "file"), []byte("bound"), 0o644))
	e.spec.Mounts = append(e.spec.Mounts,
		specs.Mount{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		specs.Mount{Destination: "/t/ro", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "nosuid", "nodev", "noexec", "mode=700", "size=1m"}},
		specs.Mount{Destination: "/t/noatime", Type: "tmpfs", Source: "tmpfs", Options: []string{"noatime", "private"}},
		specs.Mount{Destination: "/t/strict", Type: "tmpfs", Source: "tmpfs", Options: []string{"strictatime", "nodiratime", "shared"}},
		specs.Mount{Destination: "/t/cu", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=755", "tmpcopyup"}},
		// Read-only and tmpcopyup: filled, then made read-only.
		specs.Mount{Destination: "/t/curo", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "tmpcopyup", "mode=755"}},
		// "silent" is a flag only mount(2) takes: the fallback path.
		specs.Mount{Destination: "/t/legacy", Type: "tmpfs", Source: "tmpfs", Options: []string{"silent", "ro", "nosuid", "tmpcopyup", "rprivate", "mode=755"}},
		specs.Mount{Destination: "/t/bind", Type: "bind", Source: src, Options: []string{"bind", "ro", "nosuid", "nodev", "noexec", "rslave"}},
		specs.Mount{Destination: "/t/file", Type: "bind", Source: filepath.Join(src, "file"), Options: []string{"bind", "ro", "noatime"}},
		// The host's /dev has submounts (pts, shm, mqueue): rbind,ro
		// makes only the top read-only, rro all of them.
		specs.Mount{Destination: "/t/rbind", Type: "bind", Source: "/dev", Options: []string{"rbind", "ro", "nosuid"}},
		specs.Mount{Destination: "/t/rro", Type: "bind", Source: "/dev", Options: []string{"rbind", "rro", "rnoexec"}},
		// On a v1 or hybrid host: a tmpfs and a bind per hierarchy,
		// read-only at the end.
		specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		specs.Mount{Destination: "/t/again", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/t/again", Type: "tmpfs", Source: "tmpfs", Options: []string{"remount", "ro", "nosuid"}},
	)
	e.writeSpec()
	return e
}

// mountLine is one mountinfo line (proc(5)) without what differs between
// two runs of the same config: mount ids, device numbers, peer group ids.
type mountLine struct{ point, opts, optional, fstype, root, super string }

var (
	peerID = regexp.MustCompile(`:[0-9]+`)
	// testDir is a t.TempDir(): one per bundle, so different between runs.
	testDir = regexp.MustCompile(`^/tmp/[^/]+/[0-9]+`)
)

func parseMountinfo(out string) (lines []mountLine, rest string) {
	info, rest, _ := strings.Cut(out, "---\n")
	for _, l := range strings.Split(strings.TrimSpace(info), "\n") {
		pre, post, ok := strings.Cut(l, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 6 || len(g) < 3 {
			continue
		}
		lines = append(lines, mountLine{point: f[4], opts: f[5], optional: peerID.ReplaceAllString(strings.Join(f[6:], " "), ""),
			fstype: g[0], root: testDir.ReplaceAllString(f[3], "/tmp/T"), super: g[2]})
	}
	return lines, rest
}

// TestMountFlags: every kind of mount gets the flags it asks for, on the
// mount it asks for, now that mounts are built detached and flagged through
// their own descriptor. With RUNC_REF naming runc 1.5.1, the whole
// mountinfo and the tmpcopyup listing must equal runc's on the same bundle.
func TestMountFlags(t *testing.T) {
	run := func(bin string) ([]mountLine, string) {
		e := mountFlagsBundle(t, bin)
		r := e.run("run", "--bundle", e.bundle, "mf")
		if r.code != 0 {
			t.Fatalf("%s run: exit %d: %s", bin, r.code, r.stderr)
		}
		return parseMountinfo(r.stdout)
	}
	lines, copied := run(newEnvBin(t))
	at := map[string]mountLine{}
	for _, l := range lines {
		at[l.point] = l
	}
	checks := []struct {
		point, opts, fstype, super string // opts: comma-separated, each must be present
		not                        string // an option that must be absent
	}{
		{"/dev/mqueue", "rw,nosuid,nodev,noexec", "mqueue", "", ""},
		{"/t/ro", "ro,nosuid,nodev,noexec", "tmpfs", "rw", ""},
		{"/t/noatime", "rw,noatime", "tmpfs", "rw", "relatime"},
		{"/t/strict", "rw,nodiratime", "tmpfs", "", "relatime"},
		{"/t/cu", "rw,nosuid,nodev", "tmpfs", "mode=755", "noexec"},
		{"/t/bind", "ro,nosuid,nodev,noexec", "", "", ""},
		{"/t/file", "ro,noatime", "", "", ""},
		{"/t/rbind", "ro,nosuid", "", "", ""},
		{"/t/rbind/shm", "rw", "", "", ""},
		{"/t/rro", "ro,noexec", "", "", ""},
		{"/t/rro/shm", "ro,noexec", "", "", ""},
		{"/t/again", "ro,nosuid", "tmpfs", "rw", ""},
		{"/sys/fs/cgroup/memory", "ro,nosuid,nodev,noexec", "cgroup", "memory", ""},
		{"/t/curo", "ro", "tmpfs", "rw", ""},
		{"/t/legacy", "ro,nosuid", "tmpfs", "rw", ""},
	}
	for _, c := range checks {
		l, ok := at[c.point]
		if !ok {
			t.Errorf("%s: not mounted (mountinfo %+v)", c.point, lines)
			continue
		}
		opts := strings.Split(l.opts, ",")
		for _, want := range strings.Split(c.opts, ",") {
			if !slices.Contains(opts, want) {
				t.Errorf("%s: mount options %q lack %q", c.point, l.opts, want)
			}
		}
		if c.not != "" && slices.Contains(opts, c.not) {
			t.Errorf("%s: mount options %q have %q", c.point, l.opts, c.not)
		}
		if c.fstype != "" && l.fstype != c.fstype {
			t.Errorf("%s: type %q, want %q", c.point, l.fstype, c.fstype)
		}
		if c.super != "" && !slices.Contains(strings.Split(l.super, ","), c.super) {
			t.Errorf("%s: super options %q lack %q", c.point, l.super, c.super)
		}
	}
	if !strings.Contains(at["/t/strict"].optional, "shared") || strings.Contains(at["/t/noatime"].optional, "shared") {
		t.Errorf("propagation: /t/strict %q (want shared), /t/noatime %q (want private)", at["/t/strict"].optional, at["/t/noatime"].optional)
	}
	wantCopied := []string{
		"/t/cu 755 0:0 ", "/t/cu/a 640 1000:1001 1 regular file", "/t/cu/dir 711 0:0 ",
		"/t/cu/dir/f 4755 0:0 9 regular file", "/t/cu/l 777 0:0 1 symbolic link", "copied up\ncuro copied\nlegacy copied\n",
	}
	for _, w := range wantCopied {
		if !strings.Contains(copied, w) {
			t.Errorf("tmpcopyup listing lacks %q:\n%s", w, copied)
		}
	}
	ref := os.Getenv("RUNC_REF")
	if ref == "" {
		return
	}
	refLines, refCopied := run(ref)
	// Not compared: maskedPaths and readonlyPaths (gorunc applies them
	// in another order, and /proc/sys gets nosuid,nodev,noexec where
	// runc's keeps only ro: rootfs/paths.go), and what is under
	// /sys/fs/cgroup (runc 1.5.1 leaves the tmpfs read-write, binds its
	// own name=systemd cgroup and no "unified": the cgroup drivers).
	lines, refLines = withoutOthers(lines), withoutOthers(refLines)
	if copied != refCopied {
		t.Errorf("tmpcopyup listing differs from %s:\ngorunc:\n%s\nrunc:\n%s", ref, copied, refCopied)
	}
	n := max(len(lines), len(refLines))
	for i := 0; i < n; i++ {
		var g, w mountLine
		if i < len(lines) {
			g = lines[i]
		}
		if i < len(refLines) {
			w = refLines[i]
		}
		if g != w {
			t.Errorf("mountinfo line %d: gorunc %+v, runc %+v", i, g, w)
		}
	}
}

func withoutOthers(lines []mountLine) []mountLine {
	var out []mountLine
	for _, l := range lines {
		if !strings.HasPrefix(l.point, "/proc/") && !strings.HasPrefix(l.point, "/sys/fs/cgroup") {
			out = append(out, l)
		}
	}
	return out
}
