package nsexec

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// SetupProgram is init's setup as the runtime resolved it, for the C
// interpreter (setup.c, which documents the format) to run before the Go
// runtime starts. Slice (a) of docs/performance.md's item 8: the runtime
// does not send it yet. The zero value is not usable: NewSetupProgram.
type SetupProgram struct {
	b     []byte
	steps uint32
	err   error
	logFD int // LogTo's, -1 without
}

const (
	setupHostname   = 1
	setupDomainname = 2
	setupRlimit     = 3
	setupMkdirs     = 4
	setupMount      = 5
	setupBind       = 6
	setupMask       = 7
	setupReadonly   = 8
	setupMknod      = 9
	setupSysctl     = 10
	setupIdentity   = 11
	setupSymlink    = 12
	setupRoot       = 13
	setupPivot      = 14
	setupCwd        = 15
	setupSetsid     = 16
	setupUnshare    = 17
	setupKeyring    = 18
	setupLoopback   = 19
	setupRootRO     = 20
	setupFdDir      = 21
	setupLookup     = 22
	setupProcCheck  = 23
	setupAffinity   = 24
	setupRelink     = 25
	setupHome       = 26
	setupBindPath   = 27
	setupRemount    = 28
	setupSeccomp    = 29
	setupLog        = 30
	setupProcWrite  = 31
	setupConsole    = 32
	setupPropagate  = 33
	setupHooks      = 34
	setupProcSched  = 35
	setupAppArmor   = 36
)

// NewSetupProgram starts a program whose paths resolve inside root.
func NewSetupProgram(root string) *SetupProgram {
	p := &SetupProgram{logFD: -1}
	p.u32(0x31505247) // "GRP1"
	p.str(root)
	return p
}

func (p *SetupProgram) u32(v uint32) { p.b = binary.LittleEndian.AppendUint32(p.b, v) }
func (p *SetupProgram) u64(v uint64) { p.u32(uint32(v)); p.u32(uint32(v >> 32)) }

// str adds s, a string field setup.c reads into a PATH_MAX buffer.
func (p *SetupProgram) str(s string) { p.strMax(s, pathMax) }

// pathMax is the size of setup.c's buffer for a string field (PATH_MAX_):
// a string must be shorter, as its NUL needs a byte.
const pathMax = 4096

// strMax adds s, a string field setup.c reads into a buffer of max bytes.
// A string that does not fit, or has a NUL, is the program's error (Err):
// the config keeps Go init rather than failing in C.
func (p *SetupProgram) strMax(s string, max int) {
	switch {
	case p.err != nil:
	case strings.IndexByte(s, 0) >= 0:
		p.err = fmt.Errorf("setup program: NUL byte in %q", s)
	case len(s) >= max:
		p.err = fmt.Errorf("setup program: a string of %d bytes where %d fit", len(s), max-1)
	}
	p.u32(uint32(len(s)))
	p.b = append(p.b, s...)
}

// Err is what the program cannot hold (Bytes fails with it).
func (p *SetupProgram) Err() error { return p.err }

func (p *SetupProgram) op(code uint32) { p.u32(code); p.steps++ }

// Hostname sets the UTS namespace's host name.
func (p *SetupProgram) Hostname(name string) { p.op(setupHostname); p.str(name) }

// Domainname sets the UTS namespace's NIS domain name.
func (p *SetupProgram) Domainname(name string) { p.op(setupDomainname); p.str(name) }

// Rlimit sets resource (RLIMIT_*, called name in its errors) to soft
// and hard.
func (p *SetupProgram) Rlimit(name string, resource int, soft, hard uint64) {
	p.op(setupRlimit)
	p.u32(uint32(resource))
	p.u64(soft)
	p.u64(hard)
	p.str(name)
}

// Mkdirs makes path, relative to the root, and its missing parents.
func (p *SetupProgram) Mkdirs(path string, mode uint32) {
	p.op(setupMkdirs)
	p.str(path)
	p.u32(mode)
}

// MountOption is one fsconfig key; an empty Value sets a flag.
type MountOption struct{ Key, Value string }

// Mount makes a new fstype mount with opts and attr (MOUNT_ATTR_*) and
// moves it onto target, made as a directory inside the root if missing.
func (p *SetupProgram) Mount(fstype, target string, attr uint32, opts ...MountOption) {
	p.MountWith(fstype, target, attr, 0, opts...)
}

// Mount flags (setup.c, step_mount).
const (
	// MountOrdinaryDir refuses a target whose last component is not a
	// directory (a symlink in particular), as proc and sysfs need.
	MountOrdinaryDir = 1
	// MountTakeMode gives a tmpfs the mode of the directory it covers,
	// before the options (a mode= among them wins).
	MountTakeMode = 2
	// MountHold keeps the new mount for the next Remount or Propagate
	// step.
	MountHold = 4
	// MountCopyUp copies what a tmpfs covers into it before it is
	// attached (runc's tmpcopyup).
	MountCopyUp = 8
	// mountRecursive: recursive attributes follow the options
	// (MountRecursive sets it).
	mountRecursive = 16
)

// MountWith is Mount with flags (MountOrdinaryDir, MountTakeMode).
func (p *SetupProgram) MountWith(fstype, target string, attr, flags uint32, opts ...MountOption) {
	p.MountRecursive(fstype, target, attr, flags, Recursive{}, opts...)
}

// Recursive are the recursive options (rro, rnosuid, ...): set and
// cleared with mount_setattr(AT_RECURSIVE) on the detached tree, before
// it is attached (rootfs's setRecursive).
type Recursive struct{ Set, Clear uint64 }

// MountRecursive is MountWith with recursive attributes.
func (p *SetupProgram) MountRecursive(fstype, target string, attr, flags uint32, rec Recursive, opts ...MountOption) {
	if rec != (Recursive{}) {
		flags |= mountRecursive
	}
	p.op(setupMount)
	p.strMax(fstype, 64)
	p.str(target)
	p.u32(attr)
	p.u32(flags)
	p.u32(uint32(len(opts)))
	for _, o := range opts {
		p.strMax(o.Key, 256)
		p.str(o.Value)
	}
	if rec != (Recursive{}) {
		p.u64(rec.Set)
		p.u64(rec.Clear)
	}
}

// MountAttr is struct mount_attr's settings for a bind (MOUNT_ATTR_*,
// MS_PRIVATE and the like for Propagation).
type MountAttr struct{ Set, Clear, Propagation uint64 }

// Bind applies attr to the detached mount at srcFD (the runtime's
// open_tree(OPEN_TREE_CLONE) of the source; to its whole tree if
// recursive) and moves it onto target: a directory made inside the root
// when the source is one, else an empty file.
func (p *SetupProgram) Bind(srcFD int, target string, recursive bool, attr MountAttr) {
	p.op(setupBind)
	p.u32(uint32(srcFD))
	p.str(target)
	p.u32(boolU32(recursive))
	p.u64(attr.Set)
	p.u64(attr.Clear)
	p.u64(attr.Propagation)
}

// Mask hides path (linux.maskedPaths): the root's /dev/null over a file, a
// read-only empty tmpfs over a directory; a missing path is skipped.
func (p *SetupProgram) Mask(path string) { p.op(setupMask); p.str(path) }

// Readonly makes path a read-only (nosuid, nodev, noexec) bind of itself
// (linux.readonlyPaths); a missing path is skipped.
func (p *SetupProgram) Readonly(path string) { p.op(setupReadonly); p.str(path) }

// Mknod makes the node path (linux.devices): mode is the type (S_IFCHR,
// S_IFBLK, S_IFIFO) and permission bits, taken as they are (no umask),
// owned by uid:gid; an existing node is left as it is.
func (p *SetupProgram) Mknod(path string, mode, major, minor, uid, gid uint32) {
	p.op(setupMknod)
	p.str(path)
	for _, v := range []uint32{mode, major, minor, uid, gid} {
		p.u32(v)
	}
}

// Sysctl writes value to the root's /proc/sys file for key (linux.sysctl,
// dotted), which must be on procfs; a key with "/" or an empty or ".."
// part fails the step.
func (p *SetupProgram) Sysctl(key, value string) {
	p.op(setupSysctl)
	p.strMax(key, 256)
	p.str(value)
}

// Identity is the process's user, groups, capabilities, umask and
// no_new_privs, applied in runtime/init.go's setupProcess order. Caps nil:
// capabilities untouched; Groups nil: setgroups not called (a user
// namespace that denies it).
type Identity struct {
	UID, GID        uint32
	Groups          []uint32
	Caps            *CapSets
	Umask           *uint32
	NoNewPrivileges bool
}

// CapSets are capability masks (bit n: capability n), Last the highest
// capability the kernel knows.
type CapSets struct {
	Bounding, Effective, Permitted, Inheritable, Ambient uint64
	Last                                                 uint32
	// AmbientNames name Ambient's capabilities, lowest first
	// ("CAP_NET_RAW"), for the warning of one the kernel refuses.
	AmbientNames []string
}

// Identity becomes id.
func (p *SetupProgram) Identity(id Identity) {
	p.op(setupIdentity)
	var flags uint32
	caps := CapSets{}
	if id.Caps != nil {
		flags |= 1
		caps = *id.Caps
	}
	if id.Groups != nil {
		flags |= 2
	}
	if id.NoNewPrivileges {
		flags |= 4
	}
	umask := uint32(0)
	if id.Umask != nil {
		flags |= 8
		umask = *id.Umask
	}
	p.u32(flags)
	p.u32(id.UID)
	p.u32(id.GID)
	p.u32(uint32(len(id.Groups)))
	for _, g := range id.Groups {
		p.u32(g)
	}
	for _, m := range []uint64{caps.Bounding, caps.Effective, caps.Permitted, caps.Inheritable, caps.Ambient} {
		p.u64(m)
	}
	p.u32(caps.Last)
	p.u32(umask)
	p.u32(uint32(len(caps.AmbientNames)))
	for _, n := range caps.AmbientNames {
		p.strMax(n, 32)
	}
}

// Symlink makes path a symlink to target (stored as given); an existing
// path is left as it is.
func (p *SetupProgram) Symlink(target, path string) {
	p.op(setupSymlink)
	p.str(target)
	p.str(path)
}

// Bytes is the program as the interpreter reads it.
func (p *SetupProgram) Bytes() ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	if len(p.b) < 8 {
		return nil, errors.New("setup program: not started by NewSetupProgram")
	}
	// The step count follows the root: splice it in.
	root := 4 + 4 + int(binary.LittleEndian.Uint32(p.b[4:8]))
	out := make([]byte, 0, len(p.b)+4)
	out = append(out, p.b[:root]...)
	out = binary.LittleEndian.AppendUint32(out, p.steps)
	return append(out, p.b[root:]...), nil
}

// Root gives / the propagation prop (MS_SLAVE or MS_PRIVATE, with or
// without MS_REC: a shared one stays with Go init) and binds the root onto
// itself, recursively, as pivot_root needs; later steps resolve in the bind.
func (p *SetupProgram) Root(prop uint32) { p.op(setupRoot); p.u32(prop) }

// Pivot makes the root the process's / (pivot_root(".", "."), the old
// root detached), then gives the new / the propagation flags (0: none;
// name is the config's word for them, for the error) and, when devNull is
// set, points the stdio fds that are /dev/null at the container's.
func (p *SetupProgram) Pivot(name string, flags uint32, devNull bool) {
	p.op(setupPivot)
	p.strMax(name, 32)
	p.u32(flags)
	p.u32(boolU32(devNull))
}

// CwdFlags say how a Cwd step goes (setup.c, step_cwd).
type CwdFlags uint32

const (
	// CwdVerify checks with getcwd(2) that the directory is under the
	// root (CVE-2024-21626).
	CwdVerify CwdFlags = 1
	// CwdTry leaves a directory refused with EACCES or EPERM to a later
	// step with CwdAfter.
	CwdTry CwdFlags = 2
	// CwdAfter runs only when no earlier Cwd step succeeded.
	CwdAfter CwdFlags = 4
)

// Cwd changes to path, the process's cwd in the container.
func (p *SetupProgram) Cwd(path string, flags CwdFlags) {
	p.op(setupCwd)
	p.str(path)
	p.u32(uint32(flags))
}

// Setsid makes the process a session leader.
func (p *SetupProgram) Setsid() { p.op(setupSetsid) }

// Unshare unshares the namespaces init makes itself (CLONE_NEWCGROUP,
// CLONE_NEWTIME).
func (p *SetupProgram) Unshare(flags uint32) { p.op(setupUnshare); p.u32(flags) }

// Keyring joins a new session keyring called name.
func (p *SetupProgram) Keyring(name string) { p.op(setupKeyring); p.str(name) }

// Loopback sets lo up.
func (p *SetupProgram) Loopback() { p.op(setupLoopback) }

func boolU32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// RootReadonly makes the root's mount read-only (root.readonly), its
// other flags kept.
func (p *SetupProgram) RootReadonly() { p.op(setupRootRO) }

// FdDir opens the process's fd directory on a procfs of its own at fd
// slot (stage 2 reopens the exec fifo through it).
func (p *SetupProgram) FdDir(slot int) { p.op(setupFdDir); p.u32(uint32(slot)) }

// Lookup finds the program's path as runtime/procenv.go's lookPath: name
// itself when it has a "/" (search false), else the first of candidates
// (PATH's entries joined with name and cleaned, in order) that is an
// executable file for the process's ids; a relative one is refused.
func (p *SetupProgram) Lookup(name string, search bool, candidates []string) {
	p.op(setupLookup)
	p.str(name)
	p.u32(boolU32(search))
	p.u32(uint32(len(candidates)))
	for _, c := range candidates {
		p.str(c)
	}
}

// ProcCheck arms the /proc check of the next Mount: its destination may
// not be /proc (unless proc, a procfs mount) nor inside it, checked on
// names and on the opened mount point; errors start with context.
func (p *SetupProgram) ProcCheck(context string, proc bool) {
	p.op(setupProcCheck)
	p.str(context)
	p.u32(boolU32(proc))
}

// AffinityAll gives the process every CPU its cgroup allows.
func (p *SetupProgram) AffinityAll() { p.op(setupAffinity) }

// Relink makes path a symlink to target, replacing what path is (the
// /dev/ptmx node of an image, as rootfs's setupDev does).
func (p *SetupProgram) Relink(target, path string) {
	p.op(setupRelink)
	p.str(target)
	p.str(path)
}

// Home finds uid's home directory in the container's /etc/passwd ("/"
// without one) for the process's HOME (passwdHome's rules).
func (p *SetupProgram) Home(uid uint32) { p.op(setupHome); p.u32(uid) }

// BindSpec is one bind mount for BindPath: Pre is the runtime's clone of
// Source (0: none), used when Source cannot be cloned in init; Remount
// gives the tree exactly Flags (MS_*), keeping flags a user namespace
// locked unless Cleared names one; Propagation is applied in order once
// attached (MS_* with MS_REC for the whole tree).
type BindSpec struct {
	Source, Target     string
	Pre                int
	Recursive, Remount bool
	Flags, Cleared     uint32
	Propagation        []uint32
	// Attrs are the recursive options, on the detached tree after the
	// remount.
	Attrs Recursive
}

// BindPath bind-mounts b.Source on b.Target (rootfs's mountBind).
func (p *SetupProgram) BindPath(b BindSpec) {
	p.op(setupBindPath)
	p.str(b.Source)
	p.u32(uint32(b.Pre))
	p.str(b.Target)
	p.u32(boolU32(b.Recursive))
	p.u32(boolU32(b.Remount))
	p.u32(b.Flags)
	p.u32(b.Cleared)
	p.u32(uint32(len(b.Propagation)))
	for _, v := range b.Propagation {
		p.u32(v)
	}
	p.u64(b.Attrs.Set)
	p.u64(b.Attrs.Clear)
}

// Remount sets exactly flags (MS_RDONLY, MS_NOSUID, ...) on the mount the
// last MountHold mount made (held until the next one), as a
// MS_BIND|MS_REMOUNT of it; path, its destination, names it in errors.
func (p *SetupProgram) Remount(path string, flags uint32) {
	p.op(setupRemount)
	p.str(path)
	p.u32(flags)
}

// ProcWrite writes value to the process's own /proc file name
// ("self/oom_score_adj") through a procfs of its own, as Go init's
// writeOwnProc; a failure is what and the errno.
func (p *SetupProgram) ProcWrite(name, value, what string) {
	p.op(setupProcWrite)
	p.strMax(name, 64)
	p.str(value)
	p.str(what)
}

// AppArmor makes profile the process's AppArmor profile from its execve
// on, as Go init's applyAppArmor; a failure is in its words.
func (p *SetupProgram) AppArmor(profile string) {
	p.op(setupAppArmor)
	p.str(profile)
}

// ConsoleFlags are Console's options.
type ConsoleFlags uint32

const (
	// ConsoleClearONLCR: a master the runtime itself proxies.
	ConsoleClearONLCR ConsoleFlags = 1
	// ConsoleResize: the window size set to rows x cols.
	ConsoleResize ConsoleFlags = 2
	// ConsoleNoMount: the slave not bound over /dev/console (exec-init:
	// the container's console is its init's).
	ConsoleNoMount ConsoleFlags = 4
)

// Console makes the process's terminal as runtime/terminal.go's
// setupConsole (its mount: the slave bound over /dev/console): a pty of
// the container's devpts, its master sent over the console socket at fd
// sock, the slave owned by uid, the process's stdio and controlling
// terminal.
func (p *SetupProgram) Console(sock int, uid uint32, rows, cols uint16, flags ConsoleFlags) {
	p.op(setupConsole)
	p.u32(uint32(sock))
	p.u32(uid)
	p.u32(uint32(rows))
	p.u32(uint32(cols))
	p.u32(uint32(flags))
}

// Propagate sets each propagation type (MS_PRIVATE, MS_SLAVE, MS_SHARED,
// MS_UNBINDABLE, with or without MS_REC), in order, on the mount the last
// MountHold mount made; target names it in errors.
func (p *SetupProgram) Propagate(target string, props []uint32) {
	p.op(setupPropagate)
	p.str(target)
	p.u32(uint32(len(props)))
	for _, v := range props {
		p.u32(v)
	}
}

// Hooks has the runtime run the prestart and createRuntime hooks: the
// "hooks" message on the sync socket at fd sync, then a wait for
// "hooks-done" (anything else ends init: the runtime reports its error).
func (p *SetupProgram) Hooks(sync int) { p.op(setupHooks); p.u32(uint32(sync)) }

// ProcSched is runtime/sched.go's applyProcSched after the affinity:
// process.scheduler, process.ioPriority, linux.memoryPolicy and
// linux.personality, each set when not nil, in that order.
type ProcSched struct {
	// Sched is sched_setattr(2)'s argument; CPUsLimited makes its
	// EPERM the words for a cpuset without every CPU.
	Sched       *unix.SchedAttr
	CPUsLimited bool
	// IOPrio is ioprio_set(2)'s class << 13 | priority, for the calling
	// process.
	IOPrio *uint32
	// MemMode is set_mempolicy(2)'s mode | flags, MemNodes its node mask
	// (1024 bits, unix.SetMemPolicy's).
	MemMode  int32
	MemNodes *unix.CPUSet
	// Personality is personality(2)'s domain (linux.personality).
	Personality *uint32
}

// ProcSched adds the ProcSched step.
func (p *SetupProgram) ProcSched(s ProcSched) {
	var flags uint32
	if s.Sched != nil {
		flags |= 1
	}
	if s.IOPrio != nil {
		flags |= 2
	}
	if s.MemNodes != nil {
		flags |= 4
	}
	if s.CPUsLimited {
		flags |= 8
	}
	if s.Personality != nil {
		flags |= 16
	}
	p.op(setupProcSched)
	p.u32(flags)
	if a := s.Sched; a != nil {
		p.u32(a.Policy)
		p.u64(a.Flags)
		p.u32(uint32(a.Nice))
		p.u32(a.Priority)
		p.u64(a.Runtime)
		p.u64(a.Deadline)
		p.u64(a.Period)
	}
	if s.IOPrio != nil {
		p.u32(*s.IOPrio)
	}
	if s.MemNodes != nil {
		p.u32(uint32(s.MemMode))
		// 16 words of 64 nodes whatever unix.CPUSet's word size.
		for i := 0; i < 1024; i += 64 {
			var w uint64
			for b := range 64 {
				if s.MemNodes.IsSet(i + b) {
					w |= 1 << b
				}
			}
			p.u64(w)
		}
	}
	if s.Personality != nil {
		p.u32(*s.Personality)
	}
}

// Seccomp loads a filter (flags and instructions as seccomp.Program's)
// before the user switch: the steps after it run under it.
func (p *SetupProgram) Seccomp(flags uint32, ins []bpf.RawInstruction) {
	p.op(setupSeccomp)
	p.u32(flags)
	p.u32(uint32(len(ins)))
	for _, in := range ins {
		p.u32(uint32(in.Op) | uint32(in.Jt)<<16 | uint32(in.Jf)<<24)
		p.u32(in.K)
	}
}

// LogTo makes Debugf write its lines to fd, the write end of the
// runtime's log pipe (runtime/logpipe.go); without it Debugf adds nothing.
func (p *SetupProgram) LogTo(fd int) { p.logFD = fd }

// Debugf adds a step that writes one debug line, as Go init's debugf
// does: {"level":"debug","msg":...} on the log pipe. A message too long
// for the step (a path near PATH_MAX) is cut: the log loses its end, the
// program stays one the step takes.
func (p *SetupProgram) Debugf(format string, args ...any) {
	if p.logFD < 0 {
		return
	}
	full := fmt.Sprintf(format, args...)
	var line []byte
	for keep := len(full); ; {
		msg := full[:keep]
		if keep < len(full) {
			msg += "..."
		}
		line, _ = json.Marshal(struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}{"debug", msg})
		over := len(line) + 1 - (pathMax - 1)
		if over <= 0 {
			break
		}
		// Each byte kept is one or more in JSON: dropping as many
		// as are over (on a rune boundary) gets there in a step or
		// two.
		for keep -= over; keep > 0 && !utf8.RuneStart(full[keep]); keep-- {
		}
		keep = max(keep, 0)
	}
	p.op(setupLog)
	p.u32(uint32(p.logFD))
	p.u32(0)
	p.str(string(line) + "\n")
}

// CloseLog adds a step that closes the log pipe, which ends the runtime's
// relay (its EOF): before stage 2 waits on the exec fifo.
func (p *SetupProgram) CloseLog() {
	if p.logFD < 0 {
		return
	}
	p.op(setupLog)
	p.u32(uint32(p.logFD))
	p.u32(1)
	p.str("")
}
