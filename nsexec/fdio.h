#ifndef GORUNC_FDIO_H
#define GORUNC_FDIO_H

#include <stddef.h>

// gorunc_write_full writes all n bytes of buf to fd, again after EINTR
// and short writes: 0, or the errno that stopped it (EIO for a write of
// nothing).
int gorunc_write_full(int fd, const void *buf, size_t n);

#endif
