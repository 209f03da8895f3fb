package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// `update`'s flags as runc 1.5.1 parses them (update.go): each flag sets
// the cgroup file it names, a bad value is refused with runc's words
// ("invalid value for cpu-period: strconv.ParseUint: ..."), the kernel
// memory flags are parsed, warned about and ignored, and the Intel RDT
// flags are refused when the host has no resctrl. Both runtimes go
// through the same steps on one container each, the files are read from
// the host's hierarchies.

// updateStep is one `update` and what it leaves behind.
type updateStep struct {
	flags []string
	// files: controller -> file -> value after the update. A file the
	// container's cgroup lacks (the kernel has no such knob) skips the step.
	files map[string]map[string]string
	// msg is the error (runc's msg=, gorunc's line) when the flags are
	// refused; warn a warning printed on success.
	msg, warn string
	// needsRT: the step needs RT group scheduling and a parent with RT
	// bandwidth of its own.
	needsRT bool
}

func TestUpdateFlagsAsRunc(t *testing.T) {
	rdtWhy := ""
	if _, err := os.Stat("/sys/fs/resctrl/info"); err == nil {
		rdtWhy = "the host has resctrl: the Intel RDT steps expect a host without it"
	}
	steps := []updateStep{
		{flags: []string{"--memory", "32m"}, files: map[string]map[string]string{"memory": {"memory.limit_in_bytes": "33554432"}}},
		{flags: []string{"--memory-reservation", "16M"}, files: map[string]map[string]string{"memory": {"memory.soft_limit_in_bytes": "16777216"}}},
		{flags: []string{"--memory-swap", "96MiB"}, files: map[string]map[string]string{"memory": {"memory.memsw.limit_in_bytes": "100663296"}}},
		{flags: []string{"--cpu-share", "256"}, files: map[string]map[string]string{"cpu": {"cpu.shares": "256"}}},
		{flags: []string{"--cpu-period", "50000", "--cpu-quota", "20000"}, files: map[string]map[string]string{"cpu": {"cpu.cfs_period_us": "50000", "cpu.cfs_quota_us": "20000"}}},
		{flags: []string{"--cpu-quota", "30000"}, files: map[string]map[string]string{"cpu": {"cpu.cfs_period_us": "50000", "cpu.cfs_quota_us": "30000"}}},
		{flags: []string{"--cpu-burst", "10000"}, files: map[string]map[string]string{"cpu": {"cpu.cfs_burst_us": "10000", "cpu.cfs_quota_us": "30000"}}},
		// The kernel wants burst <= quota at each write: a smaller pair
		// needs the burst first, a larger one the quota first (runc
		// writes the burst first and again after the quota on EINVAL).
		{flags: []string{"--cpu-quota", "8000", "--cpu-burst", "5000"}, files: map[string]map[string]string{"cpu": {"cpu.cfs_burst_us": "5000", "cpu.cfs_quota_us": "8000"}}},
		{flags: []string{"--cpu-quota", "40000", "--cpu-burst", "30000"}, files: map[string]map[string]string{"cpu": {"cpu.cfs_burst_us": "30000", "cpu.cfs_quota_us": "40000"}}},
		{flags: []string{"--cpu-idle", "1"}, files: map[string]map[string]string{"cpu": {"cpu.idle": "1"}}},
		// cpu.shares is written before cpu.idle (runc and gorunc), and the
		// kernel refuses shares while idle is 1: two steps.
		{flags: []string{"--cpu-idle", "0"}, files: map[string]map[string]string{"cpu": {"cpu.idle": "0"}}},
		{flags: []string{"--cpu-share", "512"}, files: map[string]map[string]string{"cpu": {"cpu.shares": "512"}}},
		{flags: []string{"--cpu-rt-period", "100000", "--cpu-rt-runtime", "2000"}, needsRT: true, files: map[string]map[string]string{"cpu": {"cpu.rt_period_us": "100000", "cpu.rt_runtime_us": "2000"}}},
		{flags: []string{"--cpuset-cpus", "0", "--cpuset-mems", "0"}, files: map[string]map[string]string{"cpuset": {"cpuset.cpus": "0", "cpuset.mems": "0"}}},
		{flags: []string{"--pids-limit", "10"}, files: map[string]map[string]string{"pids": {"pids.max": "10"}}},
		{flags: []string{"--pids-limit=0"}, files: map[string]map[string]string{"pids": {"pids.max": "1"}}},
		{flags: []string{"--pids-limit", "-1"}, files: map[string]map[string]string{"pids": {"pids.max": "max"}}},
		// runc writes blkio.weight, or BFQ's blkio.bfq.weight without CFQ.
		{flags: []string{"--blkio-weight", "300"}, files: map[string]map[string]string{"blkio": {"blkio.weight": "300"}}},
		{flags: []string{"--kernel-memory", "1g", "--kernel-memory-tcp", "64m"}, warn: "Kernel memory settings are ignored and will be removed",
			files: map[string]map[string]string{"memory": {"memory.limit_in_bytes": "33554432"}}},
		// --resources: the other flags are ignored.
		{flags: []string{"--resources", "RES", "--memory", "8m"}, files: map[string]map[string]string{"memory": {"memory.limit_in_bytes": "50331648"}, "pids": {"pids.max": "20"}}},

		{flags: []string{"--cpu-period", "x"}, msg: `invalid value for cpu-period: strconv.ParseUint: parsing "x": invalid syntax`},
		{flags: []string{"--cpu-burst", "-5"}, msg: `invalid value for cpu-burst: strconv.ParseUint: parsing "-5": invalid syntax`},
		{flags: []string{"--cpu-idle", "x"}, msg: `invalid value for cpu-idle: strconv.ParseInt: parsing "x": invalid syntax`},
		{flags: []string{"--cpu-quota", "1.5"}, msg: `invalid value for cpu-quota: strconv.ParseInt: parsing "1.5": invalid syntax`},
		{flags: []string{"--cpu-rt-runtime", "x"}, msg: `invalid value for cpu-rt-runtime: strconv.ParseInt: parsing "x": invalid syntax`},
		{flags: []string{"--memory", "abc"}, msg: `invalid value for memory: invalid size: 'abc'`},
		{flags: []string{"--memory-swap", "64x"}, msg: `invalid value for memory-swap: invalid suffix: 'x'`},
		{flags: []string{"--kernel-memory", "x"}, msg: `invalid value for kernel-memory: invalid size: 'x'`},
		{flags: []string{"--pids-limit", "ten"}, msg: `invalid value "ten" for flag -pids-limit: parse error`},
		{flags: []string{"--blkio-weight", "x"}, msg: `invalid value "x" for flag -blkio-weight: parse error`},
	}
	if rdtWhy == "" {
		steps = append(steps,
			updateStep{flags: []string{"--l3-cache-schema", "L3:0=f"}, msg: "Intel RDT/CAT: l3 cache schema is not enabled"},
			updateStep{flags: []string{"--mem-bw-schema", "MB:0=20"}, msg: "Intel RDT/MBA: memory bandwidth schema is not enabled"},
			updateStep{flags: []string{"--l3-cache-schema", "L3:0=f", "--mem-bw-schema", "MB:0=20"}, msg: "Intel RDT/CAT: l3 cache schema is not enabled"},
		)
	} else {
		t.Logf("Intel RDT steps skipped: %s", rdtWhy)
	}
	res := filepath.Join(t.TempDir(), "resources.json")
	if err := os.WriteFile(res, []byte(`{"memory": {"limit": 50331648}, "pids": {"limit": 20}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	own := map[string]string{}
	for _, h := range hostHierarchies(t) {
		own[h.ctrl] = h.own
	}
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "sleep", "100")
			e.spec.Linux.Resources = &specs.LinuxResources{
				Memory: &specs.LinuxMemory{Limit: i64p(64 << 20)},
				CPU:    &specs.LinuxCPU{Shares: u64p(512)},
				Pids:   &specs.LinuxPids{Limit: i64p(50)},
			}
			e.writeSpec()
			rtWhy := giveRTBandwidth(t, own["cpu"], e.spec.Linux.CgroupsPath)
			e.must("create", "--bundle", e.bundle, "uf")
			for _, s := range steps {
				args := strings.Join(s.flags, " ")
				if why := missingKnob(own, e.spec.Linux.CgroupsPath, s); why != "" {
					t.Logf("%s: skipped: %s", args, why)
					continue
				}
				if s.needsRT && rtWhy != "" {
					t.Logf("%s: skipped: %s", args, rtWhy)
					continue
				}
				flags := append([]string{}, s.flags...)
				for i, f := range flags {
					if f == "RES" {
						flags[i] = res
					}
				}
				r := e.run(append(append([]string{"update"}, flags...), "uf")...)
				if s.msg != "" {
					if r.code != 1 || runcMessage(r.stderr) != s.msg {
						t.Errorf("update %s: exit %d, %q; want exit 1, %q", args, r.code, r.stderr, s.msg)
					}
					continue
				}
				if r.code != 0 {
					t.Errorf("update %s: exit %d: %s", args, r.code, r.stderr)
					continue
				}
				if s.warn != "" && !strings.Contains(r.stderr, s.warn) {
					t.Errorf("update %s: stderr %q, want the warning %q", args, r.stderr, s.warn)
				}
				for ctrl, files := range s.files {
					for f, want := range files {
						if got := readTrim(t, knobPath(filepath.Join(own[ctrl], e.spec.Linux.CgroupsPath), f)); got != want {
							t.Errorf("update %s: %s = %s, want %s", args, f, got, want)
						}
					}
				}
			}
			e.must("delete", "--force", "uf")
		})
	}
}

// missingKnob says which of the step's files the container's cgroup
// lacks.
func missingKnob(own map[string]string, cgroupsPath string, s updateStep) string {
	for ctrl, files := range s.files {
		if own[ctrl] == "" {
			return "no " + ctrl + " hierarchy on this host"
		}
		for f := range files {
			if _, err := os.Stat(knobPath(filepath.Join(own[ctrl], cgroupsPath), f)); err != nil {
				return "the kernel has no " + f
			}
		}
	}
	return ""
}

// knobPath is file in dir; for blkio.weight, BFQ's blkio.bfq.weight when
// the kernel has no CFQ (runc 1.5 picks the same way).
func knobPath(dir, file string) string {
	p := filepath.Join(dir, file)
	if _, err := os.Stat(p); err != nil && file == "blkio.weight" {
		return filepath.Join(dir, "blkio.bfq.weight")
	}
	return p
}

// giveRTBandwidth gives the container's cgroup parent (under the test's
// own cpu cgroup) 5% of the RT bandwidth, which a new cgroup lacks, and
// says why it could not when it could not.
func giveRTBandwidth(t *testing.T, ownCPU, cgroupsPath string) string {
	if ownCPU == "" {
		return "no cpu hierarchy"
	}
	if _, err := os.Stat(filepath.Join(ownCPU, "cpu.rt_runtime_us")); err != nil {
		return "the kernel has no RT group scheduling (no cpu.rt_runtime_us)"
	}
	parent, _, _ := strings.Cut(cgroupsPath, "/")
	pdir := filepath.Join(ownCPU, parent)
	mustMkdir(t, pdir)
	if err := os.WriteFile(filepath.Join(pdir, "cpu.rt_runtime_us"), []byte("50000"), 0); err != nil {
		return "cannot give the test's cgroup 5% of the RT bandwidth (others hold it?): " + err.Error()
	}
	return ""
}
