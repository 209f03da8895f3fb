package integration

import (
	"fmt"
	"os"
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

// TestCreatedDeviceFollowsRules: a device the config creates (linux.devices)
// is as usable as linux.resources.devices says, nothing more: gorunc used
// to add an "rwm" rule for each, so Docker's `--device SRC:DST:r` was
// writable and a deny-all config left the node open (runc 1.1.5 and 1.5.1
// add no rule). Each case also runs on runc 1.5 when at hand.
func TestCreatedDeviceFollowsRules(t *testing.T) {
	// /dev/loop-control (10:237): in no default rule; opening it does
	// nothing (only its ioctls would).
	var st unix.Stat_t
	if err := unix.Stat("/dev/loop-control", &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		t.Skipf("needs /dev/loop-control on the host: %v", err)
	}
	major, minor := int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	denyAll := specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}
	allow := func(access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Minor: &minor, Access: access}
	}
	const script = `true 2>/dev/null </dev/xlc && echo read-ok || echo read-denied; ` +
		`true 2>/dev/null >/dev/xlc && echo write-ok || echo write-denied`
	bins := map[string]string{"gorunc": newEnvBin(t)}
	if ref, why := runc15(); ref != "" {
		bins["runc"] = ref
	} else {
		t.Log(why + ": gorunc only")
	}
	for _, c := range []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		want  string
	}{
		{"deny all", []specs.LinuxDeviceCgroup{denyAll}, "read-denied write-denied"},
		{"read only", []specs.LinuxDeviceCgroup{denyAll, allow("r")}, "read-ok write-denied"},
		{"read write", []specs.LinuxDeviceCgroup{denyAll, allow("rw")}, "read-ok write-ok"},
	} {
		for name, bin := range bins {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				e := newEnv(t, "sh", "-c", script)
				e.bin = bin
				mode := os.FileMode(0o600)
				e.spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/xlc", Type: "c", Major: major, Minor: minor, FileMode: &mode}}
				e.spec.Linux.Resources = &specs.LinuxResources{Devices: c.rules}
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "cdev")
				if r.code != 0 {
					t.Fatalf("run: exit %d: %s", r.code, r.stderr)
				}
				if got := strings.Join(strings.Fields(r.stdout), " "); got != c.want {
					t.Errorf("/dev/xlc: %q, want %q", got, c.want)
				}
			})
		}
	}
}
