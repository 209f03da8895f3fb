package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ownCgroupDirs lists the cgroup directories named name under this
// process's own cgroup in the v1 hierarchies (where a relative cgroupsPath
// puts them), as noCgroup looks for them.
func ownCgroupDirs(t *testing.T, name string) []string {
	t.Helper()
	var dirs []string
	for _, h := range v1Hierarchies(t) {
		if dir := filepath.Join(h.own, name); exists(dir) {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

// TestDeleteWithoutStateAsRunc: when a container's state directory is gone
// but its cgroup is still there, delete answers as runc 1.5.1 does (its
// delete.go: a missing state is ErrNotExist; --force turns that into
// success): plain delete fails with "container does not exist", delete
// --force succeeds, and neither touches the cgroup, since without the
// state nothing says which cgroup was the container's (guessing one from
// the id could remove someone else's). Compared by experiment with
// runc-1.5.1 (create, rm -rf <root>/<id>, delete; delete --force): exit 1
// with "container does not exist", then exit 0, cgroup and init left.
// gorunc already behaved so: this test guards the contract.
func TestDeleteWithoutStateAsRunc(t *testing.T) {
	e := newEnv(t, "true")
	// One level, so that removing the leaf is all the cleanup needed.
	name := strings.ReplaceAll(e.spec.Linux.CgroupsPath, "/", "-")
	e.spec.Linux.CgroupsPath = name
	e.writeSpec()
	e.must("create", "--bundle", e.bundle, "nostate")
	e.must("start", "nostate")
	e.waitStatus("nostate", "stopped")
	dirs := ownCgroupDirs(t, name)
	if len(dirs) == 0 {
		t.Skip("the runtime made no v1 cgroup directory here to leave behind")
	}
	t.Cleanup(func() {
		for _, d := range dirs {
			if err := os.Remove(d); err != nil && !os.IsNotExist(err) {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	if err := os.RemoveAll(filepath.Join(e.root, "nostate")); err != nil {
		t.Fatal(err)
	}

	r := e.run("delete", "nostate")
	if r.code == 0 || !strings.Contains(r.stderr, "container does not exist") {
		t.Errorf("delete without state: exit %d, stderr %q; want failure with \"container does not exist\"", r.code, r.stderr)
	}
	r = e.run("delete", "--force", "nostate")
	if r.code != 0 {
		t.Errorf("delete --force without state: exit %d, stderr %q; want success", r.code, r.stderr)
	}
	if left := ownCgroupDirs(t, name); len(left) != len(dirs) {
		t.Errorf("delete without state touched the cgroup: %d of %v left", len(left), dirs)
	}
}

// TestRelativeMountDestinationAsRunc: a relative mount destination is
// accepted, resolved against the container's "/", with runc's deprecation
// warning on stderr and exit 0. runc 1.5.1 on the same bundle mounts the
// tmpfs on /tmp and logs "mount destination tmp is not absolute. Support for
// non-absolute mount destinations will be removed in a future release."
// (and a second warning quoting its internal mount struct). gorunc refused
// the config before ("mounts[4].destination \"tmp\" is not absolute").
func TestRelativeMountDestinationAsRunc(t *testing.T) {
	e := newEnv(t, "sh", "-c", `grep " /tmp " /proc/self/mountinfo | cut -d" " -f5,9`)
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "tmp", Type: "tmpfs", Source: "tmpfs"})
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "reldest")
	if r.code != 0 {
		t.Fatalf("run: exit %d, stderr %q", r.code, r.stderr)
	}
	const warning = "mount destination tmp is not absolute. Support for non-absolute mount destinations will be removed in a future release."
	if !strings.Contains(r.stderr, warning) {
		t.Errorf("stderr %q lacks runc's warning %q", r.stderr, warning)
	}
	if strings.TrimSpace(r.stdout) != "/tmp tmpfs" {
		t.Errorf("mounts at /tmp: %q, want the tmpfs", r.stdout)
	}
}
