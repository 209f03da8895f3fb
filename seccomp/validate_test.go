package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateErrors(t *testing.T) {
	ok := specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActAllow}
	tests := []struct {
		name    string
		profile specs.LinuxSeccomp
		want    string
	}{
		{"unknown default action", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"},
			`linux.seccomp.defaultAction: unknown action "SCMP_ACT_FOO"`},
		{"empty default action", specs.LinuxSeccomp{},
			`linux.seccomp.defaultAction: unknown action ""`},
		{"defaultErrnoRet on allow", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: uintp(1)},
			`linux.seccomp.defaultAction: errnoRet is not supported by action SCMP_ACT_ALLOW`},
		{"notify as default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/l"},
			`linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action`},
		{"unknown arch", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86, "SCMP_ARCH_VAX"}},
			`linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"`},
		{"unknown flag", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, "SECCOMP_FILTER_FLAG_NEW_LISTENER"}},
			`linux.seccomp.flags[1]: unknown flag "SECCOMP_FILTER_FLAG_NEW_LISTENER"`},
		{"unknown action", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{ok, ok, ok,
			{Names: []string{"read"}, Action: "SCMP_ACT_FOO"}}},
			`linux.seccomp.syscalls[3]: unknown action "SCMP_ACT_FOO"`},
		{"empty names", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Action: specs.ActAllow}}},
			`linux.seccomp.syscalls[0]: names is empty`},
		{"empty name", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read", ""}, Action: specs.ActAllow}}},
			`linux.seccomp.syscalls[0].names[1]: empty syscall name`},
		{"errnoRet on kill", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActKill, ErrnoRet: uintp(1)}}},
			`linux.seccomp.syscalls[0]: errnoRet is not supported by action SCMP_ACT_KILL`},
		{"errnoRet too big", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uintp(70000)}}},
			`linux.seccomp.syscalls[0]: errnoRet 70000 of SCMP_ACT_ERRNO does not fit SECCOMP_RET_DATA (16 bits)`},
		{"arg index", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo}, {Index: 6, Op: specs.OpEqualTo}}}}},
			`linux.seccomp.syscalls[0].args[1]: index 6 is out of range 0-5`},
		{"unknown op", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{ok, {Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_LIKE"}}}}},
			`linux.seccomp.syscalls[1].args[0]: unknown operator "SCMP_CMP_LIKE"`},
		{"notify without listener", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mount"}, Action: specs.ActNotify}}},
			`linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY`},
		{"notify on write", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/l", Syscalls: []specs.LinuxSyscall{{Names: []string{"mount", "write"}, Action: specs.ActNotify}}},
			`linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(&tc.profile)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Validate: %v\nwant: %s", err, tc.want)
			}
			// Compile must refuse the same profile with the same words and
			// hand back nothing.
			p, err := Compile(&tc.profile, "amd64")
			if p != nil || err == nil || err.Error() != tc.want {
				t.Fatalf("Compile: %v, %v\nwant: %s", p, err, tc.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	good := []specs.LinuxSeccomp{
		{DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(38)},
		{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchMIPS, specs.ArchSHEB}},
		{DefaultAction: specs.ActAllow, ListenerPath: "/run/l", ListenerMetadata: "x", Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"},
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mount"}, Action: specs.ActNotify}}},
		{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"unknown_call"}, Action: specs.ActTrace, ErrnoRet: uintp(0xffff)}}},
	}
	for i := range good {
		if err := Validate(&good[i]); err != nil {
			t.Errorf("profile %d: %v", i, err)
		}
	}
	if err := Validate(nil); err != nil {
		t.Errorf("nil profile: %v", err)
	}
}

func TestBadNativeArch(t *testing.T) {
	_, err := Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow}, "vax")
	if err == nil || err.Error() != `native architecture "vax" is not supported` {
		t.Fatalf("err = %v", err)
	}
}

func TestFeatures(t *testing.T) {
	actions, ops, arches := Features()
	if len(actions) != 9 || len(ops) != 7 || len(arches) != len(archs()) {
		t.Fatalf("Features() = %q %q %q", actions, ops, arches)
	}
	for _, a := range actions {
		if _, err := retValue(specs.LinuxSeccompAction(a), nil); err != nil {
			t.Errorf("advertised action %s: %v", a, err)
		}
	}
	for _, a := range arches {
		if !isSpecArch(specs.Arch(a)) {
			t.Errorf("advertised arch %s is not a spec arch", a)
		}
	}
	if f := KnownFlags(); len(f) != 4 {
		t.Errorf("KnownFlags() = %q", f)
	}
}
