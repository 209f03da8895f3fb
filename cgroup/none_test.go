package cgroup

import (
	"errors"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestNeedsCgroup(t *testing.T) {
	limit := int64(1 << 20)
	for _, tc := range []struct {
		name string
		r    *specs.LinuxResources
		want bool
	}{
		{"nil", nil, false},
		{"empty", &specs.LinuxResources{}, false},
		{"devices only", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}, false},
		{"empty unified map", &specs.LinuxResources{Unified: map[string]string{}}, false},
		{"memory", &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}, true},
		{"pids", &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}, true},
		{"unified", &specs.LinuxResources{Unified: map[string]string{"pids.max": "5"}}, true},
	} {
		if got := NeedsCgroup(tc.r); got != tc.want {
			t.Errorf("%s: NeedsCgroup = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestNone: the manager of a container without a cgroup refuses what
// needs one in runc's words and reports nothing for what only reads.
func TestNone(t *testing.T) {
	m := None()
	limit := int64(1 << 20)
	if err := m.Apply(1); err != nil {
		t.Errorf("Apply: %v", err)
	}
	if err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Access: "rwm"}}}); err != nil {
		t.Errorf("Set(devices only): %v", err)
	}
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}); !errors.Is(err, ErrNoCgroup) {
		t.Errorf("Set(pids): %v, want ErrNoCgroup", err)
	}
	if err := m.Freeze(true); err == nil || err.Error() != "cgroups not configured for container" {
		t.Errorf("Freeze: %v", err)
	}
	if _, err := m.Pids(); err == nil {
		t.Error("Pids: no error")
	}
	if err := m.Kill(unix.SIGKILL); err == nil {
		t.Error("Kill: no error")
	}
	if f, err := m.Frozen(); f || err != nil {
		t.Errorf("Frozen: %v, %v", f, err)
	}
	if st := m.State(); st.Version != 0 || len(st.Paths) != 0 {
		t.Errorf("State: %+v, want the zero State", st)
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("Destroy: %v", err)
	}
}

func TestIsPermission(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{unix.EACCES, true}, {unix.EPERM, true}, {unix.EROFS, true},
		{unix.ENOENT, false}, {unix.EBUSY, false}, {errors.New("x"), false},
	} {
		if got := IsPermission(tc.err); got != tc.want {
			t.Errorf("IsPermission(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
