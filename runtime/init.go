package runtime

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/nsexec"
	"github.com/gorunc/gorunc/rootfs"
	"github.com/gorunc/gorunc/seccomp"
)

// syncEnv names the environment variable that carries init's sync fd.
const syncEnv = "_GORUNC_SYNC"

// Init is `gorunc init`: the container's first process, already in its
// new namespaces. It never returns. The caller must have locked the main
// goroutine to the main thread in an init() function: credentials,
// capabilities, no_new_privs and the namespaces unshared here are
// per-thread, and the thread that execve()s is the one whose state the
// container process inherits.
func Init() {
	childMain("gorunc init", "gorunc create", initFailed, initContainer)
}

// runc's words before an error of its init, which reach the caller as
// `runc create failed: unable to start container process: error during
// container init: exec: "x": executable file not found in $PATH`, and
// before an error of the process `runc exec` starts (`exec failed:
// unable to start container process: ...`). gorunc prints the same words
// after its own `gorunc: `; clients match the end (podman: "executable
// file not found", "no such file or directory", "permission denied").
const (
	initFailed     = "unable to start container process: error during container init: "
	execInitFailed = "unable to start container process: "
)

// childMain is the shared start of `gorunc init` and `gorunc exec-init`:
// find the sync socket, read the config, run body, which returns only on
// failure, and report that failure to the parent after the words failed.
func childMain(name, parent, failed string, body func(*channel, *os.File, *initConfig) error) {
	if err := setDumpable(false); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	fd, err := strconv.Atoi(os.Getenv(syncEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: must be started by %s\n", name, parent)
		os.Exit(1)
	}
	os.Unsetenv(syncEnv)
	batch := os.Getenv(batchEnv) != ""
	os.Unsetenv(batchEnv)
	sock := os.NewFile(uintptr(fd), "sync")
	ch := newChannel(sock)
	m, err := ch.recv(msgConfig)
	if err != nil {
		// The parent is gone: nothing to report to.
		os.Exit(1)
	}
	if m.Config.Spec, err = m.Config.decodeSpec(); err != nil {
		ch.send(message{Type: msgError, Error: failed + err.Error()})
		os.Exit(1)
	}
	m.Config.batch = batch
	m.Config.openChildLog()
	m.Config.debugf("%s: config received", strings.TrimPrefix(name, "gorunc "))
	err = body(ch, sock, m.Config)
	m.Config.debugf("%s: failed: %v", strings.TrimPrefix(name, "gorunc "), err)
	m.Config.closeLog()
	ch.send(message{Type: msgError, Error: failed + err.Error()})
	os.Exit(1)
}

func initContainer(ch *channel, sock *os.File, cfg *initConfig) error {
	spec := cfg.Spec
	if err := closeExtraFDs(3 + cfg.PreserveFDs); err != nil {
		return err
	}
	fifoFD, err := cfg.FDs.need(fdFifo)
	if err != nil {
		return err
	}
	// Before anything can load a seccomp filter; nil when init waits
	// in Go.
	plan := openStage2Plan(cfg)
	if plan != nil {
		defer plan.Close()
	}
	if cfg.Unshare != 0 {
		if err := unix.Unshare(int(cfg.Unshare)); err != nil {
			return fmt.Errorf("unshare cgroup/time namespace: %w", err)
		}
		cfg.debugf("init: unshared the deferred namespaces (clone flags %#x)", cfg.Unshare)
		if cfg.Unshare&unix.CLONE_NEWTIME != 0 {
			if err := writeTimeOffsets(spec.Linux.TimeOffsets); err != nil {
				return err
			}
		}
	}
	// A session of its own, as runc: the container must not share the
	// caller's job control.
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	var caps *capState
	if spec.Process != nil {
		var err error
		if caps, err = processCaps(spec.Process); err != nil {
			return err
		}
	}
	if err := setupRootfs(ch, cfg); err != nil {
		return err
	}
	if nsexec.Has(spec.Linux.Namespaces, specs.UTSNamespace) {
		cfg.debugf("init: hostname %q, domainname %q", spec.Hostname, spec.Domainname)
		if spec.Hostname != "" {
			if err := unix.Sethostname([]byte(spec.Hostname)); err != nil {
				return fmt.Errorf("set hostname %q: %w", spec.Hostname, err)
			}
		}
		if spec.Domainname != "" {
			if err := unix.Setdomainname([]byte(spec.Domainname)); err != nil {
				return fmt.Errorf("set domainname %q: %w", spec.Domainname, err)
			}
		}
	}
	if !cfg.NoNewKeyring {
		// A fresh session keyring, so the container cannot read the
		// keys of the session that started it.
		if _, err := unix.KeyctlJoinSessionKeyring("_ses." + cfg.ID); err != nil && !errors.Is(err, unix.ENOSYS) {
			return fmt.Errorf("join session keyring: %w", err)
		}
	}
	if newNetNS(spec.Linux.Namespaces) {
		if err := loopbackUp(); err != nil {
			return err
		}
		cfg.debugf("init: lo set up in the new network namespace")
	}
	p := spec.Process
	if p != nil {
		if err := setRlimits(p.Rlimits); err != nil {
			return err
		}
		if p.OOMScoreAdj != nil {
			if err := writeOwnProc(func() error {
				return writeProc(cfg, "self/oom_score_adj", strconv.Itoa(*p.OOMScoreAdj))
			}); err != nil {
				return fmt.Errorf("set process.oomScoreAdj %d: %w", *p.OOMScoreAdj, err)
			}
		}
	}
	// The exec fifo is reopened after the seccomp filter may be in place
	// (without noNewPrivileges it goes in before the user switch), and a
	// profile need not allow what a safe procfs lookup takes (statx,
	// openat2, fsopen: runc 1.5.1 fails such profiles there, e.g. the
	// runtime-tools suite's). So the directory of init's fds is looked up
	// now, through the procfs handle; later the fifo is one openat(2)
	// through it.
	fdDir, err := openFdDir(cfg)
	if err != nil {
		return err
	}
	defer fdDir.Close()
	var argv0 string
	if p != nil {
		if argv0, err = becomeProcess(ch, sock, cfg, caps, false); err != nil {
			return err
		}
	}
	// Before "ready": create returns on it, and an exec may follow.
	if cfg.RootlessEUID {
		if err := setDumpable(true); err != nil {
			return err
		}
	}
	if plan != nil {
		if cfg.logsAfterFilter() {
			cfg.debugf("init: ready; stage 2 (no Go runtime) sends it and waits on the exec fifo")
		}
		// Returns only when the execveat failed.
		err := execStage2(cfg, plan, sock, fifoFD, fdDir, argv0)
		if cfg.logsAfterFilter() {
			cfg.debugf("init: stage 2 not started (%v); the Go runtime waits", err)
		}
	}
	if cfg.logsAfterFilter() {
		cfg.debugf("init: ready, about to wait on exec fifo")
	}
	cfg.closeLog()
	if err := ch.send(message{Type: msgReady}); err != nil {
		return err
	}
	sock.Close()

	// From here on the parent is gone; errors go to the container's stderr.
	fifo, err := unix.Openat(int(fdDir.Fd()), strconv.Itoa(fifoFD), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		fatalf(initFailed, "open exec fifo: %v", err)
	}
	// `start` is under way once the open returns.
	if p != nil {
		if cfg.Seccomp != nil && p.NoNewPrivileges && !notifies(cfg.Seccomp) {
			// As close to execve as the startContainer hooks allow, so
			// the profile need not allow the runtime's own syscalls;
			// runc loads it before those hooks too, which so run
			// under the filter.
			if _, err := loadSeccomp(cfg.Seccomp); err != nil {
				fatalf(initFailed, "%v", err)
			}
		}
		startContainerHooks(cfg, p)
	}
	if _, err := unix.Write(fifo, []byte{0}); err != nil {
		fatalf(initFailed, "write exec fifo: %v", err)
	}
	unix.Close(fifo)
	unix.Close(fifoFD)
	if p == nil {
		fatalf(initFailed, "config.json has no process to start")
	}
	err = unix.Exec(argv0, p.Args, p.Env)
	fatalf(initFailed, "exec: %q: %v", argv0, err)
	return nil
}

// becomeProcess is what init and exec-init do alike once their namespaces
// and root are in place: the process's environment, scheduling and
// identity (startProcess), the warnings for the parent, the path of the
// program; and a notifying filter, whose listener the agent needs before
// "ready" (runc does the same), goes in now, as late as that allows.
func becomeProcess(ch *channel, sock *os.File, cfg *initConfig, caps *capState, exec bool) (string, error) {
	p := cfg.Spec.Process
	var err error
	if p.Env, err = prepareEnv(cfg.processEnv(), p.User.UID); err != nil {
		return "", err
	}
	if err := restoreSched(cfg.batch); err != nil {
		return "", err
	}
	if err := applyProcSched(cfg.Spec, exec); err != nil {
		return "", err
	}
	// Logged before the filter goes in: after it, init must not
	// allocate more than it must (a notifying filter's agent serves the
	// Go runtime's own futex calls; see seccomp_notify.go).
	if cfg.log != nil {
		cfg.debugf("%s: setting user %d:%d, cwd %s, capabilities", initName(exec), p.User.UID, p.User.GID, p.Cwd)
		switch {
		case cfg.Seccomp == nil:
		case !p.NoNewPrivileges:
			cfg.debugf("%s: seccomp: loading the filter (%d instructions) before the user switch", initName(exec), len(cfg.Seccomp.Instructions))
		default:
			cfg.debugf("%s: seccomp: the filter (%d instructions) goes in just before execve (noNewPrivileges)", initName(exec), len(cfg.Seccomp.Instructions))
		}
	}
	filter := filterLoader{prog: cfg.Seccomp, ch: ch, sock: sock}
	if err := startProcess(p, caps, filter, cfg.RootlessEUID); err != nil {
		return "", err
	}
	if err := ch.sendWarnings(caps.warnings()); err != nil {
		return "", err
	}
	path, err := lookPath(p.Args[0], p.Env)
	if err != nil {
		return "", err
	}
	if cfg.logsAfterFilter() {
		cfg.debugf("%s: will exec %s", initName(exec), path)
	}
	if notifies(cfg.Seccomp) && p.NoNewPrivileges {
		if err := filter.load(); err != nil {
			return "", err
		}
	}
	return path, nil
}

// initName names the child in its log lines, as runc's do ("init: ...").
func initName(exec bool) string {
	if exec {
		return "exec-init"
	}
	return "init"
}

// initConsole sets up the terminal when process.terminal is true.
func initConsole(cfg *initConfig, mount bool) error {
	p := cfg.Spec.Process
	fd, ok := cfg.FDs[fdConsole]
	if p == nil || !p.Terminal || !ok {
		return nil
	}
	return setupConsole(os.NewFile(uintptr(fd), "console-socket"), p, mount, cfg.ClearONLCR)
}

// loadSeccomp installs the filter compiled by the parent on this (locked)
// thread; execve passes it to the container process. It returns the
// listener fd of a notifying filter, else -1.
func loadSeccomp(p *seccomp.Program) (int, error) {
	fd, err := seccomp.Load(p)
	if err != nil {
		return -1, fmt.Errorf("linux.seccomp: %w", err)
	}
	return fd, nil
}

// fatalf ends init or exec-init once the parent is gone: the error goes to
// the container's stderr as one line in runc's words (failed is initFailed
// or execInitFailed), and the exit code is the shell's for a command that
// could not be run.
func fatalf(failed, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gorunc: "+failed+format+"\n", args...)
	os.Exit(127)
}

func setupRootfs(ch *channel, cfg *initConfig) error {
	spec := cfg.Spec
	rc := rootfsConfig(spec, cfg.Rootfs, cfg.NoPivot)
	rc.CgroupDir, rc.RootlessCgroups = cfg.CgroupDir, cfg.RootlessCgroups
	if rc.HostMountNS {
		// Without a mount namespace the mounts are made in the
		// runtime's (runc's behaviour; they outlive the container, see
		// rootfs.Config.HostMountNS), and the rootfs is entered with
		// chroot. The config need not mount a /proc: the runtime's is
		// kept open for the few /proc files init needs (procOpen),
		// O_CLOEXEC so that it never reaches the container's process
		// (a leaked host directory fd was CVE-2024-21626).
		proc, err := os.OpenFile("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /proc: %w", err)
		}
		cfg.procDir = proc
	}
	rc.Sources = mountSources(cfg.FDs, len(spec.Mounts))
	defer closeFiles(rc.Sources)
	if err := rootfs.Prepare(rc); err != nil {
		return err
	}
	cfg.debugf("init: rootfs %s prepared: %d mounts, %d devices", rc.Rootfs, len(rc.Mounts), len(rc.Devices))
	if err := createHooks(ch, cfg); err != nil {
		return err
	}
	if err := rootfs.PivotRoot(rc); err != nil {
		return err
	}
	switch {
	case rc.HostMountNS:
		cfg.debugf("init: chroot into %s (no mount namespace)", rc.Rootfs)
	case rc.NoPivot:
		cfg.debugf("init: moved %s to / and chroot (--no-pivot)", rc.Rootfs)
	default:
		cfg.debugf("init: pivot_root into %s", rc.Rootfs)
	}
	// The pty comes from the container's devpts, so after pivot_root;
	// /dev/console is bound before Finalize's read-only remounts.
	if err := initConsole(cfg, true); err != nil {
		return err
	}
	// sysctl before Finalize: readonlyPaths usually holds /proc/sys.
	if err := writeSysctls(spec.Linux.Sysctl); err != nil {
		return err
	}
	if err := rootfs.Finalize(rc); err != nil {
		return err
	}
	cfg.debugf("init: %d sysctls, %d masked and %d read-only paths applied", len(spec.Linux.Sysctl), len(rc.MaskedPaths), len(rc.ReadonlyPaths))
	return nil
}

// mountSources are the bind sources the parent cloned (mountRole) as
// files, by index of spec.mounts; nil when it cloned none.
func mountSources(fds fdTable, n int) []*os.File {
	var files []*os.File
	for i := range n {
		fd, ok := fds[mountRole(i)]
		if !ok {
			continue
		}
		if files == nil {
			files = make([]*os.File, n)
		}
		files[i] = os.NewFile(uintptr(fd), "mount source "+strconv.Itoa(i))
	}
	return files
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// processCaps is the capability state the config asks for, or nil when it
// leaves capabilities alone.
func processCaps(p *specs.Process) (*capState, error) {
	if p.Capabilities == nil {
		return nil, nil
	}
	return capsFor(p.Capabilities)
}

// enterCwd changes to process.cwd and checks where that is. As runc, it is
// tried first as root (before the user switch); done is false when that was
// refused and must be retried as the container's user.
func enterCwd(cwd string, verify bool) (done bool, err error) {
	if err := unix.Chdir(cwd); err != nil {
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			return false, nil
		}
		return false, fmt.Errorf("process.cwd %s: %w", cwd, err)
	}
	// CVE-2024-21626: a cwd reached through a leaked host fd is outside
	// the root, and getcwd(2) then says "(unreachable)". Not under a
	// seccomp filter, which may forbid getcwd (the conformance suite's
	// does): callers verify before loading one.
	if verify {
		if wd, err := os.Getwd(); err != nil || !strings.HasPrefix(wd, "/") {
			return false, fmt.Errorf("process.cwd %s: resolves outside the container's root", cwd)
		}
	}
	return true, nil
}

// setupProcess gives the calling thread the process's identity: bounding
// set (needs CAP_SETPCAP, so first), then user with keepcaps so the
// permitted set survives setuid, then the configured sets, then
// no_new_privs, then the working directory unless cwdDone (retried as the
// new user; verified unless a seccomp filter is already loaded).
func setupProcess(p *specs.Process, caps *capState, setgroups, cwdDone, filtered bool) error {
	if caps != nil {
		if err := caps.applyBounding(); err != nil {
			return fmt.Errorf("apply capability bounding set: %w", err)
		}
		if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set keepcaps: %w", err)
		}
	}
	if err := applyUser(p.User, setgroups); err != nil {
		return fmt.Errorf("process.user: %w", err)
	}
	if caps != nil {
		if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
			return fmt.Errorf("clear keepcaps: %w", err)
		}
		if err := caps.applySets(); err != nil {
			return fmt.Errorf("unable to apply caps: %w", err) // runc 1.5's words
		}
	}
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	if !cwdDone {
		done, err := enterCwd(p.Cwd, !filtered)
		if err != nil {
			return err
		}
		if !done {
			return fmt.Errorf("process.cwd %s: %w", p.Cwd, unix.EACCES)
		}
	}
	return nil
}

// startProcess is the part of init and exec-init that turns the calling
// thread into process p: rlimits are done; seccomp without no_new_privs
// goes before the user switch (it needs CAP_SYS_ADMIN), and the working
// directory before that (getcwd may be filtered). A notifying filter's
// listener is handed to the parent right away (seccomp_notify.go).
func startProcess(p *specs.Process, caps *capState, filter filterLoader, rootlessEUID bool) error {
	// As root and before any seccomp filter (runc's order); the
	// profile takes effect at execve.
	if err := applyAppArmor(p.ApparmorProfile); err != nil {
		return err
	}
	// Read before the filter, which need not allow the procfs lookup.
	setgroups := !rootlessEUID && setgroupsAllowed()
	cwdDone, filtered := false, false
	if filter.prog != nil && !p.NoNewPrivileges {
		var err error
		if cwdDone, err = enterCwd(p.Cwd, true); err != nil {
			return err
		}
		if err := filter.load(); err != nil {
			return err
		}
		filtered = true
	}
	return setupProcess(p, caps, setgroups, cwdDone, filtered)
}

// setgroupsAllowed is false in a user namespace whose setgroups file says
// "deny" (user_namespaces(7)). Read through procfs.OpenProcRoot, not the
// container's /proc: a faked file there would make init skip setgroups and
// keep the runtime's supplementary groups.
func setgroupsAllowed() bool {
	f, err := openProcSelf("setgroups", unix.O_RDONLY)
	if err != nil {
		return true
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	return err != nil || strings.TrimSpace(string(data)) != "deny"
}

// closeExtraFDs marks every fd from first upwards close-on-exec: the fds
// the runtime handed init or exec-init (launch.go: sync socket, fifo,
// report pipe, binary, log pipe) were inherited without it, and no
// runtime fd (state dir, cgroup dir, log file) may reach the container
// process: CVE-2024-21626 was such a leak. Not by listing /proc/self/fd
// by name: exec-init runs in the container's mount namespace from its
// first instruction, where container root can mount an empty directory
// there (CVE-2025-52881 class). close_range(2) needs no /proc at all (runc's
// CloseExecFrom does the same); kernels before 5.11 lack
// CLOSE_RANGE_CLOEXEC and get a listing through a procfs handle.
func closeExtraFDs(first int) error {
	err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("close_range(%d, ~0, CLOSE_RANGE_CLOEXEC): %w", first, err)
	}
	return closeExecListed(first)
}

// closeInherited marks every fd of the runtime from 3 up close-on-exec just
// before it starts init or exec-init, as runc does (CloseExecFrom(3) before
// "runc init"): an fd the caller leaked to gorunc without O_CLOEXEC (an
// engine's lock file, a pipe of its own) would otherwise sit in init's fd
// table while the container is created, reachable through /proc/PID/fd, and
// in exec-init's. The fds passed on purpose are in exec.Cmd's stdio and
// ExtraFiles, whose dup2 into place clears the flag on the child's copy.
func closeInherited() error {
	if err := closeExtraFDs(3); err != nil {
		return fmt.Errorf("mark the runtime's fds close-on-exec: %w", err)
	}
	return nil
}

// closeExecListed is closeExtraFDs for kernels without
// CLOSE_RANGE_CLOEXEC: it lists the fds through a procfs handle.
func closeExecListed(first int) error {
	dir, err := openProcSelf("fd", unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("list open fds: %w", err)
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("list open fds: %w", err)
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd < first || fd == int(dir.Fd()) {
			continue
		}
		unix.CloseOnExec(fd)
	}
	return nil
}

// timeOffsetsText is timens_offsets' lines for offs, in the clocks'
// order (one write takes them all).
func timeOffsetsText(offs map[string]specs.LinuxTimeOffset) string {
	var b strings.Builder
	for _, clock := range slices.Sorted(maps.Keys(offs)) {
		o := offs[clock]
		fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
	}
	return b.String()
}

func writeTimeOffsets(offs map[string]specs.LinuxTimeOffset) error {
	text := timeOffsetsText(offs)
	if text == "" {
		return nil
	}
	if err := writeOwnProc(func() error {
		f, err := openProcSelf("timens_offsets", unix.O_WRONLY)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString(text)
		return err
	}); err != nil {
		return fmt.Errorf("linux.timeOffsets: %w", err)
	}
	return nil
}

// createHooks has the parent run prestart and createRuntime hooks (in the
// runtime's namespaces, once the container's exist), then runs the
// createContainer hooks here, in the container's namespaces before
// pivot_root (runtime-spec config.md "Hooks").
func createHooks(ch *channel, cfg *initConfig) error {
	h := cfg.Spec.Hooks
	if h == nil {
		return nil
	}
	if len(h.Prestart) > 0 || len(h.CreateRuntime) > 0 {
		if err := ch.send(message{Type: msgHooks}); err != nil {
			return err
		}
		if _, err := ch.recv(msgHooksDone); err != nil {
			return err
		}
	}
	// In the rootfs with an empty environment, as runc's init runs them
	// (prepareRootfs chdirs there first; its own environment is empty).
	site := hookSite{dir: cfg.Rootfs, env: []string{}}
	return runHooksIn(site, "createContainer", h.CreateContainer, cfg.State)
}

// Init's own /proc files (oom_score_adj, setgroups, timens_offsets, the
// exec fifo's fd) and the sysctls are never reached through the
// container's /proc by name: a mount in the container (one racing the
// mount checks through a shared volume, or a /proc that is a bind of
// another procfs with something mounted on its files) could send the write
// to a host file such as /proc/sys/kernel/core_pattern (CVE-2025-52881).
// pathrs-lite's procfs handles are a procfs instance of init's own (fsopen,
// else a clone of /proc without what is mounted on it), and their lookups
// neither cross mounts nor leave procfs: runc 1.5 does the same.

// procOpen opens name, relative to /proc ("self/..."), for init: through
// the runtime's /proc kept open by setupRootfs when there is no mount
// namespace, else through a procfs handle.
func procOpen(cfg *initConfig, name string, flags int) (int, error) {
	if cfg.procDir != nil {
		// openat from a directory outside the new root is not
		// limited by chroot(2), which only changes how absolute paths
		// and ".." resolve.
		return unix.Openat(int(cfg.procDir.Fd()), name, flags, 0)
	}
	f, err := openProcSelf(strings.TrimPrefix(name, "self/"), flags)
	if err != nil {
		return -1, err
	}
	defer f.Close()
	return unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
}

// openFdDir is an O_PATH handle on init's fd directory: in the runtime's
// /proc kept by setupRootfs when there is no mount namespace, else through
// a procfs handle.
func openFdDir(cfg *initConfig) (*os.File, error) {
	if cfg.procDir != nil {
		fd, err := unix.Openat(int(cfg.procDir.Fd()), "self/fd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open /proc/self/fd: %w", err)
		}
		return os.NewFile(uintptr(fd), "/proc/self/fd"), nil
	}
	dir, err := procSelfHandle("fd")
	if err != nil {
		return nil, fmt.Errorf("open /proc/self/fd: %w", err)
	}
	return dir, nil
}

// openProcSelf opens /proc/self/name with flags through a procfs handle.
func openProcSelf(name string, flags int) (*os.File, error) {
	h, err := procSelfHandle(name)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return pathrs.Reopen(h, flags|unix.O_CLOEXEC)
}

// procSelfHandle is an O_PATH handle on /proc/self/name, looked up in
// a procfs handle.
func procSelfHandle(name string) (*os.File, error) {
	proc, err := procfs.OpenProcRoot()
	if err != nil {
		return nil, fmt.Errorf("open procfs: %w", err)
	}
	defer proc.Close()
	return proc.OpenSelf(name)
}

func writeProc(cfg *initConfig, name, value string) error {
	fd, err := procOpen(cfg, name, unix.O_WRONLY|unix.O_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte(value))
	return err
}

// writeSysctls writes linux.sysctl through one procfs handle without the
// subset=pid restriction (/proc/sys is not a pid directory), as runc's
// WriteSysctls does.
func writeSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	proc, err := procfs.OpenUnsafeProcRoot()
	if err != nil {
		return fmt.Errorf("linux.sysctl: open procfs: %w", err)
	}
	defer proc.Close()
	// In the keys' order, as the setup program writes them: which of two
	// failing keys is reported does not depend on a map's iteration.
	for _, key := range slices.Sorted(maps.Keys(sysctl)) {
		value := sysctl[key]
		if err := writeSysctl(proc, key, value); err != nil {
			return fmt.Errorf("linux.sysctl %s=%s: %w", key, value, err)
		}
	}
	return nil
}

func writeSysctl(proc *procfs.Handle, key, value string) error {
	h, err := proc.OpenRoot("sys/" + strings.ReplaceAll(key, ".", "/"))
	if err != nil {
		return err
	}
	defer h.Close()
	f, err := pathrs.Reopen(h, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(value)
	return err
}
