//go:build cgo && linux

// `gorunc start`, `state`, `kill` and `list` without the Go runtime
// (docs/performance.md, "start, state and kill without the Go runtime" and
// "list without the Go runtime"). A Go process costs ~6 ms to start on this
// project's hosts before it does any work, and these commands' own work is
// a few system calls: the nsenter constructor, which runs before the Go
// runtime, does it here when the command line and the container ask for
// nothing more, and otherwise returns and leaves all of it to Go
// (Store.Start, cmdState, Store.Kill, cmdList), the reference this file
// follows step by step.
//
// The rule that keeps the two alike: every case this file does not handle
// itself (another command holds the lock, another status, a freeze, a
// stopped init, poststart hooks, --debug, an unusual flag, signal or
// state.json) returns to Go before anything has happened that Go would not
// do again, and Go then answers in its own words. state and list only read;
// kill's one act is kill(2), and a failing one is Go's to repeat and word.
// start is the exception: opening the exec fifo releases init (its blocked
// open returns, and its byte follows), so from there this file finishes
// start: the waits and their errors are awaitFifo's. Such an error is not
// printed here: gorunc_start_failed keeps it and the constructor returns,
// and cmdStart reports it as it reports its own errors (stderr, --log),
// without doing anything else.

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
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
#include "cli.h"

// Go's names and bounds (runtime/store.go, runtime/start.go,
// runtime/sync.go).
#define DEFAULT_ROOT "/run/gorunc"
#define STATE_FILE "state.json"
#define FIFO_FILE "exec.fifo"
#define FIFO_TIMEOUT_MS 30000 // fifoTimeout
#define STUCK_GRACE_MS 2000   // stuckGrace
#define MAX_ID 255            // maxIDLength
#define MAX_STATE (16 << 20)
// specs.Version of the runtime-spec module in go.mod: state's "ociVersion"
// (TestStateBeforeGo compares the bytes with Go's).
#define SPEC_VERSION "1.3.0"

char gorunc_start_failed[4096];

// CMD_ONE_P: a command left to Go that runs faster with the Go runtime
// started on one P (nsenter.c, "One P for the CLI").
enum { CMD_START = 1, CMD_STATE, CMD_KILL, CMD_LIST, CMD_ONE_P };

struct cmdline {
	char buf[8192];
	const char *root, *log, *id;
	const char *sig; // kill's signal, NULL for the default
	int cmd;
	int quiet, json, table; // list's output
};

// list_flags reads list's words after the command: -q or --quiet, and
// -f or --format with table or json, each at most once. 0 when they are
// all of them (another word, value or spelling is Go's).
static int list_flags(struct cmdline *c, const char *const *args, size_t argc)
{
	const char *format = NULL;
	for (size_t i = 0; i < argc; i++) {
		if ((strcmp(args[i], "-q") == 0 || strcmp(args[i], "--quiet") == 0) && !c->quiet)
			c->quiet = 1;
		else if ((strcmp(args[i], "-f") == 0 || strcmp(args[i], "--format") == 0) && format == NULL && i + 1 < argc)
			format = args[++i];
		else if (strncmp(args[i], "--format=", 9) == 0 && format == NULL)
			format = args[i] + 9;
		else
			return -1;
	}
	c->json = format != NULL && strcmp(format, "json") == 0;
	c->table = format == NULL || strcmp(format, "table") == 0;
	if (!c->json && !c->table)
		return -1; // "invalid format option", unless quiet: Go's
	if (c->quiet)
		c->json = c->table = 0;
	return 0;
}

// gorunc_one_p tells the commands that start a container's process,
// create, run and exec, attached or not: each is one sequence of system
// calls with a goroutine or two beside it, and one P makes them faster
// (nsenter.c, "One P for the CLI"). Attached run and exec were left out
// while os/signal registered their forwarded signals, a hand-off to the
// Go runtime's signal thread and back for each of 62, a thread switch
// each on one P; C handlers register them now (sigs.c).
int gorunc_one_p(const char *cmd)
{
	return strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0 || strcmp(cmd, "exec") == 0;
}

// parse_cmdline reads /proc/self/cmdline. It is ours when the words are
// `gorunc [--root R] [--log L] [--log-format text|json] [--systemd-cgroup]
// start|state ID`, `... kill ID [SIGNAL]` or `... list [list_flags]`, each
// flag at most once, "--name value" or "--name=value": what containerd,
// podman and people write. Any other word is Go's.
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
	if (i < argc && gorunc_one_p(args[i])) {
		c->cmd = CMD_ONE_P;
		return 0;
	}
	if (i < argc && strcmp(args[i], "list") == 0) {
		c->cmd = CMD_LIST;
		if (list_flags(c, args + i + 1, argc - i - 1) < 0)
			return -1;
	} else if (i + 2 > argc)
		return -1;
	if (format != NULL && strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
		return -1;
	if (c->cmd == CMD_LIST)
		return 0;
	c->cmd = strcmp(args[i], "start") == 0	 ? CMD_START
		 : strcmp(args[i], "state") == 0 ? CMD_STATE
		 : strcmp(args[i], "kill") == 0	 ? CMD_KILL
						 : 0;
	if (c->cmd == 0 || i + 2 + (c->cmd == CMD_KILL) < argc)
		return -1;
	c->id = args[i + 1];
	if (i + 3 == argc) {
		// kill's signal; a word starting with "-" may be a flag
		// (--all) or runc's negative number: Go's.
		c->sig = args[i + 2];
		if (c->sig[0] == '-')
			return -1;
	}
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
	// openat: musl's open follows an O_CLOEXEC open with an fcntl.
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
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

// next steps to the next item of an object or array whose opening is
// consumed (close is its '}' or ']'): 1 at the item, 0 at the end (close
// consumed), -1 on anything else. first is set by the caller before the
// first item.
static int next(struct js *j, int *first, int close)
{
	int c = peek(j);
	if (c == close) {
		j->p++;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return -1;
		j->p++;
	}
	*first = 0;
	return 1;
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
		int first = 1, r;
		j->p++;
		while ((r = next(j, &first, c == '{' ? '}' : ']')) == 1) {
			if (c == '{') {
				if (string(j, &s, &n, &esc) < 0 || peek(j) != ':')
					return -1;
				j->p++;
			}
			if (skip(j, depth + 1) < 0)
				return -1;
		}
		return r;
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
	int r = next(j, first, '}');
	if (r <= 0)
		return r;
	int esc;
	if (string(j, key, n, &esc) < 0 || esc || peek(j) != ':')
		return -1;
	// encoding/json folds keys as bytes.EqualFold, Unicode's simple
	// folding included ("ſ" is "s", "K" is "k"): a key with a byte
	// outside ASCII might be one of ours, for Go to judge.
	for (size_t i = 0; i < *n; i++)
		if ((unsigned char)(*key)[i] >= 0x80)
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

// opening opens a value that must be an object or array starting with
// open: 1 (open consumed), 0 for null, -1 for anything else.
static int opening(struct js *j, int open)
{
	if (is_null(j))
		return 0;
	if (peek(j) != open)
		return -1;
	j->p++;
	return 1;
}

// object and array open an object or array value (opening); member and
// element step through them (next).
static int object(struct js *j) { return opening(j, '{'); }
static int array(struct js *j) { return opening(j, '['); }
static int element(struct js *j, int *first) { return next(j, first, ']'); }

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


// text reads a string member into t: its bytes as they stand between the
// quotes, and whether they are also what encoding/json would write for
// the decoded string (no escape, nothing it escapes: control characters,
// <, > and &, anything outside ASCII, which it would check as UTF-8).
static int text(struct js *j, struct span *t)
{
	int esc;
	if (string(j, &t->p, &t->n, &esc) < 0)
		return -1;
	t->plain = !esc;
	for (size_t i = 0; i < t->n && t->plain; i++)
		if (strchr("<>&", t->p[i]) != NULL || (unsigned char)t->p[i] >= 0x80)
			t->plain = 0;
	return 0;
}

// annotations reads spec.annotations' members, in their order (the
// printer sorts them and keeps the last of a key, as the map would).
static int annotations(struct js *j, struct container *c)
{
	const char *k;
	size_t n;
	int first = 1, r = object(j);
	c->annotations = 0;
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		struct span v;
		if (is_null(j) || text(j, &v) < 0)
			return -1; // null: the map's zero value, Go's to print
		if (c->annotations == MAX_ANNOTATIONS) {
			c->annotations_over = 1;
			continue;
		}
		c->annotation[c->annotations][0] = (struct span){k, n, 1};
		c->annotation[c->annotations++][1] = v;
	}
	return r;
}

// paths reads cgroup.State's Paths: how many, and the one path a freeze
// is read from (v2's "", v1's "freezer").
static int paths(struct js *j, struct container *c)
{
	const char *k;
	size_t n;
	int first = 1, r = object(j);
	c->cgroup[0] = '\0';
	c->paths = 0;
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		c->paths++;
		if (n == 0 || is(k, n, "freezer"))
			r = string_value(j, c->cgroup, sizeof(c->cgroup));
		else
			r = skip(j, 1);
		if (r < 0)
			return -1;
	}
	return r;
}

// cgroup reads record.Cgroup (cgroup.State): the version, the paths,
// whether the v2 root and a systemd unit are set. A systemd unit is fine
// for start: its paths are the same files (the systemd driver's FrozenBy
// is its fs driver's).
static int cgroup(struct js *j, struct container *c)
{
	const char *k;
	size_t n;
	int first = 1, r = object(j);
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		if (like(k, n, "version") || like(k, n, "paths") || like(k, n, "systemd") || like(k, n, "root"))
			return -1;
		struct span u = {"", 0, 1};
		if (is(k, n, "version"))
			r = uint_value(j, &c->version);
		else if (is(k, n, "paths"))
			r = paths(j, c);
		else if (is(k, n, "systemd") || is(k, n, "root"))
			r = is_null(j) ? 0 : text(j, &u);
		else
			r = skip(j, 1);
		if (r < 0)
			return -1;
		if (is(k, n, "systemd"))
			c->systemd = u.n > 0;
		if (is(k, n, "root"))
			c->has_root = u.n > 0;
	}
	return r;
}

// hooks reads spec.hooks: 0 when it has no poststart hook (those are Go's
// to run).
static int hooks(struct js *j)
{
	const char *k;
	size_t n;
	int first = 1, r = object(j);
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		if (like(k, n, "poststart"))
			return -1;
		int none = 1;
		if (!is(k, n, "poststart"))
			r = skip(j, 2);
		else if ((r = array(j)) == 1)
			r = element(j, &none) == 0 ? 0 : -1; // hooks to run: Go's
		if (r < 0)
			return -1;
	}
	return r;
}

// namespace reads an entry of spec.linux.namespaces: the first "pid" one
// says whether the pid namespace is private (privatePIDNamespace).
static int namespace(struct js *j, struct container *c)
{
	const char *k;
	size_t n;
	int first = 1, r = object(j);
	struct span type = {"", 0, 1}, path = {"", 0, 1};
	if (r < 0)
		return -1;
	while (r == 1 && (r = member(j, &first, &k, &n)) == 1) {
		if (like(k, n, "type") || like(k, n, "path"))
			c->ns_unsure = 1;
		int v;
		if (is(k, n, "type") || is(k, n, "path"))
			v = is_null(j) ? 0 : text(j, is(k, n, "type") ? &type : &path);
		else
			v = skip(j, 3);
		if (v < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (c->pid_ns == PID_NS_NONE && (!type.plain || !path.plain))
		c->ns_unsure = 1;
	if (c->pid_ns == PID_NS_NONE && type.n == 3 && memcmp(type.p, "pid", 3) == 0)
		c->pid_ns = path.n == 0 ? PID_NS_PRIVATE : PID_NS_JOINED;
	return 0;
}

// namespaces reads spec.linux.namespaces' entries.
static int namespaces(struct js *j, struct container *c)
{
	int first = 1, r = array(j);
	if (r <= 0)
		return r;
	while ((r = element(j, &first)) == 1)
		if (namespace(j, c) < 0)
			return -1;
	return r;
}

// linux reads spec.linux's namespaces.
static int linux_(struct js *j, struct container *c)
{
	const char *k;
	size_t n;
	int first = 1, r = object(j);
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		if (like(k, n, "namespaces"))
			c->ns_unsure = 1;
		if (is(k, n, "namespaces")) {
			c->pid_ns = PID_NS_NONE; // the last member wins
			r = namespaces(j, c);
		} else {
			r = skip(j, 2);
		}
		if (r < 0)
			return -1;
	}
	return r;
}

// spec reads what specSummary holds that start, state and kill look at: a
// process, the poststart hooks, the annotations, the pid namespace.
static int spec(struct js *j, struct container *c)
{
	const char *k;
	size_t n;
	int first = 1, r = object(j);
	c->has_process = 0;
	if (r <= 0)
		return r;
	while ((r = member(j, &first, &k, &n)) == 1) {
		if (like(k, n, "process") || like(k, n, "hooks") || like(k, n, "annotations"))
			return -1;
		if (like(k, n, "linux"))
			c->ns_unsure = 1;
		if (is(k, n, "linux")) {
			c->pid_ns = PID_NS_NONE;
			r = linux_(j, c);
		} else if (is(k, n, "annotations")) {
			r = annotations(j, c);
		} else if (is(k, n, "hooks")) {
			r = hooks(j);
		} else if (is(k, n, "process")) {
			c->has_process = !is_null(j);
			r = c->has_process && (peek(j) != '{' || skip(j, 1) < 0) ? -1 : 0;
		} else {
			r = skip(j, 1);
		}
		if (r < 0)
			return -1;
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
		static const char *const head[] = {"id", "bundle", "rootfs", "created", "owner"};
		struct span *spans[] = {&c->id, &c->bundle, &c->rootfs, &c->created, &c->owner};
		size_t h = 0;
		for (; h < 5 && !is(k, n, head[h]); h++)
			if (like(k, n, head[h]))
				return -1;
		if (like(k, n, "init_pid") || like(k, n, "init_start") || like(k, n, "cgroup") || like(k, n, "spec"))
			return -1;
		if (h < 5)
			r = is_null(&j) ? (*spans[h] = (struct span){"", 0, 1}, 0) : text(&j, spans[h]);
		else if (is(k, n, "init_pid"))
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

// paused is the status check's IsFrozen (v2's cgroup.events, which
// FrozenBy does not read; v1's freezer.state FROZEN): 1 frozen, 0 not, -1
// when the file cannot say (Status takes that for not frozen).
static int paused(const struct container *c)
{
	char buf[512];
	if (c->version == 0 || c->cgroup[0] == '\0')
		return 0; // no cgroup, or no freezer hierarchy
	if (c->version == 1)
		return read_in(c->cgroup, "freezer.state", buf, sizeof(buf)) < 0 ? -1 : strcmp(buf, "FROZEN") == 0;
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

// read_record_in reads the state.json at path (under dfd) into c, whose
// spans point into *buf (grown to *size when it must: the caller frees
// it): *buf, or NULL: Go's.
static char *read_record_in(int dfd, const char *path, struct container *c, char **buf, size_t *size)
{
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	size_t n = 0;
	int ok = 0;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= MAX_STATE) {
		size_t need = (size_t)st.st_size + 1;
		char *p = need <= *size ? *buf : realloc(*buf, need);
		if (p != NULL) {
			*buf = p, *size = need > *size ? need : *size;
			// A regular file's short read is its end: no read of 0.
			ssize_t r;
			while (n < need && (r = read(fd, p + n, need - n)) > 0 && (n += (size_t)r) < (size_t)st.st_size)
				;
			ok = n == (size_t)st.st_size;
		}
	}
	close(fd);
	return ok && gorunc_start_record(*buf, n, c) == 0 ? *buf : NULL;
}

// read_record is read_record_in into a buffer of its own, returned (free
// it), or NULL: Go's.
static char *read_record(int dfd, struct container *c)
{
	char *buf = NULL;
	size_t size = 0;
	char *data = read_record_in(dfd, STATE_FILE, c, &buf, &size);
	if (data == NULL)
		free(buf);
	return data;
}

// container_dir writes root/id into dir (as filepath.Join: root is clean).
static int container_dir(const struct cmdline *cl, char *dir, size_t size)
{
	int n = snprintf(dir, size, "%s/%s", strcmp(cl->root, "/") == 0 ? "" : cl->root, cl->id);
	return n >= 0 && (size_t)n < size ? 0 : -1;
}

// lock_container opens dir and takes lockDir's lock without its wait (a
// held lock is Go's to wait for), and its check that dir is still the
// directory locked: the fd, or -1.
static int lock_container(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat a, b;
	if (fd >= 0 && (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &a) < 0 || stat(dir, &b) < 0 ||
			a.st_dev != b.st_dev || a.st_ino != b.st_ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

// start is Store.Start for the containers it takes: 1 done (or failed
// after the fifo, with gorunc_start_failed set), 0 left to Go.
static int start(const struct cmdline *cl)
{
	char dir[4096 + MAX_ID + 2], path[sizeof(dir) + 16];
	int dfd;
	if (container_dir(cl, dir, sizeof(dir)) < 0 || (dfd = lock_container(dir)) < 0)
		return 0;
	int fifo = -1, done = 0;
	struct container c;
	struct stat ss;
	char *data = read_record(dfd, &c);
	if (data == NULL)
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

// created is a time encoding/json writes back as these bytes: time.Time's
// MarshalJSON (RFC 3339 with nanoseconds, no trailing zero) in UTC.
static int created(const struct span *t)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = sizeof(form) - 1;
	if (!t->plain || t->n < n + 1 || t->p[t->n - 1] != 'Z')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (form[i] == 'd' ? (t->p[i] < '0' || t->p[i] > '9') : t->p[i] != form[i])
			return 0;
	if (t->n == n + 1)
		return 1;
	if (t->p[n] != '.' || t->n < n + 3 || t->n > n + 12 || t->p[t->n - 2] == '0')
		return 0;
	for (size_t i = n + 1; i < t->n - 1; i++)
		if (t->p[i] < '0' || t->p[i] > '9')
			return 0;
	return 1;
}

static int by_key(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int d = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
	return d != 0 ? d : (x->n > y->n) - (x->n < y->n);
}

// out is a growing buffer of output; failed once an allocation failed.
struct out {
	char *p;
	size_t n, size;
	int failed;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (o->failed)
		return;
	if (o->n + n > o->size) {
		size_t size = o->size * 2 > o->n + n ? o->size * 2 : o->n + n + 4096;
		char *q = realloc(o->p, size);
		if (q == NULL) {
			o->failed = 1;
			return;
		}
		o->p = q, o->size = size;
	}
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

static void quoted(struct out *o, const struct span *t)
{
	put(o, "\"", 1);
	put(o, t->p, t->n);
	put(o, "\"", 1);
}

static void number_(struct out *o, uint64_t v)
{
	char num[32];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	puts_(o, num);
}

// emit writes o whole to stdout: 1, or 0 when nothing was written (Go's
// to do again and report). A write failing after the first is the end.
static int emit(const struct out *o)
{
	if (o->failed)
		return 0;
	for (size_t w = 0; w < o->n;) {
		ssize_t r = write(1, o->p + w, o->n - w);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (w == 0)
				return 0;
			_exit(1);
		}
		w += (size_t)r;
	}
	return 1;
}

// view is Store.Get's record and Status for the container whose
// directory is dir under dfd ("." for dfd itself), for the containers
// whose every string prints as it stands: c's spans point into *buf,
// returned (read_record_in's), or NULL: Go's. Get takes no lock.
static char *view(int dfd, const char *dir, struct container *c, const char **status, uint64_t *pid, char **buf,
		  size_t *size)
{
	char state[MAX_ID + sizeof(STATE_FILE) + 2], fifo[MAX_ID + sizeof(FIFO_FILE) + 2];
	snprintf(state, sizeof(state), "%s/" STATE_FILE, dir);
	snprintf(fifo, sizeof(fifo), "%s/" FIFO_FILE, dir);
	char *data = read_record_in(dfd, state, c, buf, size);
	// Creating or stopped half way (no init yet), a systemd unit
	// (IsFrozen asks for its unit), strings Go would print otherwise.
	// A cgroup state Load refuses (checkLoadable) is no freeze to Go.
	if (data == NULL || c->init_pid == 0 || c->init_pid > INT32_MAX || c->systemd || c->annotations_over ||
	    (c->version == 2 && !c->has_root) || (c->version == 1 && c->paths == 0) || !c->id.plain ||
	    !c->bundle.plain || !c->rootfs.plain || !c->owner.plain || !created(&c->created))
		return NULL;
	for (size_t i = 0; i < c->annotations; i++)
		if (!c->annotation[i][0].plain || !c->annotation[i][1].plain)
			return NULL;
	// Status: init alive, then a freeze (IsFrozen; an error is no
	// freeze), then the fifo.
	char st;
	*status = "stopped";
	*pid = 0;
	if (alive(c, &st)) {
		*pid = c->init_pid;
		struct stat sb;
		if (paused(c) == 1)
			*status = "paused";
		else if (fstatat(dfd, fifo, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			*status = "created";
		else
			*status = "running";
	}
	return data;
}

// key starts a member of an object encoding/json writes: indented as
// json.MarshalIndent with "  " (state), or compact (list).
static void key(struct out *o, int indented, int first, const char *name)
{
	puts_(o, first ? (indented ? "{\n  \"" : "{\"") : (indented ? ",\n  \"" : ",\""));
	puts_(o, name);
	puts_(o, indented ? "\": " : "\":");
}

// container_json writes runc's containerState of c as encoding/json does:
// its annotations sorted by key, the last of each key kept, as a map's;
// owner NULL for state's "" (runc's state leaves it empty). -1 when out of
// memory.
static int container_json(struct out *o, const struct container *c, const char *status, uint64_t pid,
			  const struct span *owner, int indented)
{
	key(o, indented, 1, "ociVersion");
	puts_(o, "\"" SPEC_VERSION "\"");
	key(o, indented, 0, "id");
	quoted(o, &c->id);
	key(o, indented, 0, "pid");
	number_(o, pid);
	key(o, indented, 0, "status");
	put(o, "\"", 1);
	puts_(o, status);
	put(o, "\"", 1);
	key(o, indented, 0, "bundle");
	quoted(o, &c->bundle);
	key(o, indented, 0, "rootfs");
	quoted(o, &c->rootfs);
	key(o, indented, 0, "created");
	quoted(o, &c->created);
	if (c->annotations > 0) {
		struct span *sorted = malloc(sizeof(struct span) * 2 * c->annotations);
		if (sorted == NULL)
			return -1;
		size_t kept = 0;
		for (size_t i = 0; i < c->annotations; i++) {
			size_t k = 0;
			for (; k < kept && by_key(&sorted[2 * k], &c->annotation[i][0]) != 0; k++)
				;
			sorted[2 * k] = c->annotation[i][0];
			sorted[2 * k + 1] = c->annotation[i][1];
			if (k == kept)
				kept++;
		}
		qsort(sorted, kept, 2 * sizeof(struct span), by_key);
		key(o, indented, 0, "annotations");
		for (size_t i = 0; i < kept; i++) {
			puts_(o, i == 0 ? "{" : ",");
			puts_(o, indented ? "\n    " : "");
			quoted(o, &sorted[2 * i]);
			puts_(o, indented ? ": " : ":");
			quoted(o, &sorted[2 * i + 1]);
		}
		puts_(o, indented ? "\n  }" : "}");
		free(sorted);
	}
	key(o, indented, 0, "owner");
	if (owner != NULL)
		quoted(o, owner);
	else
		puts_(o, "\"\"");
	puts_(o, indented ? "\n}" : "}");
	return 0;
}

// state is `gorunc state` (cmdState), printed as json.MarshalIndent prints
// runc's containerState. 1 done, 0 Go's.
static int state(const struct cmdline *cl)
{
	char dir[4096 + MAX_ID + 2];
	int dfd;
	if (container_dir(cl, dir, sizeof(dir)) < 0 || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	struct container c;
	const char *status;
	uint64_t pid;
	char *buf = NULL;
	size_t size = 0;
	char *data = view(dfd, ".", &c, &status, &pid, &buf, &size);
	int done = 0;
	struct out o = {0};
	if (data == NULL)
		goto out;
	if (container_json(&o, &c, status, pid, NULL, 1) < 0)
		goto out;
	// runc's bytes: no newline after the brace.
	done = emit(&o);
out:
	free(o.p);
	free(buf);
	close(dfd);
	return done;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// The table's layout (cmd/gorunc/list.go writeTable, runc's tabwriter):
// each cell but the last padded to its column's widest plus 3, at least 12.
#define TABLE_MIN_WIDTH 12
#define TABLE_PADDING 3
#define TABLE_COLUMNS 6

// part is a run of list's containers, read by one thread: json entries
// (comma-separated) or ids in o, or the table's cells in cells with each
// row's six (offset, length) in cell; ok 0 when one of them is Go's.
struct part {
	const struct cmdline *cl;
	int rfd;
	char **names;
	size_t count;
	struct out o, cells;
	size_t *cell;
	int ok;
};

// list_part reads the part's containers: Store.Get and Status each, as
// state reads them, with one buffer for every state.json (a malloc and
// free each would map and unmap a page of musl's heap each, ~20 us a
// fault here).
static void *list_part(void *arg)
{
	struct part *p = arg;
	char *buf = NULL;
	size_t size = 0;
	p->ok = p->count == 0 || !p->cl->table ||
		(p->cell = malloc(sizeof(size_t) * 2 * TABLE_COLUMNS * p->count)) != NULL;
	for (size_t i = 0; p->ok && i < p->count; i++) {
		const char *name = p->names[i];
		struct container c;
		const char *status;
		uint64_t pid;
		// Under the root's fd: readdir typed name a directory, and the
		// state's file must be there as runtime's readState opens it.
		char *data = view(p->rfd, name, &c, &status, &pid, &buf, &size);
		// Get's id is the directory's name, whatever state.json says.
		if (data == NULL || c.id.n != strlen(name) || memcmp(c.id.p, name, c.id.n) != 0) {
			p->ok = 0;
		} else if (p->cl->quiet) {
			puts_(&p->o, name);
			puts_(&p->o, "\n");
		} else if (p->cl->json) {
			if (i > 0)
				put(&p->o, ",", 1);
			if (container_json(&p->o, &c, status, pid, &c.owner, 0) < 0)
				p->ok = 0;
		} else {
			char num[32];
			snprintf(num, sizeof(num), "%llu", (unsigned long long)pid);
			const struct span row[TABLE_COLUMNS] = {c.id, {num, strlen(num), 1}, {status, strlen(status), 1},
								 c.bundle, c.created, c.owner};
			size_t *at = p->cell + 2 * TABLE_COLUMNS * i;
			for (size_t k = 0; k < TABLE_COLUMNS; k++) {
				at[2 * k] = p->cells.n, at[2 * k + 1] = row[k].n;
				put(&p->cells, row[k].p, row[k].n);
			}
		}
	}
	p->ok = p->ok && !p->o.failed && !p->cells.failed;
	free(buf);
	return NULL;
}

// row writes a table row of cells (six spans) padded to width.
static void row(struct out *o, const struct span *cells, const size_t *width)
{
	for (size_t k = 0; k < TABLE_COLUMNS; k++) {
		put(o, cells[k].p, cells[k].n);
		for (size_t n = cells[k].n; k + 1 < TABLE_COLUMNS && n < width[k]; n++)
			put(o, " ", 1);
	}
	put(o, "\n", 1);
}

// LIST_PER_PART is ListStates' listPerWorker, MAX_PARTS a bound on its
// workers (GOMAXPROCS there: the CPUs this process may run on).
#define LIST_PER_PART 64
#define MAX_PARTS 8

// list is `gorunc list` (cmdList) when every container in the root is one
// state takes (a plain directory with a valid id, state.json as state
// reads it): ListStates' entries, in the order of their ids, as the
// table, the json or the ids. Anything else (a create's directory to
// sweep, an entry readdir cannot type, a container Go would print or
// leave out otherwise) is Go's, with nothing written. As ListStates, the
// containers are split between the CPUs when there are many: the
// kernel's work for each (three files opened and read, the fifo's
// fstatat) is most of it. 1 done, 0 Go's.
static int list(const struct cmdline *cl)
{
	int rfd = open(cl->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return 0; // runc's error, in Go's words
	DIR *d = fdopendir(dup(rfd));
	char **names = NULL;
	size_t count = 0, cap = 0;
	int done = 0, ok = d != NULL;
	struct dirent *de;
	while (ok && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_UNKNOWN || (de->d_type == DT_DIR && strncmp(de->d_name, "~new~", 5) == 0)) {
			ok = 0; // a stat, or sweepNew: Go's
			break;
		}
		if (de->d_type != DT_DIR || !valid_id(de->d_name))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			char **n = realloc(names, cap * sizeof(*names));
			if (n == NULL) {
				ok = 0;
				break;
			}
			names = n;
		}
		if ((names[count] = strdup(de->d_name)) == NULL) {
			ok = 0;
			break;
		}
		count++;
	}
	if (ok && errno != 0)
		ok = 0;
	if (d != NULL)
		closedir(d);
	if (ok)
		qsort(names, count, sizeof(*names), by_name);

	cpu_set_t cpus;
	size_t nparts = count / LIST_PER_PART;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && nparts > (size_t)CPU_COUNT(&cpus))
		nparts = (size_t)CPU_COUNT(&cpus);
	nparts = nparts < 1 ? 1 : nparts > MAX_PARTS ? MAX_PARTS : nparts;
	struct part parts[MAX_PARTS] = {0};
	pthread_t threads[MAX_PARTS];
	int started[MAX_PARTS] = {0};
	size_t per = (count + nparts - 1) / nparts;
	for (size_t t = 0; ok && t < nparts; t++) {
		size_t from = t * per < count ? t * per : count;
		parts[t] = (struct part){.cl = cl, .rfd = rfd, .names = names + from};
		parts[t].count = from + per < count ? per : count - from;
		// The first part in this thread, the others beside it.
		if (t > 0)
			started[t] = pthread_create(&threads[t], NULL, list_part, &parts[t]) == 0;
	}
	if (ok)
		list_part(&parts[0]);
	for (size_t t = 1; t < nparts; t++) {
		if (started[t])
			pthread_join(threads[t], NULL);
		else
			ok = 0;
	}
	for (size_t t = 0; ok && t < nparts; t++)
		ok = parts[t].ok;

	struct out o = {0};
	if (ok && cl->table) {
		// A plain span is ASCII: a byte is a rune.
		static const struct span header[TABLE_COLUMNS] = {{"ID", 2, 1},	    {"PID", 3, 1},     {"STATUS", 6, 1},
								  {"BUNDLE", 6, 1}, {"CREATED", 7, 1}, {"OWNER", 5, 1}};
		size_t width[TABLE_COLUMNS - 1];
		for (size_t k = 0; k + 1 < TABLE_COLUMNS; k++)
			width[k] = header[k].n + TABLE_PADDING < TABLE_MIN_WIDTH ? TABLE_MIN_WIDTH : header[k].n + TABLE_PADDING;
		for (size_t t = 0; t < nparts; t++)
			for (size_t r = 0; r < parts[t].count; r++)
				for (size_t k = 0; k + 1 < TABLE_COLUMNS; k++) {
					size_t w = parts[t].cell[2 * (TABLE_COLUMNS * r + k) + 1] + TABLE_PADDING;
					width[k] = w > width[k] ? w : width[k];
				}
		row(&o, header, width);
		for (size_t t = 0; t < nparts; t++)
			for (size_t r = 0; r < parts[t].count; r++) {
				struct span cells[TABLE_COLUMNS];
				for (size_t k = 0; k < TABLE_COLUMNS; k++) {
					const size_t *at = parts[t].cell + 2 * (TABLE_COLUMNS * r + k);
					cells[k] = (struct span){parts[t].cells.p + at[0], at[1], 1};
				}
				row(&o, cells, width);
			}
	} else if (ok) {
		if (cl->json)
			puts_(&o, count > 0 ? "[" : "null");
		for (size_t t = 0; t < nparts; t++) {
			if (cl->json && t > 0 && parts[t].o.n > 0)
				put(&o, ",", 1);
			put(&o, parts[t].o.p, parts[t].o.n);
		}
		if (cl->json)
			puts_(&o, count > 0 ? "]\n" : "\n");
	}
	if (ok)
		done = (o.n == 0 && !o.failed) || emit(&o);
	for (size_t t = 0; t < nparts; t++) {
		free(parts[t].o.p);
		free(parts[t].cells.p);
		free(parts[t].cell);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	free(o.p);
	close(rfd);
	return done;
}

// signal_number is parseSignal for the words it takes: a decimal without
// sign or leading zero, or one of x/sys/unix's signal names (its
// signalList: no aliases) with or without "SIG", in any ASCII case
// (strings.ToUpper folds more than ASCII). SIGTERM when there is none, -1
// for the words that are Go's.
static int signal_number(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
		{"SIGHUP", SIGHUP},	{"SIGINT", SIGINT},	  {"SIGQUIT", SIGQUIT},	    {"SIGILL", SIGILL},
		{"SIGTRAP", SIGTRAP},	{"SIGABRT", SIGABRT},	  {"SIGBUS", SIGBUS},	    {"SIGFPE", SIGFPE},
		{"SIGKILL", SIGKILL},	{"SIGUSR1", SIGUSR1},	  {"SIGSEGV", SIGSEGV},	    {"SIGUSR2", SIGUSR2},
		{"SIGPIPE", SIGPIPE},	{"SIGALRM", SIGALRM},	  {"SIGTERM", SIGTERM},	    {"SIGSTKFLT", SIGSTKFLT},
		{"SIGCHLD", SIGCHLD},	{"SIGCONT", SIGCONT},	  {"SIGSTOP", SIGSTOP},	    {"SIGTSTP", SIGTSTP},
		{"SIGTTIN", SIGTTIN},	{"SIGTTOU", SIGTTOU},	  {"SIGURG", SIGURG},	    {"SIGXCPU", SIGXCPU},
		{"SIGXFSZ", SIGXFSZ},	{"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF},	    {"SIGWINCH", SIGWINCH},
		{"SIGIO", SIGIO},	{"SIGPWR", SIGPWR},	  {"SIGSYS", SIGSYS},
	};
	if (s == NULL)
		return SIGTERM;
	size_t n = strlen(s);
	if (n == 0)
		return -1;
	if (s[0] >= '0' && s[0] <= '9') {
		if (n > 9 || (s[0] == '0' && n > 1) || strspn(s, "0123456789") != n)
			return -1;
		return atoi(s);
	}
	char up[16] = "SIG";
	size_t at = strncasecmp(s, "SIG", 3) == 0 ? 0 : 3;
	if (at + n >= sizeof(up))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return -1;
		up[at + i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
	}
	up[at + n] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(up, names[i].name) == 0)
			return names[i].sig;
	return -1;
}

// kill_ is `gorunc kill ID [SIGNAL]` without --all (cmdKill, Store.Kill):
// the signal to init of a created or running container. A SIGKILL that
// goes to the whole cgroup (no private pid namespace), a paused container
// (thawed after a SIGKILL), any other status and a kill(2) that fails are
// Go's, which then does it and answers: nothing has happened before.
static int kill_(const struct cmdline *cl)
{
	int sig = signal_number(cl->sig);
	if (sig < 0)
		return 0;
	char dir[4096 + MAX_ID + 2], why[9000], st;
	int dfd, done = 0;
	if (container_dir(cl, dir, sizeof(dir)) < 0 || (dfd = lock_container(dir)) < 0)
		return 0;
	struct container c;
	char *data = read_record(dfd, &c);
	if (data == NULL)
		goto out;
	if (c.init_pid == 0 || c.init_pid > INT32_MAX || (sig == SIGKILL && (c.ns_unsure || c.pid_ns != PID_NS_PRIVATE)))
		goto out;
	if (!alive(&c, &st) || paused(&c) != 0 || frozen_by(&c, why, sizeof(why)) != 0)
		goto out;
	if (kill((pid_t)c.init_pid, sig) < 0)
		goto out;
	done = 1;
out:
	free(data);
	close(dfd);
	return done;
}

int gorunc_cli(void)
{
	struct cmdline cl = {0};
	if (parse_cmdline(&cl) < 0)
		return 0;
	if (cl.cmd == CMD_ONE_P)
		return 1;
	if (cl.cmd != CMD_LIST && !valid_id(cl.id))
		return 0;
	if (cl.root == NULL) {
		// runtime.XDGRoot's answer for the host's root without
		// XDG_RUNTIME_DIR; the other cases are Go's.
		if (geteuid() != 0 || getenv("XDG_RUNTIME_DIR") != NULL)
			return 0;
		cl.root = DEFAULT_ROOT;
	}
	if (!clean_root(cl.root))
		return 0;
	if (cl.log != NULL) {
		// runlog.Open's file, made whatever the command then does.
		int fd = open(cl.log, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return 0;
		close(fd);
	}
	int done = cl.cmd == CMD_START	 ? start(&cl)
		   : cl.cmd == CMD_STATE ? state(&cl)
		   : cl.cmd == CMD_LIST	 ? list(&cl)
					 : kill_(&cl);
	if (done && gorunc_start_failed[0] == '\0')
		_exit(0);
	return 0;
}
