package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestSystemdCgroupWithoutSystemd: on a host not booted with systemd (this
// one), `--systemd-cgroup run` fails as runc 1.5 fails, with its words and
// in its order (annotations, then the cgroupsPath form, then systemd),
// and leaves nothing: no state, no cgroup. Commands that need no cgroup
// still work with the flag. The driver itself runs in the systemd VM tier
// (tests/vm-systemd).
func TestSystemdCgroupWithoutSystemd(t *testing.T) {
	if fi, err := os.Stat("/run/systemd/system"); err == nil && fi.IsDir() {
		t.Skip("this host runs systemd: the error path needs a host without it (the VM tier covers the driver)")
	}
	cases := []struct {
		name        string
		cgroupsPath string
		annotations map[string]string
		want        string
	}{
		{"default path", "", nil, "systemd not running on this host, cannot use systemd cgroups manager"},
		{"slice:prefix:name", "system.slice:gorunc-it:sd1", nil, "systemd not running on this host, cannot use systemd cgroups manager"},
		{"path not slice:prefix:name", "gorunc-it/sd", nil,
			`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "gorunc-it/sd" instead`},
		{"annotation name", "bad", map[string]string{"org.systemd.property.Ab": "true"},
			"annotation org.systemd.property.Ab name incorrect: too short"},
		{"annotation value", "", map[string]string{"org.systemd.property.TimeoutStopSec": "what"},
			`annotation org.systemd.property.TimeoutStopSec=what value parse error: unrecognized type "what"`},
	}
	runc, why := runc15()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]string{}
			bins := map[string]string{"gorunc": os.Getenv("GORUNC")}
			if runc != "" {
				bins["runc-1.5"] = runc
			}
			for name, bin := range bins {
				t.Run(name, func(t *testing.T) {
					e := newEnv(t)
					e.bin = bin
					e.spec.Linux.CgroupsPath = c.cgroupsPath
					e.spec.Annotations = c.annotations
					e.writeSpec()
					r := e.run("--systemd-cgroup", "run", "--bundle", e.bundle, "sd1")
					if r.code == 0 {
						t.Fatalf("--systemd-cgroup run succeeded on a host without systemd")
					}
					if name == "gorunc" {
						assertOneLineError(t, r, c.want)
					}
					got[name] = runcMessage(r.stderr)
					if left, _ := os.ReadDir(e.root); len(left) > 0 {
						t.Errorf("state left behind: %v", left)
					}
					for _, h := range hostHierarchies(t) {
						for _, dir := range []string{filepath.Join(h.own, e.cgroupsPath), "/sys/fs/cgroup/" + h.ctrl + "/system.slice"} {
							if _, err := os.Stat(dir); err == nil && name == "gorunc" {
								t.Errorf("cgroup %s made", dir)
							}
						}
					}
				})
			}
			if got["gorunc"] != c.want {
				t.Errorf("gorunc says %q, want %q", got["gorunc"], c.want)
			}
			if runc == "" {
				t.Logf("runc half skipped: %s", why)
			} else if got["runc-1.5"] != "runc run failed: "+c.want {
				t.Errorf("runc 1.5 says %q; gorunc %q", got["runc-1.5"], got["gorunc"])
			}
		})
	}
	t.Run("commands without a cgroup", func(t *testing.T) {
		e := newEnv(t)
		e.must("--systemd-cgroup", "list")
		var f struct {
			Linux struct {
				Cgroup struct {
					Systemd     *bool `json:"systemd"`
					SystemdUser *bool `json:"systemdUser"`
				} `json:"cgroup"`
			} `json:"linux"`
		}
		if err := json.Unmarshal([]byte(e.must("--systemd-cgroup", "features")), &f); err != nil {
			t.Fatal(err)
		}
		// The driver exists (even where this host cannot use it, as runc
		// reports it), for systemd user instances (rootless) too.
		if cg := f.Linux.Cgroup; cg.Systemd == nil || !*cg.Systemd || cg.SystemdUser == nil || !*cg.SystemdUser {
			t.Errorf("features: linux.cgroup systemd %v, systemdUser %v; want true, true", cg.Systemd, cg.SystemdUser)
		}
	})
}
