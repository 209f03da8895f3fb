package runtime

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimitTypes maps process.rlimits[].type to setrlimit(2) resources.
var rlimitTypes = sync.OnceValue(func() map[string]int {
	return map[string]int{
		"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
		"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
		"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
		"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
		"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
		"RLIMIT_STACK": unix.RLIMIT_STACK,
	}
})

// capNumber returns the number of name ("CAP_SYS_ADMIN", exactly: upper
// case, as runc's map of names has it) among known, every capability the
// library knows (capability.ListKnown(); not only those this kernel has).
// A scan, not a map: a create looks its ~40 names up twice, and a map of
// every known name cost 80 allocations and fresh spans more than the scans
// (docs/performance.md, "Green Tea GC off").
func capNumber(known []capability.Cap, name string) (capability.Cap, bool) {
	rest, ok := strings.CutPrefix(name, "CAP_")
	if !ok {
		return 0, false
	}
	for _, c := range known {
		if upperOf(rest, c.String()) {
			return c, true
		}
	}
	return 0, false
}

// upperOf reports whether s is lower (a capability's name: ASCII lower
// case, digits, '_') in upper case.
func upperOf(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := range len(s) {
		c := lower[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if s[i] != c {
			return false
		}
	}
	return true
}

// CapabilityNames lists the known capabilities, for `features`.
func CapabilityNames() []string {
	var out []string
	for _, c := range capability.ListKnown() {
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

// capsWarning is runc 1.5's warning for capability names this build or
// this kernel does not know: they are left out of every set (capsFor), and
// the container runs, as with runc, rather than failing on a name a newer
// client sends. Leaving a capability out never grants more.
func capsWarning(p *specs.Process) []string {
	if p == nil || p.Capabilities == nil {
		return nil
	}
	known := capability.ListKnown()
	last, err := lastCap()
	if err != nil {
		return nil // capsFor reports it
	}
	var unknown []string
	seen := map[string]bool{}
	for _, set := range capSets(p.Capabilities) {
		for _, name := range set.names {
			if cp, ok := capNumber(known, name); (!ok || cp > last) && !seen[name] {
				seen[name] = true
				unknown = append(unknown, name)
			}
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("ignoring unknown or unavailable capabilities: [%s]", strings.Join(unknown, " "))}
}

type capSet struct {
	name  string
	names []string
}

func capSets(c *specs.LinuxCapabilities) []capSet {
	return []capSet{
		{"bounding", c.Bounding},
		{"effective", c.Effective},
		{"permitted", c.Permitted},
		{"inheritable", c.Inheritable},
		{"ambient", c.Ambient},
	}
}

// capState is the capability state the config asks for, one bit per
// capability, and the last capability of the running kernel. It is
// applied with capset(2) and prctl(2) alone: init and exec-init never read
// /proc for it. exec-init runs in the container's mount namespace from its
// first instruction (nsexec/nsenter.c), where container root can mount a
// /proc of its own making (CVE-2025-52881 class): a cap_last_cap of 5
// there made the capability libraries (syndtr/gocapability, in its
// package init; moby/sys/capability, on first use, so runc too) drop every
// configured capability above CAP_KILL and leave all of those in the
// bounding set; a fifo there, or at /proc/self/status (read by their
// Load), stalled the helper.
type capState struct {
	last                                             capability.Cap
	bounding, effective, permitted, inheritable, amb uint64
	// refused is runc 1.5's warning for each ambient capability the
	// kernel refused to raise (applySets), for init to send to the
	// caller.
	refused []string
}

// warnings are the lines applySets left for the caller; none when the
// process has no capabilities configured (s is nil).
func (s *capState) warnings() []string {
	if s == nil {
		return nil
	}
	return s.refused
}

// lastCap is the highest capability the running kernel knows:
// PR_CAPBSET_READ fails with EINVAL past it (prctl(2)), the same number
// /proc/sys/kernel/cap_last_cap shows, without reading a file. The known
// capabilities are 0..last, so a binary search finds it in 6 calls where
// asking for each one took 41 (per create, in the CLI and again in init).
func lastCap() (capability.Cap, error) {
	// Invariant: lo is known (CAP_CHOWN, 0, on every kernel), hi is
	// unknown or 64.
	lo, hi := 0, 64
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		_, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(mid), 0, 0, 0)
		switch {
		case err == nil:
			lo = mid
		case errors.Is(err, unix.EINVAL):
			hi = mid
		default:
			return 0, fmt.Errorf("prctl(PR_CAPBSET_READ, %d): %w", mid, err)
		}
	}
	return capability.Cap(lo), nil
}

// capsFor builds the capability state the config asks for, dropping
// capabilities the running kernel does not have (as runc does: a config
// written for a newer kernel still runs).
func capsFor(c *specs.LinuxCapabilities) (*capState, error) {
	last, err := lastCap()
	if err != nil {
		return nil, fmt.Errorf("read capabilities: %w", err)
	}
	known := capability.ListKnown()
	mask := func(names []string) uint64 {
		var m uint64
		for _, name := range names {
			if cp, ok := capNumber(known, name); ok && cp <= last {
				m |= 1 << uint(cp)
			}
		}
		return m
	}
	return &capState{
		last:        last,
		bounding:    mask(c.Bounding),
		effective:   mask(c.Effective),
		permitted:   mask(c.Permitted),
		inheritable: mask(c.Inheritable),
		amb:         mask(c.Ambient),
	}, nil
}

// applyBounding drops from the calling thread's bounding set every
// capability the config leaves out. As the capability libraries do, it
// does nothing without CAP_SETPCAP in the effective set (the drop needs
// it), and skips capabilities the kernel refuses as unknown.
func (s *capState) applyBounding() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	if data[0].Effective&(1<<capability.CAP_SETPCAP) == 0 {
		return nil
	}
	for c := capability.Cap(0); c <= s.last; c++ {
		if s.bounding&(1<<uint(c)) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("drop %s: %w", c, err)
		}
	}
	return nil
}

// capName is c as runc's warnings name it ("CAP_NET_RAW").
func capName(c capability.Cap) string { return "CAP_" + strings.ToUpper(c.String()) }

// applySets sets the calling thread's effective, permitted and
// inheritable sets, then its ambient set. An ambient capability the
// kernel refuses to raise (EPERM: not in both the permitted and the
// inheritable set; EINVAL before Linux 4.3) is left out and the process
// still runs, as with runc 1.5, which warns "can't raise ambient
// capability CAP_X: <errno>" (libcontainer/capabilities ApplyCaps):
// s.refused keeps that warning for the caller (TestAmbientWarningAsRunc,
// TestCVE2022_29162InheritableCaps).
func (s *capState) applySets() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		data[i] = unix.CapUserData{
			Effective:   uint32(s.effective >> (32 * i)),
			Permitted:   uint32(s.permitted >> (32 * i)),
			Inheritable: uint32(s.inheritable >> (32 * i)),
		}
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("can't apply capabilities: %w", err) // capset(2), in runc 1.5's words
	}
	for c := capability.Cap(0); c <= s.last; c++ {
		if s.amb&(1<<uint(c)) == 0 {
			unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_LOWER, uintptr(c), 0, 0)
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			s.refused = append(s.refused, fmt.Sprintf("can't raise ambient capability %s: %v", capName(c), err))
		}
	}
	return nil
}

// applyUser switches to process.user on the calling thread. The bounding
// set must already be applied (dropping it needs CAP_SETPCAP) and keepcaps
// set, so that the permitted set survives setuid(2) and capset can give the
// configured capabilities to a non-root user.
func applyUser(u specs.User, setgroups bool) error {
	if setgroups {
		gids := make([]int, len(u.AdditionalGids))
		for i, g := range u.AdditionalGids {
			gids[i] = int(g)
		}
		if err := unix.Setgroups(gids); err != nil {
			return fmt.Errorf("setgroups %v: %w", gids, err)
		}
	}
	wasDumpable, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		return fmt.Errorf("prctl(PR_GET_DUMPABLE): %w", err)
	}
	// Raw per-thread calls: this thread is the one that will execve, and
	// execve gives the new program the calling thread's credentials.
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("setgid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("setuid %d: %w", u.UID, e)
	}
	// Changing ids set dumpability to fs.suid_dumpable (commit_creds),
	// which may be 1: then init or exec-init, still holding the host's
	// fds, could be traced by the container's user until its execve.
	// Clear it again, as nsexec does after its own id changes.
	if wasDumpable == 0 {
		return setDumpable(false)
	}
	return nil
}

// setRlimits applies process.rlimits. Raising a hard limit needs
// CAP_SYS_RESOURCE; say so, since that is the usual cause.
//
// Go raises its own soft RLIMIT_NOFILE at start and puts the saved value
// back at execve (syscall/rlimit.go), which would undo a configured NOFILE.
// runc, which sets the limits from the parent with prlimit(pid), calls
// syscall.Setrlimit in init only to drop that saved value
// (ClearRlimitNofileCache). Here init sets its own: x/sys's Prlimit goes
// through syscall's prlimit, which drops the saved value when pid is 0 and
// the resource is NOFILE (go.dev/cl/588076), so the container gets exactly
// the configured limits (TestRlimitsExactAsRunc).
func setRlimits(rls []specs.POSIXRlimit) error {
	for _, rl := range rls {
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(0, rlimitTypes()[rl.Type], &lim, nil); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("set %s to %d/%d: %w (raising a hard limit needs CAP_SYS_RESOURCE)", rl.Type, rl.Soft, rl.Hard, err)
			}
			return fmt.Errorf("set %s to %d/%d: %w", rl.Type, rl.Soft, rl.Hard, err)
		}
	}
	return nil
}
