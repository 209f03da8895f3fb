package integration

// Regression tests named after the runtime CVEs (runc, crun, youki) whose
// defence gorunc already has; docs/security.md maps every such CVE to its
// test, or says why there is none. Each test runs the attack's non-racy
// form: a config or an image that a vulnerable runtime mishandles.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// capMask parses the CapXxx line of a /proc/PID/status text.
func capMask(t *testing.T, status, field string) uint64 {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			return m
		}
	}
	t.Fatalf("no %s in %q", field, status)
	return 0
}

// Bits of the capabilities the tests below use (linux/capability.h).
const (
	bitChown  = 1 << 0
	bitKill   = 1 << 5
	bitNetRaw = 1 << 13
)

// TestCVE2022_29162InheritableCaps (runc CVE-2022-29162, crun CVE-2022-27650,
// youki's libcontainer CVE-2025-27612): a runtime that fills the inheritable
// set the config left empty (crun for every process, runc and libcontainer
// for `exec --cap`) lets a container program with file inheritable
// capabilities gain them at execve, past what the config grants. The
// inheritable and ambient sets of the container's first process, of an
// exec, and of an exec with --cap must be exactly what the config says;
// --cap adds to bounding, effective and permitted only, and to ambient only
// when the config has an inheritable set (runc >= 1.1.2). An ambient
// capability without its inheritable bit cannot be raised at all.
func TestCVE2022_29162InheritableCaps(t *testing.T) {
	base := []string{"CAP_CHOWN", "CAP_KILL"}
	cases := []struct {
		name                 string
		inheritable, ambient []string
		wantInh, wantAmb     uint64
	}{
		{name: "none", wantInh: 0, wantAmb: 0},
		{name: "configured", inheritable: []string{"CAP_KILL"}, ambient: []string{"CAP_KILL"}, wantInh: bitKill, wantAmb: bitKill},
		{name: "ambient-without-inheritable", ambient: []string{"CAP_KILL"}, wantInh: 0, wantAmb: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.spec.Process.Capabilities = &specs.LinuxCapabilities{
				Bounding: base, Effective: base, Permitted: base,
				Inheritable: c.inheritable, Ambient: c.ambient,
			}
			e.writeSpec()
			e.must("run", "-d", "--bundle", e.bundle, "caps")
			s := e.waitStatus("caps", "running")
			initStatus, err := os.ReadFile(filepath.Join("/proc", itoa(s.Pid), "status"))
			if err != nil {
				t.Fatal(err)
			}
			procs := []struct {
				what    string
				status  string
				wantPrm uint64
			}{
				{"run", string(initStatus), bitChown | bitKill},
				{"exec", e.must("exec", "caps", "cat", "/proc/self/status"), bitChown | bitKill},
				{"exec --cap CAP_NET_RAW", e.must("exec", "--cap", "CAP_NET_RAW", "caps", "cat", "/proc/self/status"), bitChown | bitKill | bitNetRaw},
			}
			for _, p := range procs {
				if got := capMask(t, p.status, "CapInh"); got != c.wantInh {
					t.Errorf("%s: CapInh %#x, want %#x", p.what, got, c.wantInh)
				}
				if got := capMask(t, p.status, "CapAmb"); got != c.wantAmb {
					t.Errorf("%s: CapAmb %#x, want %#x", p.what, got, c.wantAmb)
				}
				for _, f := range []string{"CapPrm", "CapEff", "CapBnd"} {
					if got := capMask(t, p.status, f); got != p.wantPrm {
						t.Errorf("%s: %s %#x, want %#x", p.what, f, got, p.wantPrm)
					}
				}
			}
		})
	}
}
