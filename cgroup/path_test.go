package cgroup

import (
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

func TestResolvePath(t *testing.T) {
	tests := []struct {
		name, cgroupsPath, id, own string
		version                    int
		want, wantErr              string
	}{
		{name: "v2 absolute", cgroupsPath: "/my-containers/c1", own: "/user.slice/s1", version: 2, want: "/my-containers/c1"},
		{name: "v1 absolute", cgroupsPath: "/my-containers/c1", own: "/process_api/x", version: 1, want: "/my-containers/c1"},
		{name: "v2 relative goes under the parent of own", cgroupsPath: "pods/c1", own: "/user.slice/s1", version: 2, want: "/user.slice/pods/c1"},
		{name: "v1 relative goes under own", cgroupsPath: "pods/c1", own: "/process_api/x", version: 1, want: "/process_api/x/pods/c1"},
		{name: "v2 empty uses name under the parent of own", id: "ctr", own: "/a/b", version: 2, want: "/a/ctr"},
		{name: "v1 empty uses name under own", id: "ctr", own: "/a/b", version: 1, want: "/a/b/ctr"},
		{name: "v2 own is root", cgroupsPath: "c1", own: "/", version: 2, want: "/c1"},
		{name: "v1 own is root", cgroupsPath: "c1", own: "/", version: 1, want: "/c1"},
		{name: "absolute is cleaned", cgroupsPath: "/a//b/", own: "/", version: 2, want: "/a/b"},
		{name: "dotdot rejected", cgroupsPath: "a/../../b", own: "/", version: 2, wantErr: `linux.cgroupsPath: "a/../../b" must not contain ".."`},
		{name: "dotdot absolute rejected", cgroupsPath: "/../etc", own: "/", version: 1, wantErr: `linux.cgroupsPath: "/../etc" must not contain ".."`},
		{name: "empty path and name", own: "/", version: 2, wantErr: `linux.cgroupsPath is empty and the default name "" is not a single path element`},
		{name: "empty path and name with slash", id: "a/b", own: "/", version: 2, wantErr: `linux.cgroupsPath is empty and the default name "a/b" is not a single path element`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolvePath(tt.cgroupsPath, tt.id, tt.own, tt.version)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ResolvePath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseProcCgroup(t *testing.T) {
	in := "9:name=systemd:/\n4:memory:/process_api/f3\n2:cpu,cpuacct:/x\n0::/user.slice\n"
	own, err := parseProcCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"name=systemd": "/", "memory": "/process_api/f3", "cpu": "/x", "cpuacct": "/x", "": "/user.slice"}
	for k, v := range want {
		if own[k] != v {
			t.Errorf("own[%q] = %q, want %q", k, own[k], v)
		}
	}
	if _, err := parseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Error("a malformed line was accepted")
	}
}

func TestParseLayout(t *testing.T) {
	hybrid := []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", FSType: "cgroup", Root: "/", VFSOptions: "rw,cpu,cpuacct"},
		{Mountpoint: "/sys/fs/cgroup/memory", FSType: "cgroup", Root: "/", VFSOptions: "rw,memory"},
		{Mountpoint: "/sys/fs/cgroup/systemd", FSType: "cgroup", Root: "/", VFSOptions: "rw,name=systemd"},
		{Mountpoint: "/sys/fs/cgroup/unified", FSType: "cgroup2", Root: "/", VFSOptions: "rw"},
	}
	l, err := parseLayout(hybrid)
	if err != nil {
		t.Fatal(err)
	}
	if l.Version != 1 || l.V1["cpuacct"].Mountpoint != "/sys/fs/cgroup/cpu,cpuacct" || l.V1["memory"].Mountpoint != "/sys/fs/cgroup/memory" {
		t.Errorf("hybrid layout = %+v", l)
	}
	if _, ok := l.V1["name=systemd"]; ok {
		t.Error("name=systemd must not be managed")
	}
	if l.Unified == nil || l.Unified.Mountpoint != "/sys/fs/cgroup/unified" {
		t.Errorf("hybrid layout: the cgroup2 hierarchy at /sys/fs/cgroup/unified is not taken: %+v", l.Unified)
	}
	unified := []*mountinfo.Info{{Mountpoint: "/sys/fs/cgroup", FSType: "cgroup2", Root: "/"}}
	if l, err := parseLayout(unified); err != nil || l.Version != 2 || l.V2Root != "/sys/fs/cgroup" || l.Unified != nil {
		t.Errorf("unified layout = %+v, %v", l, err)
	}
	if _, err := parseLayout(nil); err == nil {
		t.Error("no mounts: want an error")
	}
}

func TestV1Dir(t *testing.T) {
	tests := []struct {
		mnt     v1Mount
		p, want string
		wantErr bool
	}{
		{v1Mount{"/sys/fs/cgroup/memory", "/"}, "/a/b", "/sys/fs/cgroup/memory/a/b", false},
		{v1Mount{"/sys/fs/cgroup/memory", "/docker/x"}, "/docker/x/c", "/sys/fs/cgroup/memory/c", false},
		{v1Mount{"/sys/fs/cgroup/memory", "/docker/x"}, "/other", "", true},
	}
	for _, tt := range tests {
		got, err := v1Dir(tt.mnt, tt.p)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("v1Dir(%v, %q) = %q, %v; want %q (error %v)", tt.mnt, tt.p, got, err, tt.want, tt.wantErr)
		}
	}
}
