package seccomp

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// FuzzCompile feeds arbitrary JSON profiles to Compile: it must never panic,
// and every program it returns must be one the BPF VM accepts and can run.
func FuzzCompile(f *testing.F) {
	seeds := []string{
		`{"defaultAction":"SCMP_ACT_ALLOW"}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86","SCMP_ARCH_X32","SCMP_ARCH_MIPS"],
		  "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
		  {"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":9,"op":"SCMP_CMP_EQ"},{"index":1,"value":19,"op":"SCMP_CMP_EQ"}]}]}`,
		`{"defaultAction":"SCMP_ACT_KILL","flags":["SECCOMP_FILTER_FLAG_LOG"],"listenerPath":"/l",
		  "syscalls":[{"names":["mount"],"action":"SCMP_ACT_NOTIFY"},{"names":["ptrace"],"action":"SCMP_ACT_TRACE","errnoRet":3},
		  {"names":["socket"],"action":"SCMP_ACT_LOG","args":[{"index":5,"value":18446744073709551615,"op":"SCMP_CMP_LE"},{"index":0,"value":3,"op":"SCMP_CMP_GT"}]}]}`,
		`{"defaultAction":"SCMP_ACT_FOO"}`,
		`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":9,"op":"SCMP_CMP_EQ"}]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
	}
	if b, err := json.Marshal(dockerDefault(f)); err == nil {
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, arm bool) {
		var s specs.LinuxSeccomp
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		native, arch := "amd64", archs()[specs.ArchX86_64]
		if arm {
			native, arch = "arm64", archs()[specs.ArchAARCH64]
		}
		p, err := Compile(&s, native)
		if err != nil {
			if Validate(&s) == nil && len(s.Syscalls) < 200 {
				// Only the instruction limit can fail a valid profile.
				t.Logf("valid profile rejected: %v", err)
			}
			return
		}
		if Validate(&s) != nil {
			t.Fatal("Compile accepted a profile Validate rejects")
		}
		vm := newVM(t, p)
		for _, nr := range []uint32{0, 1, 59, 172, 435, x32SyscallBit | 1, 0xffffffff} {
			runVM(t, vm, seccompData(arch, nr, 0, 1, 0xffffffff, 1<<32, ^uint64(0), 42))
		}
	})
}
