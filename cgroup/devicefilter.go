package cgroup

import (
	"fmt"

	"github.com/cilium/ebpf/asm"
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
// Registers: R2 type, R3 access, R4 major, R5 minor; R1 is scratch once
// the context is read.
func deviceFilter(rules []specs.LinuxDeviceCgroup) (asm.Instructions, error) {
	insns := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word),
		asm.And.Imm32(asm.R2, 0xffff),
		asm.LoadMem(asm.R3, asm.R1, 0, asm.Word),
		asm.RSh.Imm32(asm.R3, 16),
		asm.LoadMem(asm.R4, asm.R1, 4, asm.Word),
		asm.LoadMem(asm.R5, asm.R1, 8, asm.Word),
	}
	label := func(i int) string {
		if i < 0 {
			return "default"
		}
		return fmt.Sprintf("rule%d", i)
	}
	for i := len(rules) - 1; i >= 0; i-- {
		block, err := ruleBlock(rules[i], label(i-1))
		if err != nil {
			return nil, fmt.Errorf("linux.resources.devices[%d]: %w", i, err)
		}
		block[0] = block[0].WithSymbol(label(i))
		insns = append(insns, block...)
		if len(block) == 2 {
			// An unconditional rule decides every request that gets here:
			// the verifier rejects the unreachable code after it.
			return insns, nil
		}
	}
	insns = append(insns,
		asm.Mov.Imm32(asm.R0, 0).WithSymbol(label(-1)),
		asm.Return(),
	)
	return insns, nil
}

func ruleBlock(r specs.LinuxDeviceCgroup, next string) (asm.Instructions, error) {
	var b asm.Instructions
	switch r.Type {
	case "", "a":
	case "c":
		b = append(b, asm.JNE.Imm(asm.R2, devcgDevChar, next))
	case "b":
		b = append(b, asm.JNE.Imm(asm.R2, devcgDevBlock, next))
	default:
		return nil, fmt.Errorf("type %q: want a, b or c", r.Type)
	}
	acc, err := accessBits(r.Access)
	if err != nil {
		return nil, err
	}
	if r.Allow && acc != devcgAccAll {
		// Requested bits outside the rule: not covered.
		b = append(b,
			asm.Mov.Reg32(asm.R1, asm.R3),
			asm.And.Imm32(asm.R1, int32(devcgAccAll&^acc)),
			asm.JNE.Imm(asm.R1, 0, next))
	}
	if !r.Allow && acc != devcgAccAll {
		// No requested bit in the rule: it does not apply.
		b = append(b,
			asm.Mov.Reg32(asm.R1, asm.R3),
			asm.And.Imm32(asm.R1, int32(acc)),
			asm.JEq.Imm(asm.R1, 0, next))
	}
	if r.Major != nil && *r.Major >= 0 {
		b = append(b, asm.JNE.Imm(asm.R4, int32(*r.Major), next))
	}
	if r.Minor != nil && *r.Minor >= 0 {
		b = append(b, asm.JNE.Imm(asm.R5, int32(*r.Minor), next))
	}
	verdict := int32(0)
	if r.Allow {
		verdict = 1
	}
	return append(b, asm.Mov.Imm32(asm.R0, verdict), asm.Return()), nil
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
