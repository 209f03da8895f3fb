package seccomp

import "sync"

// x32Specific are the x32 ABI's own entry points, numbers 512..547 in
// arch/x86/entry/syscalls/syscall_64.tbl (in that order). For these names the
// x86_64 number (marked "64" in the table) is not reachable from x32.
var x32Specific = []string{
	"rt_sigaction", "rt_sigreturn", "ioctl", "readv", "writev", "recvfrom",
	"sendmsg", "recvmsg", "execve", "ptrace", "rt_sigpending", "rt_sigtimedwait",
	"rt_sigqueueinfo", "sigaltstack", "timer_create", "mq_notify", "kexec_load",
	"waitid", "set_robust_list", "get_robust_list", "vmsplice", "move_pages",
	"preadv", "pwritev", "rt_tgsigqueueinfo", "recvmmsg", "sendmmsg",
	"process_vm_readv", "process_vm_writev", "setsockopt", "getsockopt",
	"io_setup", "io_submit", "execveat", "preadv2", "pwritev2",
}

// x86_64Only are the remaining entries marked "64" in syscall_64.tbl: x32 has
// no entry for them at all.
var x86_64Only = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"uselib": true, "_sysctl": true, "create_module": true, "get_kernel_syms": true,
		"query_module": true, "nfsservctl": true, "set_thread_area": true,
		"get_thread_area": true, "epoll_ctl_old": true, "epoll_wait_old": true,
	}
})

// x32Lookup returns the x32 syscall number, __X32_SYSCALL_BIT included, as the
// kernel reports it in seccomp_data.nr (and as libseccomp's x32 table does).
func x32Lookup(name string) (uint32, bool) {
	for i, n := range x32Specific {
		if n == name {
			return x32SyscallBit | uint32(512+i), true
		}
	}
	if x86_64Only()[name] {
		return 0, false
	}
	nr, ok := sysAMD64.lookup(name)
	if !ok {
		return 0, false
	}
	return x32SyscallBit | nr, true
}
