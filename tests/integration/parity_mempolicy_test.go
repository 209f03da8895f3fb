package integration

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// numaPolicyCmd prints the policy field of the process's first mapping in
// /proc/self/numa_maps (proc(5)): "interleave:0", "bind=static:0", ...
const numaPolicyCmd = `head -n 1 /proc/self/numa_maps | cut -d " " -f 2`

// needsNUMA skips where the kernel has no NUMA (no numa_maps, no node 0).
func needsNUMA(t *testing.T) {
	t.Helper()
	for _, p := range []string{"/proc/self/numa_maps", "/sys/devices/system/node/node0"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs a NUMA kernel with node 0: %v", err)
		}
	}
}

// TestMemoryPolicyAsRunc: linux.memoryPolicy reaches init and exec'd
// processes as set_mempolicy(2) sets it (runc 1.5's memorypolicy.bats,
// plus every mode and flag node 0 allows).
func TestMemoryPolicyAsRunc(t *testing.T) {
	needsNUMA(t)
	cases := []struct {
		name string
		mp   specs.LinuxMemoryPolicy
		want string
	}{
		{"interleave", specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0"}, "interleave:0"},
		{"bind static", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}, "bind=static:0"},
		{"bind balancing", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: []specs.MemoryPolicyFlagType{specs.MpolFNumaBalancing}}, "bind=balancing:0"},
		{"default", specs.LinuxMemoryPolicy{Mode: specs.MpolDefault}, "default"},
		{"default with flag", specs.LinuxMemoryPolicy{Mode: specs.MpolDefault, Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}, "default"},
		{"local", specs.LinuxMemoryPolicy{Mode: specs.MpolLocal}, "local"},
		{"preferred empty", specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred}, "local"},
		{"preferred first", specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred, Nodes: "0-1"}, "prefer:0"},
		{"preferred many", specs.LinuxMemoryPolicy{Mode: specs.MpolPreferredMany, Nodes: "0"}, "prefer"},
		// numa_maps prints "weighted interleave:0"; cut keeps one word.
		{"weighted", specs.LinuxMemoryPolicy{Mode: specs.MpolWeightedInterleave, Nodes: "0"}, "weighted"},
		{"highest node", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0,1023"}, "bind:0"},
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		cgroup := e.spec.Linux.CgroupsPath
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.spec = baseSpec(os.Getenv("ROOTFS"), "sh", "-c", numaPolicyCmd)
				e.spec.Linux.CgroupsPath = cgroup + "-" + string(rune('a'+i))
				mp := c.mp
				e.spec.Linux.MemoryPolicy = &mp
				e.writeSpec()
				if got := strings.TrimSpace(e.must("run", "--bundle", e.bundle, "mp")); got != c.want {
					t.Errorf("numa_maps policy %q, want %q", got, c.want)
				}
			})
		}
		// exec gets config.json's policy too.
		t.Run("exec", func(t *testing.T) {
			e.spec = baseSpec(os.Getenv("ROOTFS"), "sleep", "100")
			e.spec.Linux.CgroupsPath = cgroup + "-exec"
			e.spec.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred, Nodes: "0",
				Flags: []specs.MemoryPolicyFlagType{specs.MpolFRelativeNodes}}
			e.writeSpec()
			e.must("run", "-d", "--bundle", e.bundle, "mpx")
			defer e.run("delete", "-f", "mpx")
			if got := strings.TrimSpace(e.must("exec", "mpx", "sh", "-c", numaPolicyCmd)); got != "prefer=relative:0" {
				t.Errorf("exec: numa_maps policy %q, want prefer=relative:0", got)
			}
		})
	})
}

// TestMemoryPolicyBadInputAsRunc: runc 1.5.1's checks and words, from its
// conversion, its validator and the kernel; nothing is left behind.
func TestMemoryPolicyBadInputAsRunc(t *testing.T) {
	needsNUMA(t)
	flags := func(f ...specs.MemoryPolicyFlagType) []specs.MemoryPolicyFlagType { return f }
	cases := []struct {
		name string
		mp   specs.LinuxMemoryPolicy
		msg  string
	}{
		// runc 1.5.1 refuses an empty object (no mode).
		{"empty", specs.LinuxMemoryPolicy{}, `invalid memory policy mode ""`},
		{"missing mode", specs.LinuxMemoryPolicy{Nodes: "0-7"}, `invalid memory policy mode ""`},
		{"mode", specs.LinuxMemoryPolicy{Mode: "INTERLEAVE", Nodes: "0"}, `invalid memory policy mode "INTERLEAVE"`},
		{"flag", specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred, Nodes: "0", Flags: flags(specs.MpolFRelativeNodes, "badflag")},
			`invalid memory policy flag "badflag"`},
		{"huge node", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-9876543210"},
			`invalid memory policy nodes "0-9876543210": strconv.ParseUint: parsing "9876543210": value out of range`},
		{"node 1024", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0,1024"},
			`invalid memory policy nodes "0,1024": values larger than 1023 are not supported`},
		{"range", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "3-1"}, `invalid memory policy nodes "3-1": invalid range: 3-1`},
		{"no members", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: ","}, `invalid memory policy nodes ",": no members found in set ","`},
		{"default nodes", specs.LinuxMemoryPolicy{Mode: specs.MpolDefault, Nodes: "0-7",
			Flags: flags(specs.MpolFNumaBalancing, specs.MpolFStaticNodes, specs.MpolFRelativeNodes)},
			"memory policy mode requires 0 nodes but got 8"},
		{"local nodes", specs.LinuxMemoryPolicy{Mode: specs.MpolLocal, Nodes: "0"}, "memory policy mode requires 0 nodes but got 1"},
		{"bind no nodes", specs.LinuxMemoryPolicy{Mode: specs.MpolBind}, "memory policy mode requires at least one node but got 0"},
		// The kernel's refusals.
		{"static and relative", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0", Flags: flags(specs.MpolFStaticNodes, specs.MpolFRelativeNodes)},
			"set_mempolicy: invalid argument"},
	}
	if _, err := os.Stat("/sys/devices/system/node/node1000"); err != nil {
		cases = append(cases, struct {
			name string
			mp   specs.LinuxMemoryPolicy
			msg  string
		}{"absent node", specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "1000"}, "set_mempolicy: invalid argument"})
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		cgroup := e.spec.Linux.CgroupsPath
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.spec = baseSpec(os.Getenv("ROOTFS"), "true")
				e.spec.Linux.CgroupsPath = cgroup + "-" + string(rune('a'+i))
				mp := c.mp
				e.spec.Linux.MemoryPolicy = &mp
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "bad")
				if r.code == 0 || !strings.Contains(unquoteLog(r.stderr), c.msg) {
					t.Errorf("exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, c.msg)
				}
				if out := e.must("list", "-q"); strings.TrimSpace(out) != "" {
					t.Errorf("left behind: %q", out)
				}
			})
		}
	})
}
