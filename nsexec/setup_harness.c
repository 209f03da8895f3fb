//go:build cgo && linux && setupharness

// The nsexec tests' way into the setup program (setup_test.go), built only
// with the setupharness tag (`make unit` sets it for ./nsexec/): with
// _GORUNC_SETUP_TEST=<program fd>:<report fd> the test binary runs the
// program before the Go runtime starts, writes "ok\n" or "err <step>
// <errno> <what>\n" on the report fd and waits there for EOF, so that the
// test can look at its namespaces meanwhile; then it exits.

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup.h"

__attribute__((constructor)) static void gorunc_setup_harness(void)
{
	const char *env = getenv("_GORUNC_SETUP_TEST");
	if (env == NULL)
		return;
	// As init and exec-init are from their first instruction.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(125);
	int prog = -1, report = -1;
	if (sscanf(env, "%d:%d", &prog, &report) != 2)
		_exit(125);
	struct stat st;
	if (fstat(prog, &st) < 0 || st.st_size < 0 || st.st_size > (16 << 20))
		_exit(125);
	unsigned char *buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		_exit(125);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(prog, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (n <= 0)
			_exit(125);
		got += (size_t)n;
	}
	struct setup_result r;
	char line[12800];
	int n;
	int rc = gorunc_setup_run(buf, got, &r);
	if (rc == 0) {
		n = snprintf(line, sizeof(line), "ok");
		if (r.argv0[0] != 0)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " argv0=%s", r.argv0);
		if (r.home[0] != 0)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s", r.home);
		if (r.ambient_refused != 0)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " ambient-refused=%llx", r.ambient_refused);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "\n");
	} else
		n = snprintf(line, sizeof(line), "err %d %d %s\n", r.step, r.err, r.what);
	if (write(report, line, (size_t)n) != n)
		_exit(125);
	char b;
	while (read(report, &b, 1) > 0)
		;
	_exit(0);
}
