//go:build cgo && linux

// `gorunc init` without the Go runtime (docs/performance.md, "init
// without the Go runtime"): the runtime sends a program for the configs
// runtime/setupfast.go accepts, unless GORUNC_INIT=go is set in its
// environment; the others keep Go init.
//
// With _GORUNC_SETUP=<program fd>:<plan fd>:<fd dir slot>:<preserved
// fds>[:1] (and _GORUNC_SYNC) the nsenter constructor calls
// gorunc_setup_init once the namespaces are in place; the last field, 1,
// is exec-init's (`gorunc exec` without the Go runtime: its errors in
// exec-init's words, its plan without a fifo). It waits for the runtime's
// go-ahead (one line on the sync socket, where Go init reads its config: the
// runtime has put init in its cgroup and moved its network devices by
// then), marks every fd from 3 + the preserved ones close-on-exec, runs
// the program (setup.c; its fd-dir step opens the fd directory stage 2
// reopens the exec fifo through, on a procfs of init's own, at the slot,
// which is the program's fd) and becomes stage 2 (stage2.c) with the
// runtime's plan: "ready", the fifo, the process. A failing step is reported on the sync
// socket as Go init's error message would be, in its words.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errtext.h"
#include "fdio.h"
#include "setup.h"
#include "stage2.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#define CLOSE_RANGE_CLOEXEC_ (1U << 2)

// runc's words before an init error (runtime/init.go, initFailed), and
// before an exec-init error (execInitFailed).
#define SETUP_INIT_FAILED "unable to start container process: error during container init: "
#define SETUP_EXEC_FAILED "unable to start container process: "

// write_all is gorunc_write_full where nothing is left to do on an error.
static void write_all(int fd, const char *p, size_t n)
{
	(void)gorunc_write_full(fd, p, n);
}

// report sends {"type":"error","error":"<failed><text>"} on the sync
// socket, as Go init's childMain does, and exits.
__attribute__((noreturn)) static void report(int sync_fd, const char *failed, const char *what, int err)
{
	char text[12544], out[25344];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s%s", failed, what);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	if (err != 0 && n + 2 < sizeof(text)) {
		text[n++] = ':';
		text[n++] = ' ';
		go_errno_text(text + n, sizeof(text) - n, err);
		n += strlen(text + n);
	}
	size_t o = (size_t)snprintf(out, sizeof(out), "{\"type\":\"error\",\"error\":\"");
	for (size_t i = 0; i < n && o + 8 < sizeof(out); i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	o += (size_t)snprintf(out + o, sizeof(out) - o, "\"}\n");
	write_all(sync_fd, out, o);
	_exit(1);
}

// warn_ambient sends runc's warning for each ambient capability the
// kernel refused to raise, as Go init's sendWarnings does: one
// {"type":"warning","warnings":[...]} line. The names are the program's
// (the runtime's), plain letters and "_": nothing to escape.
static void warn_ambient(int sync_fd, const struct setup_result *r)
{
	// Each entry: 31 + 31 (name) + 2 + 95 (errno text) + 4 bytes at most.
	static char out[64 * 170 + 64];
	size_t o = (size_t)snprintf(out, sizeof(out), "{\"type\":\"warning\",\"warnings\":[");
	int first = 1;
	for (int cap = 0; cap < 64 && o < sizeof(out); cap++) {
		if (!(r->ambient_refused & (1ull << cap)))
			continue;
		char errtext[96];
		go_errno_text(errtext, sizeof(errtext), r->ambient_errno[cap]);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\"can't raise ambient capability %s: %s\"", first ? "" : ",",
				      r->ambient_names[cap], errtext);
		first = 0;
	}
	if (o < sizeof(out))
		o += (size_t)snprintf(out + o, sizeof(out) - o, "]}\n");
	if (o < sizeof(out))
		write_all(sync_fd, out, o);
}

static unsigned char *read_fd(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (16 << 20))
		return NULL;
	unsigned char *buf = malloc((size_t)st.st_size);
	if (buf == NULL)
		return NULL;
	for (size_t got = 0; got < (size_t)st.st_size;) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)r;
	}
	*len = (size_t)st.st_size;
	return buf;
}

void gorunc_setup_init(const char *marker, const char *sync)
{
	int prog_fd, plan_fd, slot, preserve, sync_fd, exec = 0;
	if (sync == NULL || sscanf(sync, "%d", &sync_fd) != 1 ||
	    sscanf(marker, "%d:%d:%d:%d:%d", &prog_fd, &plan_fd, &slot, &preserve, &exec) < 4 || preserve < 0)
		_exit(1);
	const char *failed = exec ? SETUP_EXEC_FAILED : SETUP_INIT_FAILED;
	// The go-ahead: one line, whatever it says, read in as few calls as
	// it arrives in (the runtime sends nothing more until init speaks).
	for (;;) {
		char buf[64];
		ssize_t r = read(sync_fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(1); // the runtime is gone: nothing to report to
		if (memchr(buf, '\n', (size_t)r) != NULL)
			break;
	}
	// SCHED_OTHER back, nice kept, when nsenter.c chose SCHED_BATCH for
	// init's start (runtime/initthreads.go, restoreSched).
	if (getenv("_GORUNC_BATCH") != NULL && sched_getscheduler(0) == SCHED_BATCH) {
		struct sched_param sp = {0};
		if (sched_setscheduler(0, SCHED_OTHER, &sp) < 0)
			report(sync_fd, failed, "restore SCHED_OTHER", errno);
	}
	if (syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC_) < 0)
		report(sync_fd, failed, "close_range", errno);
	size_t len;
	unsigned char *prog = read_fd(prog_fd, &len);
	if (prog == NULL)
		report(sync_fd, failed, "setup: read program", errno ? errno : EINVAL);
	// prog_fd stays open: its number is the plan's fd directory slot, which
	// the program's fd-dir step dup3()s over it (no fd opened meanwhile
	// can take that number).
	// In the zeroed bss, not on the stack: 22 KiB fewer of it for the
	// program's steps to go below (init is this one thread, once).
	static struct setup_result r;
	if (gorunc_setup_run(prog, len, &r) < 0)
		report(sync_fd, failed, r.what, r.err);
	if (r.ambient_refused != 0)
		warn_ambient(sync_fd, &r);
	free(prog);
	(void)slot; // the program's fd-dir step filled it
	char planfd[16];
	snprintf(planfd, sizeof(planfd), "%d", plan_fd);
	gorunc_stage2_argv0(planfd, r.argv0[0] ? r.argv0 : NULL, r.home[0] ? r.home : NULL);
}
