package seccomp

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mobyProfile is the subset of moby's profile format (testdata/README.md)
// needed to turn it into an OCI profile.
type mobyProfile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
	ArchMap         []struct {
		Arch    specs.Arch   `json:"architecture"`
		SubArch []specs.Arch `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		specs.LinuxSyscall
		Includes mobyFilter `json:"includes"`
		Excludes mobyFilter `json:"excludes"`
	} `json:"syscalls"`
}

type mobyFilter struct {
	Caps   []string `json:"caps"`
	Arches []string `json:"arches"`
}

// dockerDefaultCaps is Docker's default capability set
// (moby oci/caps/defaults.go).
var dockerDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// dockerDefault builds the OCI profile Docker hands a default container on
// amd64, following moby's setupSeccomp: an entry is kept when every included
// cap is held and the arch is included, and dropped when any excluded cap is
// held or the arch is excluded. minKernel is taken as satisfied.
func dockerDefault(t testing.TB) *specs.LinuxSeccomp {
	t.Helper()
	b, err := os.ReadFile("testdata/moby-default.json")
	if err != nil {
		t.Fatal(err)
	}
	var m mobyProfile
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse moby profile: %v", err)
	}
	const goarch = "amd64"
	s := &specs.LinuxSeccomp{DefaultAction: m.DefaultAction, DefaultErrnoRet: m.DefaultErrnoRet}
	for _, a := range m.ArchMap {
		if a.Arch == specs.ArchX86_64 {
			s.Architectures = append([]specs.Arch{a.Arch}, a.SubArch...)
		}
	}
	for _, sc := range m.Syscalls {
		if len(sc.Includes.Arches) > 0 && !slices.Contains(sc.Includes.Arches, goarch) {
			continue
		}
		if slices.Contains(sc.Excludes.Arches, goarch) {
			continue
		}
		keep := true
		for _, c := range sc.Includes.Caps {
			keep = keep && slices.Contains(dockerDefaultCaps, c)
		}
		for _, c := range sc.Excludes.Caps {
			keep = keep && !slices.Contains(dockerDefaultCaps, c)
		}
		if keep {
			s.Syscalls = append(s.Syscalls, sc.LinuxSyscall)
		}
	}
	return s
}

func TestDockerDefaultProfile(t *testing.T) {
	s := dockerDefault(t)
	p := mustCompile(t, s, "amd64")
	t.Logf("%d entries, %d instructions, %d trampolines, skipped %q",
		len(s.Syscalls), len(p.Instructions), countJA(p.Instructions), p.Skipped)
	if len(p.Instructions) <= 256 {
		t.Errorf("only %d instructions: the profile should need long jumps", len(p.Instructions))
	}
	if p.Flags != 0 {
		t.Errorf("flags %#x, want 0", p.Flags)
	}
	x64, x86, x32 := specs.ArchX86_64, specs.ArchX86, specs.ArchX32
	enosys := retErrno(unix.ENOSYS)
	checkCalls(t, p, []call{
		{arch: x64, name: "read", want: retAllow},
		{arch: x64, name: "write", want: retAllow},
		{arch: x64, name: "openat", want: retAllow},
		{arch: x64, name: "execve", want: retAllow},
		{arch: x64, name: "arch_prctl", want: retAllow},
		{arch: x64, name: "chroot", want: retAllow}, // CAP_SYS_CHROOT is a default cap
		{arch: x64, name: "ptrace", want: retAllow}, // minKernel 4.8
		{arch: x64, name: "kexec_load", want: retEPERM},
		{arch: x64, name: "mount", want: retEPERM},
		{arch: x64, name: "reboot", want: retEPERM},
		{arch: x64, name: "bpf", want: retEPERM},
		{arch: x64, name: "init_module", want: retEPERM},
		{arch: x64, name: "unshare", want: retEPERM},
		{arch: x64, name: "clone3", want: enosys}, // so glibc falls back to clone
		{arch: x64, name: "clone", args: []uint64{unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD}, want: retAllow},
		{arch: x64, name: "clone", args: []uint64{uint64(unix.SIGCHLD)}, want: retAllow},
		{arch: x64, name: "clone", args: []uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, want: retEPERM},
		{arch: x64, name: "clone", args: []uint64{unix.CLONE_NEWNS}, want: retEPERM},
		{arch: x64, name: "clone", args: []uint64{unix.CLONE_NEWNET}, want: retEPERM},
		{arch: x64, name: "socket", args: []uint64{unix.AF_UNIX}, want: retAllow},
		{arch: x64, name: "socket", args: []uint64{unix.AF_INET}, want: retAllow},
		{arch: x64, name: "socket", args: []uint64{unix.AF_INET6}, want: retAllow},
		{arch: x64, name: "socket", args: []uint64{unix.AF_NETLINK}, want: retAllow},
		{arch: x64, name: "socket", args: []uint64{unix.AF_ALG}, want: retEPERM},
		{arch: x64, name: "socket", args: []uint64{unix.AF_VSOCK}, want: retEPERM},
		{arch: x64, name: "socket", args: []uint64{1<<32 | unix.AF_INET}, want: retEPERM},
		{arch: x64, name: "personality", args: []uint64{0}, want: retAllow},
		{arch: x64, name: "personality", args: []uint64{0xffffffff}, want: retAllow},
		{arch: x64, name: "personality", args: []uint64{1}, want: retEPERM},
		{arch: x64, raw: 1000, want: enosys}, // newer than the profile: runc's -ENOSYS stub
		{arch: x86, name: "read", want: retAllow},
		{arch: x86, name: "chown32", want: retAllow},
		{arch: x86, name: "socketcall", want: retAllow},
		{arch: x86, name: "modify_ldt", want: retAllow},
		{arch: x86, name: "kexec_load", want: retEPERM},
		{arch: x86, name: "mount", want: retEPERM},
		{arch: x32, name: "read", want: retAllow},
		{arch: x32, name: "ioctl", want: retAllow},
		{arch: x32, name: "kexec_load", want: retEPERM},
		{arch: specs.ArchAARCH64, name: "read", want: retKillP},
	})
}

func BenchmarkCompileDockerDefault(b *testing.B) {
	s := dockerDefault(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(s, "amd64"); err != nil {
			b.Fatal(err)
		}
	}
}
