package seccomp

import (
	"fmt"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Program is a compiled filter, ready for Load.
type Program struct {
	// Instructions is the classic BPF program (struct sock_filter layout).
	Instructions []bpf.RawInstruction
	// Flags are the seccomp(2) SECCOMP_SET_MODE_FILTER flags, including
	// SECCOMP_FILTER_FLAG_NEW_LISTENER when a rule uses SCMP_ACT_NOTIFY.
	Flags uintptr
	// Skipped lists what the profile named but gorunc cannot filter on:
	// "syscall NAME" for names unknown on every architecture in the filter
	// and "architecture SCMP_ARCH_X" for spec architectures without a
	// syscall table here. runc and crun skip the same way; the caller may
	// log them.
	Skipped []string
}

// rule is one profile entry's condition set and return value.
type rule struct {
	conds []cond
	ret   uint32
}

// syscallRules are the rules that apply to one syscall number on one arch,
// in profile order.
type syscallRules struct {
	nr    uint32
	rules []rule
}

// Compile turns an OCI seccomp profile into a classic BPF program for the
// kernel's seccomp filter mode. nativeArch is the runtime's own
// architecture, as a GOARCH ("amd64") or a spec name; like libseccomp, the
// native architecture is always in the filter, whether listed or not.
// A nil profile yields a nil Program.
//
// Program shape (see doc.go for the full picture):
//
//	ld arch; one jeq per AUDIT_ARCH_* in the filter; ret KILL_PROCESS
//	per arch: ld nr; per syscall with argument rules: jeq nr -> rules
//	(conditional ones first, then the first unconditional one, else the
//	default); per other syscall: jeq nr -> shared ret of its action;
//	ret default
func Compile(s *specs.LinuxSeccomp, nativeArch string) (*Program, error) {
	if s == nil {
		return nil, nil
	}
	if err := Validate(s); err != nil {
		return nil, err
	}
	native, err := resolveNative(nativeArch)
	if err != nil {
		return nil, err
	}
	p := &Program{}
	arches := selectArches(s.Architectures, native, p)
	defRet, err := retValue(s.DefaultAction, s.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp.defaultAction: %w", err)
	}
	notify := false
	perArch := make([]archRules, len(arches))
	known := map[string]bool{}
	for i, sc := range s.Syscalls {
		ret, err := retValue(sc.Action, sc.ErrnoRet)
		if err != nil {
			return nil, fmt.Errorf("linux.seccomp.syscalls[%d]: %w", i, err)
		}
		notify = notify || sc.Action == specs.ActNotify
		rules := expandRules(sc.Args, ret)
		for ai, a := range arches {
			for _, name := range sc.Names {
				nr, ok := a.lookup(name)
				if !ok {
					continue
				}
				known[name] = true
				perArch[ai].add(nr, rules)
			}
		}
	}
	seen := map[string]bool{}
	for _, sc := range s.Syscalls {
		for _, name := range sc.Names {
			if !known[name] && !seen[name] {
				seen[name] = true
				p.Skipped = append(p.Skipped, "syscall "+name)
			}
		}
	}
	if p.Flags, err = kernelFlags(s.Flags, notify); err != nil {
		return nil, err
	}
	if p.Instructions, err = generate(arches, perArch, defRet, enosysStub(s.DefaultAction)); err != nil {
		return nil, fmt.Errorf("linux.seccomp: %w", err)
	}
	if len(p.Instructions) > maxInsns {
		return nil, fmt.Errorf("linux.seccomp: filter needs %d instructions, the kernel allows %d (BPF_MAXINSNS)", len(p.Instructions), maxInsns)
	}
	return p, nil
}

func resolveNative(name string) (archInfo, error) {
	n, err := nativeArch(name)
	if err != nil {
		return archInfo{}, err
	}
	return archs()[n], nil
}

// selectArches returns the native arch followed by the listed ones in
// profile order, without duplicates; listed spec arches without a table are
// recorded in p.Skipped.
func selectArches(listed []specs.Arch, native archInfo, p *Program) []archInfo {
	out := []archInfo{native}
	seen := map[specs.Arch]bool{native.name: true}
	for _, a := range listed {
		if seen[a] {
			continue
		}
		seen[a] = true
		info, ok := archs()[a]
		if !ok {
			p.Skipped = append(p.Skipped, "architecture "+string(a))
			continue
		}
		out = append(out, info)
	}
	return out
}

// expandRules turns one entry's args into rules. Args are ANDed, except
// that runc (libcontainer/seccomp/seccomp_linux.go, matchCall) ORs the
// conditions when two of them test the same argument index, because
// libseccomp cannot AND two comparisons of one argument; gorunc does the
// same so profiles mean what they mean under runc.
func expandRules(args []specs.LinuxSeccompArg, ret uint32) []rule {
	var conds []cond
	count := [maxArgs]int{}
	for _, a := range args {
		conds = append(conds, cond{index: uint32(a.Index), op: a.Op, value: a.Value, valueTwo: a.ValueTwo})
		count[a.Index]++
	}
	for _, c := range count {
		if c > 1 {
			out := make([]rule, len(conds))
			for i, c := range conds {
				out[i] = rule{conds: []cond{c}, ret: ret}
			}
			return out
		}
	}
	return []rule{{conds: conds, ret: ret}}
}

// archRules collects one arch's syscalls in order of first appearance.
type archRules struct {
	list  []*syscallRules
	index map[uint32]*syscallRules
}

func (a *archRules) add(nr uint32, rules []rule) {
	if s, ok := a.index[nr]; ok {
		s.rules = append(s.rules, rules...)
		return
	}
	if a.index == nil {
		a.index = map[uint32]*syscallRules{}
	}
	s := &syscallRules{nr: nr, rules: append([]rule(nil), rules...)}
	a.index[nr] = s
	a.list = append(a.list, s)
}

// retENOSYS is SECCOMP_RET_ERRNO with ENOSYS, the answer for syscalls newer
// than the profile.
const retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)

// enosysStub reports whether syscalls newer than the profile get -ENOSYS
// instead of the default action. runc (libcontainer/seccomp/patchbpf,
// generatePatch) prepends such a stub to every filter whose default action
// is not permissive: a profile written before clone3 or faccessat2 existed
// would otherwise answer them with EPERM, which glibc and musl take as a
// real refusal instead of falling back to clone or faccessat. ALLOW, LOG
// and TRACE defaults skip it (a tracer handles new syscalls itself).
func enosysStub(def specs.LinuxSeccompAction) bool {
	switch def {
	case specs.ActAllow, specs.ActLog, specs.ActTrace:
		return false
	}
	return true
}

// newestSyscall is the largest syscall number the profile names on this
// arch, in whatever action: runc's findLastSyscalls. Numbers above it are
// taken to be syscalls the profile's author did not know. 0 means the
// profile names none, and the arch then gets no -ENOSYS check (as in runc).
func newestSyscall(list []*syscallRules) uint32 {
	var newest uint32
	for _, sr := range list {
		newest = max(newest, sr.nr)
	}
	return newest
}

// generate emits the whole program. Arches sharing an AUDIT_ARCH value
// (x86_64 and x32) share one block split on __X32_SYSCALL_BIT. With
// withENOSYS, each arch block first sends numbers above the newest syscall
// of the profile to "ret ERRNO(ENOSYS)" (see enosysStub).
func generate(arches []archInfo, perArch []archRules, defRet uint32, withENOSYS bool) ([]bpf.RawInstruction, error) {
	type group struct {
		audit uint32
		label label
		idx   []int
	}
	as := &assembler{}
	var groups []*group
	byAudit := map[uint32]*group{}
	for i, a := range arches {
		g, ok := byAudit[a.audit]
		if !ok {
			g = &group{audit: a.audit, label: as.newLabel()}
			byAudit[a.audit] = g
			groups = append(groups, g)
		}
		g.idx = append(g.idx, i)
	}
	bad := as.newLabel()
	// enosys is marked at the end only when some arch jumps to it.
	enosys, enosysUsed := as.newLabel(), false
	emit := func(i int) {
		newest := uint32(0)
		if withENOSYS {
			newest = newestSyscall(perArch[i].list)
		}
		enosysUsed = enosysUsed || newest > 0
		emitArch(as, arches[i], perArch[i].list, defRet, newest, enosys)
	}
	as.load(offArch)
	for _, g := range groups {
		as.cond(opJeqK, g.audit, g.label, next)
	}
	as.ret(badArchAction)
	for _, g := range groups {
		as.mark(g.label)
		as.load(offNr)
		var x86, x32 = -1, -1
		for _, i := range g.idx {
			switch arches[i].name {
			case specs.ArchX86_64:
				x86 = i
			case specs.ArchX32:
				x32 = i
			}
		}
		if x86 < 0 && x32 < 0 {
			for _, i := range g.idx {
				emit(i)
			}
			continue
		}
		// Both ABIs arrive as AUDIT_ARCH_X86_64; x32 numbers carry
		// __X32_SYSCALL_BIT. An ABI that is not in the filter gets the
		// bad-arch action, as in libseccomp.
		x32Label := bad
		if x32 >= 0 {
			x32Label = as.newLabel()
		}
		x86Label := bad
		if x86 >= 0 {
			x86Label = next
		}
		as.cond(opJgeK, x32SyscallBit, x32Label, x86Label)
		if x86 >= 0 {
			emit(x86)
		}
		if x32 >= 0 {
			as.mark(x32Label)
			emit(x32)
		}
	}
	as.mark(bad)
	as.ret(badArchAction)
	if enosysUsed {
		as.mark(enosys)
		as.ret(retENOSYS)
	}
	return as.assemble()
}

// plainChunk bounds a run of shared-return syscall checks so that every
// jt reaches its return without a trampoline: at most plainChunk-1 checks,
// one BPF_JA and plainChunk-1 returns lie between a jump and its target.
const plainChunk = 128

// emitArch emits one arch's syscall checks; A holds seccomp_data.nr on entry
// and on every fall-through between syscalls, since rule bodies always end
// in a return.
//
// newest > 0 first sends numbers above it to the enosys label. On x86_64
// the block is only reached by numbers of its own ABI (x32 numbers, which
// carry __X32_SYSCALL_BIT, go to the x32 block), so each ABI is compared
// with its own newest syscall, as runc's stub does with its jset tests.
// On s390x, number 0 (the old setup(2)) also gets -ENOSYS: the kernel
// leaves a syscall it does not know, made through the multiplexer, at 0
// (runc's s390xMultiplexSyscall).
//
// Syscalls with argument rules get "jeq nr; body". The rest (most of a
// typical profile) need only one instruction each: their jeq jumps straight
// to a return shared with the other syscalls of the same action, placed
// after each run of plainChunk checks. This is what keeps Docker's profile
// for three arches far below BPF_MAXINSNS, as libseccomp's output is.
func emitArch(as *assembler, a archInfo, list []*syscallRules, defRet, newest uint32, enosys label) {
	if newest > 0 {
		if a.name == specs.ArchS390X {
			as.cond(opJeqK, 0, enosys, next)
		}
		as.cond(opJgtK, newest, enosys, next)
	}
	var plain []*syscallRules
	for _, sr := range list {
		if !hasConds(sr.rules) {
			plain = append(plain, sr)
			continue
		}
		skip := as.newLabel()
		as.cond(opJeqK, sr.nr, next, skip)
		emitSyscall(as, a, sr.rules, defRet)
		as.mark(skip)
	}
	for start := 0; start < len(plain); start += plainChunk {
		chunk := plain[start:min(start+plainChunk, len(plain))]
		rets := map[uint32]label{}
		var order []uint32
		for _, sr := range chunk {
			r := sr.rules[0].ret // first unconditional rule wins
			l, ok := rets[r]
			if !ok {
				l = as.newLabel()
				rets[r] = l
				order = append(order, r)
			}
			as.cond(opJeqK, sr.nr, l, next)
		}
		after := as.newLabel()
		as.ja(after)
		for _, r := range order {
			as.mark(rets[r])
			as.ret(r)
		}
		as.mark(after)
	}
	as.ret(defRet)
}

func hasConds(rules []rule) bool {
	for _, r := range rules {
		if len(r.conds) > 0 {
			return true
		}
	}
	return false
}

// emitSyscall orders one syscall's rules: conditional rules in profile
// order, then the first unconditional rule (later unconditional ones could
// never match), else the default action. Checking the specific rules first
// lets "allow personality(0), deny other personality calls" mean what it says
// whatever order the entries come in.
func emitSyscall(as *assembler, a archInfo, rules []rule, defRet uint32) {
	ordered := append([]rule(nil), rules...)
	sort.SliceStable(ordered, func(i, j int) bool { return len(ordered[i].conds) > 0 && len(ordered[j].conds) == 0 })
	for _, r := range ordered {
		if len(r.conds) == 0 {
			as.ret(r.ret)
			return
		}
		fail := as.newLabel()
		for _, c := range r.conds {
			emitCond(as, a, c, fail)
		}
		as.ret(r.ret)
		as.mark(fail)
	}
	as.ret(defRet)
}
