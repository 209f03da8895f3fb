package runtime

import (
	"errors"
	"os"
	"testing"

	"github.com/gorunc/gorunc/userns"
)

func TestRootlessFlag(t *testing.T) {
	auto := rootlessAuto(os.Geteuid(), userns.Running(), false, nil)
	for _, tc := range []struct {
		mode    string
		systemd bool
		want    bool
		bad     bool
	}{
		{mode: "true", want: true},
		{mode: "false", want: false},
		{mode: "true", systemd: true, want: true},
		{mode: "", want: auto},
		{mode: "auto", want: auto},
		{mode: "yes", bad: true},
	} {
		got, err := Rootless(tc.mode, tc.systemd)
		if tc.bad {
			if err == nil || err.Error() != `--rootless "yes": must be auto, true or false` {
				t.Errorf("Rootless(%q): %v, want the flag error", tc.mode, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Rootless(%q, systemd %v) = %v, %v; want %v", tc.mode, tc.systemd, got, err, tc.want)
		}
	}
}

// TestRootlessAuto is runc 1.5's table (shouldUseRootlessCgroupManager):
// --systemd-cgroup changes the answer only for uid 0 of a user namespace,
// by whom the session bus belongs to.
func TestRootlessAuto(t *testing.T) {
	owner := func(uid int, err error) func() (int, error) {
		return func() (int, error) { return uid, err }
	}
	noBus := errors.New("no bus")
	tests := []struct {
		name     string
		euid     int
		inUserNS bool
		systemd  bool
		owner    func() (int, error) // nil: must not be asked
		want     bool
	}{
		{"unprivileged", 1000, false, false, nil, true},
		{"unprivileged, the user's systemd", 1000, false, true, nil, true},
		{"host root", 0, false, false, nil, false},
		{"host root, systemd", 0, false, true, nil, false},
		{"root in a userns, cgroupfs", 0, true, false, nil, true},
		{"root in a userns, a user's bus", 0, true, true, owner(1000, nil), true},
		{"root in a userns, root's bus", 0, true, true, owner(0, nil), false},
		{"root in a userns, no bus", 0, true, true, owner(-1, noBus), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ask := tt.owner
			if ask == nil {
				ask = func() (int, error) { t.Error("asked the bus's owner"); return -1, noBus }
			}
			if got := rootlessAuto(tt.euid, tt.inUserNS, tt.systemd, ask); got != tt.want {
				t.Errorf("rootlessAuto = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestXDGRootForHostRoot: the host's root keeps /run/gorunc even with
// XDG_RUNTIME_DIR set (runc's shouldHonorXDGRuntimeDir); an unprivileged
// caller's case runs in tests/integration (TestRootlessRun).
func TestXDGRootForHostRoot(t *testing.T) {
	if os.Geteuid() != 0 || userns.Running() {
		t.Skip("needs the host's root")
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/0")
	if got := XDGRoot(); got != "" {
		t.Errorf("XDGRoot() = %q for the host's root, want \"\" (DefaultRoot)", got)
	}
}
