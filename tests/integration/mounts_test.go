package integration

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestTmpcopyup: podman puts "tmpcopyup" on its tmpfs mounts (runc's
// extension): the tmpfs starts with what the directory it covers held.
func TestTmpcopyup(t *testing.T) {
	e := newEnv(t, "sh", "-c", "grep -c root /etc/passwd; ls -l /etc/group | cut -c1-10; echo new > /etc/x && cat /etc/x; grep ' /etc ' /proc/self/mounts | cut -d' ' -f3")
	e.spec.Root.Readonly = true
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/etc", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}})
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "cu")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := []string{"1", "-rw-r--r--", "new", "tmpfs"}
	if len(lines) != len(want) {
		t.Fatalf("output %q", r.stdout)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q (output %q)", i, lines[i], want[i], r.stdout)
		}
	}
}
