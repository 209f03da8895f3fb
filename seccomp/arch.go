package seccomp

import (
	"fmt"
	"sort"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// x32SyscallBit is __X32_SYSCALL_BIT (arch/x86/include/uapi/asm/unistd.h): x32
// tasks enter the kernel with AUDIT_ARCH_X86_64 and this bit set in the number.
const x32SyscallBit = 0x40000000

// archInfo describes one seccomp architecture: the AUDIT_ARCH_* value the
// kernel puts in seccomp_data.arch and how to find syscall numbers for it.
type archInfo struct {
	name  specs.Arch
	audit uint32
	// lookup returns the number of a syscall name on this arch.
	lookup func(name string) (uint32, bool)
	// args32 is true when syscall arguments are 32 bits wide: like libseccomp,
	// only the low word of each argument is compared.
	args32 bool
	// bigEndian selects where the high and low words of each 64-bit argument
	// sit in seccomp_data, which the kernel lays out in native byte order.
	bigEndian bool
}

// syscallTable is a generated syscall name -> number table, sorted by name.
// A slice of constants is laid out by the linker, where a map literal of the
// same ~3,000 entries was built at every gorunc start (including `gorunc
// init`): ~500k instructions and 126 KB of heap (docs/performance.md, "Hot
// path, session 4"), for tables a process uses only to compile a filter.
type syscallTable []struct {
	name string
	nr   uint32
}

// lookup finds name by binary search.
func (t syscallTable) lookup(name string) (uint32, bool) {
	i := sort.Search(len(t), func(i int) bool { return t[i].name >= name })
	if i < len(t) && t[i].name == name {
		return t[i].nr, true
	}
	return 0, false
}

// tableLookup adapts a generated table (plus arch-private extras) to archInfo.lookup.
func tableLookup(tables ...syscallTable) func(string) (uint32, bool) {
	return func(name string) (uint32, bool) {
		for _, t := range tables {
			if nr, ok := t.lookup(name); ok {
				return nr, true
			}
		}
		return 0, false
	}
}

// armPrivate are the ARM-specific syscalls at __ARM_NR_BASE (0x0f0000,
// arch/arm/include/uapi/asm/unistd.h) that x/sys does not list; sorted by
// name.
var armPrivate = syscallTable{
	{"breakpoint", 0x0f0001},
	{"cacheflush", 0x0f0002},
	{"get_tls", 0x0f0006},
	{"set_tls", 0x0f0005},
	{"usr26", 0x0f0003},
	{"usr32", 0x0f0004},
}

// archs lists every architecture gorunc can compile filters for. It is
// read-only after package initialisation.
var archs = sync.OnceValue(func() map[specs.Arch]archInfo {
	return map[specs.Arch]archInfo{
		specs.ArchX86_64:      {name: specs.ArchX86_64, audit: unix.AUDIT_ARCH_X86_64, lookup: tableLookup(sysAMD64)},
		specs.ArchX32:         {name: specs.ArchX32, audit: unix.AUDIT_ARCH_X86_64, lookup: x32Lookup},
		specs.ArchX86:         {name: specs.ArchX86, audit: unix.AUDIT_ARCH_I386, lookup: tableLookup(sys386), args32: true},
		specs.ArchAARCH64:     {name: specs.ArchAARCH64, audit: unix.AUDIT_ARCH_AARCH64, lookup: tableLookup(sysARM64)},
		specs.ArchARM:         {name: specs.ArchARM, audit: unix.AUDIT_ARCH_ARM, lookup: tableLookup(sysARM, armPrivate), args32: true},
		specs.ArchRISCV64:     {name: specs.ArchRISCV64, audit: unix.AUDIT_ARCH_RISCV64, lookup: tableLookup(sysRISCV64)},
		specs.ArchPPC64LE:     {name: specs.ArchPPC64LE, audit: unix.AUDIT_ARCH_PPC64LE, lookup: tableLookup(sysPPC64LE)},
		specs.ArchS390X:       {name: specs.ArchS390X, audit: unix.AUDIT_ARCH_S390X, lookup: tableLookup(sysS390X), bigEndian: true},
		specs.ArchLOONGARCH64: {name: specs.ArchLOONGARCH64, audit: unix.AUDIT_ARCH_LOONGARCH64, lookup: tableLookup(sysLOONG64)},
	}
})

// specArches is every architecture the runtime spec names (config-linux.md,
// "Seccomp"). A listed spec arch that gorunc has no table for is reported in
// Program.Skipped instead of failing, so a profile written for several
// platforms (Docker's lists MIPS, PPC, S390...) still loads; its syscalls then
// meet the bad-arch action.
var specArches = []specs.Arch{
	specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
	specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL,
	specs.ArchMIPSEL64, specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64,
	specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
	specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K,
	specs.ArchSH, specs.ArchSHEB,
}

// goarchToSpec maps runtime.GOARCH values to the spec's native architecture.
var goarchToSpec = sync.OnceValue(func() map[string]specs.Arch {
	return map[string]specs.Arch{
		"amd64":   specs.ArchX86_64,
		"386":     specs.ArchX86,
		"arm64":   specs.ArchAARCH64,
		"arm":     specs.ArchARM,
		"riscv64": specs.ArchRISCV64,
		"ppc64le": specs.ArchPPC64LE,
		"s390x":   specs.ArchS390X,
		"loong64": specs.ArchLOONGARCH64,
	}
})

// nativeArch resolves the caller's native architecture, given either as a
// GOARCH ("amd64") or as a spec name ("SCMP_ARCH_X86_64").
func nativeArch(name string) (specs.Arch, error) {
	if a, ok := goarchToSpec()[name]; ok {
		return a, nil
	}
	if _, ok := archs()[specs.Arch(name)]; ok {
		return specs.Arch(name), nil
	}
	return "", fmt.Errorf("native architecture %q is not supported", name)
}

func isSpecArch(a specs.Arch) bool {
	for _, s := range specArches {
		if s == a {
			return true
		}
	}
	return false
}
