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

#ifndef GORUNC_INIT_BINARY
// Forwarding (gorunc_forward_signals): the pipe's write end, and the Go
// runtime's handler of each signal that reports a fault.
static int forward_fd = -1;
static struct sigaction go_handler[65];

static int is_fault_signal(int sig)
{
	return sig == SIGILL || sig == SIGTRAP || sig == SIGBUS || sig == SIGFPE || sig == SIGSEGV || sig == SIGSYS;
}

static void forward(int sig, siginfo_t *info, void *uc)
{
	// A signal the kernel raised for a fault of this thread (si_code > 0:
	// SEGV_MAPERR, SI_KERNEL, ...) is the Go runtime's: its handler turns
	// it into a panic or a crash report by editing uc, which our return
	// then resumes. Sent ones (kill, tgkill, sigqueue: si_code <= 0) are
	// the container's.
	if (is_fault_signal(sig) && info->si_code > 0) {
		struct sigaction *go = &go_handler[sig];
		if ((go->sa_flags & SA_SIGINFO) && go->sa_sigaction != NULL) {
			go->sa_sigaction(sig, info, uc);
			return;
		}
		// No handler to give it to: the default action, as the
		// instruction faults again.
		signal(sig, SIG_DFL);
		return;
	}
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	// A full pipe drops the signal, as a full os/signal channel does.
	if (write(forward_fd, &b, 1) < 0) {
	}
	errno = saved;
}

int gorunc_forward_signals(int fd, const int *sigs, int n)
{
	forward_fd = fd;
	struct sigaction sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART};
	sigfillset(&sa.sa_mask);
	int via = 0; // a signal the C library set our handler for
	for (int i = 0; i < n; i++) {
		int sig = sigs[i];
		if (sig < 1 || sig > 64)
			return EINVAL;
		if (sig >= 32 && sig <= 34)
			continue;
		if (is_fault_signal(sig) && sigaction(sig, NULL, &go_handler[sig]) < 0)
			return errno;
		if (sigaction(sig, &sa, NULL) < 0)
			return errno;
		via = sig;
	}
	for (int i = 0; i < n; i++)
		if (sigs[i] >= 32 && sigs[i] <= 34) {
			int err = via ? gorunc_copy_handler(via, sigs[i]) : EINVAL;
			if (err)
				return err;
		}
	return 0;
}
#endif
