// gorunc-init: the process a container's init and an exec'd process's
// exec-init run as when their setup is a program (runtime/setupfast.go),
// installed beside gorunc (make install). It is nsexec's C code alone, with
// no Go runtime behind it: everything happens in the nsenter constructor
// (nsexec/nsenter.c), which never returns here when the runtime started it
// as it should. Being a binary of its own, about 140 KiB instead of
// gorunc's 6 MiB, is what it is for: each created container's init maps
// and touches pages of this file only (docs/performance.md, "init as a
// binary of its own").
#include <stdio.h>

int main(void)
{
	fputs("gorunc-init: not to be run by hand; gorunc starts it for a container's init\n", stderr);
	return 127;
}
