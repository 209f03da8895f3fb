package rootfs

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorunc/gorunc/cgroup"
)

// TestHostHierarchiesDotDotName: a cgroup whose name starts with two
// dots ("..data") is inside its hierarchy. The cgroup mount's source
// lookup took any path relative to the mount's root that started with
// ".." for one outside it, and left that hierarchy out of the container's
// /sys/fs/cgroup (fails before internal/relpath). Lexical only: the
// cgroups need not exist.
func TestHostHierarchiesDotDotName(t *testing.T) {
	own, err := cgroup.OwnHierarchies()
	if err != nil {
		t.Skipf("own cgroups: %v", err)
	}
	base, err := hostHierarchiesOf(own)
	if err != nil || len(base) == 0 {
		t.Skipf("no cgroup hierarchy mounted under %s here (%v)", hostCgroupRoot, err)
	}
	moved := map[string]string{}
	for k, p := range own {
		moved[k] = filepath.Join(p, "..data", "c")
	}
	got, err := hostHierarchiesOf(moved)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(base) {
		t.Fatalf("with every cgroup under a \"..data\" directory: %d hierarchies, want the %d of the process's own cgroups", len(got), len(base))
	}
	for i, h := range got {
		if want := filepath.Join(base[i].source, "..data", "c"); h.source != want || !strings.HasPrefix(h.source, filepath.Join(hostCgroupRoot, h.name)) {
			t.Errorf("%s: source %s, want %s", h.name, h.source, want)
		}
	}
}
