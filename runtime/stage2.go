package runtime

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/nsexec"
)

// Stage 2: a created container's init waits on the exec fifo without the
// Go runtime. Go init does everything it did before "ready", then
// execveat()s a read-only binary (CVE-2019-5736): gorunc-init when the
// runtime found one beside itself (the stage2 role's fd), else its own
// (the exe role's, the one it was started from), with only stage2Env
// set, and the nsenter constructor's C stage (nsexec/stage2.c, which has
// the diagram) sends "ready", waits on the fifo, loads a noNewPrivileges
// filter and execs the process. One thread and about 1 MiB while created, instead of the Go
// runtime's 4 threads and 9 MiB, so that a pids.max of 1 set between
// create and start no longer breaks start (docs/performance.md).
//
// The exec of stage 2 keeps what the container's process gets: uid, gids,
// groups, no_new_privs, securebits, rlimits, umask, cwd, oom_score_adj,
// scheduler, memory policy survive execve (execve(2)); capabilities are
// recomputed at each execve from uid, inheritable, ambient and bounding
// sets alone (capabilities(7), "Transformation of capabilities during
// execve()"), none of which an execve of a binary without file
// capabilities or set-user-ID bits changes (the read-only bind and the
// memfd copy carry neither, nsexec.ProtectedSelf; a binary with file
// capabilities would clear the ambient set, so stage2Refusal checks).
// Permitted and effective after the process's execve are therefore the
// same whether one or two execs lie between (TestStage2StatusAsBefore
// compares the process's /proc/self/status with runc 1.5.1's). Stage 2's
// own capabilities are another matter: capsChangeAtExec keeps the Go wait
// when they would differ from Go init's.
const stage2Env = "_GORUNC_STAGE2"

// stage2Refusal is why init keeps the Go wait for cfg, or "" when stage 2
// may run. Each reason is a case stage 2 would change:
//   - process.apparmorProfile, selinuxLabel: both take effect at the next
//     execve, which would be stage 2's, not the process's.
//   - a notifying seccomp filter: its agent would be asked about stage 2's
//     own syscalls.
//   - a user namespace (unless the runtime is rootless, whose init is
//     dumpable anyway): stage 2's memory would belong to that namespace
//     (mm->user_ns is set at execve), so its root could ptrace the
//     non-dumpable stage 2 and reach the host fds it holds.
//   - linux.personality: a 64-bit execve resets parts of it.
//   - a small RLIMIT_AS or RLIMIT_DATA: the larger gorunc binary could fail
//     to load past the point of no return of execve.
func stage2Refusal(cfg *initConfig) string {
	p := cfg.Spec.Process
	exe, hasExe := stage2Binary(cfg)
	switch {
	case !nsexec.NsenterAvailable:
		return "built without cgo"
	case p == nil:
		return "no process"
	case !hasExe:
		return "no binary fd"
	case p.ApparmorProfile != "" || p.SelinuxLabel != "":
		return "an LSM label applies at the next execve"
	case notifies(cfg.Seccomp):
		return "a notifying seccomp filter"
	case cfg.Spec.Linux != nil && nsexec.Has(cfg.Spec.Linux.Namespaces, specs.UserNamespace) && !cfg.RootlessEUID:
		return "a user namespace"
	case cfg.Spec.Linux != nil && cfg.Spec.Linux.Personality != nil:
		return "linux.personality"
	}
	for _, r := range p.Rlimits {
		if (r.Type == "RLIMIT_AS" || r.Type == "RLIMIT_DATA") && r.Soft < 256<<20 {
			return r.Type
		}
	}
	var st unix.Stat_t
	if err := unix.Fstat(exe, &st); err != nil {
		return "stat of the binary: " + err.Error()
	}
	if st.Mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
		return "set-id binary"
	}
	if _, err := unix.Fgetxattr(exe, "security.capability", nil); err == nil {
		return "binary with file capabilities"
	}
	return ""
}

// stage2Binary is the fd stage 2 is executed from: gorunc-init when the
// runtime gave one (fdStage2), gorunc's own binary otherwise (fdExe).
func stage2Binary(cfg *initConfig) (int, bool) {
	if fd, ok := cfg.FDs[fdStage2]; ok {
		return fd, true
	}
	fd, ok := cfg.FDs[fdExe]
	return fd, ok
}

// openStage2Plan creates the memfd stage 2 reads its plan from, early:
// before any seccomp filter, which need not allow memfd_create. nil (and
// the Go wait) when stage 2 does not apply or the memfd is refused.
func openStage2Plan(cfg *initConfig) *os.File {
	if why := stage2Refusal(cfg); why != "" {
		cfg.debugf("init: the Go runtime waits on the exec fifo (%s)", why)
		return nil
	}
	fd, err := unix.MemfdCreate("gorunc-stage2", unix.MFD_CLOEXEC)
	if err != nil {
		cfg.debugf("init: the Go runtime waits on the exec fifo (memfd_create: %v)", err)
		return nil
	}
	return os.NewFile(uintptr(fd), "stage 2 plan")
}

// execStage2 hands the rest of init to stage 2. It returns only when the
// execveat failed (a seccomp profile may deny it: EPERM, ENOSYS, EACCES),
// with every fd it made closed: the caller then waits in Go as before.
func execStage2(cfg *initConfig, plan *os.File, sock *os.File, fifoFD int, fdDir *os.File, argv0 string) error {
	if why := capsChangeAtExec(); why != "" {
		return errors.New(why)
	}
	// Copies without O_CLOEXEC are what crosses the execveat; the
	// originals stay close-on-exec for the fallback.
	var dups []int
	defer func() {
		for _, fd := range dups {
			unix.Close(fd)
		}
	}()
	dup := func(fd uintptr) (int, error) {
		d, err := unix.Dup(int(fd))
		if err != nil {
			return -1, fmt.Errorf("dup: %w", err)
		}
		dups = append(dups, d)
		return d, nil
	}
	var fds [4]int
	for i, fd := range []uintptr{sock.Fd(), uintptr(fifoFD), fdDir.Fd(), plan.Fd()} {
		d, err := dup(fd)
		if err != nil {
			return err
		}
		fds[i] = d
	}
	data, err := planBytes(cfg, argv0, fds[0], fds[1], fds[2], false)
	if err != nil {
		return err
	}
	if _, err := plan.Write(data); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	argv, err := syscall.SlicePtrFromStrings([]string{"gorunc", "init"})
	if err != nil {
		return err
	}
	envv, err := syscall.SlicePtrFromStrings([]string{stage2Env + "=" + strconv.Itoa(fds[3])})
	if err != nil {
		return err
	}
	empty, _ := syscall.BytePtrFromString("")
	// On the main thread, locked (Init's caller): its credentials are
	// the ones that cross.
	exe, _ := stage2Binary(cfg)
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(exe), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])), unix.AT_EMPTY_PATH, 0)
	return fmt.Errorf("execveat: %w", errno)
}

// capsChangeAtExec says why the calling thread's capabilities would not
// be the same after stage 2's execve ("" when they would). The process's
// own caps after its execve are the same either way, but stage 2 acts
// with its own: the startContainer hooks run with them, and the process's
// execve is checked with them (a non-root user with CAP_DAC_OVERRIDE in
// its effective set only may execute a file it has no x bit for:
// TestExecPermissionAsRunc). An execve of a binary without file
// capabilities or set-id bits (capabilities(7)) gives a uid 0 process
// permitted = effective = inheritable | bounding, any other uid permitted
// = effective = ambient, and keeps inheritable, bounding and ambient;
// securebits could change that, so any set bit keeps the Go wait.
func capsChangeAtExec() string {
	var uids [3]int
	uids[0], uids[1], uids[2] = unix.Getresuid()
	if uids[0] != uids[1] || uids[1] != uids[2] {
		return "real, effective and saved uids differ"
	}
	if bits, err := unix.PrctlRetInt(unix.PR_GET_SECUREBITS, 0, 0, 0, 0); err != nil || bits != 0 {
		return fmt.Sprintf("securebits %#x (%v)", bits, err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return "capget: " + err.Error()
	}
	eff := uint64(data[1].Effective)<<32 | uint64(data[0].Effective)
	perm := uint64(data[1].Permitted)<<32 | uint64(data[0].Permitted)
	inh := uint64(data[1].Inheritable)<<32 | uint64(data[0].Inheritable)
	var bset, amb uint64
	for c := 0; c < 64; c++ {
		in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
		if errors.Is(err, unix.EINVAL) {
			break // past the kernel's last capability
		}
		if err != nil {
			return "PR_CAPBSET_READ: " + err.Error()
		}
		set, err := unix.PrctlRetInt(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, uintptr(c), 0, 0)
		if err != nil {
			return "PR_CAP_AMBIENT_IS_SET: " + err.Error()
		}
		bset |= uint64(in) << c
		amb |= uint64(set) << c
	}
	after := amb
	if uids[0] == 0 {
		after = inh | bset
	}
	if perm != after || eff != after {
		return fmt.Sprintf("capabilities would change at execve (permitted %#x, effective %#x, after %#x)", perm, eff, after)
	}
	return ""
}

// Plan flags, as nsexec/stage2.c reads them.
const (
	planDumpable = 1
	planSeccomp  = 2
	planHooks    = 4
	planExec     = 8
)

// planBytes is stage 2's plan (format in nsexec/stage2.c): the fds in
// stage 2, the "ready" message as the channel sends it (bareLine), the process
// to exec, a noNewPrivileges filter that goes in after the fifo and the
// startContainer hooks with the state they get on stdin. exec-init's plan
// (exec) has no fifo and no hooks: its filter goes in after "ready".
func planBytes(cfg *initConfig, argv0 string, syncFD, fifoFD, fdDirFD int, exec bool) ([]byte, error) {
	p := cfg.Spec.Process
	var flags uint32
	if cfg.RootlessEUID {
		flags |= planDumpable
	}
	if exec {
		flags |= planExec
	}
	filter := cfg.Seccomp != nil && p.NoNewPrivileges && !notifies(cfg.Seccomp)
	if filter {
		flags |= planSeccomp
	}
	var hooks []specs.Hook
	if h := cfg.Spec.Hooks; h != nil && len(h.StartContainer) > 0 && !exec {
		flags |= planHooks
		hooks = h.StartContainer
	}
	// What Go's execve would refuse, Go refuses in its own words.
	all := append(append([]string{argv0}, p.Args...), p.Env...)
	for _, h := range hooks {
		all = append(append(append(all, h.Path), h.Args...), h.Env...)
	}
	for _, s := range all {
		if bytes.IndexByte([]byte(s), 0) >= 0 {
			return nil, errors.New("NUL byte in argv or env")
		}
	}
	if filter && len(cfg.Seccomp.Instructions) > 4096 {
		return nil, errors.New("seccomp program too long")
	}
	var b []byte
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	str := func(s string) { u32(uint32(len(s))); b = append(b, s...) }
	strs := func(v []string) {
		u32(uint32(len(v)))
		for _, s := range v {
			str(s)
		}
	}
	u32(0x32535247) // "GRS2"
	u32(flags)
	u32(uint32(syncFD))
	u32(uint32(fifoFD))
	u32(uint32(fdDirFD))
	ready, _ := bareLine(message{Type: msgReady})
	str(ready)
	str(argv0)
	strs(p.Args)
	strs(p.Env)
	if filter {
		if cfg.Seccomp.Flags > 0xffffffff {
			return nil, errors.New("seccomp flags do not fit the plan")
		}
		u32(uint32(cfg.Seccomp.Flags))
		u32(uint32(len(cfg.Seccomp.Instructions)))
		for _, ins := range cfg.Seccomp.Instructions {
			b = binary.LittleEndian.AppendUint16(b, ins.Op)
			b = append(b, ins.Jt, ins.Jf)
			u32(ins.K)
		}
	}
	if len(hooks) > 0 {
		st := cfg.State
		st.Status = specs.StateCreated
		state, err := json.Marshal(st)
		if err != nil {
			return nil, err
		}
		str(string(state))
		u32(uint32(len(hooks)))
		for _, h := range hooks {
			str(h.Path)
			args := h.Args
			if len(args) == 0 {
				args = []string{h.Path}
			}
			strs(args)
			if h.Env == nil {
				u32(0)
			} else {
				u32(1)
				strs(h.Env)
			}
			var timeout uint32
			if h.Timeout != nil {
				if *h.Timeout <= 0 || *h.Timeout > 1<<31 {
					return nil, errors.New("hook timeout out of range")
				}
				timeout = uint32(*h.Timeout)
			}
			u32(timeout)
		}
	}
	return b, nil
}
