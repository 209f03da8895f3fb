package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Capabilities as runc 1.5 applies them: an ambient capability the kernel
// refuses to raise is a warning, not a failure; `exec --cap` widens the
// exec'd process's sets beyond the container's bounding set. Each test runs
// the same steps on gorunc and, when it is at hand, on runc 1.5.

// capLines is the Cap* lines of /proc/self/status, by name ("CapAmb").
func capLines(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.HasPrefix(k, "Cap") {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// TestAmbientWarningAsRunc: prctl(PR_CAP_AMBIENT_RAISE) fails with EPERM
// for a capability not in both the permitted and inheritable sets. runc
// 1.5 warns "can't raise ambient capability CAP_X: operation not
// permitted" and runs the process without it, both for the container's
// process (init) and for `exec --process` (exec-init); the warning comes
// from the child, so it must reach the caller's stderr.
func TestAmbientWarningAsRunc(t *testing.T) {
	const status = "grep Cap /proc/self/status"
	warning := func(c string) string { return "can't raise ambient capability " + c + ": operation not permitted" }
	type ambientCase struct {
		name                  string
		perm, inh, amb        []string
		wantAmb, warn, noWarn string
	}
	cases := []ambientCase{
		{
			name: "not inheritable",
			perm: []string{"CAP_KILL", "CAP_NET_RAW"}, inh: []string{"CAP_KILL"},
			amb:     []string{"CAP_KILL", "CAP_NET_RAW"},
			wantAmb: "0000000000000020", warn: warning("CAP_NET_RAW"), noWarn: warning("CAP_KILL"),
		},
		{
			name: "not permitted",
			perm: []string{"CAP_KILL"}, inh: []string{"CAP_KILL", "CAP_NET_RAW"},
			amb:     []string{"CAP_NET_RAW", "CAP_KILL"},
			wantAmb: "0000000000000020", warn: warning("CAP_NET_RAW"), noWarn: warning("CAP_KILL"),
		},
		{
			name: "allowed",
			perm: []string{"CAP_KILL", "CAP_NET_RAW"}, inh: []string{"CAP_KILL", "CAP_NET_RAW"},
			amb:     []string{"CAP_KILL", "CAP_NET_RAW"},
			wantAmb: "0000000000002020", noWarn: "can't raise ambient capability",
		},
	}
	caps := func(perm, inh, amb []string) *specs.LinuxCapabilities {
		return &specs.LinuxCapabilities{
			Bounding: []string{"CAP_KILL", "CAP_NET_RAW"}, Effective: perm,
			Permitted: perm, Inheritable: inh, Ambient: amb,
		}
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		check := func(tc ambientCase, how string, r result) {
			t.Helper()
			if r.code != 0 {
				t.Fatalf("%s, %s: exit %d, stderr %q; want 0", tc.name, how, r.code, r.stderr)
			}
			if tc.warn != "" && !strings.Contains(r.stderr, tc.warn) {
				t.Errorf("%s, %s: stderr %q, want the warning %q", tc.name, how, r.stderr, tc.warn)
			}
			if strings.Contains(r.stderr, tc.noWarn) {
				t.Errorf("%s, %s: stderr %q has %q", tc.name, how, r.stderr, tc.noWarn)
			}
			if got := capLines(r.stdout)["CapAmb"]; got != tc.wantAmb {
				t.Errorf("%s, %s: CapAmb %q, want %q", tc.name, how, got, tc.wantAmb)
			}
		}
		for i, tc := range cases {
			// The container's process, through init; each run
			// ends and is deleted before the next one.
			e.spec.Process.Args = []string{"sh", "-c", status}
			e.spec.Process.Capabilities = caps(tc.perm, tc.inh, tc.amb)
			e.writeSpec()
			check(tc, "run", e.run("run", "--bundle", e.bundle, fmt.Sprintf("amb-run-%d", i)))
		}
		// exec --process, through exec-init, in a container of its own.
		e.spec.Process.Args = []string{"sleep", "100"}
		e.spec.Process.Capabilities = nil
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "amb-exec")
		for _, tc := range cases {
			p := specs.Process{
				Args: []string{"sh", "-c", status}, Env: []string{"PATH=/bin"}, Cwd: "/",
				Capabilities: caps(tc.perm, tc.inh, tc.amb),
			}
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "process.json")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			check(tc, "exec --process", e.run("exec", "--process", file, "amb-exec"))
		}
	})
}

// TestExecCapOutsideBoundingAsRunc: `exec --cap X` of a capability the
// container's bounding set leaves out. exec-init starts from the runtime's
// full set, and runc 1.5 adds X to the bounding, effective and permitted
// sets of the exec'd process, which then has it; never to the inheritable
// set (CVE-2022-29162), and to the ambient set only when the config has an
// inheritable set, where raising it then fails with runc's warning.
func TestExecCapOutsideBoundingAsRunc(t *testing.T) {
	cases := []struct {
		name string
		inh  []string
		// Cap* lines of the exec'd process: CAP_KILL is bit 5,
		// CAP_SYS_ADMIN bit 21.
		want map[string]string
		warn bool
	}{
		{
			name: "no inheritable set",
			want: map[string]string{
				"CapBnd": "0000000000200020", "CapPrm": "0000000000200020", "CapEff": "0000000000200020",
				"CapInh": "0000000000000000", "CapAmb": "0000000000000000",
			},
		},
		{
			name: "inheritable set",
			inh:  []string{"CAP_KILL"},
			want: map[string]string{
				"CapBnd": "0000000000200020", "CapPrm": "0000000000200020", "CapEff": "0000000000200020",
				"CapInh": "0000000000000020", "CapAmb": "0000000000000000",
			},
			warn: true,
		},
	}
	const warning = "can't raise ambient capability CAP_SYS_ADMIN: operation not permitted"
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
				kill := []string{"CAP_KILL"}
				e.spec.Process.Capabilities = &specs.LinuxCapabilities{
					Bounding: kill, Effective: kill, Permitted: kill, Inheritable: tc.inh,
				}
				e.writeSpec()
				e.must("run", "-d", "--bundle", e.bundle, "capx")
				r := e.run("exec", "--cap", "CAP_SYS_ADMIN", "capx", "grep", "Cap", "/proc/self/status")
				if r.code != 0 {
					t.Fatalf("exec --cap: exit %d, stderr %q; want 0", r.code, r.stderr)
				}
				if got := strings.Contains(r.stderr, warning); got != tc.warn {
					t.Errorf("exec --cap: stderr %q; want the warning %q: %v", r.stderr, warning, tc.warn)
				}
				got := capLines(r.stdout)
				for k, v := range tc.want {
					if got[k] != v {
						t.Errorf("exec --cap: %s %q, want %q (all: %v)", k, got[k], v, got)
					}
				}
			})
		})
	}
}

// TestCapsetRefusedAsRunc: capability sets the kernel refuses to capset(2)
// (effective not within permitted; inheritable not within the bounding
// set) fail the process with runc 1.5's words, for the container's
// process (init) and for `exec --process` (exec-init).
func TestCapsetRefusedAsRunc(t *testing.T) {
	const refused = "unable to apply caps: can't apply capabilities: operation not permitted"
	kill := []string{"CAP_KILL"}
	cases := []struct {
		name string
		caps *specs.LinuxCapabilities
	}{
		{"effective not permitted", &specs.LinuxCapabilities{
			Bounding: kill, Effective: []string{"CAP_KILL", "CAP_SYS_ADMIN"}, Permitted: kill,
		}},
		{"inheritable not in bounding", &specs.LinuxCapabilities{
			Bounding: kill, Effective: kill, Permitted: kill, Inheritable: []string{"CAP_SYS_ADMIN"},
		}},
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		for i, tc := range cases {
			e.spec.Process.Capabilities = tc.caps
			e.writeSpec()
			id := fmt.Sprintf("refused-%d", i)
			if r := e.run("run", "--bundle", e.bundle, id); r.code == 0 || !strings.Contains(r.stderr, refused) {
				t.Errorf("%s, run: exit %d, stderr %q; want non-zero and %q", tc.name, r.code, r.stderr, refused)
			}
			e.run("delete", "--force", id)
		}
		e.spec.Process.Args = []string{"sleep", "100"}
		e.spec.Process.Capabilities = nil
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "refused-exec")
		for _, tc := range cases {
			data, err := json.Marshal(specs.Process{Args: []string{"true"}, Env: []string{"PATH=/bin"}, Cwd: "/", Capabilities: tc.caps})
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "process.json")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if r := e.run("exec", "--process", file, "refused-exec"); r.code == 0 || !strings.Contains(r.stderr, refused) {
				t.Errorf("%s, exec --process: exit %d, stderr %q; want non-zero and %q", tc.name, r.code, r.stderr, refused)
			}
		}
	})
}
