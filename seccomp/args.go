package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Offsets into struct seccomp_data (include/uapi/linux/seccomp.h):
// int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// cond is one argument comparison of a rule, after validation.
type cond struct {
	index uint32
	op    specs.LinuxSeccompOperator
	// For MASKED_EQ value is the mask and valueTwo the datum compared with
	// (arg & mask), as in libseccomp's SCMP_CMP_MASKED_EQ(arg, mask, datum).
	value, valueTwo uint64
}

// argOffsets returns where the low and high 32-bit words of argument i sit:
// seccomp_data is filled in the kernel's native byte order.
func argOffsets(a archInfo, i uint32) (lo, hi uint32) {
	base := offArgs + 8*i
	if a.bigEndian {
		return base + 4, base
	}
	return base, base + 4
}

// emitCond emits code that falls through when c holds and jumps to fail
// otherwise. Classic BPF compares 32-bit words, so a 64-bit comparison looks
// at the high word first and only consults the low word when the high words
// are equal (for the ordering operators) or must be equal (EQ, MASKED_EQ).
// Comparisons are unsigned, as in libseccomp. On 32-bit arches only the low
// word is compared, as libseccomp does.
func emitCond(as *assembler, a archInfo, c cond, fail label) {
	lo, hi := argOffsets(a, c.index)
	pass := as.newLabel()
	val, mask := c.value, uint64(0)
	if c.op == specs.OpMaskedEqual {
		val, mask = c.valueTwo, c.value
	}
	if !a.args32 {
		as.load(hi)
		vhi := uint32(val >> 32)
		switch c.op {
		case specs.OpEqualTo:
			as.cond(opJeqK, vhi, next, fail)
		case specs.OpMaskedEqual:
			as.stmt(opAndK, uint32(mask>>32))
			as.cond(opJeqK, vhi, next, fail)
		case specs.OpNotEqual:
			as.cond(opJeqK, vhi, next, pass)
		case specs.OpGreaterThan, specs.OpGreaterEqual:
			as.cond(opJgtK, vhi, pass, next)
			as.cond(opJeqK, vhi, next, fail)
		case specs.OpLessThan, specs.OpLessEqual:
			as.cond(opJgeK, vhi, next, pass)
			as.cond(opJeqK, vhi, next, fail)
		}
	}
	as.load(lo)
	vlo := uint32(val)
	switch c.op {
	case specs.OpEqualTo:
		as.cond(opJeqK, vlo, next, fail)
	case specs.OpMaskedEqual:
		as.stmt(opAndK, uint32(mask))
		as.cond(opJeqK, vlo, next, fail)
	case specs.OpNotEqual:
		as.cond(opJeqK, vlo, fail, next)
	case specs.OpGreaterThan:
		as.cond(opJgtK, vlo, next, fail)
	case specs.OpGreaterEqual:
		as.cond(opJgeK, vlo, next, fail)
	case specs.OpLessThan:
		as.cond(opJgeK, vlo, fail, next)
	case specs.OpLessEqual:
		as.cond(opJgtK, vlo, fail, next)
	}
	as.mark(pass)
}
