package runtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/checkpoint-restore/go-criu/v8/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/rootfs"
)

// RestoreOptions are restore's flags.
type RestoreOptions struct {
	CriuOptions
	ID            string
	Bundle        string
	PidFile       string
	ConsoleSocket string
	Detach        bool
	NoSubreaper   bool
	NoPivot       bool
	// SystemdCgroup is the global --systemd-cgroup, as for create.
	SystemdCgroup bool
}

// Restore makes a new container ID from the bundle's config and a
// checkpoint's images, as runc's restore: the state directory and the
// cgroup are made as by create, CRIU restores the process tree into them,
// and the container is running once it returns. In the foreground Restore
// waits for the restored init (CRIU makes it our child: rst_sibling),
// forwards signals to it, deletes the container and returns its exit code.
func (s Store) Restore(o RestoreOptions) (int, error) {
	if err := ValidateID(o.ID); err != nil {
		return 1, err
	}
	var sigs <-chan unix.Signal
	if !o.Detach {
		var err error
		if sigs, err = forwardSignals(); err != nil {
			return 1, err
		}
	}
	if o.Bundle == "" {
		o.Bundle = "."
	}
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return 1, fmt.Errorf("bundle %s: %w", o.Bundle, err)
	}
	spec, err := LoadSpec(bundle)
	if err != nil {
		return 1, err
	}
	if err := validateCreate(spec, bundle, CreateOptions{ConsoleSocket: o.ConsoleSocket, NoPivot: o.NoPivot}); err != nil {
		return 1, err
	}
	rootfsPath, err := filepath.EvalSymlinks(RootfsPath(spec, bundle))
	if err != nil {
		return 1, fmt.Errorf("root.path: %w", err)
	}
	set, err := o.settings()
	if err != nil {
		return 1, err
	}
	fds, err := readDescriptors(set.imageDir)
	if err != nil {
		return 1, err
	}
	version, err := criuVersion()
	if err != nil {
		return 1, err
	}
	if set.cgMode, err = criuCgMode(o.ManageCgroupsMode); err != nil {
		return 1, err
	}
	if o.LsmProfile != "" && version < 31600 {
		return 1, errors.New("--lsm-profile requires at least CRIU 3.16")
	}
	if o.LsmMountContext != "" && version < 31600 {
		return 1, errors.New("--lsm-mount-context requires at least CRIU 3.16")
	}
	if o.LazyPages {
		if err := checkCriuFeatures(&rpc.CriuFeatures{LazyPages: new(true)}); err != nil {
			return 1, err
		}
	}
	var consoleSock *os.File
	if o.ConsoleSocket != "" {
		if consoleSock, err = DialConsoleSocket(o.ConsoleSocket); err != nil {
			return 1, err
		}
		defer consoleSock.Close()
	}
	absMountSources(spec, bundle)
	if !o.Detach && !o.NoSubreaper {
		// The restored init is our child already (rst_sibling); its
		// orphans are ours to reap too, as under runc.
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}

	var undo cleanup
	defer undo.run()
	l, err := s.mkdirLocked(o.ID)
	if err != nil {
		return 1, err
	}
	undo.add(func() {
		os.RemoveAll(s.dir(o.ID))
		l.unlock()
	})
	c := &Container{store: s, lock: l, rec: newRecord(o.ID, bundle, rootfsPath, spec)}
	m, pidsLimit, err := c.makeCgroup(&undo, o.SystemdCgroup)
	if err != nil {
		return 1, err
	}
	undo.add(func() { m.Kill(unix.SIGKILL) })
	if err := c.restore(o, set, fds, consoleSock); err != nil {
		return 1, err
	}
	if pidsLimit != nil {
		if err := m.Set(&specs.LinuxResources{Pids: pidsLimit}); err != nil {
			return 1, err
		}
	}
	if err := writePidFile(o.PidFile, c.rec.InitPid); err != nil {
		return 1, err
	}
	undo.disarm()
	c.close()
	if o.Detach {
		return 0, nil
	}
	proc, err := os.FindProcess(c.rec.InitPid)
	if err != nil {
		return 1, err
	}
	code := waitForwarding(proc, sigs, nil)
	return code, s.Delete(o.ID, true)
}

// readDescriptors reads what the checkpointed init's stdio was.
func readDescriptors(imageDir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(imageDir, descriptorsFile))
	if err != nil {
		return nil, err
	}
	var fds []string
	if err := json.Unmarshal(data, &fds); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(imageDir, descriptorsFile), err)
	}
	return fds, nil
}

// restore runs CRIU's RESTORE and records the restored init.
func (c *Container) restore(o RestoreOptions, set *criuSettings, fds []string, consoleSock *os.File) error {
	const logFile = "restore.log"
	spec := c.rec.Spec
	opts := o.baseOpts(set, logFile)
	logDir := set.imageDir
	if o.WorkPath != "" {
		logDir = o.WorkPath
	}
	// CRIU wants a root that is a mount point whose parent is not
	// overmounted: the rootfs is bound at <state>/criu-root, in a mount
	// namespace of criu's own (restoreThread).
	root := filepath.Join(c.dir(), "criu-root")
	opts.Root = &root
	opts.EvasiveDevices = new(true)
	opts.RstSibling = new(true)
	if o.LsmProfile != "" {
		opts.LsmProfile = &o.LsmProfile
	}
	if o.LsmMountContext != "" {
		opts.LsmMountContext = &o.LsmMountContext
	}
	criuConfigFile(spec, opts)
	var extra []*os.File
	defer func() {
		for _, f := range extra {
			f.Close()
		}
	}()
	for _, ns := range spec.Linux.Namespaces {
		if ns.Path == "" {
			continue
		}
		name := criuNsName(ns.Type)
		switch ns.Type {
		case specs.NetworkNamespace, specs.PIDNamespace:
			// The namespace the dump declared external: criu gets it
			// as an inherited fd under the same key.
			f, err := os.Open(ns.Path)
			if err != nil {
				return fmt.Errorf("Requested %s namespace %v does not exist", ns.Type, ns.Path)
			}
			opts.InheritFd = append(opts.InheritFd, &rpc.InheritFd{Key: new(criuNsKey(name)), Fd: new(int32(4 + len(extra)))})
			extra = append(extra, f)
		case specs.CgroupNamespace:
			return fmt.Errorf("Do not know how to handle namespace %s", ns.Type)
		default:
			opts.JoinNs = append(opts.JoinNs, &rpc.JoinNamespace{Ns: new(name), NsFile: new(ns.Path)})
		}
	}
	// The external mounts of the dump (checkpoint.go externalMounts),
	// now each from its source on this host.
	for _, b := range c.externalBinds() {
		opts.ExtMnt = append(opts.ExtMnt, &rpc.ExtMountMap{Key: new(b.Destination), Val: new(b.Source)})
	}
	if len(spec.Linux.MaskedPaths) > 0 {
		opts.ExtMnt = append(opts.ExtMnt, &rpc.ExtMountMap{Key: new("/dev/null"), Val: new("/dev/null")})
	}
	for _, d := range rootfs.DevicePaths(spec.Linux.Devices) {
		opts.ExtMnt = append(opts.ExtMnt, &rpc.ExtMountMap{Key: new(d), Val: new(d)})
	}
	// The restored init's stdio pipes are the caller's stdio now.
	for i, f := range fds {
		if strings.HasPrefix(f, "pipe:") {
			opts.InheritFd = append(opts.InheritFd, &rpc.InheritFd{Key: new(f), Fd: new(int32(i))})
		}
	}
	sw := swrk{
		stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr},
		extra: extra,
		started: func(pid int) error {
			return c.criuCgroup(pid, opts)
		},
		notify: func(script string, pid int32, rfds []int) error {
			return c.restoreNotify(script, int(pid), rfds, consoleSock)
		},
		thread: func(run func() error) error {
			return restoreThread(c.rec.Rootfs, root, spec.Mounts, func() error {
				// Opened in criu's mount namespace: criu mounts in
				// its work directory (the cgroup yard), which the
				// kernel refuses (EINVAL) on a mount of another
				// namespace, as one opened before the unshare is.
				closeDirs, _, err := openDirs(set.imageDir, o.WorkPath, opts)
				if err != nil {
					return err
				}
				defer closeDirs()
				return run()
			})
		},
	}
	typ := rpc.CriuReqType_RESTORE
	if _, err := sw.run(&rpc.CriuReq{Type: &typ, Opts: opts}); err != nil {
		return criuError(err, logDir, logFile)
	}
	if c.rec.InitPid == 0 {
		return errors.New("criu restored nothing (no post-restore notification)")
	}
	return nil
}

// criuCgroup moves criu into the container's cgroup before it restores
// anything and tells it that this is the tree's root, as runc does.
func (c *Container) criuCgroup(pid int, opts *rpc.CriuOpts) error {
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	if err := m.Apply(pid); err != nil {
		return err
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "ID:controllers:path"; v2's line has no controllers.
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) == 3 {
			opts.CgRoot = append(opts.CgRoot, &rpc.CgroupRoot{Ctrl: new(parts[1]), Path: new(parts[2])})
		}
	}
	return sc.Err()
}

// restoreNotify handles criu's notifications during a restore.
func (c *Container) restoreNotify(script string, pid int, fds []int, consoleSock *os.File) error {
	h := c.rec.Spec.Hooks
	switch script {
	case "setup-namespaces":
		// The namespaces exist, nothing runs in them yet: create's
		// prestart and createRuntime moment.
		if h == nil {
			return nil
		}
		st := c.ociState(specs.StateCreating)
		st.Pid = pid
		if err := runHooksContext(context.Background(), "prestart", h.Prestart, st); err != nil {
			return err
		}
		return runHooksContext(context.Background(), "createRuntime", h.CreateRuntime, st)
	case "post-restore":
		ps, err := procStat(pid)
		if err != nil {
			return fmt.Errorf("restored init %d: %w", pid, err)
		}
		c.rec.InitPid, c.rec.InitStart = pid, ps.start
		c.rec.Created = time.Now().UTC()
		if newTimeNamespace(pid) && !hasNamespace(c.rec.Spec, specs.TimeNamespace) {
			// CRIU 3.14+ restores into a time namespace of its own,
			// which keeps the monotonic clocks going on; exec must
			// join it too, as runc adds it to its config.
			c.rec.Spec.Linux.Namespaces = append(c.rec.Spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
		}
		return c.store.write(c.rec)
	case "orphan-pts-master":
		if len(fds) == 0 {
			return errors.New("criu sent no pty master")
		}
		master := os.NewFile(uintptr(fds[0]), "/dev/ptmx")
		defer master.Close()
		for _, fd := range fds[1:] {
			unix.Close(fd)
		}
		if consoleSock == nil {
			return errors.New("the restored container has a terminal: restore needs --console-socket")
		}
		return SendConsole(consoleSock, master)
	}
	return nil
}

// newTimeNamespace reports whether pid's time namespace is not ours.
func newTimeNamespace(pid int) bool {
	var a, b unix.Stat_t
	if unix.Stat(fmt.Sprintf("/proc/%d/ns/time", pid), &a) != nil || unix.Stat("/proc/self/ns/time", &b) != nil {
		return false
	}
	return a.Ino != b.Ino || a.Dev != b.Dev
}
