//go:build cgo && linux

// errno and signal texts worded as Go's syscall package words them, from
// the generated tables in zerrtext.c, for nsenter.c and stage2.c.

#include <stdio.h>

#include "errtext.h"

static const char *lookup(const char *const *table, int len, int n)
{
	return n > 0 && n < len ? table[n] : NULL;
}

// known writes table's text of n, or unknown with n where it has none.
static void known(char *buf, size_t size, const char *const *table, int len, int n, const char *unknown)
{
	const char *s = lookup(table, len, n);
	if (s != NULL)
		snprintf(buf, size, "%s", s);
	else
		snprintf(buf, size, unknown, n);
}

void go_errno_text(char *buf, size_t size, int err)
{
	known(buf, size, gorunc_errno_text, gorunc_errno_text_len, err, "errno %d");
}

void go_signal_text(char *buf, size_t size, int sig)
{
	known(buf, size, gorunc_signal_text, gorunc_signal_text_len, sig, "signal %d");
}

void glibc_errno_text(char *buf, size_t size, int err)
{
	known(buf, size, gorunc_errno_text, gorunc_errno_text_len, err, "Unknown error %d");
	// Go's generator lowercased glibc's first letter (mkerrors.sh).
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] += 'A' - 'a';
}
