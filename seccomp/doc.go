// Package seccomp compiles OCI seccomp profiles (runtime-spec config-linux.md,
// "Seccomp") to classic BPF in pure Go and loads them with seccomp(2).
// It needs neither cgo nor libseccomp, and follows libseccomp's semantics
// where the spec leaves them open, since runc and crun are built on it.
//
// Program shape:
//
//	ld  seccomp_data.arch
//	jeq AUDIT_ARCH_<a> -> block_a          one per architecture in the filter
//	ret KILL_PROCESS                       foreign arch: libseccomp's default
//	                                       bad-arch action
//	block_a:
//	  ld  seccomp_data.nr
//	  [unless the default is ALLOW/LOG/TRACE: jgt newest nr the profile
//	   names on this arch/ABI -> ret ERRNO(ENOSYS), runc's stub; on
//	   s390x also jeq 0 -> ENOSYS]
//	  [x86_64: jge __X32_SYSCALL_BIT -> x32 block, or KILL_PROCESS when x32
//	   is not listed; without x86_64 in the filter, numbers below the bit
//	   get KILL_PROCESS]
//	  jeq nr(s1) -> rules of s1, else next syscall     syscalls with args
//	    rule: argument tests (ANDed); ret action; on failure next rule
//	    ...;  ret first unconditional action, or default
//	  jeq nr(s2) -> shared "ret action"                 the others, in runs
//	  ...; ja over; ret action1; ret action2 ...         of at most 128
//	  ret defaultAction
//
// Arguments are compared as two 32-bit words (high word decides unless the
// words are equal). Conditional jumps whose target is beyond the 8-bit jt/jf
// reach go through BPF_JA trampolines (asm.go).
//
// The native architecture is always in the filter; listed architectures are
// added. Syscall names unknown on every architecture of the filter, and spec
// architectures without a table here, are reported in Program.Skipped rather
// than failing, as runc and crun do.
package seccomp
