package seccomp

import (
	"encoding/binary"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
)

// seccompData builds struct seccomp_data {int nr; __u32 arch; __u64 ip;
// __u64 args[6]} for the x/net/bpf VM. The kernel lays it out in native
// order (little-endian here: an argument's low word first), but the VM
// reads every 32-bit load big-endian, as for network packets. So each word
// is stored big-endian at the offset where the kernel keeps it: the VM then
// loads exactly the word values the kernel's interpreter would.
func seccompData(a archInfo, nr uint32, args ...uint64) []byte {
	b := make([]byte, 64)
	be := binary.BigEndian
	be.PutUint32(b[offNr:], nr)
	be.PutUint32(b[offArch:], a.audit)
	be.PutUint64(b[8:], 0x7f0000001000)
	for i, v := range args {
		// Written out here rather than taken from argOffsets, so a
		// wrong layout in the compiler cannot cancel out in the test.
		first, second := uint32(v), uint32(v>>32)
		if a.bigEndian {
			first, second = second, first
		}
		be.PutUint32(b[16+8*i:], first)
		be.PutUint32(b[16+8*i+4:], second)
	}
	return b
}

// newVM checks the program is something the VM (and so a classic BPF
// verifier) accepts and that every instruction disassembles.
func newVM(t testing.TB, p *Program) *bpf.VM {
	t.Helper()
	insns := make([]bpf.Instruction, len(p.Instructions))
	for i, r := range p.Instructions {
		insns[i] = r.Disassemble()
		if _, raw := insns[i].(bpf.RawInstruction); raw {
			t.Fatalf("instruction %d (%#v) does not disassemble", i, r)
		}
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatalf("bpf.NewVM: %v", err)
	}
	return vm
}

func runVM(t testing.TB, vm *bpf.VM, in []byte) uint32 {
	t.Helper()
	r, err := vm.Run(in)
	if err != nil {
		t.Fatalf("vm.Run: %v", err)
	}
	return uint32(r)
}

func mustCompile(t testing.TB, s *specs.LinuxSeccomp, native string) *Program {
	t.Helper()
	p, err := Compile(s, native)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

func uintp(v uint) *uint { return &v }

// nr looks a syscall up on an arch, failing the test when it is unknown.
func nr(t testing.TB, arch specs.Arch, name string) uint32 {
	t.Helper()
	n, ok := archs()[arch].lookup(name)
	if !ok {
		t.Fatalf("%s has no syscall %q", arch, name)
	}
	return n
}
