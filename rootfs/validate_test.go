package rootfs

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	ok := func(c *Config) {}
	idm := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"minimal ok", ok, ""},
		{"rootfs not a directory", func(c *Config) { c.Rootfs = file }, "root.path " + file + ": not a directory"},
		{"rootfs missing", func(c *Config) { c.Rootfs = missing }, "root.path " + missing + ": no such file or directory"},
		{"rootfs relative", func(c *Config) { c.Rootfs = "rootfs" }, `root.path "rootfs" is not absolute`},
		{"relative destination", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/a"}, {Destination: "/b"}, {Destination: "/c"}, {Destination: "foo"}}
		}, `mounts[3].destination "foo" is not absolute`},
		{"unknown mount option is fine", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Type: "tmpfs", Options: []string{"frobnicate"}}}
		}, ""},
		{"idmapped bind", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Source: "/s", Options: []string{"rbind", "ridmap"}, UIDMappings: idm, GIDMappings: idm}}
		}, ""},
		{"idmapped tmpfs", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Type: "tmpfs", UIDMappings: idm, GIDMappings: idm}}
		}, "invalid mount mounts[0] (tmpfs on /x): id-mapped mounts are only supported for bind-mounts"},
		{"idmap option on tmpfs", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Type: "tmpfs", Options: []string{"idmap"}}}
		}, "invalid mount mounts[0] (tmpfs on /x): id-mapped mounts are only supported for bind-mounts"},
		{"gid mappings missing", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Type: "bind", UIDMappings: idm}}
		}, "invalid mount mounts[0] (bind on /x): id-mapped mounts must have both uid and gid mappings specified"},
		{"idmap without a user namespace", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Options: []string{"bind", "idmap"}}}
		}, "invalid mount mounts[0] (bind on /x): id-mapped mounts must have both uid and gid mappings specified"},
		{"idmap takes the container's mappings", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Options: []string{"bind", "idmap"}}}
			c.UserNS = &UserNS{UIDMappings: idm, GIDMappings: idm}
		}, ""},
		{"idmap takes a joined user namespace", func(c *Config) {
			c.Mounts = []specs.Mount{{Destination: "/x", Options: []string{"bind", "ridmap"}}}
			c.UserNS = &UserNS{Path: "/proc/1/ns/user"}
		}, ""},
		{"every propagation value", func(c *Config) { c.Propagation = "runbindable" }, ""},
		{"unknown propagation", func(c *Config) { c.Propagation = "sharedish" },
			`linux.rootfsPropagation "sharedish" is not one of shared, slave, private, unbindable (or r-prefixed)`},
		{"private without pivot", func(c *Config) { c.Propagation = "rprivate"; c.NoPivot = true },
			`linux.rootfsPropagation "rprivate" is not safe without pivot_root`},
		{"slave without pivot", func(c *Config) { c.Propagation = "rslave"; c.NoPivot = true }, ""},
		{"device types", func(c *Config) {
			c.Devices = []specs.LinuxDevice{{Path: "/dev/a", Type: "c"}, {Path: "/dev/b", Type: "b"}, {Path: "/dev/c", Type: "u"}, {Path: "/dev/d", Type: "p"}}
		}, ""},
		{"bad device type", func(c *Config) {
			c.Devices = []specs.LinuxDevice{{Path: "/dev/a", Type: "c"}, {Path: "/dev/b", Type: "x"}}
		}, `linux.devices[1].type "x" must be one of c, b, u, p`},
		{"relative device path", func(c *Config) { c.Devices = []specs.LinuxDevice{{Path: "dev/a", Type: "c"}} },
			`linux.devices[0].path "dev/a" is not absolute`},
		{"device at root", func(c *Config) { c.Devices = []specs.LinuxDevice{{Path: "/", Type: "c"}} },
			`linux.devices[0].path "/" is the root`},
		{"relative masked path", func(c *Config) { c.MaskedPaths = []string{"/proc/kcore", "proc/x"} },
			`linux.maskedPaths[1] "proc/x" is not absolute`},
		{"relative readonly path", func(c *Config) { c.ReadonlyPaths = []string{"sys"} },
			`linux.readonlyPaths[0] "sys" is not absolute`},
		{"masks without a mount namespace", func(c *Config) { c.HostMountNS = true; c.MaskedPaths = []string{"/proc/kcore"} },
			"unable to restrict sys entries without a private MNT namespace"},
		{"read-only paths without a mount namespace", func(c *Config) { c.HostMountNS = true; c.ReadonlyPaths = []string{"/proc/sys"} },
			"unable to restrict sys entries without a private MNT namespace"},
		{"no mount namespace, nothing to restrict", func(c *Config) { c.HostMountNS = true }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{Rootfs: dir}
			tt.mutate(c)
			err := Validate(c)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("Validate created files in %s: %v %v", dir, entries, err)
	}
}

func TestNeedsDevSetup(t *testing.T) {
	tests := []struct {
		name   string
		mounts []specs.Mount
		want   bool
	}{
		{"no /dev mount", nil, true},
		{"tmpfs /dev", []specs.Mount{{Destination: "/dev", Type: "tmpfs"}}, true},
		{"bind type /dev", []specs.Mount{{Destination: "/dev", Type: "bind", Source: "/dev"}}, false},
		{"rbind option /dev/", []specs.Mount{{Destination: "/dev/", Type: "none", Source: "/dev", Options: []string{"rbind"}}}, false},
		{"bind below /dev", []specs.Mount{{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm"}}, true},
	}
	for _, tt := range tests {
		if got := needsDevSetup(tt.mounts); got != tt.want {
			t.Errorf("%s: needsDevSetup = %v, want %v", tt.name, got, tt.want)
		}
	}
}
