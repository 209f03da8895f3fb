package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// statFields returns /proc/PID/stat's fields from field 3 (state) on, as
// proc(5) numbers them: field n is at index n-3. comm (field 2) may hold
// spaces, so the split starts after its closing parenthesis.
func statFields(t *testing.T, stat string) []string {
	t.Helper()
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		t.Fatalf("not a /proc/PID/stat line: %q", stat)
	}
	return strings.Fields(stat[i+1:])
}

// policyAndNice reads scheduling policy (field 41) and nice (field 19).
func policyAndNice(t *testing.T, stat string) (policy, nice string) {
	t.Helper()
	f := statFields(t, stat)
	if len(f) < 41-2 {
		t.Fatalf("short /proc/PID/stat: %q", stat)
	}
	return f[41-3], f[19-3]
}

// processFile writes an exec --process file for p, with a PATH.
func processFile(t *testing.T, p specs.Process) string {
	t.Helper()
	p.Env = []string{"PATH=/bin:/sbin:/usr/bin"}
	return processFileAsIs(t, p)
}

// processFileAsIs writes an exec --process file for p as it is.
func processFileAsIs(t *testing.T, p specs.Process) string {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestSchedulerAsRunc: process.scheduler is set on init, on an exec that
// inherits config.json's, and an exec --process's own replaces it (runc
// 1.5's scheduler.bats). SCHED_BATCH with a positive nice and SCHED_IDLE
// need no privilege, so the host's RT limits do not matter.
func TestSchedulerAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.spec.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: 7}
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "sc")
		// SCHED_BATCH is policy 3.
		if pol, nice := policyAndNice(t, e.must("exec", "sc", "cat", "/proc/1/stat")); pol != "3" || nice != "7" {
			t.Errorf("init: policy %s nice %s, want 3 and 7", pol, nice)
		}
		if pol, nice := policyAndNice(t, e.must("exec", "sc", "cat", "/proc/self/stat")); pol != "3" || nice != "7" {
			t.Errorf("exec: policy %s nice %s, want config.json's 3 and 7", pol, nice)
		}
		file := processFile(t, specs.Process{Args: []string{"cat", "/proc/self/stat"}, Cwd: "/",
			Scheduler: &specs.Scheduler{Policy: specs.SchedIdle}})
		// SCHED_IDLE is policy 5; its nice is not the process's.
		if pol, _ := policyAndNice(t, e.must("exec", "--process", file, "sc")); pol != "5" {
			t.Errorf("exec --process: policy %s, want 5 (SCHED_IDLE)", pol)
		}
		// SCHED_DEADLINE (policy 6) needs CAP_SYS_NICE, which root
		// has, and every CPU in the affinity mask, which the test's
		// cgroup gives; the flag is accepted and not in field 41.
		file = processFile(t, specs.Process{Args: []string{"cat", "/proc/self/stat"}, Cwd: "/",
			Scheduler: &specs.Scheduler{Policy: specs.SchedDeadline, Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagResetOnFork},
				Runtime: 42000, Deadline: 100000, Period: 1000000}})
		if pol, _ := policyAndNice(t, e.must("exec", "--process", file, "sc")); pol != "6" {
			t.Errorf("exec --process: policy %s, want 6 (SCHED_DEADLINE)", pol)
		}
		// runc checks an exec's nice no further: the kernel clamps it.
		file = processFile(t, specs.Process{Args: []string{"cat", "/proc/self/stat"}, Cwd: "/",
			Scheduler: &specs.Scheduler{Policy: specs.SchedOther, Nice: 30}})
		if pol, nice := policyAndNice(t, e.must("exec", "--process", file, "sc")); pol != "0" || nice != "19" {
			t.Errorf("exec --process nice 30: policy %s nice %s, want 0 and 19", pol, nice)
		}
	})
}

// ioprioProbe builds a static program printing ioprio_get(IOPRIO_WHO_PROCESS,
// 0): /proc does not show a process's I/O priority and busybox has no
// ionice. It returns a directory holding it as "ioprio".
func ioprioProbe(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler to build the ioprio probe")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "ioprio.c")
	if err := os.WriteFile(src, []byte(`#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
	long r = syscall(SYS_ioprio_get, 1, 0);
	printf("%ld\n", r);
	return r < 0;
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-static", "-O2", "-o", filepath.Join(dir, "ioprio"), src).CombinedOutput(); err != nil {
		t.Skipf("cannot build a static ioprio probe: %v: %s", err, out)
	}
	return dir
}

// TestIOPriorityAsRunc: process.ioPriority reaches init and exec'd
// processes; the value is class<<13 | priority (linux/ioprio.h). The BE
// and IDLE classes need no privilege.
func TestIOPriorityAsRunc(t *testing.T) {
	probe := ioprioProbe(t)
	asRunc(t, []string{"/tmp/ioprio"}, func(t *testing.T, e *env) {
		e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "bind", Source: probe, Options: []string{"bind", "ro"}})
		e.spec.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}
		e.writeSpec()
		if out := strings.TrimSpace(e.must("run", "--bundle", e.bundle, "io")); out != strconv.Itoa(2<<13|6) {
			t.Errorf("run: ioprio %s, want %d (BE, 6)", out, 2<<13|6)
		}
		e.spec.Process.Args = []string{"sleep", "100"}
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "io2")
		file := processFile(t, specs.Process{Args: []string{"/tmp/ioprio"}, Cwd: "/",
			IOPriority: &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE, Priority: 0}})
		if out := strings.TrimSpace(e.must("exec", "--process", file, "io2")); out != strconv.Itoa(3<<13) {
			t.Errorf("exec --process: ioprio %s, want %d (IDLE, 0)", out, 3<<13)
		}
	})
}

// TestPersonalityAsRunc: linux.personality LINUX32 makes uname(2) report a
// 32-bit machine, in init and in exec'd processes.
func TestPersonalityAsRunc(t *testing.T) {
	if m, err := exec.Command("uname", "-m").Output(); err != nil || strings.TrimSpace(string(m)) != "x86_64" {
		t.Skip("the 32-bit machine name checked is x86_64's (i686)")
	}
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		// No flag is defined: runc warns and leaves them out.
		e.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32, Flags: []specs.LinuxPersonalityFlag{"X"}}
		e.writeSpec()
		r := e.run("run", "-d", "--bundle", e.bundle, "pe")
		if warn := "ignoring unsupported personality flags: [X]"; r.code != 0 || !strings.Contains(r.stderr, warn) {
			t.Fatalf("run: exit %d, stderr %q; want it to run and warn %q", r.code, r.stderr, warn)
		}
		for _, args := range [][]string{{"cat", "/proc/1/personality"}, {"uname", "-m"}} {
			out := strings.TrimSpace(e.must(append([]string{"exec", "pe"}, args...)...))
			if want := map[string]string{"cat": "00000008", "uname": "i686"}[args[0]]; out != want {
				t.Errorf("%v: %q, want %q", args, out, want)
			}
		}
	})
}

// cpusAllowed is the Cpus_allowed_list line of a /proc/PID/status.
func cpusAllowed(t *testing.T, status string) string {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Cpus_allowed_list in %q", status)
	return ""
}

// pinned makes e run its binary under `taskset -c 0`, as a caller pinned
// to one CPU would, and returns every CPU this test may use.
func pinned(t *testing.T, e *env) string {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	all := cpusAllowed(t, string(status))
	if all == "0" || !strings.ContainsAny(all, "-,") {
		t.Skipf("needs two CPUs to tell a reset from the pinning, this test may use %s", all)
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		t.Skip("no taskset (util-linux) to pin the runtime")
	}
	wrapper := filepath.Join(t.TempDir(), "pinned")
	script := "#!/bin/sh\nexec " + taskset + " -c 0 " + e.bin + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e.bin = wrapper
	return all
}

// TestAffinityResetAsRunc: a runtime pinned to CPU 0 does not pin the
// container: init and an exec'd process get every CPU the cgroup allows
// (runc's tryResetCPUAffinity; cpu_affinity.bats "CPU affinity should
// reset").
func TestAffinityResetAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		all := pinned(t, e)
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "af")
		if got := cpusAllowed(t, e.must("exec", "af", "cat", "/proc/1/status")); got != all {
			t.Errorf("init: Cpus_allowed_list %s, want %s", got, all)
		}
		if got := cpusAllowed(t, e.must("exec", "af", "cat", "/proc/self/status")); got != all {
			t.Errorf("exec: Cpus_allowed_list %s, want %s", got, all)
		}
	})
}

// TestExecCPUAffinityAsRunc: process.execCPUAffinity is for exec'd
// processes only: init is reset to every CPU; "final" is the exec'd
// process's mask, "initial" alone stays its mask.
func TestExecCPUAffinityAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		all := pinned(t, e)
		e.spec.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "0"}
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "ea")
		if got := cpusAllowed(t, e.must("exec", "ea", "cat", "/proc/1/status")); got != all {
			t.Errorf("init: Cpus_allowed_list %s, want %s", got, all)
		}
		cases := []struct {
			name string
			aff  *specs.CPUAffinity
			want string
		}{
			{"config.json's final", nil, "0"},
			{"initial and final", &specs.CPUAffinity{Initial: "0", Final: "1"}, "1"},
			{"initial only", &specs.CPUAffinity{Initial: "1"}, "1"},
		}
		for _, c := range cases {
			file := processFile(t, specs.Process{Args: []string{"cat", "/proc/self/status"}, Cwd: "/", ExecCPUAffinity: c.aff})
			if got := cpusAllowed(t, e.must("exec", "--process", file, "ea")); got != c.want {
				t.Errorf("%s: Cpus_allowed_list %s, want %s", c.name, got, c.want)
			}
		}
	})
}

// TestProcSchedBadInputAsRunc: bad values are refused with runc 1.5's
// words, and no container is left.
func TestProcSchedBadInputAsRunc(t *testing.T) {
	cases := []struct {
		name string
		set  func(s *specs.Spec)
		msg  string
	}{
		{"nice", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Nice: 20} },
			"invalid scheduler.nice: 20 when scheduler.policy is SCHED_OTHER"},
		{"priority", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Priority: 3} },
			"scheduler.priority can only be specified for SchedFIFO or SchedRR policy"},
		{"deadline", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Runtime: 1} },
			"scheduler runtime/deadline/period can only be specified for SchedDeadline policy"},
		{"no policy", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{} }, "scheduler policy is required"},
		{"policy", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_X"} }, "invalid scheduler policy: SCHED_X"},
		{"flag", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_X"}}
		}, "invalid scheduler flag: SCHED_FLAG_X"},
		{"io priority", func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 8}
		}, "invalid ioPriority.Priority: 8"},
		{"io class", func(s *specs.Spec) { s.Process.IOPriority = &specs.LinuxIOPriority{Class: "X"} },
			// runc's log quotes the message, escaping the quotes.
			`invalid ioPriority.Class: `},
		{"personality", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "LINUX64"} },
			"invalid personality domain LINUX64"},
		{"affinity", func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Final: "3-1"} },
			"bad CPUAffinity.Final: invalid range: 3-1"},
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		cgroup := e.spec.Linux.CgroupsPath
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.spec = baseSpec(os.Getenv("ROOTFS"), "true")
				e.spec.Linux.CgroupsPath = cgroup + "-" + strings.ReplaceAll(c.name, " ", "-")
				c.set(e.spec)
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "bad")
				if r.code == 0 || !strings.Contains(r.stderr, c.msg) {
					t.Errorf("exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, c.msg)
				}
				if out := e.must("list", "-q"); strings.TrimSpace(out) != "" {
					t.Errorf("left behind: %q", out)
				}
			})
		}
	})
}

// TestSchedulerVsCpusetAsRunc: SCHED_DEADLINE needs the task's affinity to
// hold every CPU (sched_setattr(2), EPERM); with linux.resources.cpu.cpus
// set it cannot, and runc 1.5 says why (scheduler.bats "scheduler vs
// cpus"). Needs CAP_SYS_NICE and two CPUs.
func TestSchedulerVsCpusetAsRunc(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if all := cpusAllowed(t, string(status)); !strings.ContainsAny(all, "-,") {
		t.Skipf("needs two CPUs for a cpuset narrower than the machine, this test may use %s", all)
	}
	asRunc(t, []string{"true"}, func(t *testing.T, e *env) {
		e.spec.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}}
		e.spec.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 42000, Deadline: 1000000, Period: 1000000}
		e.writeSpec()
		r := e.run("run", "--bundle", e.bundle, "dl")
		if msg := "process scheduler can't be used together with AllowedCPUs"; r.code == 0 || !strings.Contains(r.stderr, msg) {
			t.Errorf("exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, msg)
		}
		if out := e.must("list", "-q"); strings.TrimSpace(out) != "" {
			t.Errorf("left behind: %q", out)
		}
	})
}

// TestChildrenGetTheCallersCPUs: gorunc's CLI starts create, `exec -d` and
// `run -d` pinned to the CPU it is on, so that the Go runtime makes one P,
// and gives every thread the caller's mask back before it does anything
// (nsenter.c, "One P for the CLI"). A hook, which the CLI starts, and the
// CLI's own threads, which the hook reads as its parent's, must have the
// caller's mask, as runc's have. Without the give-back (checked) the hook
// and every CLI thread have the one CPU.
func TestChildrenGetTheCallersCPUs(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	caller := cpusAllowed(t, string(status))
	if !strings.ContainsAny(caller, "-,") {
		t.Skipf("needs two CPUs to tell the caller's mask from a pinned CLI's, this test may use %s", caller)
	}
	runc, why := runc15()
	for _, b := range []struct{ name, path string }{{"gorunc", ""}, {"runc-1.5", runc}} {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "runc-1.5" && runc == "" {
				t.Skip(why)
			}
			out := t.TempDir()
			e := newEnv(t, "sleep", "60")
			if b.path != "" {
				e.bin = b.path
			}
			e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{
				Path: "/bin/sh",
				Args: []string{"sh", "-c", "cat /proc/self/status /proc/$PPID/task/*/status | grep '^Cpus_allowed_list:' > " + filepath.Join(out, "hook")},
			}}}
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "cpus")
			lists := strings.Split(waitWritten(t, filepath.Join(out, "hook")), "\n")
			if len(lists) < 2 {
				t.Fatalf("hook wrote %q, want its own mask and its parent's threads'", lists)
			}
			for i, l := range lists {
				who := "the hook"
				if i > 0 {
					who = fmt.Sprintf("CLI thread %d of %d", i, len(lists)-1)
				}
				if got := cpusAllowed(t, l); got != caller {
					t.Errorf("%s: Cpus_allowed_list %s, want the caller's %s", who, got, caller)
				}
			}
		})
	}
}
