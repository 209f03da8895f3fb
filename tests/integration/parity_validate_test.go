package integration

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestUTSWithoutNamespaceAsRunc: hostname and domainname need a UTS
// namespace of the container's own; runc 1.5 refuses them without one
// (gorunc used to run the container and skip them).
func TestUTSWithoutNamespaceAsRunc(t *testing.T) {
	cases := []struct {
		name string
		set  func(s *specs.Spec)
		msg  string
	}{
		{"hostname", func(s *specs.Spec) { s.Hostname = "h" }, "unable to set hostname without a private UTS namespace"},
		{"domainname", func(s *specs.Spec) { s.Hostname, s.Domainname = "", "d" }, "unable to set domainname without a private UTS namespace"},
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.spec.Linux.Namespaces = withoutNamespace(e.spec.Linux.Namespaces, specs.UTSNamespace)
				c.set(e.spec)
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "uts")
				if r.code != 1 || !strings.Contains(r.stderr, c.msg) {
					t.Errorf("exit %d, stderr %q: want runc's refusal %q", r.code, r.stderr, c.msg)
				}
				if out := e.must("list", "-q"); strings.TrimSpace(out) != "" {
					t.Errorf("left behind: %q", out)
				}
			})
		}
	})
}
