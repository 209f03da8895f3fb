package integration

import (
	"fmt"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestDeviceCgroup: a deny-all config (what `gorunc spec` writes) still
// gets the default devices, and a host disk made with mknod cannot be read.
func TestDeviceCgroup(t *testing.T) {
	// A host block device that root can open here: /dev/loop0 (7:0).
	// (This sandbox refuses even the host's root the root disk itself,
	// so it could not show the difference the cgroup makes.)
	var st unix.Stat_t
	if err := unix.Stat("/dev/loop0", &st); err != nil {
		t.Skipf("needs /dev/loop0 on the host as a block device to open: %v", err)
	}
	script := fmt.Sprintf("echo x > /dev/null && echo null-ok; mknod /tmp/disk b %d %d && "+
		"(head -c1 /tmp/disk >/dev/null && echo disk-readable || echo disk-denied)", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	for _, c := range []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		want  string
	}{
		{"deny all", []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}, "disk-denied"},
		// The control: the same disk is readable when the config allows
		// it, so "denied" above is the cgroup's doing.
		{"allow all", []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}, "disk-readable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", script)
			e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
			e.spec.Linux.Resources = &specs.LinuxResources{Devices: c.rules}
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "dev")
			if r.code != 0 {
				t.Fatalf("run: exit %d: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "null-ok") {
				t.Errorf("/dev/null unusable: %q", r.stdout)
			}
			if !strings.Contains(r.stdout, c.want) {
				t.Errorf("root disk: %q, want %s", r.stdout, c.want)
			}
		})
	}
}
