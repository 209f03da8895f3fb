//go:build cgo && linux

// Stage 2 of `gorunc init`: the wait on the exec fifo without the Go
// runtime. Once the Go part of init has done everything it does before
// "ready" (rootfs, identity, capabilities, the user switch, a filter that
// goes in before it, the lookup of argv0), it writes a plan into a memfd
// and execveat()s its own binary again, through the fd of the read-only
// detached bind (or sealed copy) it was started from (nsexec/self_exe.go,
// CVE-2019-5736), with only _GORUNC_STAGE2=<plan fd> in its environment.
// The nsenter constructor calls gorunc_stage2 first thing, before the Go
// runtime exists: one thread, a few hundred KiB, and it never returns.
//
//   gorunc create            Go init (runtime/stage2.go)    stage 2 (here, same pid)
//   -------------            ---------------------------    ------------------------
//                            memfd_create (before any
//                              seccomp filter)
//                            rootfs, caps, user, cwd, ...
//                            write the plan, dup the fds
//                            execveat(exe, "", EMPTY_PATH) -> PR_SET_DUMPABLE 0
//                              (fails: Go waits as before)   signal handlers as Go's
//                                                            read the plan, close it
//   read "ready"        <-------------------------------- write the ready bytes
//   exit                                                     open fifo O_WRONLY (blocks)
//   gorunc start: open fifo, read   <----------------------- seccomp (noNewPrivileges)
//                                                            write 1 byte
//                                                            execve(argv0, argv, envp)
//
// exec-init's plan (flag 8, runtime/setupfast.go's execSetup) ends
// `gorunc exec` without the Go runtime, after its setup program: "ready",
// then the noNewPrivileges filter and the process; no fifo, no hooks, its
// errors in exec-init's words.
//
// Constraints: no allocation but the plan's one buffer, no stdio, every
// length in the plan checked against what is left of it (the plan fd is
// the runtime's, but the marker could be set by anyone who runs this
// binary: it then only does what its caller could do anyway). Errors are
// one line on stderr in the words Go init's fatalf used, and exit 127.
//
// Dumpability. execve(2) makes a process dumpable again and sets its
// mm->user_ns to its current user namespace. Stage 2 makes itself
// non-dumpable as its first syscall (dumpable again when the plan says the
// runtime is rootless, as Go init was). The runtime runs stage 2 only when
// init's user namespace is the one its binary was first executed in (no
// new or joined user namespace), or for a rootless runtime, whose init is
// dumpable anyway: then mm->user_ns stays the host's, and reaching the
// non-dumpable stage 2 still takes CAP_SYS_PTRACE there (see nsenter.c).
// With a user namespace of its own, a non-dumpable stage 2 would be
// reachable by the container's root (mm->user_ns its namespace): Go waits.
//
// Signals. A pid namespace's init receives only the signals it has a
// handler for (pid_namespaces(7)), so dispositions decide what `gorunc
// kill` of a created container does. Go init had the Go runtime's
// handlers: SIGHUP, SIGINT, SIGTERM exit with status 2 (runtime
// dieFromSignal: the raise of the default action is ignored by a pid
// namespace's init; outside one it kills), the "throw" signals print
// their name and exit 2, the rest are caught and dropped. Stage 2 installs
// the same set (SigCgt in /proc/PID/status is the same as Go init's and
// runc's init's), so kill behaves as before; an inherited SIG_IGN of
// SIGHUP or SIGINT is kept, as Go keeps it. Handlers are reset by execve,
// so the container's process sees what it saw before: no handler, nothing
// blocked, ignored what was ignored.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errtext.h"
#include "fdio.h"
#include "sigs.h"
#include "stage2.h"

// The seccomp ABI (linux/filter.h, linux/seccomp.h), spelled out: musl-gcc
// has no kernel headers (the Makefile builds against musl).
struct sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)

// The plan's format, written by runtime/stage2.go (planBytes); all
// integers little-endian u32, strings a u32 length and the bytes:
//   magic "GRS2", flags (1: dumpable, 2: seccomp filter, 4: hooks,
//   8: exec-init's plan: no fifo, no hooks, exec-init's words),
//   sync fd, fifo O_PATH fd, fd-dir fd (both ignored with flag 8),
//   ready bytes (string),
//   argv0, argc, argc strings, envc, envc strings,
//   [seccomp flags, instruction count, count * 8 bytes of sock_filter]
//   [hooks: the state JSON (string), count, each: path, argc, argc
//    strings, has env (0: the process's env, 1: envc, envc strings),
//    timeout in seconds (0: none)]
#define PLAN_MAGIC 0x32535247u // "GRS2"
#define PLAN_DUMPABLE 1u
#define PLAN_SECCOMP 2u
#define PLAN_HOOKS 4u
#define PLAN_EXEC 8u
#define PLAN_MAX (64u << 20)
#define BPF_MAXINSNS_ 4096u

#define INIT_FAILED "gorunc: unable to start container process: error during container init: "
// exec-init's words (runtime/init.go, execInitFailed).
#define EXEC_INIT_FAILED "gorunc: unable to start container process: "

// failed is the prefix of fail's line: init's, or exec-init's once the
// plan says so. Stage 2 is one thread and never returns.
static const char *failed = INIT_FAILED;

struct cursor {
	const unsigned char *p;
	size_t left;
};

// put_errno appends Go's text of an errno (syscall.Errno.Error).
static void put_errno(char *buf, size_t size, size_t *n, int err)
{
	char text[128];
	go_errno_text(text, sizeof(text), err);
	if (*n + 1 >= size)
		return;
	int k = snprintf(buf + *n, size - *n, "%s", text);
	if (k > 0)
		*n += (size_t)k < size - *n ? (size_t)k : size - *n - 1;
}

// write_all is gorunc_write_full where nothing is left to do on an error.
static void write_all(int fd, const char *buf, size_t n)
{
	(void)gorunc_write_full(fd, buf, n);
}

// fail prints INIT_FAILED what[: errno text] and exits 127, as fatalf.
__attribute__((noreturn)) static void fail(const char *what, int err)
{
	char buf[1024];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s%s", failed, what);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (err != 0 && n + 2 < sizeof(buf)) {
		buf[n++] = ':';
		buf[n++] = ' ';
		put_errno(buf, sizeof(buf), &n, err);
	}
	if (n + 1 < sizeof(buf))
		buf[n++] = '\n';
	write_all(2, buf, n);
	_exit(127);
}

static uint32_t get_u32(struct cursor *c)
{
	if (c->left < 4)
		fail("stage 2: truncated plan", 0);
	uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
	c->p += 4;
	c->left -= 4;
	return v;
}

static int get_fd(struct cursor *c)
{
	uint32_t v = get_u32(c);
	if (v > 0x7fffffffu)
		fail("stage 2: bad fd in plan", 0);
	return (int)v;
}

// get_bytes returns a pointer to the next n bytes of the plan.
static const unsigned char *get_bytes(struct cursor *c, size_t n)
{
	if (c->left < n)
		fail("stage 2: truncated plan", 0);
	const unsigned char *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

// get_string returns the next string as a NUL-terminated copy in the
// arena (the plan's buffer holds room for one copy of every string).
static char *get_string(struct cursor *c, char **arena, size_t *arena_left, size_t *len)
{
	uint32_t n = get_u32(c);
	const unsigned char *s = get_bytes(c, n);
	if (memchr(s, '\0', n) != NULL)
		fail("stage 2: NUL in a plan string", 0);
	if (*arena_left < (size_t)n + 1)
		fail("stage 2: plan arena exhausted", 0);
	char *out = *arena;
	memcpy(out, s, n);
	out[n] = '\0';
	*arena += (size_t)n + 1;
	*arena_left -= (size_t)n + 1;
	if (len != NULL)
		*len = n;
	return out;
}

static char **get_strings(struct cursor *c, char **arena, size_t *arena_left)
{
	uint32_t count = get_u32(c);
	// Each string takes at least its 4-byte length in the plan.
	if (count > c->left / 4)
		fail("stage 2: bad string count in plan", 0);
	char **v = calloc((size_t)count + 1, sizeof(char *));
	if (v == NULL)
		fail("stage 2: calloc", ENOMEM);
	for (uint32_t i = 0; i < count; i++)
		v[i] = get_string(c, arena, arena_left, NULL);
	return v;
}

static const char *const throw_names[32] = {
	[SIGQUIT] = "SIGQUIT: quit",
	[SIGILL] = "SIGILL: illegal instruction",
	[SIGTRAP] = "SIGTRAP: trace trap",
	[SIGABRT] = "SIGABRT: abort",
	[SIGBUS] = "SIGBUS: bus error",
	[SIGFPE] = "SIGFPE: floating-point exception",
	[SIGSEGV] = "SIGSEGV: segmentation violation",
	[SIGSTKFLT] = "SIGSTKFLT: stack fault",
	[SIGSYS] = "SIGSYS: bad system call",
};

// on_die is Go's dieFromSignal: the default action, then exit status 2
// when that did not kill (a pid namespace's init ignores it).
static void on_die(int sig)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigaction(sig, &dfl, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	_exit(2);
}

// on_throw is Go's crash on a "throw" signal without a Go stack to show.
static void on_throw(int sig)
{
	const char *name = sig > 0 && sig < 32 ? throw_names[sig] : NULL;
	if (name != NULL) {
		write_all(2, name, strlen(name));
		write_all(2, "\n", 1);
	}
	_exit(2);
}

static void on_ignore(int sig)
{
	(void)sig;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction old, sa = {.sa_handler = fn, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	if ((sig == SIGHUP || sig == SIGINT) && sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return; // Go keeps an inherited SIG_IGN of these two
	// The C library keeps 33 for itself (EINVAL); see catch_setxid.
	if (sigaction(sig, &sa, NULL) < 0 && !(errno == EINVAL && sig >= 32))
		fail("stage 2: sigaction", errno);
}

// go_signals installs the Go runtime's set of caught signals (SigCgt
// fffffffd7fc1feff in /proc/PID/status, as Go init and runc's init):
// every signal but KILL, STOP, CONT, TSTP, TTIN, TTOU, 32 and 34 (33 is
// catch_setxid's).
static void go_signals(void)
{
	for (int sig = 1; sig < 65; sig++) {
		switch (sig) {
		case SIGKILL:
		case SIGSTOP:
		case SIGCONT:
		case SIGTSTP:
		case SIGTTIN:
		case SIGTTOU:
		case 32:
		case 34:
			continue;
		case SIGHUP:
		case SIGINT:
		case SIGTERM:
			set_handler(sig, on_die);
			break;
		default:
			set_handler(sig, sig < 32 && throw_names[sig] != NULL ? on_throw : on_ignore);
		}
	}
}

// catch_setxid gives signal 33, which the C library refuses to sigaction,
// the handler SIGUSR1 has (on_ignore): Go init has glibc's SIGSETXID
// handler there (nsenter.c's catch_setxid with musl), which drops a signal
// it did not send itself.
static void catch_setxid(void)
{
	struct sigaction old;
	if (sigaction(SIGUSR1, NULL, &old) < 0 || old.sa_handler != on_ignore)
		fail("stage 2: rt_sigaction", EINVAL);
	int err = gorunc_copy_handler(SIGUSR1, 33);
	if (err != 0)
		fail("stage 2: rt_sigaction 33", err);
}

static void set_dumpable(int on)
{
	if (prctl(PR_SET_DUMPABLE, on, 0, 0, 0) < 0)
		fail(on ? "stage 2: prctl(PR_SET_DUMPABLE, 1)" : "stage 2: prctl(PR_SET_DUMPABLE, 0)", errno);
}

// quote appends s as Go's %q would for printable ASCII (quote and backslash
// escaped), other bytes as \xNN.
static void quote(char *buf, size_t size, size_t *n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (*n + 1 < size)
		buf[(*n)++] = '"';
	for (; *s && *n + 5 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			buf[(*n)++] = '\\';
			buf[(*n)++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			buf[(*n)++] = '\\';
			buf[(*n)++] = 'x';
			buf[(*n)++] = hex[ch >> 4];
			buf[(*n)++] = hex[ch & 15];
		} else {
			buf[(*n)++] = (char)ch;
		}
	}
	if (*n + 1 < size)
		buf[(*n)++] = '"';
	buf[*n] = '\0';
}

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *q = realloc(b->p, cap);
		if (q == NULL)
			fail("stage 2: realloc", ENOMEM);
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

// one_line is runtime/hooks.go's oneLine: trailing newlines go, inner
// ones read as \n.
static void one_line(struct buf *out, struct buf *in)
{
	size_t n = in->len;
	while (n > 0 && in->p[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < n; i++) {
		if (in->p[i] == '\n')
			buf_add(out, "\\n", 2);
		else
			buf_add(out, in->p + i, 1);
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct hook {
	char *path;
	char **argv;
	char **envp; // NULL: the process's env
	uint32_t timeout;
};

// Go's syscall.Signal strings.
static void signal_text(struct buf *b, int sig)
{
	char t[64];
	go_signal_text(t, sizeof(t), sig);
	buf_add(b, t, strlen(t));
}

// run_hook is runtime/hooks.go's runHook for one startContainer hook, at
// init's working directory: the state on stdin, the output kept for the
// error, killed (SIGKILL) at its timeout, and a child it leaves holding
// the output given one more second (exec.Cmd.WaitDelay). It returns 0, or
// fails with the error in runc's words.
static void run_hook(int index, const struct hook *h, const char *state, size_t state_len, char **proc_env)
{
	int in[2], out[2], errp[2], exe[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(exe, O_CLOEXEC) < 0)
		fail("stage 2: pipe2", errno);
	pid_t pid = fork();
	if (pid < 0)
		fail("stage 2: fork", errno);
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0) {
			int e = errno;
			if (write(exe[1], &e, sizeof(e)) < 0) {
			}
			_exit(127);
		}
		execve(h->path, h->argv, h->envp ? h->envp : proc_env);
		int e = errno;
		if (write(exe[1], &e, sizeof(e)) < 0) {
		}
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	close(exe[1]);
	char what[640];
	int e;
	ssize_t r;
	do
		r = read(exe[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	close(exe[0]);
	if (r == sizeof(e)) {
		// As os.StartProcess reports it: it did not start.
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
		snprintf(what, sizeof(what), "error running startContainer hook #%d: fork/exec %s", index, h->path);
		fail(what, e);
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	struct buf o = {0}, er = {0};
	buf_add(&o, "", 0);
	buf_add(&er, "", 0);
	size_t sent = 0;
	int in_fd = in[1], fds[2] = {out[0], errp[0]};
	struct buf *bufs[2] = {&o, &er};
	long long deadline = h->timeout ? now_ms() + (long long)h->timeout * 1000 : -1;
	long long ended = -1; // when the hook exited or was killed
	int status = 0, exited = 0, timed_out = 0, delay_expired = 0;
	for (;;) {
		if (!exited) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid) {
				exited = 1;
				if (ended < 0)
					ended = now_ms();
			}
		}
		if (exited && fds[0] < 0 && fds[1] < 0)
			break;
		long long now = now_ms();
		if (!timed_out && deadline >= 0 && now >= deadline && !exited) {
			kill(pid, SIGKILL);
			timed_out = 1;
			ended = now;
		}
		if (ended >= 0 && now - ended >= 1000 && (fds[0] >= 0 || fds[1] >= 0)) {
			delay_expired = 1;
			break;
		}
		struct pollfd pf[3];
		int n = 0;
		if (in_fd >= 0)
			pf[n++] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				pf[n++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
		if (n == 0) {
			// Nothing open: wait for the exit.
			struct timespec ts = {0, 5 * 1000 * 1000};
			nanosleep(&ts, NULL);
			continue;
		}
		poll(pf, (nfds_t)n, 10);
		if (in_fd >= 0) {
			ssize_t w = write(in_fd, state + sent, state_len - sent);
			if (w > 0)
				sent += (size_t)w;
			// EPIPE: the hook did not read its stdin (Go ignores it).
			if (sent == state_len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in_fd);
				in_fd = -1;
			}
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i] < 0)
				continue;
			char chunk[4096];
			ssize_t got = read(fds[i], chunk, sizeof(chunk));
			if (got > 0)
				buf_add(bufs[i], chunk, (size_t)got);
			else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	while (!exited) {
		if (waitpid(pid, &status, 0) == pid)
			exited = 1;
		else if (errno != EINTR)
			break;
	}
	if (timed_out) {
		snprintf(what, sizeof(what), "error running startContainer hook #%d: hook ran past specified timeout of %u.0s", index, h->timeout);
		fail(what, 0);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (!delay_expired)
			return;
		snprintf(what, sizeof(what), "error running startContainer hook #%d: exec: WaitDelay expired before I/O complete", index);
		fail(what, 0);
	}
	struct buf msg = {0};
	snprintf(what, sizeof(what), "error running startContainer hook #%d: ", index);
	buf_add(&msg, what, strlen(what));
	if (WIFEXITED(status)) {
		snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(status));
		buf_add(&msg, what, strlen(what));
	} else {
		buf_add(&msg, "signal: ", 8);
		signal_text(&msg, WTERMSIG(status));
		if (WCOREDUMP(status))
			buf_add(&msg, " (core dumped)", 14);
	}
	buf_add(&msg, ", stdout: ", 10);
	one_line(&msg, &o);
	buf_add(&msg, ", stderr: ", 10);
	one_line(&msg, &er);
	// fail's buffer would cut long output: print it whole.
	write_all(2, failed, strlen(failed));
	write_all(2, msg.p, msg.len);
	write_all(2, "\n", 1);
	_exit(127);
}

// load_filter loads the plan's noNewPrivileges filter, if it has one.
static void load_filter(uint32_t flags, uint32_t filter_flags, struct sock_fprog *prog)
{
	if (!(flags & PLAN_SECCOMP))
		return;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, filter_flags, prog);
	if (r < 0) {
		char what[128];
		snprintf(what, sizeof(what), "linux.seccomp: seccomp(SECCOMP_SET_MODE_FILTER, flags %#x)", filter_flags);
		if (filter_flags == 0)
			snprintf(what, sizeof(what), "linux.seccomp: seccomp(SECCOMP_SET_MODE_FILTER, flags 0x0)");
		fail(what, errno);
	}
	if (r > 0 && !(filter_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		char what[128];
		snprintf(what, sizeof(what), "linux.seccomp: seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread %ld could not be synchronised", r);
		fail(what, 0);
	}
}

// exec_process is the last step: the process, or Go's words for its
// failure (fatalf's "exec: %q: %v").
__attribute__((noreturn)) static void exec_process(const char *argv0, char **argv, char **envp)
{
	execve(argv0, argv, envp);
	int err = errno;
	char what[512];
	size_t n = (size_t)snprintf(what, sizeof(what), "exec: ");
	quote(what, sizeof(what), &n, argv0);
	fail(what, err);
}

void gorunc_stage2(const char *marker)
{
	gorunc_stage2_argv0(marker, NULL, NULL);
}

void gorunc_stage2_argv0(const char *marker, const char *found, const char *extra_env)
{
	// First syscall: no one below the host's CAP_SYS_PTRACE may look in.
	set_dumpable(0);
	go_signals();
	catch_setxid();

	char *end;
	long planfd = strtol(marker, &end, 10);
	if (*end != '\0' || end == marker || planfd < 0 || planfd > 0x7fffffff)
		fail("stage 2: bad _GORUNC_STAGE2", EINVAL);
	struct stat st;
	if (fstat((int)planfd, &st) < 0)
		fail("stage 2: stat plan", errno);
	if (st.st_size < 4 || (uint64_t)st.st_size > PLAN_MAX)
		fail("stage 2: bad plan size", EINVAL);
	size_t size = (size_t)st.st_size;
	// One buffer: the plan, then room for NUL-terminated copies of its
	// strings (never more than the plan itself).
	unsigned char *buf = malloc(2 * size);
	if (buf == NULL)
		fail("stage 2: malloc", ENOMEM);
	for (size_t got = 0; got < size;) {
		ssize_t r = pread((int)planfd, buf + got, size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fail("stage 2: read plan", r < 0 ? errno : EIO);
		got += (size_t)r;
	}
	close((int)planfd);

	struct cursor c = {buf, size};
	char *arena = (char *)buf + size;
	size_t arena_left = size;
	if (get_u32(&c) != PLAN_MAGIC)
		fail("stage 2: not a plan", EINVAL);
	uint32_t flags = get_u32(&c);
	if (flags & PLAN_EXEC)
		failed = EXEC_INIT_FAILED;
	if ((flags & PLAN_EXEC) && (flags & PLAN_HOOKS))
		fail("stage 2: hooks in exec-init's plan", 0);
	int sync_fd = get_fd(&c), fifo_fd = get_fd(&c), fd_dir = get_fd(&c);
	size_t ready_len;
	char *ready = get_string(&c, &arena, &arena_left, &ready_len);
	char *argv0 = get_string(&c, &arena, &arena_left, NULL);
	if (found != NULL)
		argv0 = (char *)found; // the setup program's lookup (setup_init.c)
	char **argv = get_strings(&c, &arena, &arena_left);
	char **envp = get_strings(&c, &arena, &arena_left);
	if (extra_env != NULL) {
		// The setup program's HOME, appended last (prepareEnv).
		size_t n = 0;
		while (envp[n] != NULL)
			n++;
		char **v = calloc(n + 2, sizeof(char *));
		if (v == NULL)
			fail("stage 2: calloc", ENOMEM);
		memcpy(v, envp, n * sizeof(char *));
		v[n] = (char *)extra_env;
		envp = v;
	}
	struct sock_fprog prog = {0};
	uint32_t filter_flags = 0;
	if (flags & PLAN_SECCOMP) {
		filter_flags = get_u32(&c);
		uint32_t count = get_u32(&c);
		if (count == 0 || count > BPF_MAXINSNS_)
			fail("stage 2: bad seccomp program length in plan", 0);
		const unsigned char *raw = get_bytes(&c, (size_t)count * 8);
		struct sock_filter *insns = calloc(count, sizeof(*insns));
		if (insns == NULL)
			fail("stage 2: calloc", ENOMEM);
		for (uint32_t i = 0; i < count; i++) {
			const unsigned char *r = raw + (size_t)i * 8;
			insns[i].code = (uint16_t)(r[0] | r[1] << 8);
			insns[i].jt = r[2];
			insns[i].jf = r[3];
			insns[i].k = (uint32_t)r[4] | (uint32_t)r[5] << 8 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 24;
		}
		prog.len = (unsigned short)count;
		prog.filter = insns;
	}
	char *state = NULL;
	size_t state_len = 0;
	uint32_t nhooks = 0;
	struct hook *hooks = NULL;
	if (flags & PLAN_HOOKS) {
		state = get_string(&c, &arena, &arena_left, &state_len);
		nhooks = get_u32(&c);
		// Each hook takes at least 16 bytes of the plan.
		if (nhooks > c.left / 16)
			fail("stage 2: bad hook count in plan", 0);
		hooks = calloc(nhooks ? nhooks : 1, sizeof(*hooks));
		if (hooks == NULL)
			fail("stage 2: calloc", ENOMEM);
		for (uint32_t i = 0; i < nhooks; i++) {
			hooks[i].path = get_string(&c, &arena, &arena_left, NULL);
			hooks[i].argv = get_strings(&c, &arena, &arena_left);
			if (hooks[i].argv[0] == NULL)
				fail("stage 2: empty hook argv in plan", 0);
			if (get_u32(&c) != 0)
				hooks[i].envp = get_strings(&c, &arena, &arena_left);
			hooks[i].timeout = get_u32(&c);
		}
	}
	if (c.left != 0)
		fail("stage 2: trailing bytes in plan", 0);
	if (argv[0] == NULL)
		fail("stage 2: empty argv in plan", 0);
	// Close-on-exec again: neither a hook nor the process may get them.
	if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		fail("stage 2: fcntl(F_SETFD, FD_CLOEXEC)", errno);
	if (!(flags & PLAN_EXEC) && (fcntl(fifo_fd, F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd_dir, F_SETFD, FD_CLOEXEC) < 0))
		fail("stage 2: fcntl(F_SETFD, FD_CLOEXEC)", errno);
	if (flags & PLAN_DUMPABLE)
		set_dumpable(1);

	// "ready", as Go's channel would have sent it: create (or exec,
	// once the pid file is written) returns now.
	write_all(sync_fd, ready, ready_len);
	close(sync_fd);
	if (flags & PLAN_EXEC) {
		// exec-init's end (runtime/exec.go, execInit): no fifo, the
		// noNewPrivileges filter last, then the process.
		load_filter(flags, filter_flags, &prog);
		exec_process(argv0, argv, envp);
	}

	// The fifo is reopened through init's own fd directory, never
	// through the container's /proc (runtime/init.go, openFdDir).
	char name[16];
	snprintf(name, sizeof(name), "%d", fifo_fd);
	int fifo;
	do
		fifo = openat(fd_dir, name, O_WRONLY | O_CLOEXEC);
	while (fifo < 0 && errno == EINTR);
	if (fifo < 0)
		fail("open exec fifo", errno);
	// `start` is under way once the open returns.
	load_filter(flags, filter_flags, &prog);
	// startContainer hooks, under the filter, before the byte that lets
	// start go on to poststart (runtime/hooks_init.go).
	for (uint32_t i = 0; i < nhooks; i++)
		run_hook((int)i, &hooks[i], state, state_len, envp);
	ssize_t w;
	do
		w = write(fifo, "", 1);
	while (w < 0 && errno == EINTR);
	if (w != 1)
		fail("write exec fifo", w < 0 ? errno : EIO);
	close(fifo);
	close(fifo_fd);
	close(fd_dir);
	exec_process(argv0, argv, envp);
}
