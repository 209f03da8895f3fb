/*
 * The pod sandbox's init process for the CRI tier (the local stand-in for
 * registry.k8s.io/pause, whose semantics it keeps): pid 1 of the pod's
 * namespaces, it sleeps until SIGINT or SIGTERM (then exits 0) and reaps
 * every child re-parented to it (shareProcessNamespace pods make it their
 * init). Built static so the image needs nothing else.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig)
{
	(void)sig;
	_exit(0);
}

static void reap(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int on(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	/* SA_NOCLDSTOP: a stopped child is not an exited one. */
	sa.sa_flags = sig == SIGCHLD ? SA_NOCLDSTOP | SA_RESTART : 0;
	return sigaction(sig, &sa, NULL);
}

int main(void)
{
	if (getpid() != 1)
		fprintf(stderr, "pause: warning: not pid 1, orphans are not re-parented here\n");
	if (on(SIGINT, quit) < 0 || on(SIGTERM, quit) < 0 || on(SIGCHLD, reap) < 0) {
		perror("pause: sigaction");
		return 1;
	}
	for (;;)
		pause();
}
