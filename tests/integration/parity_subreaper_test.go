package integration

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// orphanProbe runs as the init of a container without a PID namespace: a
// child shell starts a sleep and exits, so the sleep is orphaned and
// re-parented to the nearest subreaper. It prints init's parent (the
// runtime's `run`), the orphan's new parent, and the orphan's state
// after it is killed ("gone" once someone reaped it).
const orphanProbe = `p=$(sh -c 'sleep 100 >/dev/null 2>&1 & echo $!')
sleep 0.2
echo "$PPID $(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status)"
kill $p
sleep 0.3
if [ -e /proc/$p ]; then sed -n 's/^State:[[:space:]]*//p' /proc/$p/status; else echo gone; fi`

// TestRunSubreaperAsRunc: runc 1.5's `run` is a child subreaper unless
// --no-subreaper: an orphan of the container is re-parented to it and
// reaped (no zombie); with --no-subreaper it goes elsewhere.
func TestRunSubreaperAsRunc(t *testing.T) {
	asRunc(t, nil, func(t *testing.T, e *env) {
		cgroup := e.spec.Linux.CgroupsPath
		for i, c := range []struct {
			name  string
			flags []string
			// adopted: the orphan's parent is `run`.
			adopted bool
		}{
			{"default", nil, true},
			{"no-subreaper", []string{"--no-subreaper"}, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.spec = baseSpec(e.spec.Root.Path, "sh", "-c", orphanProbe)
				e.spec.Linux.CgroupsPath = cgroup + "-" + string(rune('a'+i))
				e.spec.Linux.Namespaces = withoutNamespace(e.spec.Linux.Namespaces, specs.PIDNamespace)
				e.writeSpec()
				out := e.must(append(append([]string{"run"}, c.flags...), "--bundle", e.bundle, "orphan")...)
				lines := strings.Split(strings.TrimSpace(out), "\n")
				if len(lines) != 2 {
					t.Fatalf("probe output %q", out)
				}
				f := strings.Fields(lines[0])
				if len(f) != 2 {
					t.Fatalf("probe output %q", out)
				}
				if adopted := f[0] == f[1]; adopted != c.adopted {
					t.Errorf("init's parent %s, orphan's parent %s: adopted by run = %v, want %v", f[0], f[1], adopted, c.adopted)
				}
				if c.adopted && lines[1] != "gone" {
					t.Errorf("the killed orphan is %q, want reaped by run", lines[1])
				}
			})
		}
	})
}
