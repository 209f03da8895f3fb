//go:build cgo && linux

// The write loop the C parts of init share (nsenter's stage 2, the setup
// program and its runner).

#include <errno.h>
#include <unistd.h>

#include "fdio.h"

int gorunc_write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
