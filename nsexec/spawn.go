package nsexec

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Config is what Spawn needs to start init.
type Config struct {
	// Cmd is the prepared command (path, args, env, stdio, ExtraFiles).
	Cmd *exec.Cmd
	// Namespaces is linux.namespaces: entries without a path are created,
	// entries with one are joined.
	Namespaces []specs.LinuxNamespace
	// UIDMappings and GIDMappings are written for a new user namespace.
	UIDMappings, GIDMappings []specs.LinuxIDMapping
	// CgroupFD, when >= 0, is a cgroup v2 directory the child is born in
	// (clone3 CLONE_INTO_CGROUP), so every page init touches is accounted.
	CgroupFD int
}

// Two namespace types are unshared by init itself rather than given to
// clone. A cgroup namespace's root is the cgroup the process is in when the
// namespace is made, so it must come after init has been moved into the
// container's cgroup (which needs init's pid on cgroup v1, where there is no
// CLONE_INTO_CGROUP). A time namespace cannot be given to clone(2) at all
// (CLONE_NEWTIME is 0x80, inside the exit-signal byte), and its offsets must
// be written before any process enters it: init unshares it, writes
// /proc/self/timens_offsets and enters it with the final execve.
func deferred(flag uintptr, cgroupFD int) bool {
	return flag == unix.CLONE_NEWTIME || (flag == unix.CLONE_NEWCGROUP && cgroupFD < 0)
}

// Deferred is the flags Spawn will return for init to unshare itself:
// the new namespaces of the deferred types (see deferred).
func Deferred(namespaces []specs.LinuxNamespace, cgroupFD int) uintptr {
	var unshare uintptr
	for _, ns := range namespaces {
		if k, ok := kinds()[ns.Type]; ok && ns.Path == "" && deferred(k.flag, cgroupFD) {
			unshare |= k.flag
		}
	}
	return unshare
}

// Spawn starts cfg.Cmd in the configured namespaces. It returns init's
// process and the flags init must unshare itself (see deferred).
func Spawn(cfg Config) (proc *os.Process, unshare uintptr, err error) {
	var clone uintptr
	var cloneNames []string
	var join []joined
	defer func() {
		for _, j := range join {
			j.f.Close()
		}
	}()
	unshare = Deferred(cfg.Namespaces, cfg.CgroupFD)
	for i, ns := range cfg.Namespaces {
		k := kinds()[ns.Type]
		if ns.Path == "" {
			if !deferred(k.flag, cfg.CgroupFD) {
				clone |= k.flag
				cloneNames = append(cloneNames, k.procNS)
			}
			continue
		}
		f, err := openNS(ns, k.flag)
		if err != nil {
			return nil, 0, fmt.Errorf("linux.namespaces[%d]: %w", i, err)
		}
		join = append(join, joined{ns, f})
	}
	if err := ValidateJoin(cfg.Namespaces, cfg.UIDMappings, cfg.GIDMappings); err != nil {
		return nil, 0, err
	}
	// A new user namespace is made by the constructor too, after execve,
	// so that init's memory belongs to the host's user namespace: only
	// then does init's non-dumpability keep the container's root out of
	// it (nsenter.c, "Dumpability"; runc's nsexec unshares it the same
	// way). Go's clone(CLONE_NEWUSER) + execve would make the container's
	// user namespace the owner. Without cgo that is the fallback.
	newUser := clone&unix.CLONE_NEWUSER != 0
	if needsConstructor(join) || (newUser && NsenterAvailable) {
		if cfg.CgroupFD >= 0 {
			cfg.Cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: cfg.CgroupFD}
		}
		var maps *idMaps
		if newUser {
			// ValidateJoin has ruled out a joined user namespace.
			maps = &idMaps{cfg.UIDMappings, cfg.GIDMappings}
		}
		proc, err := startConstructor(cfg.Cmd, join, cloneNames, maps)
		return proc, unshare, err
	}

	attr := cfg.Cmd.SysProcAttr
	if attr == nil {
		attr = &syscall.SysProcAttr{}
		cfg.Cmd.SysProcAttr = attr
	}
	attr.Cloneflags = clone
	if clone&unix.CLONE_NEWUSER != 0 {
		attr.UidMappings = idMap(cfg.UIDMappings)
		attr.GidMappings = idMap(cfg.GIDMappings)
		// The container's root must be able to call setgroups(2).
		attr.GidMappingsEnableSetgroups = true
		// Become the namespace's root at execve: the host uid init was
		// started as is unmapped inside, and an unmapped uid's execve
		// drops every capability (user_namespaces(7), "Effect of
		// capabilities within a user namespace").
		attr.Credential = &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}
	}
	if cfg.CgroupFD >= 0 {
		attr.UseCgroupFD = true
		attr.CgroupFD = cfg.CgroupFD
	}
	if len(join) == 0 {
		err = StartAsCaller(cfg.Cmd.Start)
	} else {
		err = startJoined(cfg.Cmd, join)
	}
	if err != nil {
		return nil, 0, err
	}
	return cfg.Cmd.Process, unshare, nil
}

// startJoined forks from a thread that has joined the given namespaces, and
// lets Go discard that thread afterwards.
func startJoined(cmd *exec.Cmd, join []joined) error {
	errc := make(chan error, 1)
	go func() {
		// Deliberately never unlocked: a goroutine that exits locked
		// takes its thread with it, so the joined namespaces never leak
		// into the rest of the runtime.
		runtime.LockOSThread()
		for _, j := range join {
			if err := unix.Setns(int(j.f.Fd()), 0); err != nil {
				errc <- fmt.Errorf("setns %s: %w", j.ns.Path, err)
				return
			}
		}
		errc <- StartAsCaller(cmd.Start)
	}()
	return <-errc
}

// openNS opens a namespace path and checks it is a namespace of the given
// type, so a wrong path gets a clear error instead of a confusing setns one.
func openNS(ns specs.LinuxNamespace, flag uintptr) (*os.File, error) {
	f, err := os.Open(ns.Path)
	if err != nil {
		return nil, fmt.Errorf("open %s namespace: %w", ns.Type, err)
	}
	t, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_NSTYPE)
	if err != nil || uintptr(t) != flag {
		f.Close()
		return nil, fmt.Errorf("path %s is not a %s namespace", ns.Path, ns.Type)
	}
	return f, nil
}

func idMap(m []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(m))
	for i, e := range m {
		out[i] = syscall.SysProcIDMap{ContainerID: int(e.ContainerID), HostID: int(e.HostID), Size: int(e.Size)}
	}
	return out
}

// NewUserNS makes a user namespace with the given mappings and returns a
// handle on it, for idmapped mounts (rootfs.OpenIDMapped). The process
// that holds it while the handle is taken is this binary started in
// PTRACE_TRACEME mode: execve(2) stops it (SIGTRAP) before it runs
// anything, and it is killed right after; the handle keeps the namespace
// alive. Go writes the mappings between clone and exec; setgroups is
// denied, as runc's userns.Handles does.
func NewUserNS(uid, gid []specs.LinuxIDMapping) (*os.File, error) {
	var proc *os.Process
	err := StartAsCaller(func() (err error) {
		proc, err = os.StartProcess("/proc/self/exe", []string{"gorunc-userns"}, &os.ProcAttr{
			Sys: &syscall.SysProcAttr{
				Cloneflags:  unix.CLONE_NEWUSER,
				UidMappings: idMap(uid),
				GidMappings: idMap(gid),
				Ptrace:      true,
			},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		proc.Kill()
		proc.Wait()
	}()
	return os.Open("/proc/" + strconv.Itoa(proc.Pid) + "/ns/user")
}
