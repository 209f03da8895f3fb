package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestENOSYSStub checks runc's -ENOSYS stub (libcontainer/seccomp/patchbpf):
// a syscall numbered above the newest one the profile names, on its own
// arch and ABI, gets -ENOSYS instead of a non-permissive default action, so
// a libc probing clone3 or faccessat2 under an older profile falls back.
func TestENOSYSStub(t *testing.T) {
	x64, x32, x86, s390x := specs.ArchX86_64, specs.ArchX32, specs.ArchX86, specs.ArchS390X
	enosys := retErrno(unix.ENOSYS)
	// openat is 257 on x86_64 and 295 on i386; on x32 it is 257 with
	// __X32_SYSCALL_BIT.
	allowOld := []specs.LinuxSyscall{
		{Names: []string{"read", "write", "openat"}, Action: specs.ActAllow},
		{Names: []string{"mount"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EACCES))},
	}
	tests := []struct {
		name    string
		profile specs.LinuxSeccomp
		native  string
		calls   []call
	}{{
		name:    "above the newest named syscall: ENOSYS; below it: the default",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: allowOld},
		native:  "amd64",
		calls: []call{
			{arch: x64, name: "openat", want: retAllow},
			{arch: x64, name: "mount", want: retErrno(unix.EACCES)},
			{arch: x64, raw: 257, want: retAllow},
			{arch: x64, raw: 258, want: enosys}, // mkdirat, newer than openat
			{arch: x64, name: "clone3", want: enosys},
			{arch: x64, name: "faccessat2", want: enosys},
			{arch: x64, name: "getpid", want: retEPERM},  // known, not allowed, older
			{arch: x64, raw: 0xffffffff, want: retKillP}, // -1 carries the x32 bit: bad ABI
			{arch: x64, raw: 0x3fffffff, want: enosys},
		},
	}, {
		name: "a named syscall of any action raises the bar",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: append(allowOld[:1:1],
			specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno}, // same as the default
		)},
		native: "amd64",
		calls: []call{
			{arch: x64, name: "clone3", want: retEPERM},
			{arch: x64, name: "faccessat2", want: enosys},
			{arch: x64, name: "mkdirat", want: retEPERM},
		},
	}, {
		name:    "permissive defaults get no stub",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActLog, Syscalls: allowOld},
		native:  "amd64",
		calls:   []call{{arch: x64, name: "clone3", want: unix.SECCOMP_RET_LOG}},
	}, {
		name:    "a profile naming no syscall of the arch gets no stub",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{{Names: []string{"no_such_syscall"}, Action: specs.ActAllow}}},
		native:  "amd64",
		calls:   []call{{arch: x64, name: "clone3", want: retEPERM}, {arch: x64, raw: 4000, want: retEPERM}},
	}, {
		name: "each ABI and arch is compared with its own newest syscall",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{x64, x32, x86},
			Syscalls: allowOld},
		native: "amd64",
		calls: []call{
			{arch: x64, raw: 258, want: enosys},
			{arch: x32, name: "openat", want: retAllow},
			{arch: x32, raw: x32SyscallBit | 258, want: enosys},
			{arch: x32, name: "getpid", want: retEPERM},
			{arch: x86, name: "openat", want: retAllow},
			{arch: x86, raw: 258, want: retEPERM}, // below i386's openat (295)
			{arch: x86, raw: 296, want: enosys},
		},
	}, {
		name: "x32 alone: its block has the stub, x86_64 numbers are a bad ABI",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{x32},
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ioctl"}, Action: specs.ActAllow}}},
		native: "s390x",
		calls: []call{
			{arch: x32, name: "ioctl", want: retAllow}, // 514 | bit
			{arch: x32, raw: x32SyscallBit | 548, want: enosys},
			{arch: x32, raw: x32SyscallBit | 513, want: retEPERM},
			{arch: x64, raw: 16, want: retKillP},
		},
	}, {
		name:    "s390x: the multiplexer's 0 means an unknown syscall",
		profile: specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: allowOld},
		native:  "s390x",
		calls: []call{
			{arch: s390x, raw: 0, want: enosys},
			{arch: s390x, name: "openat", want: retAllow},
			{arch: s390x, name: "clone3", want: enosys},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkCalls(t, mustCompile(t, &tc.profile, tc.native), tc.calls)
		})
	}
}
