package systemd

import (
	"fmt"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	runcFormat := "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups"
	tests := []struct {
		path, id string
		user     bool   // the user's systemd (rootless)
		unit     string // "" when an error is expected
		cgroup   string
		err      string
	}{
		{path: "", id: "abc", unit: "gorunc-abc.scope", cgroup: "/system.slice/gorunc-abc.scope"},
		{path: "system.slice:docker:1234", unit: "docker-1234.scope", cgroup: "/system.slice/docker-1234.scope"},
		{path: "kubepods-besteffort-pod12.slice:cri-containerd:c1", unit: "cri-containerd-c1.scope",
			cgroup: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-c1.scope"},
		{path: "machine.slice:libpod:f00", unit: "libpod-f00.scope", cgroup: "/machine.slice/libpod-f00.scope"},
		// An empty slice is the default slice, as runc.
		{path: ":runc:x", unit: "runc-x.scope", cgroup: "/system.slice/runc-x.scope"},
		// The user's systemd defaults to user.slice, as runc (relative
		// to the manager's own cgroup, which the driver adds).
		{path: "", id: "u", user: true, unit: "gorunc-u.scope", cgroup: "/user.slice/gorunc-u.scope"},
		{path: ":runc:x", user: true, unit: "runc-x.scope", cgroup: "/user.slice/runc-x.scope"},
		{path: "system.slice:runc:y", user: true, unit: "runc-y.scope", cgroup: "/system.slice/runc-y.scope"},
		// A name that is a slice makes that slice, in the given parent's
		// place by its own name's dashes.
		{path: "system.slice:any:test-sub.slice", unit: "test-sub.slice", cgroup: "/system.slice/test-sub.slice"},
		{path: "-.slice:p:n", unit: "p-n.scope", cgroup: "/p-n.scope"},
		{path: "bad", err: runcFormat + ", got \"bad\" instead"},
		{path: "/abs/path", err: runcFormat},
		{path: "a:b", err: runcFormat},
		{path: "a.slice:b:c:d", err: runcFormat},
		{path: "system.slice:p:", err: "the name (third field) is empty"},
		{path: "system.slice:p:a/b", err: "cannot contain \"/\""},
		{path: "system:p:n", err: "invalid slice name: system"},
		{path: "a--b.slice:p:n", err: "invalid slice name: a--b.slice"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/user=%v", tt.path, tt.user), func(t *testing.T) {
			p, err := ParsePath(tt.path, tt.id, tt.user)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParsePath(%q) = %+v, %v; want error containing %q", tt.path, p, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Unit(); got != tt.unit {
				t.Errorf("unit %q, want %q", got, tt.unit)
			}
			cg, err := p.CgroupPath()
			if err != nil || cg != tt.cgroup {
				t.Errorf("cgroup %q (%v), want %q", cg, err, tt.cgroup)
			}
		})
	}
}

// The cases of runc's TestExpandSlice (opencontainers/cgroups), with the
// answers systemd's own unit_name_to_path gives.
func TestExpandSlice(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-.slice", "/"},
		{"system.slice", "/system.slice"},
		{"a-b.slice", "/a.slice/a-b.slice"},
		{"test-a-b.slice", "/test.slice/test-a.slice/test-a-b.slice"},
		{"a-b-c-d.slice", "/a.slice/a-b.slice/a-b-c.slice/a-b-c-d.slice"},
		{"slice", ""},
		{".slice", ""},
		{"-test.slice", ""},
		{"test-.slice", ""},
		{"test--a.slice", ""},
		{"test.slice/x.slice", ""},
		{"system.scope", ""},
	}
	for _, tt := range tests {
		got, err := ExpandSlice(tt.in)
		if tt.want == "" {
			if err == nil || err.Error() != "invalid slice name: "+tt.in {
				t.Errorf("ExpandSlice(%q) = %q, %v; want runc's \"invalid slice name\" error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ExpandSlice(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
