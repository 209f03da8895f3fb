package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	retAllow = unix.SECCOMP_RET_ALLOW
	retKillP = unix.SECCOMP_RET_KILL_PROCESS
	retEPERM = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
)

func retErrno(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

// call is one simulated syscall and the filter's expected verdict.
type call struct {
	arch specs.Arch
	name string // looked up on arch; raw is used when empty
	raw  uint32
	args []uint64
	want uint32
}

func checkCalls(t *testing.T, p *Program, calls []call) {
	t.Helper()
	vm := newVM(t, p)
	for _, c := range calls {
		n := c.raw
		if c.name != "" {
			n = nr(t, c.arch, c.name)
		}
		a, ok := archs()[c.arch]
		if !ok {
			t.Fatalf("no arch %s", c.arch)
		}
		if got := runVM(t, vm, seccompData(a, n, c.args...)); got != c.want {
			t.Errorf("%s %s(%#x) args %#x: got %#x, want %#x", c.arch, c.name, n, c.args, got, c.want)
		}
	}
}

func TestRules(t *testing.T) {
	x64 := specs.ArchX86_64
	tests := []struct {
		name    string
		profile specs.LinuxSeccomp
		calls   []call
	}{{
		name: "args within one rule are ANDed",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
			Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EAFNOSUPPORT)),
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 16, Op: specs.OpEqualTo}, {Index: 2, Value: 9, Op: specs.OpEqualTo}},
		}}},
		calls: []call{
			{arch: x64, name: "socket", args: []uint64{16, 3, 9}, want: retErrno(unix.EAFNOSUPPORT)},
			{arch: x64, name: "socket", args: []uint64{16, 3, 0}, want: retAllow},
			{arch: x64, name: "socket", args: []uint64{2, 3, 9}, want: retAllow},
		},
	}, {
		name: "several rules for one syscall are ORed",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0, Op: specs.OpEqualTo}}},
			{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 8, Op: specs.OpEqualTo}}},
			{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, Op: specs.OpEqualTo}}},
		}},
		calls: []call{
			{arch: x64, name: "personality", args: []uint64{0}, want: retAllow},
			{arch: x64, name: "personality", args: []uint64{8}, want: retAllow},
			{arch: x64, name: "personality", args: []uint64{0xffffffff}, want: retAllow},
			{arch: x64, name: "personality", args: []uint64{0x20008}, want: retEPERM},
			{arch: x64, name: "read", want: retEPERM},
		},
	}, {
		name: "same arg index twice is ORed, as runc does",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
			Names: []string{"kill"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 1, Value: 9, Op: specs.OpEqualTo}, {Index: 1, Value: 19, Op: specs.OpEqualTo}},
		}}},
		calls: []call{
			{arch: x64, name: "kill", args: []uint64{1, 9}, want: retEPERM},
			{arch: x64, name: "kill", args: []uint64{1, 19}, want: retEPERM},
			{arch: x64, name: "kill", args: []uint64{1, 15}, want: retAllow},
		},
	}, {
		name: "conditional rules are tried before an unconditional one",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"ioctl"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.ENOTTY))},
			{Names: []string{"ioctl"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 1, Value: unix.TCGETS, Op: specs.OpEqualTo}}},
			{Names: []string{"ioctl"}, Action: specs.ActKillProcess},
		}},
		calls: []call{
			{arch: x64, name: "ioctl", args: []uint64{0, unix.TCGETS}, want: retAllow},
			{arch: x64, name: "ioctl", args: []uint64{0, unix.TIOCSTI}, want: retErrno(unix.ENOTTY)},
		},
	}, {
		name: "a name in several entries and several names in one entry",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActKillThread, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write", "no_such_syscall"}, Action: specs.ActAllow},
			{Names: []string{"mkdirat"}, Action: specs.ActLog},
			{Names: []string{"ptrace"}, Action: specs.ActTrace, ErrnoRet: uintp(42)},
			{Names: []string{"getppid"}, Action: specs.ActTrap},
		}},
		calls: []call{
			{arch: x64, name: "read", want: retAllow},
			{arch: x64, name: "write", want: retAllow},
			{arch: x64, name: "mkdirat", want: unix.SECCOMP_RET_LOG},
			{arch: x64, name: "ptrace", want: unix.SECCOMP_RET_TRACE | 42},
			{arch: x64, name: "getppid", want: unix.SECCOMP_RET_TRAP},
			{arch: x64, name: "getpid", want: unix.SECCOMP_RET_KILL_THREAD},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkCalls(t, mustCompile(t, &tc.profile, "amd64"), tc.calls)
		})
	}
}

func TestDefaultActions(t *testing.T) {
	enosys := retErrno(unix.ENOSYS)
	tests := []struct {
		act   specs.LinuxSeccompAction
		errno *uint
		want  uint32
		// newer is the verdict for a number above every syscall of the
		// profile: -ENOSYS unless the default is permissive (runc's stub).
		newer uint32
	}{
		{specs.ActAllow, nil, retAllow, retAllow},
		{specs.ActKill, nil, unix.SECCOMP_RET_KILL_THREAD, enosys},
		{specs.ActKillThread, nil, unix.SECCOMP_RET_KILL_THREAD, enosys},
		{specs.ActKillProcess, nil, retKillP, enosys},
		{specs.ActTrap, nil, unix.SECCOMP_RET_TRAP, enosys},
		{specs.ActLog, nil, unix.SECCOMP_RET_LOG, unix.SECCOMP_RET_LOG},
		{specs.ActErrno, nil, retEPERM, enosys}, // errnoRet defaults to EPERM
		{specs.ActErrno, uintp(uint(unix.ENOSYS)), retErrno(unix.ENOSYS), enosys},
		{specs.ActErrno, uintp(0), unix.SECCOMP_RET_ERRNO, enosys},
		{specs.ActTrace, nil, unix.SECCOMP_RET_TRACE | uint32(unix.EPERM), unix.SECCOMP_RET_TRACE | uint32(unix.EPERM)},
		{specs.ActTrace, uintp(7), unix.SECCOMP_RET_TRACE | 7, unix.SECCOMP_RET_TRACE | 7},
	}
	for _, tc := range tests {
		t.Run(string(tc.act), func(t *testing.T) {
			s := &specs.LinuxSeccomp{DefaultAction: tc.act, DefaultErrnoRet: tc.errno, Syscalls: []specs.LinuxSyscall{
				{Names: []string{"getpid"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EACCES))},
			}}
			checkCalls(t, mustCompile(t, s, "amd64"), []call{
				{arch: specs.ArchX86_64, name: "read", want: tc.want},
				{arch: specs.ArchX86_64, name: "getpid", want: retErrno(unix.EACCES)},
				{arch: specs.ArchX86_64, raw: 4000, want: tc.newer}, // a number no table has
			})
		})
	}
}

func TestArchitectures(t *testing.T) {
	rules := []specs.LinuxSyscall{
		{Names: []string{"getpid"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EACCES))},
		{Names: []string{"ioctl"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.ENOTTY))},
	}
	x64, x32, x86, a64, arm := specs.ArchX86_64, specs.ArchX32, specs.ArchX86, specs.ArchAARCH64, specs.ArchARM
	tests := []struct {
		name   string
		native string
		arches []specs.Arch
		calls  []call
	}{{
		name: "native only", native: "amd64",
		calls: []call{
			{arch: x64, name: "getpid", want: retErrno(unix.EACCES)},
			{arch: x64, name: "read", want: retAllow},
			// i386 and aarch64 are foreign: killed, not defaulted.
			{arch: x86, name: "getpid", want: retKillP},
			{arch: a64, name: "read", want: retKillP},
			// x32 numbers without SCMP_ARCH_X32: killed, as libseccomp does.
			{arch: x32, name: "read", want: retKillP},
			{arch: x64, raw: x32SyscallBit | 39, want: retKillP},
		},
	}, {
		name: "x86_64 with x86 and x32", native: "amd64", arches: []specs.Arch{x64, x86, x32},
		calls: []call{
			{arch: x64, name: "getpid", want: retErrno(unix.EACCES)},
			{arch: x86, name: "getpid", want: retErrno(unix.EACCES)},
			{arch: x86, raw: 20, want: retErrno(unix.EACCES)}, // i386 getpid is 20
			{arch: x86, raw: 39, want: retAllow},              // 39 is mkdir there
			{arch: x32, name: "getpid", want: retErrno(unix.EACCES)},
			{arch: x32, raw: x32SyscallBit | 514, want: retErrno(unix.ENOTTY)}, // x32 ioctl
			{arch: x32, raw: x32SyscallBit | 16, want: retAllow},               // x86_64's ioctl number is not x32's
			{arch: x32, name: "read", want: retAllow},
			{arch: a64, name: "getpid", want: retKillP},
		},
	}, {
		name: "x32 listed without x86_64 on an arm64 host", native: "arm64", arches: []specs.Arch{x32},
		calls: []call{
			{arch: x32, name: "getpid", want: retErrno(unix.EACCES)},
			{arch: x64, name: "getpid", want: retKillP},
			{arch: a64, name: "getpid", want: retErrno(unix.EACCES)},
			{arch: a64, raw: 172, want: retErrno(unix.EACCES)}, // arm64 getpid
			{arch: a64, raw: 39, want: retAllow},
		},
	}, {
		name: "aarch64 native with arm", native: "SCMP_ARCH_AARCH64", arches: []specs.Arch{a64, arm},
		calls: []call{
			{arch: a64, name: "ioctl", want: retErrno(unix.ENOTTY)},
			{arch: arm, name: "getpid", want: retErrno(unix.EACCES)},
			{arch: arm, raw: 20, want: retErrno(unix.EACCES)},
			{arch: x64, name: "getpid", want: retKillP},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: tc.arches, Syscalls: rules}
			checkCalls(t, mustCompile(t, s, tc.native), tc.calls)
		})
	}
}

// s390x is big-endian: the high word of an argument comes first.
func TestBigEndianArgs(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
		Names: []string{"read"}, Action: specs.ActKillProcess,
		Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0x100000002, Op: specs.OpEqualTo}},
	}}}
	checkCalls(t, mustCompile(t, s, "s390x"), []call{
		{arch: specs.ArchS390X, name: "read", args: []uint64{0, 0x100000002}, want: retKillP},
		{arch: specs.ArchS390X, name: "read", args: []uint64{0, 0x200000001}, want: retAllow},
	})
}

func TestSkipped(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchMIPS},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "no_such_call", "chown32"}, Action: specs.ActAllow},
			{Names: []string{"no_such_call"}, Action: specs.ActAllow},
		},
	}
	p := mustCompile(t, s, "amd64")
	// chown32 exists on i386 only, which is not in this filter.
	want := []string{"architecture SCMP_ARCH_MIPS", "syscall no_such_call", "syscall chown32"}
	if len(p.Skipped) != len(want) {
		t.Fatalf("Skipped = %q, want %q", p.Skipped, want)
	}
	for i := range want {
		if p.Skipped[i] != want[i] {
			t.Errorf("Skipped[%d] = %q, want %q", i, p.Skipped[i], want[i])
		}
	}
}

func TestNilProfile(t *testing.T) {
	p, err := Compile(nil, "amd64")
	if p != nil || err != nil {
		t.Fatalf("Compile(nil) = %v, %v; want nil, nil", p, err)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		flags  []specs.LinuxSeccompFlag
		notify bool
		want   uintptr
	}{
		{nil, false, 0},
		{[]specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}, false, unix.SECCOMP_FILTER_FLAG_TSYNC},
		{[]specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}, false, 2 | 4},
		{[]specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}, true, 0x20 | 0x8},
		{nil, true, unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
		{[]specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}, true, 0x1 | 0x8 | 0x10},
	}
	for _, tc := range tests {
		s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: tc.flags, ListenerPath: "/run/l.sock",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActErrno}}}
		if tc.notify {
			s.Syscalls[0].Action = specs.ActNotify
		}
		p := mustCompile(t, s, "amd64")
		if p.Flags != tc.want {
			t.Errorf("flags %q notify=%v: got %#x, want %#x", tc.flags, tc.notify, p.Flags, tc.want)
		}
	}
}
