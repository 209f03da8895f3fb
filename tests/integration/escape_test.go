package integration

// Escapes: regression tests for the container-runtime CVEs of the field.
// CVE-2019-5736 (the host binary through /proc/self/exe) is in
// exec_cve_test.go and lifecycle_test.go (TestInitRunsFromReadOnlyBinary),
// the host /dev/null (runc 1.1.5's chown) in TestDevNullUntouched, those
// through /dev/null, /dev/console and /proc names (CVE-2025-31133,
// CVE-2025-52565, CVE-2025-52881) in escape_paths_test.go.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultCaps is runc's default capability set: no CAP_SYS_ADMIN.
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

func withDefaultCaps(e *env) {
	e.spec.Process.Capabilities = &specs.LinuxCapabilities{
		Bounding: defaultCaps, Effective: defaultCaps, Permitted: defaultCaps,
	}
}

// ownRootfs copies the shared busybox rootfs into a directory of the test,
// for tests that change it (the shared one must stay as it is).
func ownRootfs(t *testing.T, e *env) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "rootfs")
	if out, err := exec.Command("cp", "-a", e.spec.Root.Path, dst).CombinedOutput(); err != nil {
		t.Fatalf("copy rootfs: %v: %s", err, out)
	}
	e.spec.Root.Path = dst
	return dst
}

// TestEscapeCwdProcSelfFd (CVE-2024-21626): process.cwd /proc/self/fd/N
// names whatever init has open at N; with a host directory leaked there
// (runc's cgroup dir) the process started outside the rootfs. Either create
// refuses, or the cwd is inside the rootfs: climbing ".." from it reaches
// the container's own "/" (from outside the root it would reach the host's).
func TestEscapeCwdProcSelfFd(t *testing.T) {
	// "/tmp" is the control: it runs, so the checks below are shown to
	// work on a cwd that is allowed.
	cwds := []string{"/tmp"}
	for n := 3; n <= 10; n++ {
		cwds = append(cwds, "/proc/self/fd/"+itoa(n))
	}
	for i, cwd := range cwds {
		t.Run(filepath.Base(cwd), func(t *testing.T) {
			e := newEnv(t, "sh", "-c",
				`for i in $(seq 64); do cd -P .. 2>/dev/null; done; stat -c %d:%i . /; ls /proc/self/fd | tr '\n' ' '`)
			e.spec.Process.Cwd = cwd
			n := i
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "cwd"+itoa(n))
			if r.code != 0 {
				// Refused: one clear line naming process.cwd.
				assertOneLineError(t, r, "process.cwd")
				return
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 3 || lines[0] != lines[1] {
				t.Fatalf("cwd %s: climbing .. did not reach the container's root (outside the rootfs?): %q", e.spec.Process.Cwd, r.stdout)
			}
			// No host fd (state dir, cgroup dir, sync socket) in the
			// container process: 0-2, and 3 is ls's own directory.
			for _, fd := range strings.Fields(lines[2]) {
				if fd != "0" && fd != "1" && fd != "2" && fd != "3" {
					t.Errorf("fd %s open in the container process: %q", fd, lines[2])
				}
			}
		})
	}
}

// TestEscapeMountSymlink (CVE-2021-30465 class): a mount destination
// under a symlink in the rootfs that points to "/", up with "../../..", or
// at a host path is resolved inside the rootfs: the mount lands there and
// nothing is made or mounted on the host.
func TestEscapeMountSymlink(t *testing.T) {
	e := newEnv(t, "cat", "/proc/self/mountinfo")
	root := ownRootfs(t, e)
	hostDir := t.TempDir() // on the host: must stay empty
	links := map[string]string{
		"evil-root":   "/",
		"evil-up":     "../../..",
		"evil-upup":   "../../../../../../../../../..",
		"evil-host":   hostDir,
		"evil-hostup": "../../../../../../../.." + hostDir,
	}
	// want: the destination's place inside the container after resolution.
	want := map[string]string{
		"/evil-root/landed-root":     "/landed-root",
		"/evil-up/landed-up":         "/landed-up",
		"/evil-upup/landed-upup":     "/landed-upup",
		"/evil-host/landed-host":     hostDir + "/landed-host",
		"/evil-hostup/landed-hostup": hostDir + "/landed-hostup",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	for dst := range want {
		e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs", Options: []string{"size=64k"}})
	}
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "msym")
	defer func() {
		for _, d := range []string{"/landed-root", "/landed-up", "/landed-upup"} {
			if _, err := os.Lstat(d); err == nil {
				t.Errorf("host %s was made by the container's mounts", d)
				os.Remove(d) // a test removes what it made
			}
		}
		if ents, _ := os.ReadDir(hostDir); len(ents) > 0 {
			t.Errorf("host directory %s written through a symlink in the rootfs: %v", hostDir, ents)
		}
	}()
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	mountpoints := mountPoints(r.stdout)
	for dst, at := range want {
		if !mountpoints[at] {
			t.Errorf("mount %s: not at %s inside the container; mount points: %v", dst, at, mountpoints)
		}
		if _, err := os.Stat(filepath.Join(root, at)); err != nil {
			t.Errorf("mount %s: %s not made in the rootfs: %v", dst, at, err)
		}
	}
}

// TestEscapeNoSysAdmin: a container without CAP_SYS_ADMIN cannot unmount
// maskedPaths or readonlyPaths to reach what they cover, cannot remount a
// read-only / read-write, and cannot write to /sys/fs/cgroup.
func TestEscapeNoSysAdmin(t *testing.T) {
	script := `
t() { "$@" >/dev/null 2>&1 && echo "ESCAPE: $*" || echo "denied: $*"; }
t umount /proc/kcore
t umount -l /proc/kcore
t umount /proc/sys
t umount -l /proc/sys
t mount -o remount,rw /
t mount -o remount,rw /proc/sys
t mount -o remount,rw /sys/fs/cgroup
t touch /rootfs-write
t sh -c 'echo 1 > /proc/sys/kernel/sysrq'
t mkdir /sys/fs/cgroup/escape
t mkdir /sys/fs/cgroup/memory/escape
t sh -c 'echo 1 > /sys/fs/cgroup/memory/cgroup.procs'
test -e /proc/kcore && echo kcore=$(wc -c </proc/kcore) || echo kcore=0 # absent without CONFIG_PROC_KCORE
echo keys=$(wc -c </proc/keys)
`
	e := newEnv(t, "sh", "-c", script)
	withDefaultCaps(e)
	e.spec.Root.Readonly = true
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
		Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}})
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "nosa")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasPrefix(l, "ESCAPE") {
			t.Error(l)
		}
	}
	for _, want := range []string{"kcore=0", "keys=0"} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("masked path readable after the unmount attempts: want %s in\n%s", want, r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "denied: "); n != 12 {
		t.Errorf("%d of 12 attempts reported:\n%s", n, r.stdout)
	}
}

// mountPoints are the mount points (field 5) of a mountinfo listing.
func mountPoints(mountinfo string) map[string]bool {
	points := map[string]bool{}
	for _, l := range strings.Split(mountinfo, "\n") {
		if f := strings.Fields(l); len(f) > 4 {
			points[f[4]] = true
		}
	}
	return points
}
