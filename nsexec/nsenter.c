//go:build cgo && linux

// nsenter joins the namespaces of another process before the Go runtime
// starts. setns(2) refuses a user namespace to a multi-threaded process and
// a mount namespace to one that shares its fs_struct with another thread
// (EINVAL), and the Go runtime has several threads before main.main runs.
// A constructor of a statically linked binary runs in __libc_start_main,
// before Go's runtime·rt0_go: the process still has exactly one thread.
//
// It does nothing (one getenv) unless _GORUNC_NSENTER is set, to
// "FD:PID:LIST[:NEW]":
//   LIST  comma-separated namespaces to join, each "TYPE" (open
//         /proc/PID/ns/TYPE; `gorunc exec`, runtime/exec.go) or "TYPE=N"
//         (an inherited fd N the runtime opened from linux.namespaces[].path
//         and checked with NS_GET_NSTYPE; `gorunc create`, nsexec/join.go,
//         which passes PID 0). TYPE is a /proc/PID/ns name.
//   NEW   comma-separated TYPEs to unshare after every setns, so the new
//         namespaces are owned by the joined (or new) user namespace
//         (create only). "user" is unshared first and alone; FD is then a
//         socket: we send "maps\n", the runtime writes our uid_map and
//         gid_map and answers one byte, and we become the namespace's root
//         before unsharing the rest (nsexec/join.go).
//
// Dumpability. `gorunc init` and `gorunc exec-init` (_GORUNC_SYNC is set)
// make themselves non-dumpable before anything else, as runc's nsexec does:
// a dumpable process can be ptraced, and its /proc/PID/{environ,mem,fd}
// read, by any process with the same uid (a container's root has host uid
// 0 when there is no user namespace) without CAP_SYS_PTRACE
// (CVE-2016-9962), and init and exec-init hold host fds until they
// execve. Non-dumpable, they can be reached only with CAP_SYS_PTRACE in
// the user namespace the binary was executed in, which here is always the
// host's: a new user namespace is unshared below, after execve, never
// given to clone. The kernel makes the process dumpable again at the
// execve of the container's process (execve(2)). The only exception is
// while the runtime writes our id maps: /proc/PID files of a non-dumpable
// process belong to root of the host, which a rootless runtime is not
// (runc does the same).
//
//   gorunc exec|create (Go)       P1 = exec-init|init, constructor P2 = child of P1
//   -----------------------       ---------------------------     ----------------
//   PR_SET_CHILD_SUBREAPER
//   start /proc/self/exe     ---> getenv: absent -> return (no-op)
//                                 open /proc/PID/ns/<type> or     (all before the
//                                   take fd N for each type        first setns: the
//                                 skip those we already are in     target's /proc
//                                 setns user   (first: caps in     may be unreachable
//                                   the target's user namespace)   afterwards)
//                                   then become its uid/gid 0
//                                   when mapped
//                                 setns cgroup ipc uts net pid
//                                       time
//                                 setns mnt    (last: changes
//                                   root and cwd)
//                                 unshare(NEW)
//                                 fork()  ----------------------> born in the pid and
//                                                                 time namespaces
//                                 write "PID\n" to FD             close FD, return:
//   read P2's pid from FD    <--- _exit(0)                        Go runtime starts,
//   wait P1; P2 is re-parented                                    already fully inside
//   to us (PR_SET_CHILD_SUBREAPER)
//
// Any failure is reported as "error: <what>: <strerror>\n" on FD, then
// _exit(1): the runtime turns it into its one-line error.

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "errtext.h"
#include "sigs.h"
#include "setup.h"
#include "cli.h"
#include "stage2.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

// In setns order: user first, mount last.
static const struct {
	const char *name;
	int flag;
} ns_order[] = {
	{"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
	{"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
	{"time", CLONE_NEWTIME}, {"mnt", CLONE_NEWNS},
};
#define NS_COUNT (sizeof(ns_order) / sizeof(ns_order[0]))

static int report_fd = 2;

static void nsenter_fail(const char *what, const char *arg, int err)
{
	char buf[512], text[128];
	// glibc's strerror text with any libc (runc's nsexec words it so).
	glibc_errno_text(text, sizeof(text), err);
	int n = snprintf(buf, sizeof(buf), "error: %s %s: %s\n", what, arg, text);
	if (n > 0 && write(report_fd, buf, (size_t)n) < 0) {
		// Nothing left to report to.
	}
	_exit(1);
}

// find returns the token of the comma-separated list that is name or
// starts with "name=", or NULL.
static const char *find(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strpbrk(p, ",:");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n >= len && strncmp(p, name, len) == 0 && (n == len || p[len] == '='))
			return p;
		if (!end || *end == ':')
			break;
		p = end + 1;
	}
	return NULL;
}

// same_ns reports whether fd is the namespace we are already in: setns into
// our own user namespace fails with EINVAL, and the others are no-ops.
static int same_ns(int fd, const char *name)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// become_root makes us uid/gid 0 of the user namespace just joined. Our
// host uid is usually unmapped there, and files created with an unmapped
// fsuid fail with EOVERFLOW; setns(2) gave us CAP_SETUID/CAP_SETGID in it.
// Where 0 itself is unmapped (EINVAL) we stay as we are: the process's own
// user is applied later, by init.
static void become_root(void)
{
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		nsenter_fail("setresgid", "0", errno);
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		nsenter_fail("setresuid", "0", errno);
}

static void set_dumpable(int on)
{
	if (prctl(PR_SET_DUMPABLE, on, 0, 0, 0) < 0)
		nsenter_fail("prctl", on ? "PR_SET_DUMPABLE 1" : "PR_SET_DUMPABLE 0", errno);
}

// request_maps asks the runtime to write the id maps of the user namespace
// we just unshared, and waits until it has.
static void request_maps(void)
{
	char ack;
	int was = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	set_dumpable(1);
	if (write(report_fd, "maps\n", 5) != 5)
		nsenter_fail("request id maps", "", errno);
	ssize_t n = read(report_fd, &ack, 1);
	if (n != 1)
		nsenter_fail("wait for id maps", "", n < 0 ? errno : EPIPE);
	set_dumpable(was == 1);
}

// batch_threads puts init and exec-init under SCHED_BATCH before the Go
// runtime makes its threads, which inherit it (runtime/initthreads.go says
// why: a woken SCHED_BATCH thread does not preempt the one that woke it, so
// the runtime's hand-offs between its threads stop racing for a new one).
// Only from SCHED_OTHER, which the runtime asked for by setting
// _GORUNC_BATCH; init and exec-init restore SCHED_OTHER before execve. A
// mitigation, so a refusal is ignored.
static void batch_threads(void)
{
	struct sched_param param = {0};
	if (getenv("_GORUNC_BATCH") != NULL && sched_getscheduler(0) == SCHED_OTHER)
		sched_setscheduler(0, SCHED_BATCH, &param);
}

// hide_env replaces the entry that starts with prefix (NAME=) by an inert
// one, in place. unsetenv would move the entries after it down: environ is
// still the array the kernel put on the stack, and the Go runtime finds the
// auxiliary vector just after its NULL, so the moved NULL left Go an empty
// auxv and it read /proc/self/auxv instead, after the setns, from the
// container's /proc: vDSO address, AT_RANDOM and hardware capabilities
// from a file the container may have overmounted.
static void hide_env(const char *prefix)
{
	static char inert[] = "_GORUNC_NSENTER_DONE=1";
	size_t n = strlen(prefix);
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, prefix, n) == 0)
			*e = inert;
}

static void on_setxid(int sig)
{
	(void)sig;
}

// catch_setxid gives signal 33 a handler that drops it, in every gorunc
// process, as glibc's pthread_create does (its SIGSETXID handler, which
// drops a signal it did not send itself): with musl, which has no handler
// there, `kill -33` would end a gorunc process that runc's glibc keeps
// alive, and Go init's SigCgt would differ from runc's init's. The C
// library refuses 33 to sigaction: SIGUSR1 (its inherited disposition
// restored after, all signals blocked meanwhile) lends the handler with
// the library's sa_restorer. Best effort, as glibc's.
static void catch_setxid(void)
{
	sigset_t all, mask;
	struct sigaction saved, sa = {.sa_handler = on_setxid, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &mask) < 0)
		return;
	if (sigaction(SIGUSR1, &sa, &saved) == 0) {
		gorunc_copy_handler(SIGUSR1, 33);
		sigaction(SIGUSR1, &saved, NULL);
	}
	sigprocmask(SIG_SETMASK, &mask, NULL);
}

// Timer slack. The Go runtime's sysmon thread sleeps 20 us at a time
// whenever a goroutine runs or sits in a system call (for most of a
// create), and every wake is a context switch on one of the CPUs init and
// the CLI's other threads need: with the kernel's default slack of 50 us,
// ~100 wakes per create here. The CLI raises its own slack to CLI_SLACK_NS
// before the Go runtime starts its threads, which inherit it, so those
// timers may fire late and together (context switches per create 115-164
// -> 28-34; create -1.1 ms, run -1.6, exec -1.1 in A/B: docs/performance.md
// "Timer slack"; 4 ms is a tick at CONFIG_HZ=250). No wait of the CLI is
// a short timer (its polls sleep 5 ms or more; its deadlines are seconds).
// A thread's slack is inherited by what it clones and kept across execve,
// so the slack the process was started with is kept here and
// nsexec.StartAsCaller clones every child (init, exec-init, hooks,
// helpers) from a thread set back to it: the container's processes get the
// caller's slack, as runc's do.
#define CLI_SLACK_NS 4000000UL
unsigned long gorunc_caller_slack; // 0: not raised (not the CLI, or a realtime caller's 0)

#ifndef GORUNC_INIT_BINARY
static void raise_slack(void)
{
	int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	if (slack > 0 && prctl(PR_SET_TIMERSLACK, CLI_SLACK_NS, 0, 0, 0) == 0)
		gorunc_caller_slack = (unsigned long)slack;
}
#endif

// One P for the CLI. The Go runtime sizes its scheduler from the CPUs the
// process may run on when it starts (GOMAXPROCS). With two, the CLI's
// second P takes a thread of its own and fresh spans and stacks for the
// goroutines that run there, where create and exec are one sequence of
// system calls with a goroutine or two beside it, and a fresh page costs
// 15-57 us on this project's hosts: page faults per create 392 -> 358,
// create -1.5 ms, `run -d` -1.5 in A/B (docs/performance.md, "One P for
// the CLI"); attached run -3.8 ms with its signals caught in C (cli.c's
// gorunc_one_p).
// Go reads no environment the constructor could still add to, so the CLI
// pins its thread to the CPU it is on before the runtime starts, and
// nsexec's Go init gives every thread the caller's mask back
// (gorunc_restore_cpus) before gorunc does anything else: the runtime
// keeps its one P (until its once-a-second check, for a CLI that lives
// that long), and what the CLI starts (hooks, helpers; init and exec-init
// reset their own mask as runc's do) inherits the caller's mask.
// A caller that set GOMAXPROCS, or allowed one CPU, is left as it is.
#ifndef GORUNC_INIT_BINARY
static cpu_set_t caller_cpus;
int gorunc_cpus_pinned; // read by nsexec's init: no cgo call unless set

static void pin_startup(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();
	if (getenv("GOMAXPROCS") != NULL || cpu < 0 || cpu >= CPU_SETSIZE)
		return;
	if (sched_getaffinity(0, sizeof(caller_cpus), &caller_cpus) < 0 || CPU_COUNT(&caller_cpus) < 2 ||
	    !CPU_ISSET(cpu, &caller_cpus))
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) == 0)
		gorunc_cpus_pinned = 1;
}

// gorunc_restore_cpus gives every thread of the process the caller's mask
// back: 0, or -errno of the first failure. A thread cloned meanwhile by
// one not yet restored is found by the next pass; by the time Go calls
// this there are two or three (M0, sysmon, maybe an idle M). nsexec calls
// it only when gorunc_cpus_pinned is set.
int gorunc_restore_cpus(void)
{
	for (int pass = 0; pass < 8; pass++) {
		DIR *d = opendir("/proc/self/task");
		if (d == NULL)
			return -errno;
		int changed = 0, err = 0;
		struct dirent *e;
		while ((e = readdir(d)) != NULL && err == 0) {
			if (e->d_name[0] == '.')
				continue;
			pid_t tid = (pid_t)atoi(e->d_name);
			cpu_set_t cur;
			if (sched_getaffinity(tid, sizeof(cur), &cur) < 0 || CPU_EQUAL(&cur, &caller_cpus))
				continue; // gone, or already the caller's
			if (sched_setaffinity(tid, sizeof(caller_cpus), &caller_cpus) == 0)
				changed = 1;
			else if (errno != ESRCH)
				err = -errno;
		}
		closedir(d);
		if (err != 0)
			return err;
		if (!changed) {
			gorunc_cpus_pinned = 0;
			return 0;
		}
	}
	return -EAGAIN;
}
#endif

// INIT_COMM is init's and exec-init's name (/proc/PID/comm, what ps -o
// comm, top and the OOM killer's log show) until the container's process
// is executed: runc's are "runc:[2:INIT]". Without it they are the fd
// number gorunc executed them through ("7").
#define INIT_COMM "gorunc:[2:INIT]"

__attribute__((constructor)) static void gorunc_nsenter(void)
{
	// Init's stage 2 (stage2.c) never returns into Go.
	const char *stage2 = getenv("_GORUNC_STAGE2");
	if (stage2 != NULL) {
		prctl(PR_SET_NAME, INIT_COMM, 0, 0, 0);
		gorunc_stage2(stage2);
	}
	// First thing, before the Go runtime exists (see "Dumpability").
	int nondumpable = getenv("_GORUNC_SYNC") != NULL;
	if (nondumpable)
		prctl(PR_SET_NAME, INIT_COMM, 0, 0, 0);
	if (nondumpable) {
		set_dumpable(0);
		batch_threads();
		gorunc_default_ignored();
	}
	catch_setxid();
	const char *env = getenv("_GORUNC_NSENTER");
	// init's setup program (setup_init.c), once in the namespaces: it
	// never returns into Go.
	const char *setup = nondumpable ? getenv("_GORUNC_SETUP") : NULL;
	if (env == NULL) {
		if (setup != NULL)
			gorunc_setup_init(setup, getenv("_GORUNC_SYNC"));
#ifndef GORUNC_INIT_BINARY
		// The CLI (init and exec-init have _GORUNC_SYNC): `gorunc
		// start` and `gorunc state` may be done before Go starts (cli.c).
		// Not in gorunc-init (cmd/gorunc-init), which has no CLI.
		if (!nondumpable) {
			int one_p = gorunc_cli();
			raise_slack();
			if (one_p)
				pin_startup();
		}
#endif
		return;
	}

	char *end;
	long fd = strtol(env, &end, 10);
	if (*end != ':' || fd < 0)
		nsenter_fail("parse _GORUNC_NSENTER", env, EINVAL);
	report_fd = (int)fd;
	long pid = strtol(end + 1, &end, 10);
	if (*end != ':' || pid < 0)
		nsenter_fail("parse _GORUNC_NSENTER", env, EINVAL);
	const char *list = end + 1;
	const char *unshare_list = strchr(list, ':');

	int fds[NS_COUNT];
	for (size_t i = 0; i < NS_COUNT; i++) {
		fds[i] = -1;
		const char *tok = find(list, ns_order[i].name);
		if (tok == NULL)
			continue;
		char path[64];
		tok += strlen(ns_order[i].name);
		if (*tok == '=') {
			// Already opened (and its type checked) by the runtime.
			fds[i] = (int)strtol(tok + 1, &end, 10);
			if (end == tok + 1 || fds[i] < 0 || (*end != ',' && *end != ':' && *end != '\0'))
				nsenter_fail("parse _GORUNC_NSENTER", env, EINVAL);
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
			snprintf(path, sizeof(path), "fd %d", fds[i]);
		} else {
			// init enters the time namespace it unshared only at
			// execve (time_namespaces(7)); until then, as in a created
			// container or just after run -d, it is init's
			// time_for_children.
			const char *suffix = ns_order[i].flag == CLONE_NEWTIME ? "_for_children" : "";
			snprintf(path, sizeof(path), "/proc/%ld/ns/%s%s", pid, ns_order[i].name, suffix);
			fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (fds[i] < 0)
			nsenter_fail("open", path, errno);
		if (same_ns(fds[i], ns_order[i].name)) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (size_t i = 0; i < NS_COUNT; i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], ns_order[i].flag) < 0)
			nsenter_fail("setns", ns_order[i].name, errno);
		close(fds[i]);
		if (ns_order[i].flag == CLONE_NEWUSER)
			become_root();
	}
	if (unshare_list != NULL) {
		int flags = 0;
		for (size_t i = 0; i < NS_COUNT; i++)
			if (find(unshare_list + 1, ns_order[i].name) != NULL)
				flags |= ns_order[i].flag;
		if (flags & CLONE_NEWUSER) {
			// Alone and first, as runc: the other new namespaces must
			// be owned by it, and created once its root is mapped.
			if (unshare(CLONE_NEWUSER) < 0)
				nsenter_fail("unshare", "user", errno);
			flags &= ~CLONE_NEWUSER;
			request_maps();
			become_root();
		}
		if (flags != 0 && unshare(flags) < 0)
			nsenter_fail("unshare", unshare_list + 1, errno);
	}

	// Changing uid in become_root set dumpability to fs.suid_dumpable,
	// which may be 1: clear it again for the Go part of init.
	if (nondumpable)
		set_dumpable(0);

	// setns into a pid or time namespace only moves our future children.
	pid_t child = fork();
	if (child < 0)
		nsenter_fail("fork", "", errno);
	if (child == 0) {
		close(report_fd);
		hide_env("_GORUNC_NSENTER=");
		if (setup != NULL)
			gorunc_setup_init(setup, getenv("_GORUNC_SYNC"));
		return;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)child);
	if (write(report_fd, buf, (size_t)n) != n)
		nsenter_fail("report pid", "", errno);
	_exit(0);
}
