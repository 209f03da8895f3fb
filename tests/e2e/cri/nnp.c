/*
 * Stand-in for registry.k8s.io/e2e-test-images/nonewprivs (critest's
 * NoNewPrivs specs): installed set-user-ID root in the image, it prints the
 * effective uid it got. Run as uid 1000, it prints 0 unless the runtime set
 * no_new_privs (then the kernel ignores the set-user-ID bit: 1000).
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("Effective uid: %d\n", (int)geteuid());
	return 0;
}
