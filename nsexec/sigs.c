//go:build cgo && linux

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sigs.h"

// The kernel's struct sigaction on x86_64 and arm64 (rt_sigaction(2)).
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static int k_sigaction(int sig, const struct kernel_sigaction *sa, struct kernel_sigaction *old)
{
	return syscall(SYS_rt_sigaction, sig, sa, old, sizeof(uint64_t)) < 0 ? errno : 0;
}

int gorunc_copy_handler(int from, int to)
{
	struct kernel_sigaction k;
	int err = k_sigaction(from, NULL, &k);
	return err ? err : k_sigaction(to, &k, NULL);
}

void gorunc_default_ignored(void)
{
	struct kernel_sigaction old, dfl = {.handler = SIG_DFL};
	for (int sig = 1; sig <= 64; sig++)
		if (sig != 32 && k_sigaction(sig, NULL, &old) == 0 && old.handler == SIG_IGN)
			k_sigaction(sig, &dfl, NULL);
}
