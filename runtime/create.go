package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/netdev"
	"github.com/gorunc/gorunc/nsexec"
	"github.com/gorunc/gorunc/rootfs"
	"github.com/gorunc/gorunc/seccomp"
)

// CreateOptions are create's flags.
type CreateOptions struct {
	ID            string
	Bundle        string
	PidFile       string
	ConsoleSocket string
	PidfdSocket   string // init's pidfd goes there (pidfd.go)
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFDs   int
	// SystemdCgroup is the global --systemd-cgroup: the cgroup is a
	// systemd unit (cgroup/systemd.go), linux.cgroupsPath
	// "slice:prefix:name".
	SystemdCgroup bool
	// Foreground is set by `run` without -d: the caller stays the parent
	// of init and waits for it.
	Foreground bool
	// console, set by a foreground `run` with a terminal, is its end of
	// a socketpair that replaces --console-socket.
	console *os.File
	// stdio, set by a foreground `run` without a terminal, are the
	// pipes init gets instead of the caller's stdio (stdio.go).
	stdio *stdioPipes
	// spec is config.json as a foreground `run` already loaded and
	// validated it, so that Create need not read it again; specJSON is
	// the file's bytes.
	spec     *specs.Spec
	specJSON json.RawMessage
}

// cleanup undoes a half-finished operation (create, restore, the start of
// init or an exec'd process) in reverse order, unless disarmed once it has
// succeeded or the failure path has undone it itself.
type cleanup struct{ undo []func() }

func (c *cleanup) add(f func()) { c.undo = append(c.undo, f) }
func (c *cleanup) disarm()      { c.undo = nil }
func (c *cleanup) run() {
	for i := len(c.undo) - 1; i >= 0; i-- {
		c.undo[i]()
	}
}

// Create sets up a container whose init then blocks on the exec fifo until
// Start. On any failure everything done so far is undone: no process,
// cgroup, mount or state directory is left behind. It returns init's
// process for a foreground caller to wait on.
func (s Store) Create(o CreateOptions) (*Container, *os.Process, error) {
	if err := ValidateID(o.ID); err != nil {
		return nil, nil, err
	}
	checkPidfdAside()
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", o.Bundle, err)
	}
	spec, raw := o.spec, o.specJSON
	if spec == nil {
		if spec, raw, err = loadConfig(bundle); err != nil {
			return nil, nil, err
		}
	}
	s.Log.Debugf("create %s: config loaded from %s", o.ID, filepath.Join(bundle, "config.json"))
	s.warn(rootfs.AbsDestinations(spec.Mounts)...)
	s.warn(capsWarning(spec.Process)...)
	s.warn(personalityWarning(spec.Linux)...)
	if err := validateCreate(spec, bundle, o); err != nil {
		return nil, nil, err
	}
	filter, err := compileSeccomp(spec)
	if err != nil {
		return nil, nil, err
	}
	rootfsPath, err := filepath.EvalSymlinks(RootfsPath(spec, bundle))
	if err != nil {
		return nil, nil, fmt.Errorf("root.path: %w", err)
	}
	if o.console == nil && o.ConsoleSocket != "" {
		// Connected before anything exists, so a bad socket leaves
		// nothing behind; init gets the connection (runc does the same).
		if o.console, err = DialConsoleSocket(o.ConsoleSocket); err != nil {
			return nil, nil, err
		}
		defer o.console.Close()
	}
	var pidfdConn *net.UnixConn
	if o.PidfdSocket != "" {
		// Connected before anything exists, as the console socket.
		if pidfdConn, err = dialPidfdSocket(o.PidfdSocket); err != nil {
			return nil, nil, err
		}
		defer pidfdConn.Close()
	}
	absMountSources(spec, bundle)
	var undo cleanup
	defer undo.run()

	l, err := s.mkdirLocked(o.ID)
	if err != nil {
		return nil, nil, err
	}
	// keepState: init outlived its SIGKILL (frozen by an ancestor's
	// freeze), so the state stays for a later delete --force to finish.
	keepState := false
	undo.add(func() {
		if !keepState {
			os.RemoveAll(s.dir(o.ID))
		}
		l.unlock()
	})
	c := &Container{store: s, lock: l, filter: filter, rec: newRecord(o.ID, bundle, rootfsPath, spec)}
	// Create changes the spec no more from here on: the state's copy of
	// config.json's bytes (sameSpec) is checked beside the cgroup's
	// work, which writes the state first.
	m, err := c.openCgroup(o.SystemdCgroup)
	if err != nil {
		return nil, nil, err
	}
	cg := &initCgroup{m: m, undo: &undo}
	if rootfs.NeedsInitCgroups(spec.Mounts) {
		// Guessed while m is this goroutine's (applyCgroupAside); a
		// failed read only means no guess.
		if own, err := cgroup.OwnHierarchies(); err == nil {
			cg.initHierarchies = cgroup.InitHierarchies(m, own)
		}
	}
	// The version openCgroup recorded: State() again would stat every
	// planned directory again.
	if c.rec.Cgroup.Version == 1 && !s.Rootless {
		// v1: the state written and some 20 directories and files
		// made and written on the other CPU while this one starts
		// init (spawn waits for them before init's go-ahead, and init
		// joins before any work), as runc and crun make them once
		// init exists. On v2 init is cloned into its directory, which
		// must exist first; a rootless caller may have to go on
		// without a cgroup, decided before init exists.
		c.applyCgroupAside(cg, raw)
	} else {
		c.rec.specJSON = sameSpec(raw, spec)
		if err := c.applyCgroup(cg); err != nil {
			return nil, nil, err
		}
	}
	proc, err := c.spawn(cg, o)
	if err != nil {
		var left *initLeftError
		keepState = errors.As(err, &left)
		return nil, nil, err
	}
	m = cg.m
	undo.add(func() { reapInit(proc, m) })
	// pids.max goes last, once init is ready and has the threads its Go
	// runtime needs, as runc writes the limits at init's procHooks: a
	// limit of 1 (pids.limit 0, as runc) or a few would otherwise fail
	// init's own thread creation (pthread_create: EAGAIN).
	if cg.pids != nil {
		if err := m.Set(&specs.LinuxResources{Pids: cg.pids}); err != nil {
			return nil, nil, err
		}
	}
	s.Log.Debugf("create %s: init (pid %d) is ready, blocked on the exec fifo", o.ID, proc.Pid)
	if pidfdConn != nil {
		// Sent once init is ready, before create returns, as runc's
		// init does; the pid file still comes last.
		if err := sendPidfd(pidfdConn, proc.Pid, c.rec.InitStart, pidfdKindInit); err != nil {
			return nil, nil, err
		}
	}
	faultPoint("before-pidfile")
	// containerd considers create complete once the pid file exists, so
	// it is written last.
	if err := writePidFile(o.PidFile, proc.Pid); err != nil {
		return nil, nil, err
	}
	if o.PidFile != "" {
		s.Log.Debugf("create %s: pid file %s written", o.ID, o.PidFile)
	}
	undo.disarm()
	// Released even for a foreground run, which waits without it, so
	// that kill and state from elsewhere still work.
	c.close()
	return c, proc, nil
}

// initCgroup is the container's cgroup on its way to holding init.
type initCgroup struct {
	m cgroup.Manager
	// aside, when not nil, is applyCgroup's answer from the goroutine
	// that runs it (applyCgroupAside); until wait, m, pids, undo and
	// the container's record are that goroutine's to change (the
	// caller only reads the record's spec).
	aside chan error
	// pids is pids.max, for the caller to write once init is ready.
	pids *specs.LinuxPids
	// initHierarchies is init's /proc/PID/cgroup as it will be once
	// init has joined (cgroup.InitHierarchies), for a program that binds
	// them; nil when not guessed.
	initHierarchies map[string]string
	// undo is the create's: the cgroup is removed after init is reaped.
	undo *cleanup
}

// applyCgroupAside runs applyCgroup in a goroutine, after recording
// config.json's bytes raw as the state's spec when they still decode to it
// (sameSpec: a second decode and a deep comparison, off init's path);
// wait collects it.
func (c *Container) applyCgroupAside(cg *initCgroup, raw json.RawMessage) {
	cg.aside = make(chan error, 1)
	go func() {
		c.rec.specJSON = sameSpec(raw, c.rec.Spec)
		cg.aside <- c.applyCgroup(cg)
	}()
}

// wait returns applyCgroup's error once it has finished (at once when it
// ran in line), and registers nothing itself: applyCgroup did.
func (cg *initCgroup) wait() error {
	if cg.aside == nil {
		return nil
	}
	err := <-cg.aside
	cg.aside = nil
	return err
}

// makeCgroup creates (or joins) the container's cgroup and writes its
// limits but pids.max, which it returns for the caller to write once the
// container's first process is in place. systemd is --systemd-cgroup.
func (c *Container) makeCgroup(undo *cleanup, systemd bool) (cgroup.Manager, *specs.LinuxPids, error) {
	m, err := c.openCgroup(systemd)
	if err != nil {
		return nil, nil, err
	}
	cg := &initCgroup{m: m, undo: undo}
	if err := c.applyCgroup(cg); err != nil {
		return nil, nil, err
	}
	return cg.m, cg.pids, nil
}

// openCgroup finds the container's cgroup and checks that it may be used,
// before anything is made in the cgroupfs.
func (c *Container) openCgroup(systemd bool) (cgroup.Manager, error) {
	spec, s := c.rec.Spec, c.store
	m, err := cgroup.New(cgroup.Config{
		Path:        spec.Linux.CgroupsPath,
		Name:        c.rec.ID,
		Rootless:    s.Rootless,
		Systemd:     systemd,
		Annotations: spec.Annotations,
		Warn:        func(msg string) { s.warn(msg) },
	})
	if err != nil {
		return nil, err
	}
	// Checked before anything is made in the cgroupfs: init placed in a
	// frozen cgroup stops dead mid-setup. runc 1.5 refuses a pre-made
	// cgroup frozen by itself with these words, but not one frozen by an
	// ancestor, where it hangs; the kernel freezes a child made there too.
	if f, err := m.FrozenBy(); err != nil {
		return nil, fmt.Errorf("cgroup freezer state: %w", err)
	} else if f != nil {
		return nil, fmt.Errorf("container's cgroup unexpectedly frozen: %w", f)
	}
	// runc 1.2+ refuses a pre-made cgroup that has processes already, in
	// these words (libcontainer/factory_linux.go): they would share the
	// container's limits and die with its delete. A cgroup not made yet
	// has none.
	if pids, err := m.Pids(); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, unix.ENODEV) {
		return nil, fmt.Errorf("unable to get cgroup PIDs: %w", err)
	} else if len(pids) > 0 {
		return nil, fmt.Errorf("container's cgroup is not empty: %d process(es) found", len(pids))
	}
	c.rec.Cgroup = m.State()
	return m, nil
}

// applyCgroup records the cgroup in the container's state, makes it and
// writes its limits but pids.max (kept in cg.pids). A rootless caller
// without the right to it goes on without one where the config allows
// (withoutCgroup): cg.m is then another manager.
func (c *Container) applyCgroup(cg *initCgroup) error {
	spec, s, m := c.rec.Spec, c.store, cg.m
	// Recorded before the first mkdir (State lists the directories Apply
	// will make as Planned), so `delete --force` after a crash at any
	// later point knows which cgroup directories are gorunc's to remove.
	if err := s.write(c.rec); err != nil {
		return err
	}
	err := m.Apply(0)
	if err == nil && s.Rootless {
		err = cgroup.JoinPermitted(m)
	}
	if err != nil {
		m.Destroy()
		if m, err = s.withoutCgroup(spec, err); err != nil {
			return err
		}
	}
	cg.m = m
	cg.undo.add(func() { m.Destroy() })
	s.Log.Debugf("create %s: cgroup %s", c.rec.ID, cgroupSummary(m.State()))
	faultPoint("after-cgroup")
	if spec.Linux.Resources != nil {
		early := cgroupResources(spec)
		if s.Rootless {
			// No device program or devices.deny: the container is in a
			// user namespace, where mknod is refused and the device
			// nodes are bind mounts the kernel checks as for the
			// caller (runc ignores device cgroup errors when rootless).
			early.Devices = nil
		}
		cg.pids, early.Pids = early.Pids, nil
		if err := m.Set(early); err != nil {
			return err
		}
	}
	return nil
}

func validateCreate(spec *specs.Spec, bundle string, o CreateOptions) error {
	if spec.Process != nil && spec.Process.Terminal && o.ConsoleSocket == "" && !o.Foreground {
		return errors.New("process.terminal is true but --console-socket is not set (a detached container needs one to receive its pty)")
	}
	if o.ConsoleSocket != "" && (spec.Process == nil || !spec.Process.Terminal) {
		return fmt.Errorf("--console-socket %s is set but process.terminal is false", o.ConsoleSocket)
	}
	if o.ConsoleSocket != "" && o.Foreground {
		// As runc: a foreground run proxies the terminal itself.
		return fmt.Errorf("--console-socket %s: only for a detached container (create or run -d)", o.ConsoleSocket)
	}
	if os.Geteuid() != 0 {
		if err := validateRootlessEUID(spec); err != nil {
			return err
		}
	}
	if err := checkPreserved(o.PreserveFDs); err != nil {
		return err
	}
	if err := rootfs.Validate(rootfsConfig(spec, RootfsPath(spec, bundle), o.NoPivot)); err != nil {
		return err
	}
	if err := cgroup.ValidatePath(spec.Linux.CgroupsPath); err != nil {
		return err
	}
	if err := netdev.Validate(spec.Linux.NetDevices, nsexec.Has(spec.Linux.Namespaces, specs.NetworkNamespace)); err != nil {
		return err
	}
	if spec.Linux.Resources != nil {
		v, err := cgroup.HostVersion()
		if err != nil {
			return err
		}
		if err := cgroup.Validate(spec.Linux.Resources, v); err != nil {
			return err
		}
	}
	return nil
}

// spawn starts init and waits until it reports ready (blocked on the exec
// fifo) or fails.
func (c *Container) spawn(cg *initCgroup, o CreateOptions) (*os.Process, error) {
	spec := c.rec.Spec
	// Deferred first, so it runs last: a failed spawn returns only
	// once the cgroup made beside it is done, its removal in create's
	// undo.
	defer cg.wait()
	l, err := newLaunch(c.store.Log, o.PreserveFDs)
	if err != nil {
		return nil, err
	}
	// Deferred before init's reap, so it runs after it.
	defer l.close()
	fifoPath := filepath.Join(c.dir(), fifoFile)
	// 0622: init may already run as the container's user when it opens
	// the fifo for writing.
	if err := unix.Mkfifo(fifoPath, 0o622); err != nil {
		return nil, fmt.Errorf("create exec fifo: %w", err)
	}
	os.Chmod(fifoPath, 0o622) // undo the umask
	fifo, err := os.OpenFile(fifoPath, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open exec fifo: %w", err)
	}
	l.give(fdFifo, fifo)
	l.add(fdConsole, o.console)
	trees, err := openMountSources(spec, c.rec.Rootfs, o.NoPivot)
	if err != nil {
		return nil, err
	}
	for i, tree := range trees {
		l.give(mountRole(i), tree)
	}
	cgroupFD := -1
	dir := ""
	if cg.aside == nil && c.rec.Cgroup.Version == 2 {
		dir = cg.m.Path("")
	}
	if dir != "" {
		// A cgroup that does not exist yet is made by Apply(init's
		// pid): the systemd driver's scope, which systemd creates with
		// init in it.
		f, err := os.Open(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open cgroup %s: %w", dir, err)
		}
		if err == nil {
			defer f.Close()
			cgroupFD = int(f.Fd())
		}
	}
	var fast *fastSetup
	var fastEnv []string
	pre, why := c.fastSetupRefusal(o, l, nsexec.Deferred(spec.Linux.Namespaces, cgroupFD), cg.initHierarchies)
	logFastSetup(false, why)
	if why == "" {
		if fast, fastEnv, err = openFastSetup(l, false); err != nil {
			return nil, err
		}
		defer fast.close()
		when := "after the spawn: it binds init's own v1 cgroups"
		switch {
		case pre != nil && pre.cgroups != nil:
			when = "before the spawn, for the v1 cgroups init will join"
		case pre != nil:
			when = "before the spawn"
		}
		c.store.Log.Debugf("create %s: init runs a setup program (no Go runtime), compiled %s", c.rec.ID, when)
	} else {
		c.store.Log.Debugf("create %s: Go init (%s)", c.rec.ID, why)
	}
	stdin, stdout, stderr := o.stdio.files()
	if fast == nil {
		if err := l.addStage2(); err != nil {
			return nil, err
		}
	}
	cmd, err := l.command("init", fast != nil, stdin, stdout, stderr, fastEnv...)
	if err != nil {
		return nil, err
	}
	// Every fd init gets on purpose is in ExtraFiles or stdio.
	if err := closeInherited(); err != nil {
		return nil, err
	}
	// proc is cmd.Process, or its child when init was started through
	// the nsenter constructor (nsexec/join.go): wait on proc, not cmd.
	proc, unshare, err := nsexec.Spawn(nsexec.Config{
		Cmd:         cmd,
		Namespaces:  spec.Linux.Namespaces,
		UIDMappings: spec.Linux.UIDMappings,
		GIDMappings: spec.Linux.GIDMappings,
		CgroupFD:    cgroupFD,
	})
	if err != nil {
		return nil, fmt.Errorf("start container init: %w", err)
	}
	var undo cleanup
	defer undo.run()
	undo.add(func() { reapInit(proc, cg.m) })
	l.started()
	c.store.Log.Debugf("create %s: init started (pid %d); namespaces: %s", c.rec.ID, proc.Pid, nsSummary(spec.Linux.Namespaces))
	faultPoint("after-spawn")
	// init waits for its go-ahead below, and joins before it.
	if err := cg.wait(); err != nil {
		return nil, err
	}
	m := cg.m
	// Every wait below is on init: the watch ends them when init dies,
	// freezes or stops instead of answering.
	w := watchPeer("container init", proc.Pid, m, l.sync)
	defer w.stop()
	if cgroupFD < 0 {
		// No CLONE_INTO_CGROUP: join before init reads its config, so
		// it does no work outside the cgroup.
		if err := m.Apply(proc.Pid); err != nil {
			return nil, err
		}
	}
	st, err := procStat(proc.Pid)
	if err != nil {
		return nil, fmt.Errorf("container init exited before it was configured: %w", err)
	}
	c.rec.InitPid, c.rec.InitStart = proc.Pid, st.start
	c.rec.Cgroup = m.State()
	// As runc, from the runtime's side once init has its network
	// namespace and before init is configured; a device moved before a
	// failure goes back when that namespace dies with init.
	if devs := spec.Linux.NetDevices; len(devs) > 0 {
		if err := netdev.MoveAll(devs, fmt.Sprintf("/proc/%d/ns/net", proc.Pid), c.store.Log.Debugf); err != nil {
			return nil, fmt.Errorf("unable to start container process: error creating network interfaces: %w", err)
		}
	}
	ch := newChannel(l.sync)
	ch.warn = c.store.warn
	_, console := l.fds[fdConsole]
	sj, err := specJSON(c.rec.specJSON, spec)
	if err != nil {
		return nil, err
	}
	if fast != nil {
		// The go-ahead: init reads one line and runs its program.
		err = fast.write(c, l, proc.Pid, unshare, o, pre)
		if err == nil {
			err = ch.send(message{Type: msgConfig})
		}
	} else {
		err = c.sendConfig(ch, l, unshare, o, sj, console, m)
	}
	if err == nil {
		// Written while init works on its go-ahead, not before it:
		// init needs nothing from it, and the createRuntime hooks and
		// every command from elsewhere come after it (the latter wait
		// for the lock create holds).
		err = c.store.write(c.rec)
	}
	if err == nil {
		err = c.parentHooks(w.ctx, ch)
	}
	// A notifying filter keeps Go init (fastSetupRefusal).
	if err == nil && notifies(c.filter) {
		err = forwardListener(ch, spec.Linux.Seccomp, proc.Pid, c.ociState(specs.StateCreating))
	}
	if err == nil {
		_, err = ch.recv(msgReady)
	}
	if err != nil {
		if why := w.why(); why != nil {
			undo.disarm()
			if _, rerr := reapInit(proc, m); rerr != nil {
				return nil, &initLeftError{id: c.rec.ID, why: why}
			}
			return nil, why
		}
		if errors.Is(err, errPeerGone) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
			undo.disarm()
			return nil, initDied(proc, m)
		}
		return nil, err
	}
	undo.disarm()
	return proc, nil
}

// sendConfig sends Go init its config.
func (c *Container) sendConfig(ch *channel, l *launch, unshare uintptr, o CreateOptions, sj json.RawMessage, console bool, m cgroup.Manager) error {
	spec := c.rec.Spec
	return ch.send(message{Type: msgConfig, Config: &initConfig{
		ID:              c.rec.ID,
		SpecJSON:        sj,
		Rootfs:          c.rec.Rootfs,
		NoPivot:         o.NoPivot,
		NoNewKeyring:    o.NoNewKeyring,
		Unshare:         unshare,
		PreserveFDs:     o.PreserveFDs,
		FDs:             l.fds,
		ClearONLCR:      console && o.ConsoleSocket == "",
		NoEnv:           spec.Process != nil && spec.Process.Env == nil,
		CgroupV2:        m.State().Version == 2,
		CgroupDir:       cgroupV2Dir(m.State()),
		RootlessCgroups: c.store.Rootless,
		RootlessEUID:    os.Geteuid() != 0,
		State:           c.ociState(specs.StateCreating),
		Seccomp:         c.filter,
	}})
}

// compileSeccomp compiles linux.seccomp for this machine's architecture.
func compileSeccomp(spec *specs.Spec) (*seccomp.Program, error) {
	if spec.Linux.Seccomp == nil {
		return nil, nil
	}
	prog, err := seccomp.Compile(spec.Linux.Seccomp, goruntime.GOARCH)
	if err != nil {
		return nil, err
	}
	return prog, nil
}

// parentHooks answers init's "hooks" message, sent only when the config
// has prestart or createRuntime hooks.
func (c *Container) parentHooks(ctx context.Context, ch *channel) error {
	h := c.rec.Spec.Hooks
	if h == nil || (len(h.Prestart) == 0 && len(h.CreateRuntime) == 0) {
		return nil
	}
	if _, err := ch.recv(msgHooks); err != nil {
		return err
	}
	st := c.ociState(specs.StateCreating)
	c.store.Log.Debugf("create %s: running %d prestart and %d createRuntime hooks", c.rec.ID, len(h.Prestart), len(h.CreateRuntime))
	// prestart is deprecated, and runs just before createRuntime.
	if err := runHooksContext(ctx, "prestart", h.Prestart, st); err != nil {
		ch.send(message{Type: msgError, Error: err.Error()})
		return err
	}
	if err := runHooksContext(ctx, "createRuntime", h.CreateRuntime, st); err != nil {
		ch.send(message{Type: msgError, Error: err.Error()})
		return err
	}
	return ch.send(message{Type: msgHooksDone})
}

// reapInit kills init and waits for it, within a bound: a task frozen in a
// cgroup v1 freezer ignores SIGKILL until thawed, so the container's own
// cgroup is thawed for it and frozen again once init is gone (a pre-made
// cgroup is left as it was found); a freeze of an ancestor is not ours to
// undo, and is reported.
func reapInit(proc *os.Process, m cgroup.Manager) (*os.ProcessState, error) {
	thawed := false
	defer func() {
		if thawed {
			m.Freeze(true)
		}
	}()
	proc.Kill()
	done := make(chan *os.ProcessState, 1)
	errc := make(chan error, 1)
	go func() {
		ps, err := proc.Wait()
		if err != nil {
			errc <- err
			return
		}
		done <- ps
	}()
	deadline := time.After(killTimeout)
	thaw := time.After(100 * time.Millisecond)
	for {
		select {
		case ps := <-done:
			return ps, nil
		case err := <-errc:
			return nil, err
		case <-thaw:
			if f, err := m.FrozenBy(); err == nil && f != nil && f.By == f.Dir {
				thawed = m.Freeze(false) == nil
			}
		case <-deadline:
			if f, err := m.FrozenBy(); err == nil && f != nil {
				return nil, fmt.Errorf("container init (pid %d) did not die on SIGKILL within %v: %w", proc.Pid, killTimeout, f)
			}
			return nil, fmt.Errorf("container init (pid %d) did not die on SIGKILL within %v", proc.Pid, killTimeout)
		}
	}
}

// initLeftError: create failed and its init could not be reaped (a freeze
// of an ancestor cgroup holds it, SIGKILL pending), so the state is kept.
type initLeftError struct {
	id  string
	why error
}

func (e *initLeftError) Error() string {
	return fmt.Sprintf("%v; init ignores SIGKILL until thawed, then `delete --force %s` removes it", e.why, e.id)
}

func (e *initLeftError) Unwrap() error { return e.why }

// initDied waits for an init that vanished without a word and says why.
func initDied(proc *os.Process, m cgroup.Manager) error {
	ps, err := reapInit(proc, m)
	if err != nil {
		return fmt.Errorf("container init exited unexpectedly: %w", err)
	}
	if st, err := m.Stats(); err == nil && st.Memory.OOMKill > 0 {
		return errors.New("container init was OOM-killed (memory limit too low?)")
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() != syscall.SIGKILL {
		return fmt.Errorf("container init was killed by signal %d (%s)", ws.Signal(), ws.Signal())
	}
	return fmt.Errorf("container init exited unexpectedly (%s)", ps)
}

// absMountSources resolves relative bind-mount sources against the bundle
// (runtime-spec config.md "Mounts": relative source paths are relative to
// the bundle), since init runs elsewhere.
func absMountSources(spec *specs.Spec, bundle string) {
	for i, m := range spec.Mounts {
		if m.Source == "" || filepath.IsAbs(m.Source) || !isBind(m) {
			continue
		}
		spec.Mounts[i].Source = filepath.Join(bundle, m.Source)
	}
}

func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

// newRecord is the state of a container being made now.
func newRecord(id, bundle, rootfsPath string, spec *specs.Spec) *record {
	return &record{recordHead: recordHead{ID: id, Bundle: bundle, Rootfs: rootfsPath, Created: time.Now().UTC(), Owner: owner()}, Spec: spec}
}

func owner() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}

// rootfsConfig is the rootfs package's view of the spec.
// openMountSources clones, as the runtime's root, the bind sources init
// is handed, by index of spec.mounts: runc's "mount fds". Every idmapped
// mount's, idmapped (only the runtime can idmap, rootfs.OpenIDMapped);
// with a user namespace, every other bind source too, which the
// container's root may not reach from it (init uses those only where its
// own lookup fails).
func openMountSources(spec *specs.Spec, rootfsPath string, noPivot bool) ([]*os.File, error) {
	trees, err := rootfs.OpenIDMapped(rootfsConfig(spec, rootfsPath, noPivot), nsexec.NewUserNS)
	if err != nil || !nsexec.Has(spec.Linux.Namespaces, specs.UserNamespace) {
		return trees, err
	}
	for i, tree := range rootfs.OpenBindSources(spec.Mounts) {
		if tree == nil {
			continue
		}
		if trees == nil {
			trees = make([]*os.File, len(spec.Mounts))
		}
		trees[i] = tree
	}
	return trees, nil
}

// containerUserNS is the container's user namespace for rootfs, nil
// without one.
func containerUserNS(l *specs.Linux) *rootfs.UserNS {
	for _, ns := range l.Namespaces {
		if ns.Type == specs.UserNamespace {
			return &rootfs.UserNS{Path: ns.Path, UIDMappings: l.UIDMappings, GIDMappings: l.GIDMappings}
		}
	}
	return nil
}

func rootfsConfig(spec *specs.Spec, rootfsPath string, noPivot bool) *rootfs.Config {
	return &rootfs.Config{
		Rootfs:        rootfsPath,
		Readonly:      spec.Root.Readonly,
		Propagation:   spec.Linux.RootfsPropagation,
		Mounts:        spec.Mounts,
		Devices:       spec.Linux.Devices,
		MaskedPaths:   spec.Linux.MaskedPaths,
		ReadonlyPaths: spec.Linux.ReadonlyPaths,
		NoPivot:       noPivot,
		BindDevices:   nsexec.Has(spec.Linux.Namespaces, specs.UserNamespace),
		NewCgroupNS:   nsexec.Has(spec.Linux.Namespaces, specs.CgroupNamespace),
		HostMountNS:   !nsexec.Has(spec.Linux.Namespaces, specs.MountNamespace),
		UserNS:        containerUserNS(spec.Linux),
	}
}

// cgroupV2Dir is the container's cgroup v2 directory on the host, "" on v1
// or without a cgroup.
func cgroupV2Dir(st cgroup.State) string {
	if st.Version != 2 {
		return ""
	}
	return st.Paths[""]
}
