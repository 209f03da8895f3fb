package runtime

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/nsexec"
	"github.com/gorunc/gorunc/rootfs"
	"github.com/gorunc/gorunc/seccomp"
	"github.com/gorunc/gorunc/userns"
)

// `gorunc init` without the Go runtime (docs/performance.md, "init without
// the Go runtime"). create compiles the config into a setup program
// (nsexec/setup.c) and a stage 2 plan (stage2.go's planBytes) when every
// part of it is covered, and init's constructor runs them
// (nsexec/setup_init.c): no Go runtime starts in init, which makes create
// about 13 ms faster and leaves init one thread from its first
// instruction. What the program does not cover (fastSetupRefusal) keeps Go
// init, which stays the reference the program is compared with. The
// compile reads the config only; what the rootfs holds (mount points, HOME
// from /etc/passwd, the program's path) is decided by steps in init.
//
// goInitEnv=go in the runtime's environment keeps Go init for every
// create: a way around a fault in the program, and what the tests that
// compare the two set.
const goInitEnv = "GORUNC_INIT"

// fdSetup and fdPlan are the memfds of the program and the plan.
const (
	fdSetup fdRole = "setup"
	fdPlan  fdRole = "plan"
)

// fastSetup is a create whose init runs the setup program.
type fastSetup struct {
	prog, plan *os.File
}

// programRefusal says why process p, under filter, keeps Go init or Go
// exec-init whatever else the config holds ("" when nothing does): the
// first reason found is what --debug names.
func programRefusal(p *specs.Process, filter *seccomp.Program) string {
	switch {
	case os.Getenv(goInitEnv) == "go":
		return goInitEnv + "=go"
	case !nsexec.NsenterAvailable:
		return "built without cgo"
	case notifies(filter):
		// The listener fd goes back to the runtime over the sync
		// socket, which Go init does (seccomp_notify.go).
		return "a notifying seccomp filter"
	case p.SelinuxLabel != "":
		// Go init refuses it too (lsm.go), in its words.
		return "an SELinux label"
	}
	return ""
}

// fastSetupRefusal says why spec needs Go init ("" when it does not),
// and returns the program when it could be compiled before the spawn:
// for init started from l, unsharing unshare itself. guess is what init's
// /proc/PID/cgroup will say once it has joined (cgroup.InitHierarchies),
// nil when unknown.
func (c *Container) fastSetupRefusal(o CreateOptions, l *launch, unshare uintptr, guess map[string]string) (*setupCompiled, string) {
	spec := c.rec.Spec
	p := spec.Process
	if p == nil {
		return nil, "no process"
	}
	if why := programRefusal(p, c.filter); why != "" {
		return nil, why
	}
	h := spec.Hooks
	switch {
	case c.rootlessCaller():
		// Rootless podman calls the runtime as uid 0 of its user
		// namespace: mknod and more fail there, which Go init works
		// around (a device bound instead).
		return nil, "rootless"
	case nsexec.Has(spec.Linux.Namespaces, specs.UserNamespace):
		return nil, "user namespace"
	case h != nil && len(h.CreateContainer) > 0:
		// They run in init between its mount steps; startContainer
		// hooks run from stage 2, which the program's init is.
		return nil, "createContainer hooks"
	}
	// A pod's containers join its sandbox's network, IPC and UTS
	// namespaces (containerd's CRI); the constructor joins them before
	// the program runs. A joined mount namespace is another tree to set
	// up in, which the program was never checked against.
	for _, ns := range spec.Linux.Namespaces {
		if ns.Path != "" && ns.Type == specs.MountNamespace {
			return nil, "joined mount namespace"
		}
	}
	// Compiled here with the fds init will have (the program's memfd is
	// the next file the launch takes) and the namespaces it will
	// unshare, once. Where it binds init's own v1 cgroups it is compiled
	// for the guess, which write checks once init has joined; without
	// one the runtime's own cgroups stand in (the same hierarchies) and
	// it is compiled again after the spawn.
	cgroups := guess
	if cgroups == nil {
		own, err := cgroup.OwnHierarchies()
		if err != nil {
			return nil, err.Error()
		}
		cgroups = own
	}
	fds := createFDs(l, l.next())
	prog, proc, argv0, why := c.compileSetup(unshare, o, fds, cgroups)
	if why != "" {
		return nil, why
	}
	pre := &setupCompiled{prog: prog, proc: proc, argv0: argv0, dir: fds.dir}
	if rootfs.NeedsInitCgroups(spec.Mounts) {
		if guess == nil {
			return nil, ""
		}
		pre.cgroups = guess
	}
	return pre, ""
}

// setupCompiled is create's program compiled before the spawn, for the
// fd directory slot it was compiled with.
type setupCompiled struct {
	prog  *nsexec.SetupProgram
	proc  *specs.Process
	argv0 string
	dir   int
	// cgroups, when not nil, is the guess of init's cgroups the program
	// binds, to be checked against init's once it has joined.
	cgroups map[string]string
}

// createFDs are the fds init gets from l, dir the program's memfd's
// (which the fd directory replaces).
func createFDs(l *launch, dir int) setupFDs {
	fds := setupFDs{dir: dir, log: -1, console: -1, sync: l.fds[fdSync], mount: func(i int) int { return l.fds[mountRole(i)] }}
	if fd, ok := l.fds[fdLog]; ok {
		fds.log = fd
	}
	if fd, ok := l.fds[fdConsole]; ok {
		fds.console = fd
	}
	return fds
}

// setupFDs are the fds in init that the program names: the slot of the fd
// directory stage 2 reopens the fifo through, the log pipe (-1 without
// --debug), the console socket (-1 without a terminal's), the sync socket
// and each mount's source clone (0: none).
type setupFDs struct {
	dir, log, console, sync int
	mount                   func(i int) int
}

// compileSetup is init's setup as a program, and the argv0 and env the
// plan gives the process; why says what is not covered.
//
// With a log pipe the program writes Go init's debug lines at the same
// steps.
func (c *Container) compileSetup(unshare uintptr, o CreateOptions, fds setupFDs, cgroups map[string]string) (*nsexec.SetupProgram, *specs.Process, string, string) {
	spec := c.rec.Spec
	p := nsexec.NewSetupProgram(c.rec.Rootfs)
	p.LogTo(fds.log)
	p.Debugf("init: setup program received (no Go runtime)")
	if unshare != 0 {
		p.Unshare(uint32(unshare))
		p.Debugf("init: unshared the deferred namespaces (clone flags %#x)", unshare)
		if unshare&unix.CLONE_NEWTIME != 0 {
			if offs := timeOffsetsText(spec.Linux.TimeOffsets); offs != "" {
				p.ProcWrite("self/timens_offsets", offs, "linux.timeOffsets")
			}
		}
	}
	p.Setsid()
	rc := rootfsConfig(spec, c.rec.Rootfs, o.NoPivot)
	// Go init's setupRootfs between pivot_root and the masked paths:
	// the terminal (a pty of the container's devpts), then the sysctls
	// (Docker sets net.ipv4.ip_unprivileged_port_start and
	// net.ipv4.ping_group_range on every container with its own
	// network).
	// Prestart and createRuntime hooks run in the runtime once the
	// mounts are made (createHooks): the program asks and waits.
	beforePivot := func() string {
		if h := spec.Hooks; h != nil && len(h.Prestart)+len(h.CreateRuntime) > 0 {
			p.Hooks(fds.sync)
		}
		return ""
	}
	afterPivot := func() string {
		if spec.Process.Terminal && fds.console >= 0 {
			var flags nsexec.ConsoleFlags
			if o.ConsoleSocket == "" {
				flags |= nsexec.ConsoleClearONLCR
			}
			addConsole(p, spec.Process, fds.console, flags)
		}
		for _, key := range slices.Sorted(maps.Keys(spec.Linux.Sysctl)) {
			if !sysctlName(key) {
				return "linux.sysctl " + key + ": a name the program refuses"
			}
			p.Sysctl(key, spec.Linux.Sysctl[key])
		}
		return ""
	}
	if why := rootfs.CompileSetup(rc, p, fds.mount, cgroups, rootfs.Around{BeforePivot: beforePivot, AfterPivot: afterPivot}); why != "" {
		return nil, nil, "", why
	}
	p.Debugf("init: %d sysctls, %d masked and %d read-only paths applied", len(spec.Linux.Sysctl), len(rc.MaskedPaths), len(rc.ReadonlyPaths))
	if nsexec.Has(spec.Linux.Namespaces, specs.UTSNamespace) {
		if spec.Hostname != "" {
			p.Hostname(spec.Hostname)
		}
		if spec.Domainname != "" {
			p.Domainname(spec.Domainname)
		}
		p.Debugf("init: hostname %q, domainname %q", spec.Hostname, spec.Domainname)
	}
	if !o.NoNewKeyring {
		p.Keyring("_ses." + c.rec.ID)
	}
	if newNetNS(spec.Linux.Namespaces) {
		p.Loopback()
		p.Debugf("init: lo set up in the new network namespace")
	}
	// Before the user switch, as init.go's openFdDir: a procfs mount
	// needs capabilities the process may not keep.
	p.FdDir(fds.dir)
	proc, why := compileProcess(p, spec, c.filter, false)
	if why != "" {
		return nil, nil, "", why
	}
	p.Debugf("init: ready; stage 2 (no Go runtime) sends it and waits on the exec fifo")
	// Before stage 2 waits: the runtime's relay ends at its EOF.
	p.CloseLog()
	if err := p.Err(); err != nil {
		return nil, nil, "", err.Error()
	}
	return p, proc, "", ""
}

// compileExec is exec-init as a program (runtime/exec.go's execInit, in
// its order): the terminal, then the process; why says what is not
// covered. Paths resolve in exec-init's root, the container's once
// nsenter.c has joined its mount namespace.
func compileExec(spec *specs.Spec, filter *seccomp.Program, fds setupFDs, clearONLCR bool) (*nsexec.SetupProgram, *specs.Process, string) {
	p := nsexec.NewSetupProgram("/")
	p.LogTo(fds.log)
	p.Debugf("exec-init: setup program received (no Go runtime)")
	if spec.Process.Terminal && fds.console >= 0 {
		// The pty becomes the controlling terminal of a new session.
		p.Setsid()
		flags := nsexec.ConsoleNoMount
		if clearONLCR {
			flags |= nsexec.ConsoleClearONLCR
		}
		addConsole(p, spec.Process, fds.console, flags)
	}
	proc, why := compileProcess(p, spec, filter, true)
	if why != "" {
		return nil, nil, why
	}
	p.Debugf("exec-init: ready; it execs without the Go runtime")
	p.CloseLog()
	if err := p.Err(); err != nil {
		return nil, nil, err.Error()
	}
	return p, proc, ""
}

// addConsole adds the terminal step for proc, its pty master sent over
// the console socket at fd, with flags and, when proc has a console size,
// that window size.
func addConsole(p *nsexec.SetupProgram, proc *specs.Process, fd int, flags nsexec.ConsoleFlags) {
	var rows, cols uint16
	if cs := proc.ConsoleSize; cs != nil && cs.Height != 0 && cs.Width != 0 {
		flags |= nsexec.ConsoleResize
		rows, cols = uint16(cs.Height), uint16(cs.Width)
	}
	p.Console(fd, proc.User.UID, rows, cols, flags)
}

// rootlessCaller is a runtime whose creates the program does not serve:
// not root, or --rootless, or root of a user namespace (rootless podman),
// where mknod and more fail and Go init works around them.
func (c *Container) rootlessCaller() bool {
	return os.Geteuid() != 0 || c.store.Rootless || userns.Running()
}

// compileProcess adds the process half that init and exec-init share
// (init.go's becomeProcess and what comes before it): limits, the
// environment, scheduling, the LSM profile, the filter, the identity, the
// working directory and the lookup of args[0]. It returns the process the
// plan execs (its environment checked), or why it is not covered.
func compileProcess(p *nsexec.SetupProgram, spec *specs.Spec, filter *seccomp.Program, exec bool) (*specs.Process, string) {
	name := initName(exec)
	proc := *spec.Process
	for _, rl := range proc.Rlimits {
		res, ok := rlimitTypes()[rl.Type]
		if !ok {
			return nil, "rlimit type " + rl.Type
		}
		p.Rlimit(rl.Type, res, rl.Soft, rl.Hard)
	}
	// Docker, containerd's CRI and podman set it for every container;
	// an exec'd process keeps the container's (runc's setns init).
	if proc.OOMScoreAdj != nil && !exec {
		v := strconv.Itoa(*proc.OOMScoreAdj)
		p.ProcWrite("self/oom_score_adj", v, "set process.oomScoreAdj "+v)
	}
	id := nsexec.Identity{UID: proc.User.UID, GID: proc.User.GID, Umask: proc.User.Umask, NoNewPrivileges: proc.NoNewPrivileges}
	if os.Geteuid() == 0 {
		id.Groups = append([]uint32{}, proc.User.AdditionalGids...)
	}
	// else a runtime run by an unprivileged host user (RootlessEUID):
	// no setgroups(2), as startProcess; the process keeps the caller's
	// supplementary groups and rootlessGroups refused additional ones.
	if proc.Capabilities != nil {
		caps, err := capsFor(proc.Capabilities)
		if err != nil {
			return nil, err.Error()
		}
		id.Caps = &nsexec.CapSets{Bounding: caps.bounding, Effective: caps.effective, Permitted: caps.permitted,
			Inheritable: caps.inheritable, Ambient: caps.amb, Last: uint32(caps.last)}
		for c := capability.Cap(0); c <= 63; c++ {
			if caps.amb&(1<<uint(c)) != 0 {
				// For applySets' warning.
				id.Caps.AmbientNames = append(id.Caps.AmbientNames, capName(c))
			}
		}
	}
	// Go init's becomeProcess order: the environment (HOME from the
	// container's /etc/passwd, as root), affinity (applyProcSched),
	// then the identity.
	env, needHome, err := checkEnv(proc.Env)
	if err != nil {
		return nil, err.Error()
	}
	proc.Env = env
	if needHome {
		p.Home(proc.User.UID)
	}
	// Go init's applyProcSched: affinity (every CPU; an exec's
	// execCPUAffinity keeps Go exec-init), then scheduler, I/O priority
	// and memory policy.
	if exec && proc.ExecCPUAffinity != nil {
		return nil, "process.execCPUAffinity"
	}
	p.AffinityAll()
	if why := compileProcSched(spec, p); why != "" {
		return nil, why
	}
	p.Debugf("%s: setting user %d:%d, cwd %s, capabilities", name, proc.User.UID, proc.User.GID, proc.Cwd)
	// startProcess's first step: as root, before any filter. Docker
	// sets docker-default on every container of a host with AppArmor.
	if proc.ApparmorProfile != "" {
		p.AppArmor(proc.ApparmorProfile)
	}
	if filter != nil && !proc.NoNewPrivileges {
		// startProcess's order: the working directory verified
		// before the filter (which may forbid getcwd), tried again
		// as the new user when refused; the filter before the
		// identity (it needs CAP_SYS_ADMIN).
		if n := len(filter.Instructions); filter.Flags > 0xffffffff || n == 0 || n > 4096 {
			return nil, "a seccomp program Go init refuses in its words"
		}
		p.Cwd(proc.Cwd, nsexec.CwdVerify|nsexec.CwdTry)
		p.Debugf("%s: seccomp: loading the filter (%d instructions) before the user switch", name, len(filter.Instructions))
		p.Seccomp(uint32(filter.Flags), filter.Instructions)
		p.Identity(id)
		p.Cwd(proc.Cwd, nsexec.CwdAfter)
	} else {
		if filter != nil {
			p.Debugf("%s: seccomp: the filter (%d instructions) goes in just before execve (noNewPrivileges)", name, len(filter.Instructions))
		}
		p.Identity(id)
		p.Cwd(proc.Cwd, nsexec.CwdVerify)
	}
	name0 := proc.Args[0]
	if strconv.Quote(name0) != `"`+name0+`"` {
		return nil, "args[0] that %q would escape"
	}
	if strings.Contains(name0, "/") {
		p.Lookup(name0, false, nil)
	} else {
		var search string
		for _, kv := range proc.Env {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok {
				search = v
			}
		}
		var candidates []string
		for _, dir := range filepath.SplitList(search) {
			if dir == "" {
				dir = "."
			}
			candidates = append(candidates, filepath.Join(dir, name0))
		}
		p.Lookup(name0, true, candidates)
	}
	return &proc, ""
}

// compileProcSched adds applyProcSched's scheduler, I/O priority, memory
// policy and personality; what they would refuse in Go init keeps Go init, which
// says it in its words.
func compileProcSched(spec *specs.Spec, p *nsexec.SetupProgram) string {
	proc := spec.Process
	var ps nsexec.ProcSched
	if proc.Scheduler != nil {
		attr, err := schedAttr(proc.Scheduler)
		if err != nil {
			return err.Error()
		}
		ps.Sched, ps.CPUsLimited = attr, cpusLimited(spec.Linux)
	}
	if io := proc.IOPriority; io != nil {
		v, err := ioprioValue(io)
		if err != nil {
			return err.Error()
		}
		prio := uint32(v)
		ps.IOPrio = &prio
	}
	mp, err := parseMemoryPolicy(spec.Linux)
	if err != nil {
		return err.Error()
	}
	if mp != nil {
		ps.MemMode, ps.MemNodes = int32(mp.mode), mp.nodes
	}
	if per := spec.Linux.Personality; per != nil {
		// Validated at create (validatePersonality).
		domain := uint32(personalities()[per.Domain])
		ps.Personality = &domain
	}
	if ps.Sched != nil || ps.IOPrio != nil || ps.MemNodes != nil || ps.Personality != nil {
		p.ProcSched(ps)
	}
	return ""
}

// sysctlName is a key the program's sysctl step takes: dotted parts,
// none empty, "." or "..", and no "/".
func sysctlName(key string) bool {
	for part := range strings.SplitSeq(key, ".") {
		if part == "" || part == ".." || strings.Contains(part, "/") {
			return false
		}
	}
	return true
}

// openFastSetup makes the memfds of a fast create (or exec) and hands
// them to l.
func openFastSetup(l *launch, exec bool) (*fastSetup, []string, error) {
	prog, err := newMemfd("gorunc-setup")
	if err != nil {
		return nil, nil, err
	}
	plan, err := newMemfd("gorunc-plan")
	if err != nil {
		prog.Close()
		return nil, nil, err
	}
	progFD, planFD := l.add(fdSetup, prog), l.add(fdPlan, plan)
	// The fd directory stage 2 reopens the fifo through takes the
	// program's slot once the program is read.
	env := "_GORUNC_SETUP=" + strconv.Itoa(progFD) + ":" + strconv.Itoa(planFD) + ":" + strconv.Itoa(progFD) + ":" + strconv.Itoa(l.preserve)
	if exec {
		// exec-init's words and plan (nsexec/setup_init.c).
		env += ":1"
	}
	return &fastSetup{prog: prog, plan: plan}, []string{env}, nil
}

// write fills in the program and the plan once init is spawned: pre's
// program when it was compiled for the fd slot the memfd got, else one
// compiled now, with the cgroups init has joined. (unshare is Spawn's,
// which is nsexec.Deferred's, as pre's.)
func (f *fastSetup) write(c *Container, l *launch, pid int, unshare uintptr, o CreateOptions, pre *setupCompiled) error {
	var prog *nsexec.SetupProgram
	var proc *specs.Process
	var argv0 string
	use := pre != nil && pre.dir == l.fds[fdSetup]
	// init's cgroups, read once: for the guess's check, or to compile.
	var cgroups map[string]string
	if !use || pre.cgroups != nil {
		var err error
		if cgroups, err = cgroup.ProcHierarchies(pid); err != nil {
			return err
		}
	}
	if use && pre.cgroups != nil && !maps.Equal(cgroups, pre.cgroups) {
		c.store.Log.Debugf("create %s: init's cgroups are not the ones guessed (%v, not %v): setup program compiled again", c.rec.ID, cgroups, pre.cgroups)
		use = false
	}
	if use {
		prog, proc, argv0 = pre.prog, pre.proc, pre.argv0
	} else {
		var why string
		prog, proc, argv0, why = c.compileSetup(unshare, o, createFDs(l, l.fds[fdSetup]), cgroups)
		if why != "" {
			return fmt.Errorf("setup program: %s", why)
		}
	}
	b, err := prog.Bytes()
	if err != nil {
		return err
	}
	spec := *c.rec.Spec
	spec.Process = proc
	cfg := &initConfig{Spec: &spec, Seccomp: c.filter, State: c.ociState(specs.StateCreating)}
	plan, err := planBytes(cfg, argv0, l.fds[fdSync], l.fds[fdFifo], l.fds[fdSetup], false)
	if err != nil {
		return err
	}
	return f.fill(b, plan)
}

// fill writes the program and the plan into their memfds.
func (f *fastSetup) fill(prog, plan []byte) error {
	if _, err := f.prog.WriteAt(prog, 0); err != nil {
		return fmt.Errorf("write setup program: %w", err)
	}
	if _, err := f.plan.WriteAt(plan, 0); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// execSetup is exec-init's program and plan for spec (its process
// execSpec's, its filter the container's), or why the exec needs Go
// exec-init: what fastSetupRefusal keeps in Go for the same reasons, and
// what the program does not do. Nothing in them depends on exec-init
// itself (no cgroup mount, no namespace it unshares), so they are made
// once, before it is started, with the fds l gives it.
//
// A container's user namespace does not keep Go exec-init, as it keeps Go
// init: P2's memory belongs to the host's user namespace (nsenter.c's P1
// was executed there and joins the container's only then; P2 is its
// fork), so the non-dumpable P2 stays out of the container root's reach
// until its execve, as Go exec-init does; it makes nothing that mknod
// would refuse there. Nor does a rootless caller (an unprivileged host
// user, --rootless, root of a user namespace as rootless podman): what an
// exec does differently for it is the parent's (a cgroup join it may not
// make, no oom_score_adj) or the identity's (no setgroups for an
// unprivileged host user, compileProcess), as for Go exec-init, whose
// memory belongs to the same user namespace, the caller's.
func (c *Container) execSetup(spec *specs.Spec, filter *seccomp.Program, l *launch, proxied bool) (prog, plan []byte, why string) {
	if why := programRefusal(spec.Process, filter); why != "" {
		return nil, nil, why
	}
	fds := setupFDs{dir: -1, log: -1, console: -1, sync: l.fds[fdSync]}
	if fd, ok := l.fds[fdLog]; ok {
		fds.log = fd
	}
	if fd, ok := l.fds[fdConsole]; ok {
		fds.console = fd
	}
	sp, proc, why := compileExec(spec, filter, fds, proxied)
	if why != "" {
		return nil, nil, why
	}
	prog, err := sp.Bytes()
	if err != nil {
		return nil, nil, err.Error()
	}
	s := *spec
	s.Process = proc
	// What planBytes refuses (a NUL in argv or env), Go exec-init
	// refuses in its words.
	plan, err = planBytes(&initConfig{Spec: &s, Seccomp: filter}, "", l.fds[fdSync], 0, 0, true)
	if err != nil {
		return nil, nil, err.Error()
	}
	return prog, plan, ""
}

func (f *fastSetup) close() {
	if f != nil {
		f.prog.Close()
		f.plan.Close()
	}
}

// logFastSetup appends why (or "setup program") to the file
// $_GORUNC_SETUPFAST_LOG names, after "exec: " for an exec: how many of a
// suite's creates and execs the program covers, and what keeps the others
// in Go (docs/performance.md).
func logFastSetup(exec bool, why string) {
	name := os.Getenv("_GORUNC_SETUPFAST_LOG")
	if name == "" {
		return
	}
	if why == "" {
		why = "setup program"
	}
	if exec {
		why = "exec: " + why
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	f.WriteString(why + "\n")
	f.Close()
}
