package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/nsexec"
)

// ExecOptions are exec's flags. With ProcessFile set the process comes
// from that file (a runtime-spec process object, as containerd writes it)
// and the per-field flags are ignored, as runc does; otherwise it is the
// container's process with Args replaced and the flags applied.
type ExecOptions struct {
	ID             string
	ProcessFile    string
	Args           []string
	Env            []string
	Cwd            string
	User           string
	AdditionalGids []string
	Caps           []string
	NoNewPrivs     bool
	Tty            bool
	Detach         bool
	PidFile        string
	ConsoleSocket  string
	PidfdSocket    string // the exec'd process's pidfd goes there (pidfd.go)
	PreserveFDs    int
	// ApparmorProfile and ProcessLabel are --apparmor and
	// --process-label: the container's are used when empty.
	ApparmorProfile string
	ProcessLabel    string
	// IgnorePaused is --ignore-paused: exec into a paused container
	// anyway. The process joins the frozen cgroup and runs once the
	// container is resumed (runc's flag).
	IgnorePaused bool
	// Cgroups are --cgroup's [CONTROLLER[,CONTROLLER]:]PATH: the process
	// joins that existing sub-cgroup of the container's instead.
	Cgroups []string
}

// Exec starts a process in every namespace and the cgroup of a created or
// running container:
//
//	gorunc exec (this process)              exec-init P1 / P2 (nsexec/nsenter.c)
//	lock container, require created|running
//	PR_SET_CHILD_SUBREAPER
//	start /proc/self/exe exec-init    --->  P1: setns into init's namespaces,
//	  with _GORUNC_NSENTER=FD:initpid:types      fork P2, report its pid, exit
//	read P2's pid, wait P1            <---  P2: Go starts inside, blocks on sync
//	join P2 to the container's cgroup
//	           -------- config ------------> rlimits, caps, user, no_new_privs,
//	                                         cwd, lookup of args[0]
//	print (Store.warn) <-- warning ---------  (an ambient capability the
//	                                           kernel refused to raise)
//	           <------- seccomp (fd number)   (SCMP_ACT_NOTIFY only, as for
//	pidfd_getfd, send to listenerPath          create: seccomp_notify.go)
//	           -------- seccomp-ack -------->
//	           <------- ready --------------
//	-d: write pid file (last), exit 0        execve(args)
//	else: wait P2 forwarding signals, exit with its code (128+N on signal N)
//
// For the processes it covers (setupfast.go's execSetup) P2 never starts
// the Go runtime: before exec-init is started the runtime writes a setup
// program and a plan into two memfds it inherits, the config message is a
// bare go-ahead, and nsenter.c's constructor runs the program and stage
// 2's exec-init plan (nsexec/setup_init.c, stage2.c): the same steps and
// words, about 12 ms less per exec, one thread.
func (s Store) Exec(o ExecOptions) (int, error) {
	if !nsexec.NsenterAvailable {
		return 1, errors.New("this gorunc was built without cgo, so it cannot join the container's namespaces (build it with `make build`)")
	}
	if err := checkPreserved(o.PreserveFDs); err != nil {
		return 1, err
	}
	checkPidfdAside()
	can := Status.CanExec
	if o.IgnorePaused {
		can = Status.CanExecIgnoringPaused
	}
	var sigs <-chan unix.Signal
	if !o.Detach {
		// As run's: every signal from here on is the process's.
		var err error
		if sigs, err = forwardSignals(); err != nil {
			return 1, err
		}
	}
	c, err := s.openFor("exec", o.ID, can, readWhole)
	if err != nil {
		return 1, err
	}
	defer c.close()
	spec, err := execSpec(c.rec.Spec, c.rec.specRead, o)
	if err != nil {
		return 1, err
	}
	subDirs, err := c.subCgroupDirs(o.Cgroups)
	if err != nil {
		return 1, err
	}
	s.warn(capsWarning(spec.Process)...)
	tty := spec.Process.Terminal
	switch {
	case o.ConsoleSocket != "" && !tty:
		return 1, errors.New("--console-socket needs --tty (or process.terminal)")
	case tty && o.Detach && o.ConsoleSocket == "":
		return 1, errors.New("--tty with --detach needs --console-socket to receive the pty")
	}
	// The pty master goes to --console-socket, or, in the foreground
	// without one, to us over a socketpair: we proxy our stdio to it.
	var console, ours *os.File
	if tty && o.ConsoleSocket != "" {
		if console, err = DialConsoleSocket(o.ConsoleSocket); err != nil {
			return 1, err
		}
		defer console.Close()
	} else if tty {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 1, fmt.Errorf("create console socket: %w", err)
		}
		ours, console = os.NewFile(uintptr(fds[0]), "console-parent"), os.NewFile(uintptr(fds[1]), "console-child")
		defer ours.Close()
		defer console.Close()
	}
	var pidfdConn *net.UnixConn
	if o.PidfdSocket != "" {
		if pidfdConn, err = dialPidfdSocket(o.PidfdSocket); err != nil {
			return 1, err
		}
		defer pidfdConn.Close()
	}
	// Without a terminal, the foreground process gets pipes, never our
	// own stdio files (stdio.go).
	var stdio *stdioPipes
	if !o.Detach && !tty {
		uid, gid := pipeOwner(spec)
		if stdio, err = newStdioPipes(uid, gid, os.Stdin, os.Stdout, os.Stderr); err != nil {
			return 1, err
		}
		// Runs last: after the process exited, or failed to start.
		defer stdio.finish()
	}
	proc, err := c.spawnExec(spec, o.PreserveFDs, o.IgnorePaused, subDirs, console, ours != nil, stdio)
	stdio.closeChild()
	if err != nil {
		return 1, err
	}
	s.Log.Debugf("exec %s: process (pid %d) is ready and execs %s", o.ID, proc.Pid, spec.Process.Args[0])
	var undo cleanup
	defer undo.run()
	undo.add(func() {
		proc.Kill()
		proc.Wait()
	})
	// exec-init sent the master before it reported ready.
	proxy, err := proxyReceived(ours)
	if err != nil {
		return 1, err
	}
	if pidfdConn != nil {
		// proc is the process that execve()s the command (exec-init's
		// P2, our unreaped child as subreaper), never P1.
		err := errors.New("process exited before it was ready")
		if st, serr := procStat(proc.Pid); serr == nil {
			err = sendPidfd(pidfdConn, proc.Pid, st.start, pidfdKindExec)
		}
		if err != nil {
			return 1, err
		}
		// Closed now, so the receiver sees the end before the process
		// does, not when a foreground exec returns.
		pidfdConn.Close()
	}
	// containerd considers exec started once the pid file exists, so
	// it is written last.
	if err := writePidFile(o.PidFile, proc.Pid); err != nil {
		return 1, err
	}
	undo.disarm()
	if o.Detach {
		return 0, nil
	}
	// Waiting needs no lock: delete, kill and state must still work.
	c.close()
	code := waitProxied(proc, sigs, proxy)
	s.Log.Debugf("exec %s: process (pid %d) exited: status %d", o.ID, proc.Pid, code)
	return code, nil
}

// execSpec is the container's spec with the process to exec in place of
// its own (a deep copy: the record is not changed), decoded again from
// raw, the bytes orig was read from, when there are any: encoding specs.Spec
// builds encoding/json's encoders for its whole type graph (specjson.go).
func execSpec(orig *specs.Spec, raw json.RawMessage, o ExecOptions) (*specs.Spec, error) {
	var spec specs.Spec
	if raw != nil {
		s, err := decodeSpec(raw)
		if err != nil {
			return nil, fmt.Errorf("copy spec: %w", err)
		}
		spec = *s
	} else {
		data, err := json.Marshal(orig)
		if err != nil {
			return nil, fmt.Errorf("copy spec: %w", err)
		}
		if err := json.Unmarshal(data, &spec); err != nil {
			return nil, fmt.Errorf("copy spec: %w", err)
		}
	}
	if o.ProcessFile != "" {
		data, err := os.ReadFile(o.ProcessFile)
		if err != nil {
			return nil, fmt.Errorf("--process: %w", err)
		}
		var p specs.Process
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("--process %s: %w", o.ProcessFile, err)
		}
		spec.Process = &p
	} else {
		if spec.Process == nil {
			spec.Process = &specs.Process{}
		}
		if err := applyExecFlags(spec.Process, o); err != nil {
			return nil, err
		}
	}
	p := spec.Process
	// The container's labels hold for every process in it unless the
	// exec names its own (runc's newInitConfig).
	if orig.Process != nil {
		if p.ApparmorProfile == "" {
			p.ApparmorProfile = orig.Process.ApparmorProfile
		}
		if p.SelinuxLabel == "" {
			p.SelinuxLabel = orig.Process.SelinuxLabel
		}
		// And so do scheduler, ioPriority and execCPUAffinity
		// (runc's newInitConfig).
		if p.Scheduler == nil {
			p.Scheduler = orig.Process.Scheduler
		}
		if p.IOPriority == nil {
			p.IOPriority = orig.Process.IOPriority
		}
		if p.ExecCPUAffinity == nil {
			p.ExecCPUAffinity = orig.Process.ExecCPUAffinity
		}
	}
	if err := execProcSched(p); err != nil {
		return nil, err
	}
	if err := validateLabels(p, nil); err != nil {
		return nil, err
	}
	if len(p.Args) == 0 {
		return nil, errors.New("no command given (usage: gorunc exec ID COMMAND [ARG...] or --process FILE)")
	}
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	if !strings.HasPrefix(p.Cwd, "/") {
		return nil, fmt.Errorf("cwd %q is not absolute", p.Cwd)
	}
	for _, rl := range p.Rlimits {
		if _, ok := rlimitTypes()[rl.Type]; !ok {
			return nil, fmt.Errorf("process.rlimits: unknown type %q", rl.Type)
		}
	}
	return &spec, nil
}

// setExecSpec puts into cfg the spec exec-init gets, spec (execSpec's):
// as the container's stored bytes, raw, and the process to exec beside
// them, when there are stored bytes. Only the process is encoded then,
// not specs.Spec's whole type graph (specjson.go).
func (cfg *initConfig) setExecSpec(spec *specs.Spec, raw json.RawMessage) error {
	if raw == nil {
		sj, err := specJSON(nil, spec)
		cfg.SpecJSON = sj
		return err
	}
	p, err := json.Marshal(spec.Process)
	if err != nil {
		return fmt.Errorf("encode process: %w", err)
	}
	cfg.SpecJSON, cfg.ProcessJSON = raw, p
	return nil
}

func applyExecFlags(p *specs.Process, o ExecOptions) error {
	p.Args = o.Args
	p.Terminal = o.Tty
	// Appended, as runc's exec.go does: prepareEnv keeps the last value
	// of a name set twice, at its last place.
	p.Env = append(p.Env, o.Env...)
	if o.Cwd != "" {
		p.Cwd = o.Cwd
	}
	if o.User != "" {
		u, g, hasGID := strings.Cut(o.User, ":")
		uid, err := strconv.ParseUint(u, 10, 32)
		if err != nil {
			return fmt.Errorf("--user %q: want UID[:GID] as numbers", o.User)
		}
		p.User.UID = uint32(uid)
		if hasGID {
			gid, err := strconv.ParseUint(g, 10, 32)
			if err != nil {
				return fmt.Errorf("--user %q: want UID[:GID] as numbers", o.User)
			}
			p.User.GID = uint32(gid)
		}
	}
	for _, s := range o.AdditionalGids {
		gid, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return fmt.Errorf("--additional-gids %q: not a number", s)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(gid))
	}
	if err := rootlessGroups(p); err != nil {
		return err
	}
	if len(o.Caps) > 0 {
		if p.Capabilities == nil {
			p.Capabilities = &specs.LinuxCapabilities{}
		}
		c := p.Capabilities
		// Never into the inheritable set (CVE-2022-29162: a program
		// with file inheritable capabilities would gain them at
		// execve). Ambient needs the inheritable bit, so, as runc >=
		// 1.1.2, only when the config already has an inheritable set.
		c.Bounding = append(c.Bounding, o.Caps...)
		c.Effective = append(c.Effective, o.Caps...)
		c.Permitted = append(c.Permitted, o.Caps...)
		if c.Inheritable != nil {
			c.Ambient = append(c.Ambient, o.Caps...)
		}
	}
	if o.NoNewPrivs {
		p.NoNewPrivileges = true
	}
	if o.ApparmorProfile != "" {
		p.ApparmorProfile = o.ApparmorProfile
	}
	if o.ProcessLabel != "" {
		p.SelinuxLabel = o.ProcessLabel
	}
	return nil
}

// spawnExec starts exec-init inside the container and returns the process
// that will execve() the user's command, once it is ready. proxied says
// console is our own socketpair (exec -t without --console-socket), whose
// master we proxy.
func (c *Container) spawnExec(spec *specs.Spec, preserveFDs int, ignorePaused bool, subDirs map[string]string, console *os.File, proxied bool, stdio *stdioPipes) (*os.Process, error) {
	// The container's seccomp profile applies to every process in it,
	// as with runc (containerd's process.json does not repeat it).
	filter, err := compileSeccomp(spec)
	if err != nil {
		return nil, err
	}
	// P2 is the child of P1, which exits: as a subreaper we inherit P2
	// and can wait for its exit code.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("exec: become subreaper: %w", err)
	}
	l, err := newLaunch(c.store.Log, preserveFDs)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	// Deferred before the kill of a failed exec-init, so it runs after.
	defer l.close()
	report, reportW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("exec: create pipe: %w", err)
	}
	defer report.Close()
	l.give(fdReport, reportW)
	l.add(fdConsole, console)
	var types []specs.LinuxNamespaceType
	for _, ns := range spec.Linux.Namespaces {
		types = append(types, ns.Type)
	}
	nsenv, err := nsexec.NsenterEnv(l.fds[fdReport], c.rec.InitPid, types)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	// exec-init runs a setup program in C and never starts the Go
	// runtime when the program covers the process (setupfast.go).
	fast := false
	env := []string{nsenv}
	prog, plan, why := c.execSetup(spec, filter, l, proxied)
	logFastSetup(true, why)
	if why == "" {
		f, fastEnv, err := openFastSetup(l, true)
		if err != nil {
			return nil, fmt.Errorf("exec: %w", err)
		}
		defer f.close()
		if err := f.fill(prog, plan); err != nil {
			return nil, fmt.Errorf("exec: %w", err)
		}
		fast = true
		env = append(env, fastEnv...)
		c.store.Log.Debugf("exec %s: exec-init runs a setup program (no Go runtime)", c.rec.ID)
	} else {
		c.store.Log.Debugf("exec %s: Go exec-init (%s)", c.rec.ID, why)
	}
	stdin, stdout, stderr := stdio.files()
	cmd, err := l.command("exec-init", fast, stdin, stdout, stderr, env...)
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	// Every fd exec-init gets on purpose is in ExtraFiles or stdio.
	if err := closeInherited(); err != nil {
		return nil, err
	}
	if err := startAffine(cmd, spec.Process.ExecCPUAffinity); err != nil {
		return nil, fmt.Errorf("exec: start exec-init: %w", err)
	}
	l.started()
	pid, rerr := nsexec.ReadNsenterPid(report)
	// P1 exits once it has reported P2 (its exit hands P2 to us, the
	// subreaper): reaped after the go-ahead, so that its exit (~1 ms)
	// overlaps the cgroup join, and before any wait for P2.
	reapP1 := sync.OnceValue(cmd.Wait)
	if rerr != nil {
		reapP1()
		// A dying init (pid 1 of its pid namespace waits for the
		// others to die) has lost its namespaces but is not yet a
		// zombie: say so rather than print a failed open.
		if _, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", c.rec.InitPid)); !processAlive(c.rec.InitPid, c.rec.InitStart) || errors.Is(err, os.ErrNotExist) {
			return nil, refused("exec", c.rec.ID, Stopped)
		}
		return nil, fmt.Errorf("exec: %w", rerr)
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return nil, fmt.Errorf("exec: find process %d: %w", pid, err)
	}
	var undo cleanup
	defer undo.run()
	undo.add(func() {
		proc.Kill()
		reapP1()
		proc.Wait()
	})
	// Init may have exited (and its pid been reused) since the status
	// check: then the namespaces joined were not the container's.
	if !processAlive(c.rec.InitPid, c.rec.InitStart) {
		return nil, fmt.Errorf("cannot exec in container %s: container init exited", c.rec.ID)
	}
	m, err := c.cgroup()
	if err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	// A frozen cgroup would freeze exec-init as it joins, and the wait
	// for "ready" below with it (runc refuses exec in a paused container
	// unless told to ignore that).
	frozen := false
	if f, err := m.FrozenBy(); err == nil && f != nil {
		if !ignorePaused {
			return nil, fmt.Errorf("%w (%v)", refused("exec", c.rec.ID, Paused), f)
		}
		frozen = true
	}
	// Before exec-init reads its config, so it does no work outside.
	if err := c.joinCgroup(m, subDirs, pid); err != nil {
		// runc 1.5 (setnsProcess.start): a rootless caller that may
		// not move the process (its own cgroup is outside the user's
		// delegated subtree, e.g. a login session's scope) runs it
		// where it is, in the container's namespaces.
		if !c.store.Rootless {
			return nil, err
		}
		c.store.Log.Debugf("exec %s: rootless: staying in the caller's cgroup: %v", c.rec.ID, err)
	}
	c.store.Log.Debugf("exec %s: exec-init (pid %d) joined the namespaces of init (pid %d) and its cgroup %s", c.rec.ID, pid, c.rec.InitPid, cgroupSummary(m.State()))
	// The container's oomScoreAdj holds for every process in it, as
	// runc's nsexec writes its config's into each exec's helper (not the
	// exec's process.json's). Written from here, through the host's /proc,
	// into our own descendant, alive until its go-ahead. Not by a
	// rootless caller: the non-dumpable helper's file may be root's (runc
	// writes it in the helper before it turns non-dumpable).
	if p := c.rec.Spec.Process; p != nil && p.OOMScoreAdj != nil && !c.store.Rootless && os.Geteuid() == 0 {
		v := strconv.Itoa(*p.OOMScoreAdj)
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid), []byte(v), 0); err != nil {
			return nil, fmt.Errorf("exec: failed to update oom_score_adj to %s: %w", v, err)
		}
	}
	// A freeze or stop after the check ends the wait too, except the
	// freeze the caller asked to ignore: then the wait lasts until resume.
	watched := m
	if frozen {
		watched = nil
		// exec-init freezes as it joins and answers only after
		// resume, which needs the lock.
		c.close()
	}
	w := watchPeer("exec-init", pid, watched, l.sync)
	defer w.stop()
	ch := newChannel(l.sync)
	ch.warn = c.store.warn
	if fast {
		// The go-ahead: exec-init reads one line and runs its program.
		err = ch.send(message{Type: msgConfig})
	} else {
		cfg := &initConfig{
			ID: c.rec.ID, PreserveFDs: preserveFDs, FDs: l.fds, Seccomp: filter,
			ClearONLCR: proxied, NoEnv: spec.Process.Env == nil, RootlessEUID: os.Geteuid() != 0,
		}
		if err := cfg.setExecSpec(spec, c.rec.specRead); err != nil {
			return nil, err
		}
		err = ch.send(message{Type: msgConfig, Config: cfg})
	}
	if werr := reapP1(); werr != nil && err == nil {
		err = fmt.Errorf("exec: exec-init: %w", werr)
	}
	// A notifying filter keeps Go exec-init (execSetup).
	if err == nil && notifies(filter) {
		// As runc: the agent learns the exec'd process's pid, and the
		// container's state as "running".
		err = forwardListener(ch, spec.Linux.Seccomp, pid, c.ociState(specs.StateRunning))
	}
	if err == nil {
		_, err = ch.recv(msgReady)
	}
	if err != nil {
		if why := w.why(); why != nil {
			// Reaped here, within a bound, not by the undo's
			// Wait: a task frozen in a v1 freezer ignores SIGKILL.
			undo.disarm()
			reapInit(proc, m)
			return nil, fmt.Errorf("exec: %w", why)
		}
		if errors.Is(err, errPeerGone) || errors.Is(err, syscall.EPIPE) {
			return nil, errors.New("exec: the process exited before it was set up")
		}
		// exec-init's own error, in runc's words (execInitFailed).
		return nil, err
	}
	undo.disarm()
	return proc, nil
}

// ExecInit is `gorunc exec-init` once nsenter.c has put it in the
// container's namespaces: it applies the process config and execve()s.
// Like Init, it needs the main goroutine locked to the main thread.
func ExecInit() {
	childMain("gorunc exec-init", "gorunc exec", execInitFailed, execInit)
}

func execInit(ch *channel, sock *os.File, cfg *initConfig) error {
	if err := closeExtraFDs(3 + cfg.PreserveFDs); err != nil {
		return err
	}
	p := cfg.Spec.Process
	if fd, ok := cfg.FDs[fdConsole]; ok {
		// The pty becomes the controlling terminal of a new session.
		if _, err := unix.Setsid(); err != nil {
			return fmt.Errorf("setsid: %w", err)
		}
		if err := setupConsole(os.NewFile(uintptr(fd), "console-socket"), p, false, cfg.ClearONLCR); err != nil {
			return err
		}
	}
	if err := setRlimits(p.Rlimits); err != nil {
		return err
	}
	caps, err := processCaps(p)
	if err != nil {
		return err
	}
	path, err := becomeProcess(ch, sock, cfg, caps, true)
	if err != nil {
		return err
	}
	cfg.closeLog()
	if err := ch.send(message{Type: msgReady}); err != nil {
		return err
	}
	sock.Close()
	if cfg.Seccomp != nil && p.NoNewPrivileges && !notifies(cfg.Seccomp) {
		if _, err := loadSeccomp(cfg.Seccomp); err != nil {
			fatalf(execInitFailed, "%v", err)
		}
	}
	err = unix.Exec(path, p.Args, p.Env)
	fatalf(execInitFailed, "exec: %q: %v", path, err)
	return nil
}

// subCgroupDirs resolves exec --cgroup against the container's cgroup
// directories (nil without --cgroup), before anything is started.
func (c *Container) subCgroupDirs(args []string) (map[string]string, error) {
	sub, err := cgroup.ParseSubPaths(args)
	if err != nil || sub == nil {
		return nil, err
	}
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return cgroup.SubDirs(m.State().Paths, sub)
}

// joinCgroup moves exec-init (pid) into the container's cgroup, or into
// subDirs (exec --cgroup).
func (c *Container) joinCgroup(m cgroup.Manager, subDirs map[string]string, pid int) error {
	if subDirs != nil {
		if err := cgroup.Enter(subDirs, pid); err != nil {
			return fmt.Errorf("error adding pid %d to cgroups: %w", pid, err)
		}
		return nil
	}
	if err := m.Apply(pid); err != nil {
		// cgroup v2: a container cgroup with domain controllers
		// enabled for its children takes no process; join init's.
		if !errors.Is(err, unix.EBUSY) || cgroup.EnterInitCgroup(m.State(), pid, c.rec.InitPid) != nil {
			return fmt.Errorf("join cgroup: %w", err)
		}
	}
	return nil
}
