package cgroup

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The context of a BPF_PROG_TYPE_CGROUP_DEVICE program is
// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// where access_type is (access << 16) | type (include/uapi/linux/bpf.h).
const (
	devcgDevBlock = 1 // BPF_DEVCG_DEV_BLOCK
	devcgDevChar  = 2 // BPF_DEVCG_DEV_CHAR
	devcgAccMknod = 1 // BPF_DEVCG_ACC_MKNOD
	devcgAccRead  = 2 // BPF_DEVCG_ACC_READ
	devcgAccWrite = 4 // BPF_DEVCG_ACC_WRITE
	devcgAccAll   = devcgAccMknod | devcgAccRead | devcgAccWrite
)

// Registers: R0 the verdict, R1 the context and then scratch, R2 type,
// R3 access, R4 major, R5 minor.
const (
	r0 uint8 = iota
	r1
	r2
	r3
	r4
	r5
)

// deviceFilter compiles linux.resources.devices into a device program. As
// in runc's devicefilter, the last rule that matches a request decides it
// (the blocks are emitted in reverse config order and the first that
// matches returns), and a request no rule matches is denied.
//
// A rule matches when its type and numbers match (unset type "a" and unset
// or negative numbers are wildcards) and, for an allow rule, every
// requested access is in the rule's access (one rule must cover the whole
// request, as v1's devices.allow); for a deny rule, any requested access
// is in the rule's access (as v1's devices.deny removes access bits).
func deviceFilter(rules []specs.LinuxDeviceCgroup) ([]insn, error) {
	insns := []insn{
		ldxW(r2, r1, 0),
		and32(r2, 0xffff),
		ldxW(r3, r1, 0),
		rsh32(r3, 16),
		ldxW(r4, r1, 4),
		ldxW(r5, r1, 8),
	}
	for i := len(rules) - 1; i >= 0; i-- {
		block, err := ruleBlock(rules[i])
		if err != nil {
			return nil, fmt.Errorf("linux.resources.devices[%d]: %w", i, err)
		}
		insns = append(insns, block...)
		if len(block) == 2 {
			// An unconditional rule decides every request that gets here:
			// the verifier rejects the unreachable code after it.
			return insns, nil
		}
	}
	return append(insns, mov32(r0, 0), exit()), nil
}

// ruleBlock is one rule's checks and verdict. Every check that fails jumps
// to the instruction after the block: the next rule's block, or the
// default verdict.
func ruleBlock(r specs.LinuxDeviceCgroup) ([]insn, error) {
	var b []insn
	switch r.Type {
	case "", "a":
	case "c":
		b = append(b, jne(r2, devcgDevChar, 0))
	case "b":
		b = append(b, jne(r2, devcgDevBlock, 0))
	default:
		return nil, fmt.Errorf("type %q: want a, b or c", r.Type)
	}
	acc, err := accessBits(r.Access)
	if err != nil {
		return nil, err
	}
	if r.Allow && acc != devcgAccAll {
		// Requested bits outside the rule: not covered.
		b = append(b, mov32Reg(r1, r3), and32(r1, int32(devcgAccAll&^acc)), jne(r1, 0, 0))
	}
	if !r.Allow && acc != devcgAccAll {
		// No requested bit in the rule: it does not apply.
		b = append(b, mov32Reg(r1, r3), and32(r1, int32(acc)), jeq(r1, 0, 0))
	}
	if r.Major != nil && *r.Major >= 0 {
		b = append(b, jne(r4, int32(*r.Major), 0))
	}
	if r.Minor != nil && *r.Minor >= 0 {
		b = append(b, jne(r5, int32(*r.Minor), 0))
	}
	verdict := int32(0)
	if r.Allow {
		verdict = 1
	}
	b = append(b, mov32(r0, verdict), exit())
	for i := range b {
		if b[i].code == bpfJneImm || b[i].code == bpfJeqImm {
			b[i].off = int16(len(b) - 1 - i)
		}
	}
	return b, nil
}

// accessBits parses "rwm"; empty means all three, as in devices.allow.
// Other letters are dropped, as runc does (deviceAccess); a rule with
// letters but none of r, w, m is refused, not widened to all three.
func accessBits(s string) (int, error) {
	if s == "" {
		return devcgAccAll, nil
	}
	if deviceAccess(s) == "" {
		return 0, fmt.Errorf("access %q: none of the letters r, w, m", s)
	}
	bits := 0
	for _, c := range s {
		switch c {
		case 'r':
			bits |= devcgAccRead
		case 'w':
			bits |= devcgAccWrite
		case 'm':
			bits |= devcgAccMknod
		}
	}
	return bits, nil
}
