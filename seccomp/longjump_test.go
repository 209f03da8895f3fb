package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func countJA(p []bpf.RawInstruction) int {
	n := 0
	for _, ins := range p {
		if ins.Op == opJa {
			n++
		}
	}
	return n
}

// 400 rules for one syscall make its body far longer than the 255
// instructions a jt/jf can skip, and push the i386 block beyond the reach
// of the arch dispatch, so both need trampolines.
func TestLongJumps(t *testing.T) {
	const rules = 400
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86}}
	for i := 0; i < rules; i++ {
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{
			Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(i + 1)),
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: uint64(i), Op: specs.OpEqualTo}},
		})
	}
	s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActKillProcess})
	p := mustCompile(t, s, "amd64")
	if len(p.Instructions) < 2*rules*4 {
		t.Fatalf("program has %d instructions, expected more than %d", len(p.Instructions), 2*rules*4)
	}
	if countJA(p.Instructions) == 0 {
		t.Fatal("no BPF_JA trampoline in a program with >255-instruction jumps")
	}
	var calls []call
	for _, i := range []uint64{0, 1, 200, 254, 255, 256, 398, 399} {
		calls = append(calls,
			call{arch: specs.ArchX86_64, name: "read", args: []uint64{i}, want: unix.SECCOMP_RET_ERRNO | uint32(i+1)},
			call{arch: specs.ArchX86, name: "read", args: []uint64{i}, want: unix.SECCOMP_RET_ERRNO | uint32(i+1)})
	}
	calls = append(calls,
		call{arch: specs.ArchX86_64, name: "read", args: []uint64{400}, want: retAllow},
		call{arch: specs.ArchX86_64, name: "read", args: []uint64{1 << 32}, want: retAllow},
		call{arch: specs.ArchX86_64, name: "getpid", want: retKillP},
		call{arch: specs.ArchX86, name: "getpid", want: retKillP},
		call{arch: specs.ArchX86, name: "write", want: retAllow},
		call{arch: specs.ArchAARCH64, name: "read", want: retKillP},
	)
	checkCalls(t, p, calls)
}

// The assembler on its own: both sides of one conditional jump far away,
// one side far, and a fall-through next to a far side.
func TestAssemblerTrampolines(t *testing.T) {
	tests := []struct {
		name            string
		tFirst          bool // lay the true target out before the false one
		padT, padF      int  // statements before each target
		a               uint32
		want            uint32
		wantTrampolines int
	}{
		{"both near, true", false, 10, 10, 1, 111, 0},
		{"both near, false", false, 10, 10, 2, 222, 0},
		{"true far", false, 300, 10, 1, 111, 1},
		{"true far, false taken", false, 300, 10, 2, 222, 1},
		{"false far", true, 10, 300, 2, 222, 1},
		{"false far, true taken", true, 10, 300, 1, 111, 1},
		{"both far, true", false, 300, 300, 1, 111, 2},
		{"both far, false", false, 300, 300, 2, 222, 2},
		{"just in range", false, 254, 0, 1, 111, 0}, // jt = 0+1+254 = 255
		{"just out of range", false, 255, 0, 1, 111, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			as := &assembler{}
			lt, lf := as.newLabel(), as.newLabel()
			as.stmt(opLdAbsW, 0)
			as.cond(opJeqK, 1, lt, lf)
			block := func(pad int, l label, ret uint32) {
				for i := 0; i < pad; i++ {
					as.ret(0xdead)
				}
				as.mark(l)
				as.ret(ret)
			}
			if tc.tFirst {
				block(tc.padT, lt, 111)
				block(tc.padF, lf, 222)
			} else {
				block(tc.padF, lf, 222)
				block(tc.padT, lt, 111)
			}
			prog, err := as.assemble()
			if err != nil {
				t.Fatal(err)
			}
			p := &Program{Instructions: prog}
			if got := countJA(prog); got != tc.wantTrampolines {
				t.Errorf("%d trampolines, want %d", got, tc.wantTrampolines)
			}
			in := make([]byte, 64)
			in[3] = byte(tc.a) // big-endian word at offset 0, as the VM reads it
			if got := runVM(t, newVM(t, p), in); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAssemblerErrors(t *testing.T) {
	as := &assembler{}
	l := as.newLabel()
	as.mark(l)
	as.ja(l)
	if _, err := as.assemble(); err == nil {
		t.Error("backward jump assembled")
	}
	as = &assembler{}
	as.ja(as.newLabel())
	if _, err := as.assemble(); err == nil {
		t.Error("jump to an unmarked label assembled")
	}
}

func TestTooManyInstructions(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	for i := 0; i < 1000; i++ {
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{
			Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: uint64(i), Op: specs.OpEqualTo}},
		})
	}
	_, err := Compile(s, "amd64")
	if err == nil || err.Error() != "linux.seccomp: filter needs 5011 instructions, the kernel allows 4096 (BPF_MAXINSNS)" {
		t.Fatalf("err = %v", err)
	}
}

// Every plain syscall with its own errno: the worst case for the shared
// returns (one per syscall), across several runs of plainChunk.
func TestPlainSyscallsDistinctReturns(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	var calls []call
	for _, e := range sysAMD64 {
		name, n := e.name, e.nr
		if n >= 300 {
			continue
		}
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{name}, Action: specs.ActErrno, ErrnoRet: uintp(uint(n + 1))})
		calls = append(calls, call{arch: specs.ArchX86_64, name: name, want: unix.SECCOMP_RET_ERRNO | (n + 1)})
	}
	calls = append(calls, call{arch: specs.ArchX86_64, raw: 1000, want: retAllow})
	p := mustCompile(t, s, "amd64")
	if len(calls) < 2*plainChunk+1 {
		t.Fatalf("only %d syscalls", len(calls))
	}
	checkCalls(t, p, calls)
}
