package runtime

import (
	"os"
	"testing"
)

func TestRootlessFlag(t *testing.T) {
	auto := os.Geteuid() != 0 || InUserNS()
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
		{mode: "auto", systemd: true, want: false},
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

// TestXDGRootForHostRoot: the host's root keeps /run/gorunc even with
// XDG_RUNTIME_DIR set (runc's shouldHonorXDGRuntimeDir); an unprivileged
// caller's case runs in tests/integration (TestRootlessRun).
func TestXDGRootForHostRoot(t *testing.T) {
	if os.Geteuid() != 0 || InUserNS() {
		t.Skip("needs the host's root")
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/0")
	if got := XDGRoot(); got != "" {
		t.Errorf("XDGRoot() = %q for the host's root, want \"\" (DefaultRoot)", got)
	}
}
