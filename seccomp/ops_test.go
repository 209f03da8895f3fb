package seccomp

import (
	"fmt"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// holds is the reference meaning of each operator on 64-bit unsigned
// arguments (libseccomp semantics).
func holds(op specs.LinuxSeccompOperator, arg, v, v2 uint64) bool {
	switch op {
	case specs.OpNotEqual:
		return arg != v
	case specs.OpLessThan:
		return arg < v
	case specs.OpLessEqual:
		return arg <= v
	case specs.OpEqualTo:
		return arg == v
	case specs.OpGreaterEqual:
		return arg >= v
	case specs.OpGreaterThan:
		return arg > v
	case specs.OpMaskedEqual:
		return arg&v == v2
	}
	panic(op)
}

// boundaries are values around v on both 32-bit halves: equal, one off in
// the low word, one off in the high word with the low word going the other
// way (so a comparison that ignored the high word would get it wrong).
func boundaries(v uint64) []uint64 {
	hi, lo := v>>32, v&0xffffffff
	out := []uint64{0, ^uint64(0), v, v - 1, v + 1, 0xffffffff, 0x100000000}
	for _, dh := range []uint64{^uint64(0), 0, 1} { // -1, 0, +1 on the high word
		for _, dl := range []uint64{^uint64(0), 0, 1} {
			out = append(out, ((hi+dh)&0xffffffff)<<32|((lo+dl)&0xffffffff))
		}
	}
	return out
}

func TestOperatorsBothHalves(t *testing.T) {
	values := []uint64{0x0000000100000005, 0x00000000fffffffe, 0xfffffffe00000001, 0x7fffffff80000000, 5}
	ops := []specs.LinuxSeccompOperator{specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual,
		specs.OpEqualTo, specs.OpGreaterEqual, specs.OpGreaterThan}
	amd64 := archs()[specs.ArchX86_64]
	const hit = unix.SECCOMP_RET_ERRNO | 13
	checked := 0
	for _, op := range ops {
		for _, v := range values {
			for idx := uint(0); idx < 6; idx++ {
				s := &specs.LinuxSeccomp{
					DefaultAction: specs.ActAllow,
					Syscalls: []specs.LinuxSyscall{{
						Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uintp(13),
						Args: []specs.LinuxSeccompArg{{Index: idx, Value: v, Op: op}},
					}},
				}
				vm := newVM(t, mustCompile(t, s, "amd64"))
				for _, arg := range boundaries(v) {
					args := make([]uint64, 6)
					// Other arguments carry the value too, so reading the
					// wrong slot is caught.
					for i := range args {
						args[i] = ^arg
					}
					args[idx] = arg
					want := uint32(unix.SECCOMP_RET_ALLOW)
					if holds(op, arg, v, 0) {
						want = hit
					}
					got := runVM(t, vm, seccompData(amd64, 0, args...))
					if got != want {
						t.Errorf("%s arg%d=%#x value=%#x: got %#x, want %#x", op, idx, arg, v, got, want)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d operator cases", checked)
}

func TestMaskedEqual(t *testing.T) {
	amd64 := archs()[specs.ArchX86_64]
	tests := []struct {
		mask, datum, arg uint64
	}{
		{0x7e020000, 0, 0x00011200},              // Docker's clone rule: no namespace flag
		{0x7e020000, 0, 0x10000000 | 0x00011200}, // CLONE_NEWUSER set
		{0xff000000000000ff, 0x0100000000000002, 0x01abcdef12345602},
		{0xff000000000000ff, 0x0100000000000002, 0x02abcdef12345602}, // high byte differs
		{0xff000000000000ff, 0x0100000000000002, 0x01abcdef12345603}, // low byte differs
		{0, 0, 0xdeadbeef},
		{0xffffffffffffffff, 0xdeadbeef00000000, 0xdeadbeef00000000},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%#x&%#x==%#x", tc.arg, tc.mask, tc.datum), func(t *testing.T) {
			s := &specs.LinuxSeccomp{
				DefaultAction: specs.ActErrno,
				Syscalls: []specs.LinuxSyscall{{
					Names: []string{"clone"}, Action: specs.ActAllow,
					Args: []specs.LinuxSeccompArg{{Index: 0, Value: tc.mask, ValueTwo: tc.datum, Op: specs.OpMaskedEqual}},
				}},
			}
			vm := newVM(t, mustCompile(t, s, "amd64"))
			want := uint32(unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM))
			if holds(specs.OpMaskedEqual, tc.arg, tc.mask, tc.datum) {
				want = unix.SECCOMP_RET_ALLOW
			}
			if got := runVM(t, vm, seccompData(amd64, nr(t, specs.ArchX86_64, "clone"), tc.arg)); got != want {
				t.Errorf("got %#x, want %#x", got, want)
			}
		})
	}
}

// On 32-bit arches libseccomp compares only the low word.
func TestOperators32BitArch(t *testing.T) {
	x86 := archs()[specs.ArchX86]
	tests := []struct {
		op   specs.LinuxSeccompOperator
		v    uint64
		arg  uint64
		want bool
	}{
		{specs.OpEqualTo, 5, 5, true},
		{specs.OpEqualTo, 5, 6, false},
		{specs.OpNotEqual, 5, 5, false},
		{specs.OpLessThan, 5, 4, true},
		{specs.OpLessThan, 5, 5, false},
		{specs.OpLessEqual, 5, 5, true},
		{specs.OpGreaterThan, 5, 6, true},
		{specs.OpGreaterThan, 5, 5, false},
		{specs.OpGreaterEqual, 0xffffffff, 0xffffffff, true},
		{specs.OpEqualTo, 0xffffffffffffffff, 0xffffffff, true}, // sign-extended -1
	}
	for _, tc := range tests {
		s := &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{
				Names: []string{"read"}, Action: specs.ActKillProcess,
				Args: []specs.LinuxSeccompArg{{Index: 2, Value: tc.v, Op: tc.op}},
			}},
		}
		vm := newVM(t, mustCompile(t, s, "386"))
		want := uint32(unix.SECCOMP_RET_ALLOW)
		if tc.want {
			want = unix.SECCOMP_RET_KILL_PROCESS
		}
		if got := runVM(t, vm, seccompData(x86, 3, 0, 0, tc.arg)); got != want {
			t.Errorf("%s %#x vs %#x: got %#x, want %#x", tc.op, tc.arg, tc.v, got, want)
		}
	}
}
