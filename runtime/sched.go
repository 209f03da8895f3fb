package runtime

// Per-process kernel attributes of runtime-spec 1.2/1.3 that runc 1.5
// applies to init and to every exec'd process: process.scheduler
// (sched_setattr(2)), process.ioPriority (ioprio_set(2)),
// linux.personality (personality(2)) and the CPU affinity
// (process.execCPUAffinity, and the reset that keeps the caller's
// taskset pinning out of the container).
//
// scheduler and personality are attributes of a thread, and execve(2)
// hands the exec'ing thread's to the new program: they are set on the
// thread that execs, which is init's (and exec-init's) main thread, locked
// by childMain.

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/gorunc/gorunc/nsexec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// schedPolicies and schedFlags are sched_setattr(2)'s values
// (include/uapi/linux/sched.h); runc's configs.ToSchedAttr accepts the same
// names, SCHED_ISO included (the kernel refuses it with EINVAL).
var schedPolicies = sync.OnceValue(func() map[specs.LinuxSchedulerPolicy]uint32 {
	return map[specs.LinuxSchedulerPolicy]uint32{
		specs.SchedOther:    0,
		specs.SchedFIFO:     1,
		specs.SchedRR:       2,
		specs.SchedBatch:    3,
		specs.SchedISO:      4,
		specs.SchedIdle:     5,
		specs.SchedDeadline: 6,
	}
})

var schedFlags = sync.OnceValue(func() map[specs.LinuxSchedulerFlag]uint64 {
	return map[specs.LinuxSchedulerFlag]uint64{
		specs.SchedFlagResetOnFork:  0x01,
		specs.SchedFlagReclaim:      0x02,
		specs.SchedFlagDLOverrun:    0x04,
		specs.SchedFlagKeepPolicy:   0x08,
		specs.SchedFlagKeepParams:   0x10,
		specs.SchedFlagUtilClampMin: 0x20,
		specs.SchedFlagUtilClampMax: 0x40,
	}
})

// ioprioClasses are ioprio_set(2)'s classes (include/uapi/linux/ioprio.h).
var ioprioClasses = sync.OnceValue(func() map[specs.IOPriorityClass]int {
	return map[specs.IOPriorityClass]int{
		specs.IOPRIO_CLASS_RT:   1,
		specs.IOPRIO_CLASS_BE:   2,
		specs.IOPRIO_CLASS_IDLE: 3,
	}
})

// personalities are personality(2)'s domains (PER_LINUX, PER_LINUX32).
var personalities = sync.OnceValue(func() map[specs.LinuxPersonalityDomain]uintptr {
	return map[specs.LinuxPersonalityDomain]uintptr{
		specs.PerLinux:   0x0000,
		specs.PerLinux32: 0x0008,
	}
})

// validateProcSched checks config.json's scheduler, ioPriority and
// execCPUAffinity with runc 1.5's rules and words (configs/validate
// scheduler and ioPriority, configs.ToSchedAttr,
// configs.ConvertCPUAffinity). An exec's process gets only execProcSched:
// runc validates nothing more there, and the kernel clamps an out-of-range
// nice or priority level rather than refuse it.
func validateProcSched(p *specs.Process) error {
	if s := p.Scheduler; s != nil {
		if s.Policy == "" {
			return errors.New("scheduler policy is required")
		}
		if (s.Policy == specs.SchedOther || s.Policy == specs.SchedBatch) && (s.Nice < -20 || s.Nice > 19) {
			return fmt.Errorf("invalid scheduler.nice: %d when scheduler.policy is %s", s.Nice, s.Policy)
		}
		if s.Priority != 0 && s.Policy != specs.SchedFIFO && s.Policy != specs.SchedRR {
			return errors.New("scheduler.priority can only be specified for SchedFIFO or SchedRR policy")
		}
		if s.Policy != specs.SchedDeadline && (s.Runtime != 0 || s.Deadline != 0 || s.Period != 0) {
			return errors.New("scheduler runtime/deadline/period can only be specified for SchedDeadline policy")
		}
	}
	if io := p.IOPriority; io != nil {
		if io.Priority < 0 || io.Priority > 7 {
			return fmt.Errorf("invalid ioPriority.Priority: %d", io.Priority)
		}
		if _, ok := ioprioClasses()[io.Class]; !ok {
			return fmt.Errorf("invalid ioPriority.Class: %q", io.Class)
		}
	}
	return execProcSched(p)
}

// execProcSched is what runc refuses of an exec's process before it
// starts anything: execCPUAffinity that does not parse (newProcess), and a
// policy or flag sched_setattr has no number for (which runc finds in
// runc init).
func execProcSched(p *specs.Process) error {
	if s := p.Scheduler; s != nil {
		if _, err := schedAttr(s); err != nil {
			return err
		}
	}
	_, _, err := execAffinity(p.ExecCPUAffinity)
	return err
}

// personalityWarning is runc's warning (specconv) for linux.personality
// flags: none is defined, and runc leaves them out rather than fail.
func personalityWarning(l *specs.Linux) []string {
	if l == nil || l.Personality == nil || len(l.Personality.Flags) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("ignoring unsupported personality flags: %v because personality flag has not supported at this time", l.Personality.Flags)}
}

// validatePersonality: runc's specconv refuses domains other than LINUX
// and LINUX32.
func validatePersonality(l *specs.Linux) error {
	if l == nil || l.Personality == nil {
		return nil
	}
	if _, ok := personalities()[l.Personality.Domain]; !ok {
		return fmt.Errorf("invalid personality domain %s", l.Personality.Domain)
	}
	return nil
}

// ioprioValue is ioprio_set(2)'s value for io: class << 13 | priority.
func ioprioValue(io *specs.LinuxIOPriority) (int, error) {
	class, ok := ioprioClasses()[io.Class]
	if !ok {
		return 0, fmt.Errorf("invalid io priority class: %s", io.Class)
	}
	return class<<13 | io.Priority, nil
}

// cpusLimited says linux.resources.cpu.cpus is set: a cpuset that may not
// hold every CPU, which makes sched_setattr(2) fail with EPERM.
func cpusLimited(l *specs.Linux) bool {
	return l != nil && l.Resources != nil && l.Resources.CPU != nil && l.Resources.CPU.Cpus != ""
}

// schedAttr is sched_setattr(2)'s argument for s (runc's
// configs.ToSchedAttr).
func schedAttr(s *specs.Scheduler) (*unix.SchedAttr, error) {
	policy, ok := schedPolicies()[s.Policy]
	if !ok {
		return nil, fmt.Errorf("invalid scheduler policy: %s", s.Policy)
	}
	var flags uint64
	for _, f := range s.Flags {
		v, ok := schedFlags()[f]
		if !ok {
			return nil, fmt.Errorf("invalid scheduler flag: %s", f)
		}
		flags |= v
	}
	return &unix.SchedAttr{
		Size: unix.SizeofSchedAttr, Policy: policy, Flags: flags, Nice: s.Nice,
		Priority: uint32(s.Priority), Runtime: s.Runtime, Deadline: s.Deadline, Period: s.Period,
	}, nil
}

// execAffinity parses execCPUAffinity's lists; both nil when neither is
// given (runc then treats it as absent).
func execAffinity(a *specs.CPUAffinity) (initial, final *unix.CPUSet, err error) {
	if a == nil {
		return nil, nil, nil
	}
	if initial, err = parseCPUList(a.Initial); err != nil {
		return nil, nil, fmt.Errorf("bad CPUAffinity.Initial: %w", err)
	}
	if final, err = parseCPUList(a.Final); err != nil {
		return nil, nil, fmt.Errorf("bad CPUAffinity.Final: %w", err)
	}
	return initial, final, nil
}

// parseCPUList reads the list format "0-3,5" as runc's configs.ToCPUSet:
// spaces and empty elements allowed, CPUs beyond a CPUSet refused.
func parseCPUList(list string) (*unix.CPUSet, error) {
	if list == "" {
		return nil, nil
	}
	set := new(unix.CPUSet)
	limit := uint64(unsafe.Sizeof(*set) * 8)
	cpu := func(v string) (int, error) {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return 0, err
		}
		if n >= limit {
			return 0, fmt.Errorf("values larger than %d are not supported", limit-1)
		}
		return int(n), nil
	}
	for _, r := range strings.Split(list, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(r, "-")
		first, err := cpu(lo)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			if last, err = cpu(hi); err != nil {
				return nil, err
			}
			if first > last {
				return nil, errors.New("invalid range: " + r)
			}
		}
		for c := first; c <= last; c++ {
			set.Set(c)
		}
	}
	if set.Count() == 0 {
		return nil, fmt.Errorf("no members found in set %q", list)
	}
	return set, nil
}

// startAffine starts an exec-init with execCPUAffinity.initial, as runc's
// startWithCPUAffinity: from a thread of its own pinned to those CPUs, so
// the child runs on them from its first instruction until it is in the
// container's cgroup and sets the final mask.
func startAffine(cmd *exec.Cmd, a *specs.CPUAffinity) error {
	initial, _, err := execAffinity(a)
	if err != nil {
		return err
	}
	if initial == nil {
		return nsexec.StartAsCaller(cmd.Start)
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread with the changed mask dies with
		// the goroutine instead of going back to the runtime.
		runtime.LockOSThread()
		if err := unix.SchedSetaffinity(0, initial); err != nil {
			errc <- fmt.Errorf("error setting initial CPU affinity: %w", err)
			return
		}
		errc <- nsexec.StartAsCaller(cmd.Start)
	}()
	return <-errc
}

// applyProcSched runs in init (isExec false) and exec-init on the thread
// that execs, after it is in the container's cgroup and before the user
// switch and the seccomp filter (runc's order: standard_init and
// setns_init call setupScheduler, setupIOPriority and setupPersonality
// before finalizeNamespace and seccomp).
func applyProcSched(spec *specs.Spec, isExec bool) error {
	p := spec.Process
	if err := setAffinity(p, isExec); err != nil {
		return err
	}
	if p.Scheduler != nil {
		attr, err := schedAttr(p.Scheduler)
		if err != nil {
			return err
		}
		if err := unix.SchedSetAttr(0, attr, 0); err != nil {
			// sched_setattr(2): EPERM when the affinity mask does
			// not hold every CPU, which a cpuset makes so.
			if errors.Is(err, unix.EPERM) && cpusLimited(spec.Linux) {
				return errors.New("process scheduler can't be used together with AllowedCPUs")
			}
			return fmt.Errorf("error setting scheduler: %w", err)
		}
	}
	if io := p.IOPriority; io != nil {
		prio, err := ioprioValue(io)
		if err != nil {
			return err
		}
		// IOPRIO_WHO_PROCESS with who 0, as runc: the caller.
		const whoProcess = 1
		if _, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_SET, whoProcess, 0, uintptr(prio)); errno != 0 {
			return fmt.Errorf("failed to set io priority: %w", errno)
		}
	}
	if err := applyMemoryPolicy(spec.Linux); err != nil {
		return err
	}
	if per := spec.Linux.Personality; per != nil {
		if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, personalities()[per.Domain], 0, 0); errno != 0 {
			return fmt.Errorf("set_personality: %w", errno)
		}
	}
	return nil
}

// setAffinity gives init, and an exec without execCPUAffinity, every CPU
// its cgroup allows, so the caller's pinning (taskset gorunc ...) does
// not leak in: runc's tryResetCPUAffinity after the cgroup is joined. A
// mask of every possible CPU is cut down by the kernel to the cpuset's,
// and keeps CPUs added to the cpuset later. runc only warns when that
// fails; so does nothing here. An exec with execCPUAffinity.final gets
// that mask now; with only "initial", it keeps the initial one.
func setAffinity(p *specs.Process, isExec bool) error {
	initial, final := (*unix.CPUSet)(nil), (*unix.CPUSet)(nil)
	if isExec {
		var err error
		if initial, final, err = execAffinity(p.ExecCPUAffinity); err != nil {
			return err
		}
	}
	if final != nil {
		if err := unix.SchedSetaffinity(0, final); err != nil {
			return fmt.Errorf("error setting final CPU affinity: %w", err)
		}
		return nil
	}
	if initial == nil {
		all := make([]byte, 64*1024/8)
		for i := range all {
			all[i] = 0xff
		}
		unix.RawSyscall(unix.SYS_SCHED_SETAFFINITY, 0, uintptr(len(all)), uintptr(unsafe.Pointer(&all[0])))
	}
	return nil
}
