package integration

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestRootlessSystemdWithoutSystemd: an unprivileged user's
// `--systemd-cgroup run` asks the user's own systemd (runc 1.5's rootless
// systemd driver). On a host not booted with systemd (this one) it fails
// as runc 1.5.1 fails, in its words, before any bus is looked for, with or
// without a session bus address, and leaves no state. The user's systemd
// itself is exercised in the systemd VM tier (55-rootless-systemd.sh).
func TestRootlessSystemdWithoutSystemd(t *testing.T) {
	if fi, err := os.Stat("/run/systemd/system"); err == nil && fi.IsDir() {
		t.Skip("this host runs systemd: the error path needs a host without it (the VM tier covers the driver)")
	}
	const want = "systemd not running on this host, cannot use systemd cgroups manager"
	u := newRootlessUser(t)
	cases := []struct {
		name        string
		cgroupsPath string
		env         []string
	}{
		{"default path", "", nil},
		{"user.slice", "user.slice:gorunc-it:x", nil},
		{"no XDG_RUNTIME_DIR", "", []string{"XDG_RUNTIME_DIR="}},
		{"a session bus address", "", []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]string{}
			for _, rt := range u.runtimes() {
				u.spec(rt, func(s *specs.Spec) {
					s.Linux.CgroupsPath = c.cgroupsPath
					s.Linux.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(10)}}
				})
				args := []string{"--systemd-cgroup", "run", "sdu"}
				if len(c.env) > 0 && c.env[0] == "XDG_RUNTIME_DIR=" {
					// No XDG root either: a --root the user owns.
					args = append([]string{"--root", u.stateDir(rt)}, args...)
				}
				r := u.run(rt, u.env(c.env...), args...)
				if r.code == 0 {
					t.Fatalf("%s --systemd-cgroup run succeeded on a host without systemd", rt)
				}
				if rt == "gorunc" {
					assertOneLineError(t, r, want)
				}
				got[rt] = runcMessage(r.stderr)
				if left, _ := os.ReadDir(u.stateDir(rt)); len(left) > 0 {
					t.Errorf("%s left state behind: %v", rt, left)
				}
			}
			if got["gorunc"] != want {
				t.Errorf("gorunc says %q, want %q", got["gorunc"], want)
			}
			if r, ok := got["runc"]; ok && r != "runc run failed: "+want {
				t.Errorf("runc 1.5 says %q; gorunc %q", r, got["gorunc"])
			}
		})
	}
}
