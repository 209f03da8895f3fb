//go:build cgo && linux

// nsenter joins the namespaces of another process before the Go runtime
// starts. setns(2) refuses a user namespace to a multi-threaded process and
// a mount namespace to one that shares its fs_struct with another thread
// (EINVAL), and the Go runtime has several threads before main.main runs.
// A constructor of a statically linked binary runs in __libc_start_main,
// before Go's runtime·rt0_go: the process still has exactly one thread.
//
// It does nothing (one getenv) unless _GORUNC_NSENTER is set, to
// "FD:PID:TYPE,TYPE,..." where TYPE is a /proc/PID/ns name. The runtime
// (runtime/exec.go) sets it for `gorunc exec-init`:
//
//   gorunc exec (Go, subreaper)   P1 = exec-init, constructor     P2 = child of P1
//   ---------------------------   ---------------------------     ----------------
//   start /proc/self/exe     ---> getenv: absent -> return (no-op)
//     exec-init                   open /proc/PID/ns/<each type>   (all before the
//                                 skip those we already are in     first setns: the
//                                 setns user   (first: caps in     target's /proc
//                                   the target's user namespace)   may be unreachable
//                                 setns cgroup ipc uts net pid     afterwards)
//                                       time
//                                 setns mnt    (last: changes
//                                   root and cwd)
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
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "error: %s %s: %s\n", what, arg, strerror(err));
	if (n > 0 && write(report_fd, buf, (size_t)n) < 0) {
		// Nothing left to report to.
	}
	_exit(1);
}

// listed reports whether name is one of the comma-separated tokens of list.
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, name, n) == 0)
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
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

__attribute__((constructor)) static void gorunc_nsenter(void)
{
	const char *env = getenv("_GORUNC_NSENTER");
	if (env == NULL)
		return;

	char *end;
	long fd = strtol(env, &end, 10);
	if (*end != ':' || fd < 0)
		nsenter_fail("parse _GORUNC_NSENTER", env, EINVAL);
	report_fd = (int)fd;
	long pid = strtol(end + 1, &end, 10);
	if (*end != ':' || pid <= 0)
		nsenter_fail("parse _GORUNC_NSENTER", env, EINVAL);
	const char *list = end + 1;

	int fds[NS_COUNT];
	for (size_t i = 0; i < NS_COUNT; i++) {
		fds[i] = -1;
		if (!listed(list, ns_order[i].name))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", pid, ns_order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
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
	}

	// setns into a pid or time namespace only moves our future children.
	pid_t child = fork();
	if (child < 0)
		nsenter_fail("fork", "", errno);
	if (child == 0) {
		close(report_fd);
		unsetenv("_GORUNC_NSENTER");
		return;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)child);
	if (write(report_fd, buf, (size_t)n) != n)
		nsenter_fail("report pid", "", errno);
	_exit(0);
}
