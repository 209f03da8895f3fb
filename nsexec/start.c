//go:build cgo && linux

// `gorunc start` without the Go runtime (docs/performance.md, "start
// without the Go runtime"). A Go process costs ~6 ms to start on this
// project's hosts before it does any work, and start's own work is a few
// system calls: the nsenter constructor, which runs before the Go runtime,
// does it here when the command line and the container ask for nothing
// more, and otherwise returns and leaves all of it to Go's Store.Start,
// the reference this file follows step by step.
//
// The rule that keeps the two alike: until the exec fifo is opened nothing
// has happened that Go would not do again, so every case this file does
// not handle itself (another command holds the lock, the container is
// not created, a freeze, a stopped init, poststart hooks, --debug, an
// unusual flag or state.json) falls back to Go, which then answers in its
// own words. Opening the fifo releases init (its blocked open returns, and
// its byte follows), so from there this file finishes start: the waits
// and their errors are awaitFifo's. An error is not printed here:
// gorunc_start_failed keeps it and the constructor returns, and cmdStart
// reports it as it reports its own errors (stderr, --log), without doing
// anything else.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errtext.h"
#include "start.h"

// Go's names and bounds (runtime/store.go, runtime/start.go,
// runtime/sync.go).
#define DEFAULT_ROOT "/run/gorunc"
#define STATE_FILE "state.json"
#define FIFO_FILE "exec.fifo"
#define FIFO_TIMEOUT_MS 30000 // fifoTimeout
#define STUCK_GRACE_MS 2000   // stuckGrace
#define MAX_ID 255            // maxIDLength
#define MAX_STATE (16 << 20)

char gorunc_start_failed[4096];

struct cmdline {
	char buf[8192];
	const char *root, *log, *id;
};

// parse_cmdline reads /proc/self/cmdline. It is a start when the words are
// `gorunc [--root R] [--log L] [--log-format text|json] [--systemd-cgroup]
// start ID`, each flag at most once, "--name value" or "--name=value":
// what containerd, podman and people write. Any other word is Go's.
static int parse_cmdline(struct cmdline *c)
{
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, c->buf, sizeof(c->buf) - 1);
	close(fd);
	if (n <= 0 || (size_t)n >= sizeof(c->buf) - 1 || c->buf[n - 1] != '\0')
		return -1;
	const char *args[16];
	size_t argc = 0;
	for (char *p = c->buf; p < c->buf + n; p += strlen(p) + 1) {
		if (argc == sizeof(args) / sizeof(args[0]))
			return -1;
		args[argc++] = p;
	}
	const char *format = NULL;
	int systemd = 0;
	size_t i = 1;
	for (; i < argc && strncmp(args[i], "--", 2) == 0; i++) {
		static const char *const names[] = {"root", "log", "log-format"};
		const char **slots[] = {&c->root, &c->log, &format};
		const char *flag = args[i] + 2;
		if (strcmp(flag, "systemd-cgroup") == 0 && !systemd) {
			systemd = 1;
			continue;
		}
		size_t k = 0;
		for (; k < 3; k++) {
			size_t len = strlen(names[k]);
			if (strncmp(flag, names[k], len) != 0 || *slots[k] != NULL)
				continue;
			if (flag[len] == '=') {
				*slots[k] = flag + len + 1;
				break;
			}
			if (flag[len] == '\0' && i + 1 < argc) {
				*slots[k] = args[++i];
				break;
			}
		}
		if (k == 3)
			return -1;
	}
	if (i + 2 != argc || strcmp(args[i], "start") != 0)
		return -1;
	c->id = args[i + 1];
	if (format != NULL && strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return -1;
	return 0;
}

// valid_id is runtime.ValidateID.
static int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > MAX_ID || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("_+-.", *p) != NULL))
			return 0;
	return 1;
}

// clean_root: the path is as filepath.Join would leave it (no empty, "."
// or ".." element, no trailing slash), so that the one error naming a path
// (remove exec fifo) names it as Go does.
static int clean_root(const char *root)
{
	if (root[0] == '\0')
		return 0; // --root "": Go's default root, whichever it is
	if (strcmp(root, "/") == 0)
		return 1;
	for (const char *p = root;;) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if ((n == 0 && p != root) || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (*e == '\0')
			return 1;
		p = e + 1;
	}
}

// read_small reads a small file whole, without its trailing white space:
// the length, or -1 with errno.
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	int err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	while (n > 0 && strchr(" \t\n", buf[n - 1]) != NULL)
		n--;
	buf[n] = '\0';
	return n;
}

// --- state.json -------------------------------------------------------
//
// A scanner for the members start reads, each as encoding/json would
// decode it into runtime's record: a key that is not plain ASCII without
// escapes, a number that is not a plain unsigned integer, or a string
// with escapes is not guessed at but handed to Go.

struct js {
	const char *p, *end;
};

static void ws(struct js *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p) != NULL && *j->p)
		j->p++;
}

static int peek(struct js *j)
{
	ws(j);
	return j->p < j->end ? (unsigned char)*j->p : -1;
}

// string reads a string without escapes (the quotes excluded into s, n).
static int string(struct js *j, const char **s, size_t *n, int *escaped)
{
	if (peek(j) != '"')
		return -1;
	const char *b = ++j->p;
	*escaped = 0;
	for (; j->p < j->end && *j->p != '"'; j->p++) {
		if ((unsigned char)*j->p < 0x20)
			return -1;
		if (*j->p == '\\') {
			*escaped = 1;
			if (++j->p == j->end)
				return -1;
		}
	}
	if (j->p == j->end)
		return -1;
	*s = b;
	*n = (size_t)(j->p - b);
	j->p++;
	return 0;
}

static int digits(struct js *j)
{
	const char *b = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > b ? 0 : -1;
}

// number skips a JSON number: -?digits(.digits)?([eE][+-]?digits)?
static int number(struct js *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (digits(j) < 0)
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (digits(j) < 0)
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (digits(j) < 0)
			return -1;
	}
	return 0;
}

static int skip(struct js *j, int depth)
{
	const char *s;
	size_t n;
	int esc, c = peek(j);
	if (depth > 64)
		return -1;
	if (c == '"')
		return string(j, &s, &n, &esc);
	if (c == '{' || c == '[') {
		int close = c == '{' ? '}' : ']';
		j->p++;
		if (peek(j) == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (c == '{') {
				if (string(j, &s, &n, &esc) < 0 || peek(j) != ':')
					return -1;
				j->p++;
			}
			if (skip(j, depth + 1) < 0)
				return -1;
			int d = peek(j);
			j->p++;
			if (d == close)
				return 0;
			if (d != ',')
				return -1;
		}
	}
	static const char *const literals[] = {"true", "false", "null"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(literals[i]);
		if ((size_t)(j->end - j->p) >= n && memcmp(j->p, literals[i], n) == 0) {
			j->p += n;
			return 0;
		}
	}
	return number(j);
}

// member reads the next key of an object and its colon: 1, 0 at the
// object's end (its brace consumed), -1 on anything else. first is set
// by the caller before the first member.
static int member(struct js *j, int *first, const char **key, size_t *n)
{
	int c = peek(j);
	if (c == '}') {
		j->p++;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return -1;
		j->p++;
	}
	*first = 0;
	int esc;
	if (string(j, key, n, &esc) < 0 || esc || peek(j) != ':')
		return -1;
	j->p++;
	return 1;
}

static int is(const char *key, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(key, want, n) == 0;
}

// like is a key encoding/json would match to want (it ignores case) but
// this scanner would not: handed to Go.
static int like(const char *key, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(key, want, n) == 0 && memcmp(key, want, n) != 0;
}

static int is_null(struct js *j)
{
	if (peek(j) == 'n' && j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
		j->p += 4;
		return 1;
	}
	return 0;
}

// object opens an object value: 1 (its brace consumed), 0 for null, -1
// for anything else.
static int object(struct js *j)
{
	if (is_null(j))
		return 0;
	if (peek(j) != '{')
		return -1;
	j->p++;
	return 1;
}

static int uint_value(struct js *j, uint64_t *v)
{
	const char *b = (ws(j), j->p);
	uint64_t x = 0;
	for (; j->p < j->end && *j->p >= '0' && *j->p <= '9'; j->p++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*j->p - '0');
	}
	if (j->p == b || (j->p < j->end && strchr(".eE", *j->p) != NULL && *j->p))
		return -1;
	*v = x;
	return 0;
}

static int string_value(struct js *j, char *out, size_t size)
{
	const char *s;
	size_t n;
	int esc;
	if (string(j, &s, &n, &esc) < 0 || esc || n >= size)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}


// cgroup reads record.Cgroup (cgroup.State): the version, and the one
// path a freeze is read from. A systemd unit is fine: its paths are the
// same files (the systemd driver's FrozenBy is its fs driver's).
static int cgroup(struct js *j, struct container *c)
{
	const char *k, *pk;
	size_t n, pn;
	int first = 1, r = object(j);
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		if (like(k, n, "version") || like(k, n, "paths"))
			return -1;
		if (is(k, n, "version")) {
			if (uint_value(j, &c->version) < 0)
				return -1;
		} else if (is(k, n, "paths")) {
			c->cgroup[0] = '\0';
			if ((r = object(j)) <= 0) {
				if (r < 0)
					return -1;
				continue;
			}
			int pfirst = 1;
			while ((r = member(j, &pfirst, &pk, &pn)) == 1) {
				if (pn == 0 || is(pk, pn, "freezer")) {
					if (string_value(j, c->cgroup, sizeof(c->cgroup)) < 0)
						return -1;
				} else if (skip(j, 1) < 0) {
					return -1;
				}
			}
			if (r < 0)
				return -1;
		} else if (skip(j, 1) < 0) {
			return -1;
		}
	}
	return r;
}

// spec reads what specSummary holds that start looks at: a process, and
// no poststart hooks (those are Go's to run).
static int spec(struct js *j, struct container *c)
{
	const char *k, *hk;
	size_t n, hn;
	int first = 1, r = object(j);
	c->has_process = 0;
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		if (like(k, n, "process") || like(k, n, "hooks"))
			return -1;
		if (is(k, n, "process")) {
			c->has_process = !is_null(j);
			if (c->has_process && (peek(j) != '{' || skip(j, 1) < 0))
				return -1;
		} else if (is(k, n, "hooks")) {
			if ((r = object(j)) <= 0) {
				if (r < 0)
					return -1;
				continue;
			}
			int hfirst = 1;
			while ((r = member(j, &hfirst, &hk, &hn)) == 1) {
				if (like(hk, hn, "poststart"))
					return -1;
				if (is(hk, hn, "poststart")) {
					if (is_null(j))
						continue;
					if (peek(j) != '[')
						return -1;
					j->p++;
					if (peek(j) != ']')
						return -1; // hooks to run: Go's
					j->p++;
				} else if (skip(j, 2) < 0) {
					return -1;
				}
			}
			if (r < 0)
				return -1;
		} else if (skip(j, 1) < 0) {
			return -1;
		}
	}
	return r;
}

// gorunc_start_record reads state.json: 0 when every member start needs
// was read.
int gorunc_start_record(const char *data, size_t size, struct container *c)
{
	struct js j = {data, data + size};
	const char *k;
	size_t n;
	int first = 1, r, seen = 0;
	memset(c, 0, sizeof(*c));
	if (object(&j) != 1)
		return -1;
	while ((r = member(&j, &first, &k, &n)) == 1) {
		if (like(k, n, "init_pid") || like(k, n, "init_start") || like(k, n, "cgroup") || like(k, n, "spec"))
			return -1;
		if (is(k, n, "init_pid"))
			r = uint_value(&j, &c->init_pid);
		else if (is(k, n, "init_start"))
			r = uint_value(&j, &c->init_start);
		else if (is(k, n, "cgroup"))
			r = cgroup(&j, c);
		else if (is(k, n, "spec"))
			r = spec(&j, c), seen = 1;
		else
			r = skip(&j, 1);
		if (r < 0)
			return -1;
	}
	if (r < 0 || peek(&j) != -1 || !seen)
		return -1;
	if (c->version == 2)
		return c->cgroup[0] == '/' ? 0 : -1;
	return c->version <= 1 && (c->cgroup[0] == '\0' || c->cgroup[0] == '/') ? 0 : -1;
}

// --- the container's processes and cgroup ----------------------------------

// proc_stat is procStat: init's state letter and start time, 0 when gone.
static int proc_stat(uint64_t pid, char *state, uint64_t *start)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return 0;
	*state = p[2];
	// Field 22 (starttime) is the 19th after the state (field 3).
	p += 3;
	for (int i = 0; i < 19 && p != NULL; i++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL)
		return 0;
	*start = strtoull(p, NULL, 10);
	return 1;
}

// alive is processAlive.
static int alive(const struct container *c, char *state)
{
	uint64_t start;
	if (!proc_stat(c->init_pid, state, &start) || *state == 'Z' || *state == 'X')
		return 0;
	return c->init_start == 0 || start == c->init_start;
}

// parent is filepath.Dir for the clean absolute paths cgroups have.
static void parent(char *p)
{
	char *s = strrchr(p, '/');
	if (s == p)
		s[1] = '\0';
	else if (s != NULL)
		*s = '\0';
}

static ssize_t read_in(const char *dir, const char *file, char *buf, size_t size)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, file);
	return read_small(path, buf, size);
}

// frozen_by is cgroup's FrozenBy, and before the fifo also the status
// check's IsFrozen: 0 when nothing holds the cgroup, 1 with Frozen.Error's
// text in why, -1 when the files say something else (Go's to judge).
static int frozen_by(const struct container *c, char *why, size_t size)
{
	char dir[4096], p[4096], v[64], st[64];
	if (c->version == 0 || c->cgroup[0] == '\0')
		return 0; // no cgroup, or no freezer: nothing can freeze init
	struct stat sb;
	snprintf(dir, sizeof(dir), "%s", c->cgroup);
	if (stat(dir, &sb) < 0)
		return -1; // nearestExisting's walk: Go's
	snprintf(p, sizeof(p), "%s", dir);
	if (c->version == 2) {
		for (;;) {
			if (read_in(p, "cgroup.freeze", v, sizeof(v)) < 0)
				return errno == ENOENT ? 0 : -1;
			if (strcmp(v, "1") == 0) {
				if (strcmp(p, dir) == 0)
					snprintf(why, size, "%s is cgroup.freeze=1", dir);
				else
					snprintf(why, size, "%s is frozen by its ancestor %s (cgroup.freeze=1)", dir, p);
				return 1;
			}
			if (strcmp(v, "0") != 0)
				return -1;
			if (strcmp(p, "/") == 0)
				return 0;
			parent(p);
		}
	}
	if (read_in(dir, "freezer.state", st, sizeof(st)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (strcmp(st, "THAWED") == 0)
		return 0;
	for (;;) {
		if (read_in(p, "freezer.self_freezing", v, sizeof(v)) < 0 || strcmp(p, "/") == 0) {
			snprintf(why, size, "%s is %s", dir, st);
			return 1;
		}
		if (strcmp(v, "1") == 0) {
			if (read_in(p, "freezer.state", v, sizeof(v)) < 0)
				v[0] = '\0';
			if (strcmp(p, dir) == 0)
				snprintf(why, size, "%s is %s", dir, v);
			else
				snprintf(why, size, "%s is frozen by its ancestor %s (%s)", dir, p, v);
			return 1;
		}
		parent(p);
	}
}

// paused is the status check's IsFrozen for v2 (cgroup.events), which
// FrozenBy does not read: 1 frozen, 0 not, -1 unknown.
static int paused(const struct container *c)
{
	char buf[512];
	if (c->version != 2)
		return 0;
	if (read_in(c->cgroup, "cgroup.events", buf, sizeof(buf)) < 0)
		return -1;
	const char *f = strstr(buf, "frozen ");
	if (f == NULL || (f != buf && f[-1] != '\n'))
		return -1;
	return f[7] == '1' ? 1 : f[7] == '0' ? 0 : -1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 1, 2))) static void failed(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vsnprintf(gorunc_start_failed, sizeof(gorunc_start_failed), format, ap);
	va_end(ap);
}

// await is awaitFifo: init's byte, with init checked between polls.
static int await(int fd, const struct container *c)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	long long begin = now_ms(), stuck_since = -1;
	char why[9000], state, text[128];
	for (;;) {
		int n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR) {
			go_errno_text(text, sizeof(text), errno);
			failed("wait for container init: %s", text);
			return -1;
		}
		if (n > 0 && (pfd.revents & POLLIN)) {
			char b;
			ssize_t r;
			while ((r = read(fd, &b, 1)) < 0 && errno == EINTR)
				;
			if (r < 0) {
				go_errno_text(text, sizeof(text), errno);
				failed("read exec fifo: %s", text);
				return -1;
			}
			// Go's unix.Read of 0 bytes (EOF) is no error either.
			return 0;
		}
		if (!alive(c, &state)) {
			failed("container init exited before start");
			return -1;
		}
		// FrozenBy's errors are not stuck, as Go's.
		int f = frozen_by(c, why, sizeof(why));
		const char *stuck = NULL;
		char msg[9300];
		if (f == 1) {
			snprintf(msg, sizeof(msg),
				 "container's cgroup unexpectedly frozen while waiting for container init (pid %llu): %s",
				 (unsigned long long)c->init_pid, why);
			stuck = msg;
		} else if (state == 'T') {
			snprintf(msg, sizeof(msg), "container init (pid %llu) is stopped (SIGSTOP) while gorunc waits for it",
				 (unsigned long long)c->init_pid);
			stuck = msg;
		}
		long long t = now_ms();
		if (stuck == NULL) {
			stuck_since = -1;
		} else if (stuck_since < 0) {
			stuck_since = t;
		} else if (t - stuck_since >= STUCK_GRACE_MS) {
			failed("%s", stuck);
			return -1;
		}
		if (t - begin > FIFO_TIMEOUT_MS) {
			failed("container init (pid %llu) did not take the exec fifo within 30s",
			       (unsigned long long)c->init_pid);
			return -1;
		}
	}
}

// start is Store.Start for the containers it takes: 1 done (or failed
// after the fifo, with gorunc_start_failed set), 0 left to Go.
static int start(const struct cmdline *cl)
{
	char dir[4096 + MAX_ID + 2], path[sizeof(dir) + 16];
	int n = snprintf(dir, sizeof(dir), "%s/%s", strcmp(cl->root, "/") == 0 ? "" : cl->root, cl->id);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return 0;
	if (cl->log != NULL) {
		// runlog.Open's file, made whatever start then does.
		int fd = open(cl->log, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return 0;
		close(fd);
	}
	// lockDir's lock, without its wait: a held lock is Go's to wait for.
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	struct stat a, b;
	char *data = NULL;
	int fifo = -1, done = 0;
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0 || fstat(dfd, &a) < 0 || stat(dir, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino)
		goto out;

	int sfd = openat(dfd, STATE_FILE, O_RDONLY | O_CLOEXEC);
	if (sfd < 0)
		goto out;
	struct stat ss;
	size_t size = 0;
	if (fstat(sfd, &ss) == 0 && ss.st_size > 0 && ss.st_size <= MAX_STATE && (data = malloc((size_t)ss.st_size + 1)) != NULL) {
		ssize_t r;
		while (size < (size_t)ss.st_size + 1 && (r = read(sfd, data + size, (size_t)ss.st_size + 1 - size)) > 0)
			size += (size_t)r;
	}
	close(sfd);
	struct container c;
	if (data == NULL || size != (size_t)ss.st_size || gorunc_start_record(data, size, &c) < 0)
		goto out;

	// require(start, Created): init alive and runnable, no freeze, the
	// fifo there; then a process to start.
	char state, why[9000];
	if (c.init_pid == 0 || c.init_pid > INT32_MAX || !alive(&c, &state) || state == 'T' || state == 't' ||
	    paused(&c) != 0 || frozen_by(&c, why, sizeof(why)) != 0 || !c.has_process)
		goto out;
	if (fstatat(dfd, FIFO_FILE, &ss, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISFIFO(ss.st_mode))
		goto out;
	// O_NONBLOCK: as Go's, an init gone since would leave a reader
	// waiting forever for a writer.
	fifo = openat(dfd, FIFO_FILE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		goto out;
	done = 1;
	if (await(fifo, &c) < 0)
		goto out;
	if (unlinkat(dfd, FIFO_FILE, 0) < 0) {
		char text[128];
		go_errno_text(text, sizeof(text), errno);
		snprintf(path, sizeof(path), "%s/%s", dir, FIFO_FILE);
		failed("remove exec fifo: remove %s: %s", path, text);
	}
out:
	if (fifo >= 0)
		close(fifo);
	free(data);
	close(dfd);
	return done;
}

void gorunc_start(void)
{
	struct cmdline cl = {0};
	if (parse_cmdline(&cl) < 0 || !valid_id(cl.id))
		return;
	if (cl.root == NULL) {
		// runtime.XDGRoot's answer for the host's root without
		// XDG_RUNTIME_DIR; the other cases are Go's.
		if (geteuid() != 0 || getenv("XDG_RUNTIME_DIR") != NULL)
			return;
		cl.root = DEFAULT_ROOT;
	}
	if (!clean_root(cl.root))
		return;
	if (start(&cl) && gorunc_start_failed[0] == '\0')
		_exit(0);
}
