//go:build cgo && linux

// The setup program: init's steps as the runtime resolved them, run in C
// before the Go runtime starts (docs/performance.md, "Where gorunc could be
// faster", item 8, and "init without the Go runtime, by default"): the
// runtime compiles a covered config into a program (runtime/setupfast.go)
// and init's constructor runs it (setup_init.c); the nsexec tests' harness
// (setup_test.go) runs single steps in a jail.
//
// Format, written by nsexec/setupprog.go (SetupProgram): little-endian
// u32s; a string is a u32 length and its bytes (no NUL inside); u64 is two
// u32s, low first.
//   magic "GRP1", root path (string), step count, then each step:
//   op (u32) and its arguments:
//     1 hostname      name (string)
//     2 domainname    name (string)
//     3 rlimit        resource (u32), soft (u64), hard (u64), name
//                     (string, for the errors)
//     4 mkdirs        path (string), mode (u32)
//     5 mount         fstype (string), target (string), attr (u32:
//                     MOUNT_ATTR_*), flags (u32: 1 the target's last
//                     component must be a directory, not a symlink, as
//                     proc and sysfs need; 2 a tmpfs over an existing
//                     directory takes its mode before the options; 4
//                     held for a later remount or propagate step; 8
//                     tmpcopyup: what the tmpfs covers copied into it
//                     before it is attached; 16 recursive attributes, set
//                     and cleared (u64 each), follow the options, applied
//                     with AT_RECURSIVE to the detached tree),
//                     option count (u32), each: key
//                     (string), value (string; empty: a flag option)
//     6 bind          source fd (u32: a detached mount the runtime cloned
//                     with open_tree(OPEN_TREE_CLONE) in its own mount
//                     namespace, which a new one cannot clone from),
//                     target (string), recursive (u32: the attributes
//                     apply to the whole tree), attr_set, attr_clr,
//                     propagation (u64 each: struct mount_attr)
//     7 mask          path (string): a missing path is skipped; a file
//                     gets the root's /dev/null bound over it (a char
//                     device 1:3, or the step fails), a directory a
//                     read-only tmpfs (nr_blocks=1, nr_inodes=1, else 2),
//                     the first one shared with the later ones (a clone
//                     of it), as rootfs/paths.go's masker and runc do
//     8 readonly      path (string): a missing path is skipped; else a
//                     clone of its mount tree, read-only, nosuid, nodev,
//                     noexec on top, is moved onto it
//     9 mknod         path (string), mode (u32: S_IFCHR, S_IFBLK or
//                     S_IFIFO and the permission bits), major, minor, uid,
//                     gid (u32 each): a node made in its parent's fd
//                     (parents as mkdirs), exactly that mode (no umask),
//                     owned by uid:gid through its own fd; an existing
//                     node is left as it is (rootfs/devices.go)
//    10 sysctl        key (string: dotted, as linux.sysctl names it),
//                     value (string): written to sys/<key with "/" for
//                     "."> of a procfs of the process's own (fsopen),
//                     resolved beneath it without symlinks or mount
//                     crossings; a key with "/" or an empty or ".." part
//                     is refused
//    11 identity      flags (u32: 1 capabilities, 2 setgroups, 4
//                     no_new_privs, 8 umask), uid, gid, group count and
//                     groups (u32 each), bounding, effective, permitted,
//                     inheritable, ambient (u64 masks), last capability,
//                     umask (u32), ambient name count and names (strings,
//                     lowest capability first, for the warnings):
//                     runtime/init.go's setupProcess, in its
//                     order: the bounding set (with CAP_SETPCAP), keepcaps,
//                     groups, gid, uid, the three sets, the ambient set
//                     (a capability the kernel refuses to raise is left
//                     out and said in the result, as runc warns), umask,
//                     no_new_privs
//    12 symlink       target (string, stored as it is), path (string):
//                     made in its parent's fd (parents as mkdirs); an
//                     existing path is left as it is (runc's /dev/fd,
//                     stdin, stdout, stderr and ptmx links)
//    13 root          propagation (u32: MS_SLAVE or MS_PRIVATE, with or
//                     without MS_REC) given to /, then the root bound onto
//                     itself recursively; later steps resolve in the bind
//    14 pivot         propagation name (string, for the error), flags
//                     (u32: MS_* for the new /, 0 for none), devnull (u32:
//                     1 points stdio fds that are /dev/null at the
//                     container's): pivot_root(".", ".") into the root, the
//                     old root detached; later steps resolve from the new /
//    15 cwd           path (string), flags (u32: 1 verify with getcwd, 2
//                     try: EACCES/EPERM leave it to a later step, 4 after:
//                     only when no earlier cwd step succeeded)
//    16 setsid
//    17 unshare       flags (u32: CLONE_NEWCGROUP, CLONE_NEWTIME)
//    18 keyring       name (string): a new session keyring joined (ENOSYS
//                     is not an error)
//    19 loopback      lo set up (new network namespace)
//    20 root-readonly the root's mount made read-only (root.readonly)
//    21 fd-dir        slot (u32): thread-self/fd of a procfs of the
//                     process's own, O_PATH, dup'ed to fd slot
//    23 proc-check    context (string), proc (u32): the next mount step
//                     refuses a destination on /proc (unless proc is
//                     set) or inside it (but for the files lxcfs
//                     emulates), on names and again on the opened mount
//                     point, its errors after context (checkProcDest)
//    24 affinity-all  every CPU (setAffinity), failure ignored
//    26 home          uid (u32): "HOME=" and uid's home directory in the
//                     container's /etc/passwd, "/" without one, in the
//                     result (runtime/procenv.go's passwdHome)
//    27 bindpath      source (string), pre (u32: the runtime's clone of
//                     it, 0 none), target (string), recursive, remount,
//                     flags, cleared (u32 each: MS_*), propagation count
//                     and each (u32 MS_*), recursive attributes set and
//                     cleared (u64 each: rro, rnosuid, ...): rootfs's
//                     mountBind (the step comment has the order); a
//                     proc-check before it gives its context
//    25 relink        target, path (strings): symlink as 12, what path
//                     was removed first (not a directory)
//    22 lookup        name (string: process.args[0], for the errors),
//                     search (u32: 1 when name has no "/"), candidate
//                     count and candidates (strings: the PATH entries
//                     joined with name and cleaned, in order): the first
//                     candidate findExecutable accepts is the program's
//                     path (in the result), as runtime/procenv.go's
//                     lookPath, in its words
//    28 remount       path (string, for the error), flags (u32: MS_*):
//                     exactly those per-mount flags set on the mount the
//                     last mount step with flag 4 (hold) made
//    29 seccomp       flags (u32), count (u32), instructions (two u32s
//                     each: code | jt << 16 | jf << 24, k): the filter
//                     loaded now (before the user switch)
//    30 log           fd (u32), close (u32), line (string): the line
//                     written to the log pipe fd, then fd closed if asked
//    32 console       socket fd, uid, rows, cols, flags (u32 each; flags:
//                     1 clear ONLCR, 2 set the window size, 4 no bind over
//                     /dev/console: exec-init's): the process's terminal,
//                     as runtime/terminal.go's setupConsole (the step
//                     comment has the order)
//    33 propagate     target (string, for the errors), count and each
//                     propagation (u32: MS_* with or without MS_REC): set
//                     in order on the mount the last mount step with flag
//                     4 (hold) made
//    34 hooks         sync fd (u32): {"type":"hooks"} sent on the sync
//                     socket, then a wait for {"type":"hooks-done"} while
//                     the runtime runs the prestart and createRuntime
//                     hooks; anything else ends the process (exit 1): the
//                     runtime reports the hook's failure itself
//    35 proc-sched    flags (u32: 1 scheduler, 2 I/O priority, 4 memory
//                     policy, 8 a cpuset without every CPU, 16 personality),
//                     then as flagged:
//                     policy (u32), flags (u64), nice, priority (u32 each),
//                     runtime, deadline, period (u64 each) for
//                     sched_setattr; the ioprio_set value (u32); the
//                     set_mempolicy mode (u32) and 16 u64 of node mask; the
//                     personality domain (u32):
//                     runtime/sched.go's applyProcSched after the affinity
//    31 proc-write    name (string: "self/..."), value, what (strings):
//                     value written to the process's own /proc file
//                     through a procfs of its own (fsopen), again dumpable
//                     when EACCES refused it; what words the error
// Paths are resolved in the root with openat2(RESOLVE_IN_ROOT |
// RESOLVE_NO_MAGICLINKS): a symlink in the container's tree, absolute or
// climbing with "..", stays inside the root, and no /proc magic link is
// followed. Mounts are made detached (fsopen, fsconfig, fsmount) and moved
// onto the resolved target's fd (move_mount): no path is looked up twice.
//
// A failing step stops the program; the caller gets the step's index, the
// errno and what was being done, and reports them (the runtime will word
// them as Go init does).

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "errtext.h"
#include "fdio.h"
#include "setup.h"

// The kernel's mount and openat2 ABI, which musl's headers lack (as
// stage2.c defines seccomp's).
struct open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_IN_ROOT 0x10
#define FSOPEN_CLOEXEC 0x00000001
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define FSMOUNT_CLOEXEC 0x00000001
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#define OPEN_TREE_CLONE 1
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
struct mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif

// mount(2) and umount2(2) declared here: glibc's <sys/mount.h> pulls in
// <linux/mount.h>, whose struct mount_attr this file defines for musl.
int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data);
int umount2(const char *target, int flags);
#define MS_BIND_ 4096
#define MS_REC_ 16384
#define MS_PRIVATE_ (1 << 18)
#define MS_SLAVE_ (1 << 19)
#define MS_SHARED_ (1 << 20)
#define MNT_DETACH_ 2

#define PROC_SUPER_MAGIC_ 0x9fa0

#define SETUP_MAGIC 0x31505247u // "GRP1"
#define SETUP_MAX (16u << 20)
#define PATH_MAX_ 4096

enum {
	OP_HOSTNAME = 1,
	OP_DOMAINNAME = 2,
	OP_RLIMIT = 3,
	OP_MKDIRS = 4,
	OP_MOUNT = 5,
	OP_BIND = 6,
	OP_MASK = 7,
	OP_READONLY = 8,
	OP_MKNOD = 9,
	OP_SYSCTL = 10,
	OP_IDENTITY = 11,
	OP_SYMLINK = 12,
	OP_ROOT = 13,
	OP_PIVOT = 14,
	OP_CWD = 15,
	OP_SETSID = 16,
	OP_UNSHARE = 17,
	OP_KEYRING = 18,
	OP_LOOPBACK = 19,
	OP_ROOT_READONLY = 20,
	OP_FDDIR = 21,
	OP_LOOKUP = 22,
	OP_PROC_CHECK = 23,
	OP_AFFINITY_ALL = 24,
	OP_RELINK = 25,
	OP_HOME = 26,
	OP_BINDPATH = 27,
	OP_REMOUNT = 28,
	OP_SECCOMP = 29,
	OP_LOG = 30,
	OP_PROC_WRITE = 31,
	OP_CONSOLE = 32,
	OP_PROPAGATE = 33,
	OP_HOOKS = 34,
	OP_PROC_SCHED = 35,
	OP_APPARMOR = 36,
};

struct prog {
	const unsigned char *p;
	size_t left;
	int bad; // the program itself is malformed
};

static uint32_t u32(struct prog *c)
{
	if (c->left < 4) {
		c->bad = 1;
		return 0;
	}
	uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
	c->p += 4;
	c->left -= 4;
	return v;
}

static uint64_t u64(struct prog *c)
{
	uint64_t lo = u32(c);
	return lo | (uint64_t)u32(c) << 32;
}

// str copies a string of the program into buf (NUL-terminated); a string
// that is too long, holds a NUL or runs past the program marks it bad.
static const char *str(struct prog *c, char *buf, size_t size)
{
	uint32_t n = u32(c);
	if (c->bad || n >= size || n > c->left || memchr(c->p, 0, n) != NULL) {
		c->bad = 1;
		buf[0] = 0;
		return buf;
	}
	memcpy(buf, c->p, n);
	buf[n] = 0;
	c->p += n;
	c->left -= n;
	return buf;
}

static int fail_step(struct setup_result *r, int err, const char *fmt, const char *arg)
{
	r->err = err;
	snprintf(r->what, sizeof(r->what), fmt, arg);
	return -1;
}

// failf is fail_step with the whole message formatted here.
__attribute__((format(printf, 3, 4))) static int failf(struct setup_result *r, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	r->err = err;
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	return -1;
}

static int bad_program(struct setup_result *r)
{
	r->err = EINVAL;
	snprintf(r->what, sizeof(r->what), "setup: malformed program");
	return -1;
}

static long sys_openat2_how(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
	};
	// RESOLVE_IN_ROOT fails with EAGAIN when a rename or mount anywhere
	// raced a ".." step: tried again, a bounded number of times (as
	// pathrs-lite), so that such churn cannot hold init forever.
	long fd;
	int tries = 0;
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 128);
	return fd;
}

static long sys_openat2(int dirfd, const char *path, int flags)
{
	return sys_openat2_how(dirfd, path, flags, 0);
}

// mkdirs makes path and its missing parents as directories (mode) inside
// the root and returns an O_PATH fd of it. Every prefix is opened from the
// root with openat2 scoped to it, so a symlink in the tree, absolute or
// climbing with "..", resolves inside the root as if the root were "/";
// a missing component is made with mkdirat in its parent's fd, so a
// symlink swapped in meanwhile cannot send it outside. A dangling symlink
// is followed by hand (its target, from the root or from its directory,
// takes its place in the path, 40 times at most: ELOOP), so that its
// target is what gets made, as Go init does (rootfs/secure.go, resolve).
// A component that exists and is not a directory fails (ENOTDIR).
static int mkdirs(int root, const char *path, mode_t mode)
{
	char work[PATH_MAX_], prefix[PATH_MAX_], name[PATH_MAX_], link[PATH_MAX_];
	if (strlen(path) >= sizeof(work)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(work, path);
	int links = 0;
restart:;
	size_t used = 0;
	prefix[0] = 0;
	int dir = (int)sys_openat2(root, "/", O_PATH | O_DIRECTORY);
	if (dir < 0)
		return -1;
	const char *p = work;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == 0)
			return dir;
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (used + 1 + n >= sizeof(prefix)) {
			close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, p, n);
		name[n] = 0;
		size_t parent_used = used;
		prefix[used] = '/';
		memcpy(prefix + used + 1, p, n);
		used += 1 + n;
		prefix[used] = 0;
		p += n;
		int next = (int)sys_openat2(root, prefix, O_PATH | O_DIRECTORY);
		if (next < 0 && errno == ENOENT) {
			ssize_t ln = readlinkat(dir, name, link, sizeof(link) - 1);
			if (ln >= 0) {
				// A dangling symlink: its target replaces it.
				close(dir);
				if (++links > 40) {
					errno = ELOOP;
					return -1;
				}
				link[ln] = 0;
				char joined[PATH_MAX_];
				prefix[parent_used] = 0;
				int k = link[0] == '/' ? snprintf(joined, sizeof(joined), "%s/%s", link, p)
						       : snprintf(joined, sizeof(joined), "%s/%s/%s", prefix, link, p);
				if (k < 0 || (size_t)k >= sizeof(joined)) {
					errno = ENAMETOOLONG;
					return -1;
				}
				strcpy(work, joined);
				goto restart;
			}
			if (mkdirat(dir, name, mode) < 0 && errno != EEXIST) {
				int err = errno;
				close(dir);
				errno = err;
				return -1;
			}
			next = (int)sys_openat2(root, prefix, O_PATH | O_DIRECTORY);
		}
		int err = errno;
		close(dir);
		if (next < 0) {
			errno = err;
			return -1;
		}
		dir = next;
	}
}

// A mount step's /proc check (runc's checkProcMount, rootfs/mountcheck.go's
// checkProcDest), armed by the proc-check step before it: the context
// ("mounts[i] (type on dest)") its errors start with, and whether the
// mount is a procfs, which alone may go on /proc.
struct proc_check {
	int armed;
	int is_proc;
	char context[PATH_MAX_ + 128];
};

static const char *const proc_allowed[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
	"/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

// fd_path reads where fd is (the /proc/self/fd magic link of the runtime's
// procfs, before the pivot), as the kernel knows it.
static int fd_path(int fd, char *out, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, size - 1);
	if (n < 0)
		return -1;
	out[n] = 0;
	return 0;
}

// location is where fd is inside the root ("/..."), -1 when it is not in
// it (errno EXDEV).
static int location(int root, int fd, char *out, size_t size)
{
	char rp[PATH_MAX_], fp[PATH_MAX_];
	if (fd_path(root, rp, sizeof(rp)) < 0 || fd_path(fd, fp, sizeof(fp)) < 0)
		return -1;
	size_t n = strlen(rp);
	if (strcmp(rp, "/") == 0)
		snprintf(out, size, "%s", fp);
	else if (strcmp(fp, rp) == 0)
		snprintf(out, size, "/");
	else if (strncmp(fp, rp, n) == 0 && fp[n] == '/')
		snprintf(out, size, "%s", fp + n);
	else {
		errno = EXDEV;
		return -1;
	}
	return 0;
}

// resolve_loc is where dest resolves inside the root as far as it exists,
// with the components that do not exist yet appended (rootfs's resolve:
// the check is made on names before anything is created).
static int resolve_loc(int root, const char *dest, char *out, size_t size)
{
	char prefix[PATH_MAX_], loc[PATH_MAX_];
	int best = (int)sys_openat2(root, "/", O_PATH);
	if (best < 0)
		return -1;
	size_t rest = 0, n = strlen(dest);
	if (n >= sizeof(prefix)) {
		close(best);
		errno = ENAMETOOLONG;
		return -1;
	}
	for (size_t i = 1; i <= n; i++) {
		if (i < n && dest[i] != '/')
			continue;
		memcpy(prefix, dest, i);
		prefix[i] = 0;
		int fd = (int)sys_openat2(root, prefix, O_PATH);
		if (fd < 0)
			break;
		close(best);
		best = fd;
		rest = i;
	}
	int rc = location(root, best, loc, sizeof(loc));
	int err = errno;
	close(best);
	if (rc < 0) {
		errno = err;
		return -1;
	}
	const char *tail = dest + rest;
	while (*tail == '/')
		tail++;
	int k = *tail == 0 ? snprintf(out, size, "%s", loc)
			   : snprintf(out, size, "%s%s%s", loc, strcmp(loc, "/") == 0 ? "" : "/", tail);
	if (k < 0 || (size_t)k >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

// check_proc fails a mount at loc as checkProcDest does.
static int check_proc(const struct proc_check *pc, const char *loc, struct setup_result *r)
{
	if (strcmp(loc, "/proc") == 0) {
		if (pc->is_proc)
			return 0;
		r->err = 0;
		snprintf(r->what, sizeof(r->what), "%s: %s cannot be mounted because it is not of type proc", pc->context, loc);
		return -1;
	}
	if (strncmp(loc, "/proc/", 6) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(proc_allowed) / sizeof(proc_allowed[0]); i++)
		if (strcmp(loc, proc_allowed[i]) == 0)
			return 0;
	r->err = 0;
	snprintf(r->what, sizeof(r->what), "%s: %s cannot be mounted because it is inside /proc", pc->context, loc);
	return -1;
}

// split_path cuts path into its parent (with the trailing slash) and last
// name; EINVAL when there is no name.
static int split_path(const char *path, char *parent, char *base)
{
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	size_t slash = n;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	if (slash == n || n >= PATH_MAX_) {
		errno = EINVAL;
		return -1;
	}
	memcpy(parent, path, slash);
	parent[slash] = 0;
	memcpy(base, path + slash, n - slash);
	base[n - slash] = 0;
	return 0;
}

#define MOUNT_ORDINARY_DIR 1 // proc, sysfs: the last component no symlink
#define MOUNT_TAKE_MODE 2     // tmpfs: an existing directory's mode first
#define MOUNT_HOLD 4          // keep the new mount's fd for the remount step
#define MOUNT_COPYUP 8        // tmpfs: tmpcopyup, what it covers copied in
#define MOUNT_RECURSIVE 16    // recursive attributes follow the options

// ordinary_dir is rootfs's mkdirNoFollow: target's parents made inside the
// root, its last component opened without following a symlink (made when
// missing), and a directory, or the step fails in runc's words.
static int ordinary_dir(int root, const char *fstype, const char *target, const struct proc_check *pc,
			struct setup_result *r)
{
	char parent[PATH_MAX_], base[PATH_MAX_];
	if (split_path(target, parent, base) < 0) {
		int fd = mkdirs(root, target, 0755);
		return fd >= 0 ? fd : fail_step(r, errno, "mkdir %s", target);
	}
	int dir = mkdirs(root, parent, 0755);
	if (dir < 0)
		return fail_step(r, errno, "mkdir %s", parent);
	int fd = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(dir, base, 0755) < 0 && errno != EEXIST) {
			int err = errno;
			close(dir);
			return fail_step(r, err, "mkdir %s in rootfs", target);
		}
		fd = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	int err = errno;
	close(dir);
	if (fd < 0)
		return fail_step(r, err, "open %s in rootfs", target);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		return fail_step(r, err, "stat %s", target);
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		r->err = 0;
		snprintf(r->what, sizeof(r->what), "%s: filesystem \"%s\" must be mounted on ordinary directory: %s is not a directory (mode %#o)",
			 pc->context, fstype, target, (unsigned)st.st_mode);
		return -1;
	}
	return fd;
}

// copy_up is rootfs's copyUp (runc's "tmpcopyup", which podman adds to
// its tmpfs mounts): the tree under src, the directory the new tmpfs
// covers (opened before the tmpfs is attached), copied into dst, its root,
// entry by entry relative to directory fds with O_NOFOLLOW, so that a
// symlink in the image sends nothing outside either tree: directories
// (their mode set after, mkdirat applied the umask), regular files (owner,
// then mode: chown clears setuid), symlinks as they are, other nodes made
// again; each owned as in the image. src is closed. On failure r says
// where, as Go init's nested "tmpcopyup <name>: " errors do, after what.
static int copy_up(int src, int dst, int depth, char *what, size_t size, struct setup_result *r);

// copy_up's levels: each holds two fds and a small frame; an image's tree
// deeper than this fails the copy (a clear error, not a stack overflow).
#define COPYUP_MAX_DEPTH 4096

static int copy_file(int src, int dst, const char *name, const struct stat *st)
{
	// O_NONBLOCK and a check: a fifo swapped in since the fstatat
	// (through a volume another container shares) must not hang init.
	int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return errno;
	struct stat now;
	int bad = fstat(in, &now) < 0 ? errno : S_ISREG(now.st_mode) ? 0 : EINVAL;
	if (bad != 0) {
		close(in);
		return bad;
	}
	int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
	if (out < 0) {
		int err = errno;
		close(in);
		return err;
	}
	static char buf[64 * 1024];
	int err = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
		if ((err = gorunc_write_full(out, buf, (size_t)n)) != 0)
			break;
	}
	if (err == 0 && fchown(out, st->st_uid, st->st_gid) < 0)
		err = errno;
	if (err == 0 && fchmod(out, st->st_mode & 07777) < 0)
		err = errno;
	close(in);
	close(out);
	return err;
}

// copy_fail reports err after what, the "<context>: <dest>: tmpcopyup
// <name>: ..." chain, without its last ": ".
static int copy_fail(struct setup_result *r, int err, const char *what)
{
	size_t n = strlen(what);
	if (n >= 2 && what[n - 2] == ':' && what[n - 1] == ' ')
		n -= 2;
	return failf(r, err, "%.*s", (int)n, what);
}

static int copy_entry(int src, int dst, int depth, const char *name, char *what, size_t size, struct setup_result *r)
{
	size_t at = strlen(what);
	snprintf(what + at, size - at, "tmpcopyup %s: ", name);
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_fail(r, errno, what);
	mode_t mode = st.st_mode & 07777;
	int err = 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: {
		if (mkdirat(dst, name, mode) < 0 && errno != EEXIST)
			return copy_fail(r, errno, what);
		int sd = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sd < 0)
			return copy_fail(r, errno, what);
		int dd = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dd < 0) {
			err = errno;
			close(sd);
			return copy_fail(r, err, what);
		}
		if (copy_up(sd, dd, depth + 1, what, size, r) < 0) {
			close(dd);
			return -1;
		}
		if (fchmod(dd, mode) < 0) {
			err = errno;
			close(dd);
			return copy_fail(r, err, what);
		}
		close(dd);
		break;
	}
	case S_IFREG:
		err = copy_file(src, dst, name, &st);
		if (err != 0)
			return copy_fail(r, err, what);
		what[at] = 0;
		return 0;
	case S_IFLNK: {
		// Static: this frame repeats once per directory level.
		static char target[PATH_MAX_ + 1];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return copy_fail(r, errno, what);
		target[n] = 0;
		if (symlinkat(target, dst, name) < 0)
			return copy_fail(r, errno, what);
		break;
	}
	default:
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
			return copy_fail(r, errno, what);
	}
	if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_fail(r, errno, what);
	what[at] = 0;
	return 0;
}

static int copy_up(int src, int dst, int depth, char *what, size_t size, struct setup_result *r)
{
	if (depth > COPYUP_MAX_DEPTH) {
		close(src);
		size_t at = strlen(what);
		snprintf(what + at, size - at, "tmpcopyup: deeper than %d directories", COPYUP_MAX_DEPTH);
		return failf(r, 0, "%s", what);
	}
	DIR *d = fdopendir(src);
	if (d == NULL) {
		int err = errno;
		close(src);
		size_t at = strlen(what);
		snprintf(what + at, size - at, "tmpcopyup: read directory");
		return failf(r, err, "%s", what);
	}
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (e == NULL) {
			int err = errno;
			closedir(d);
			if (err == 0)
				return 0;
			size_t at = strlen(what);
			snprintf(what + at, size - at, "tmpcopyup: read directory");
			return failf(r, err, "%s", what);
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (copy_entry(src, dst, depth, e->d_name, what, size, r) < 0) {
			closedir(d);
			return -1;
		}
	}
}

// set_recursive is rootfs's setRecursive: the recursive options (rro,
// rnosuid, ...) on the detached tree mnt and every mount below it, in its
// words (target for m.Destination).
static int set_recursive(int mnt, const char *target, uint64_t set, uint64_t clr, struct setup_result *r)
{
	if (set == 0 && clr == 0)
		return 0;
	struct mount_attr a = {.attr_set = set, .attr_clr = clr};
	if (syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return failf(r, errno, "mount_setattr %s (set 0x%llx, clear 0x%llx)", target, (unsigned long long)set,
			     (unsigned long long)clr);
	return 0;
}

static int step_mount(struct prog *c, int root, int *held, struct proc_check *pc, struct setup_result *r)
{
	char fstype[64], target[PATH_MAX_], key[256], value[PATH_MAX_];
	str(c, fstype, sizeof(fstype));
	str(c, target, sizeof(target));
	uint32_t attr = u32(c);
	uint32_t flags = u32(c);
	uint32_t nopts = u32(c);
	if (c->bad)
		return bad_program(r);
	struct proc_check check = *pc;
	pc->armed = 0;
	char loc[PATH_MAX_];
	char parent[PATH_MAX_], base[PATH_MAX_];
	if ((flags & MOUNT_ORDINARY_DIR) && split_path(target, parent, base) == 0) {
		// requireDirOrMissing, on names before the /proc check, as
		// rootfs's checkMount orders them.
		int dir = (int)sys_openat2(root, parent, O_PATH | O_DIRECTORY);
		struct stat st;
		if (dir >= 0 && fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			close(dir);
			r->err = 0;
			snprintf(r->what, sizeof(r->what), "%s: filesystem \"%s\" must be mounted on ordinary directory: %s is not a directory (mode %#o)",
				 check.context, fstype, target, (unsigned)st.st_mode);
			return -1;
		}
		if (dir >= 0)
			close(dir);
	}
	if (check.armed) {
		// On names first, before anything is made (as Go init).
		if (resolve_loc(root, target, loc, sizeof(loc)) < 0)
			return fail_step(r, errno, "resolve %s", target);
		if (check_proc(&check, loc, r) < 0)
			return -1;
	}
	// The mount point first, as rootfs's mountFS: what it is decides
	// the tmpfs's mode.
	int existed = 0;
	if (flags & MOUNT_TAKE_MODE) {
		int e = (int)sys_openat2(root, target, O_PATH);
		if (e >= 0) {
			existed = 1;
			close(e);
		}
	}
	int dst;
	if (flags & MOUNT_ORDINARY_DIR) {
		dst = ordinary_dir(root, fstype, target, &check, r);
		if (dst == -1)
			return -1;
	} else {
		dst = mkdirs(root, target, 0755);
		if (dst < 0)
			return fail_step(r, errno, "mkdir %s", target);
	}
	if (check.armed) {
		// Again on what is mounted on: a component swapped since the
		// names were checked cannot move the mount into /proc
		// (CVE-2019-16884, CVE-2019-19921 by a race).
		if (location(root, dst, loc, sizeof(loc)) < 0 || check_proc(&check, loc, r) < 0) {
			if (r->what[0] == 0)
				fail_step(r, errno, "locate %s", target);
			close(dst);
			return -1;
		}
	}
	int err;
	char mode[16] = "";
	if (existed) {
		struct stat st;
		if (fstat(dst, &st) < 0) {
			err = errno;
			close(dst);
			return fail_step(r, err, "stat %s", target);
		}
		snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	}
	int fsfd = (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		err = errno;
		close(dst);
		return fail_step(r, err, "fsopen %s", fstype);
	}
	// Before the options: a mode= among them wins, as in tmpfs's parsing.
	if (mode[0] && syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "mode", mode, 0) < 0) {
		err = errno;
		close(fsfd);
		close(dst);
		return fail_step(r, err, "fsconfig %s", "mode");
	}
	for (uint32_t i = 0; i < nopts; i++) {
		str(c, key, sizeof(key));
		str(c, value, sizeof(value));
		if (c->bad) {
			close(fsfd);
			close(dst);
			return bad_program(r);
		}
		long rc = value[0] ? syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, key, value, 0)
				   : syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
		if (rc < 0) {
			err = errno;
			close(fsfd);
			close(dst);
			return fail_step(r, err, "fsconfig %s", key);
		}
	}
	uint64_t rset = 0, rclr = 0;
	if (flags & MOUNT_RECURSIVE) {
		rset = u64(c);
		rclr = u64(c);
		if (c->bad) {
			close(fsfd);
			close(dst);
			return bad_program(r);
		}
	}
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		err = errno;
		close(fsfd);
		close(dst);
		return fail_step(r, err, "fsconfig create %s", fstype);
	}
	int mnt = (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, attr);
	err = errno;
	close(fsfd);
	if (mnt < 0) {
		close(dst);
		return fail_step(r, err, "fsmount %s", fstype);
	}
	if (flags & MOUNT_COPYUP) {
		// The directory the tmpfs is about to cover, opened while
		// the tmpfs is still detached.
		int covered = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (covered < 0) {
			err = errno;
			close(mnt);
			close(dst);
			return failf(r, err, "%s: tmpcopyup: open %s", check.context, target);
		}
		// Into the detached tmpfs, before it is attached.
		char what[sizeof(r->what)];
		int fresh = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fresh < 0) {
			err = errno;
			close(covered);
			close(mnt);
			close(dst);
			return failf(r, err, "%s: tmpcopyup: open new tmpfs on %s", check.context, target);
		}
		snprintf(what, sizeof(what), "%s: %s: ", check.context, target);
		int crc = copy_up(covered, fresh, 0, what, sizeof(what), r);
		close(fresh);
		if (crc < 0) {
			close(mnt);
			close(dst);
			return -1;
		}
	}
	// After the copy, before the tree is attached, as settle.
	if (set_recursive(mnt, target, rset, rclr, r) < 0) {
		close(mnt);
		close(dst);
		return -1;
	}
	long rc = syscall(SYS_move_mount, mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	err = errno;
	close(dst);
	if (rc < 0) {
		close(mnt);
		return fail_step(r, err, "mount on %s", target);
	}
	if (flags & MOUNT_HOLD) {
		// The mount itself, as Go init's handle on it: a name
		// resolved again could meanwhile lead to another mount.
		if (*held >= 0)
			close(*held);
		*held = mnt;
	} else
		close(mnt);
	return 0;
}


// mkfile makes path an empty file (0644, parents as mkdirs) when missing,
// the mount point of a file bind, and returns an O_PATH fd of it, looked
// up again from the root. A dangling symlink as the file's own name has
// its target made, inside the root, as Go init's createFile does.
static int mkfile_depth(int root, const char *path, int depth)
{
	int fd = (int)sys_openat2(root, path, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	char parent[PATH_MAX_], base[PATH_MAX_], link[PATH_MAX_];
	if (split_path(path, parent, base) < 0)
		return -1;
	int dir = mkdirs(root, parent, 0755);
	if (dir < 0)
		return -1;
	ssize_t ln = readlinkat(dir, base, link, sizeof(link) - 1);
	if (ln >= 0) {
		// A dangling symlink: its target, inside the root, is made
		// (rootfs/secure.go's createFile resolves the name first).
		close(dir);
		if (depth >= 40) {
			errno = ELOOP;
			return -1;
		}
		link[ln] = 0;
		char next[PATH_MAX_];
		int k = link[0] == '/' ? snprintf(next, sizeof(next), "%s", link)
				       : snprintf(next, sizeof(next), "%s/%s", parent, link);
		if (k < 0 || (size_t)k >= sizeof(next)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return mkfile_depth(root, next, depth + 1);
	}
	// An O_PATH fd serves as the directory of the *at calls.
	int f = openat(dir, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
	int err = errno;
	close(dir);
	if (f < 0 && err != EEXIST) {
		errno = err;
		return -1;
	}
	if (f >= 0)
		close(f);
	return (int)sys_openat2(root, path, O_PATH);
}

static int mkfile(int root, const char *path)
{
	return mkfile_depth(root, path, 0);
}

static int step_bind(struct prog *c, int root, struct setup_result *r)
{
	char target[PATH_MAX_];
	uint32_t src = u32(c);
	str(c, target, sizeof(target));
	uint32_t recursive = u32(c);
	struct mount_attr attr = {.attr_set = u64(c), .attr_clr = u64(c), .propagation = u64(c)};
	if (c->bad || src > 0x7fffffffu)
		return bad_program(r);
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	int mnt = (int)src;
	if ((attr.attr_set || attr.attr_clr || attr.propagation) &&
	    syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0)
		return fail_step(r, errno, "set the attributes of %s", target);
	struct stat st;
	if (fstat(mnt, &st) < 0)
		return fail_step(r, errno, "stat the source of %s", target);
	int dst = S_ISDIR(st.st_mode) ? mkdirs(root, target, 0755) : mkfile(root, target);
	if (dst < 0)
		return fail_step(r, errno, S_ISDIR(st.st_mode) ? "mkdir %s" : "create %s", target);
	long rc = syscall(SYS_move_mount, mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int err = errno;
	close(dst);
	close(mnt); // moved: the fd has done its work
	if (rc < 0)
		return fail_step(r, err, "mount on %s", target);
	return 0;
}

// clone_tree is a detached copy of the mount (tree) at fd.
static int clone_tree(int fd, int recursive)
{
	return (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0));
}

static int move_onto(int mnt, int dst)
{
	return (int)syscall(SYS_move_mount, mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

// move_closing is move_onto, then both fds closed; errno is move_onto's.
static int move_closing(int mnt, int dst)
{
	int rc = move_onto(mnt, dst);
	int err = errno;
	close(mnt);
	close(dst);
	errno = err;
	return rc;
}

// mask_tmpfs is a new read-only tmpfs that holds nothing.
static int mask_tmpfs(void)
{
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_blocks", "1", 0) < 0 ||
	    // Ubuntu's 5.4 kernel refuses nr_inodes=1 (runc retries with 2).
	    (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes", "1", 0) < 0 &&
	     syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "nr_inodes", "2", 0) < 0) ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int err = errno;
		close(fs);
		errno = err;
		return -1;
	}
	int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
	int err = errno;
	close(fs);
	errno = err;
	return mnt;
}

// masker keeps, across mask steps, the first directory mask to share and
// whether sharing failed once (every directory then gets its own).
struct masker {
	int shared;
	int unshared;
};

// existing reads a path step's path and opens it in the root: 1 with
// *dst set, 0 when the path is missing (the step is skipped), -1 on
// failure (what says the step's words).
static int existing(struct prog *c, int root, char *path, int *dst, const char *what, struct setup_result *r)
{
	str(c, path, PATH_MAX_);
	if (c->bad)
		return bad_program(r);
	*dst = (int)sys_openat2(root, path, O_PATH);
	if (*dst < 0 && errno == ENOENT)
		return 0;
	if (*dst < 0)
		return fail_step(r, errno, what, path);
	return 1;
}

static int step_mask(struct prog *c, int root, struct masker *m, struct setup_result *r)
{
	char path[PATH_MAX_];
	int dst, ok = existing(c, root, path, &dst, "can't mask path %s", r);
	if (ok <= 0)
		return ok;
	struct stat st;
	if (fstat(dst, &st) < 0) {
		int err = errno;
		close(dst);
		return fail_step(r, err, "can't mask path %s", path);
	}
	int mnt;
	if (!S_ISDIR(st.st_mode)) {
		// The root's own /dev/null, which must be the null device: a
		// rootfs may bring a file or another device by that name.
		int null = (int)sys_openat2(root, "/dev/null", O_PATH | O_NOFOLLOW);
		struct stat ns;
		if (null < 0 || fstat(null, &ns) < 0 || !S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) {
			int err = null < 0 ? errno : EINVAL;
			if (null >= 0)
				close(null);
			close(dst);
			return fail_step(r, err, "can't mask path %s: the container's /dev/null is invalid", path);
		}
		mnt = clone_tree(null, 0);
		int err = errno;
		close(null);
		errno = err;
	} else if (m->shared >= 0 && (mnt = clone_tree(m->shared, 0)) >= 0) {
		// Shared with the first directory mask.
	} else {
		if (m->shared >= 0) {
			// runc falls back to a tmpfs of its own for this and
			// every later directory.
			close(m->shared);
			m->shared = -1;
			m->unshared = 1;
		}
		mnt = mask_tmpfs();
		if (mnt >= 0 && !m->unshared)
			m->shared = clone_tree(mnt, 0);
	}
	if (mnt < 0) {
		int err = errno;
		close(dst);
		return fail_step(r, err, "can't mask path %s", path);
	}
	if (move_closing(mnt, dst) < 0)
		return fail_step(r, errno, "can't mask path %s", path);
	return 0;
}

static int step_readonly(struct prog *c, int root, struct setup_result *r)
{
	char path[PATH_MAX_];
	int dst, ok = existing(c, root, path, &dst, "bind readonly path %s", r);
	if (ok <= 0)
		return ok;
	int mnt = clone_tree(dst, 1);
	if (mnt < 0) {
		int err = errno;
		close(dst);
		return fail_step(r, err, "bind readonly path %s", path);
	}
	// The top mount only, as a remount of the bind would.
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
	int rc = (int)syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr));
	if (rc == 0)
		rc = move_onto(mnt, dst);
	int err = errno;
	close(mnt);
	close(dst);
	if (rc < 0)
		return fail_step(r, err, "readonly path %s", path);
	return 0;
}

static int step_mknod(struct prog *c, int root, struct setup_result *r)
{
	char path[PATH_MAX_], parent[PATH_MAX_], base[PATH_MAX_];
	str(c, path, sizeof(path));
	uint32_t mode = u32(c), major = u32(c), minor = u32(c), uid = u32(c), gid = u32(c);
	uint32_t type = mode & S_IFMT;
	if (c->bad || (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO) || (mode & ~(S_IFMT | 07777)))
		return bad_program(r);
	if (split_path(path, parent, base) < 0)
		return fail_step(r, errno, "mknod %s", path);
	int dir = mkdirs(root, parent, 0755);
	if (dir < 0)
		return fail_step(r, errno, "mkdir %s", parent);
	dev_t dev = type == S_IFIFO ? 0 : makedev(major, minor);
	mode_t old = umask(0);
	int rc = mknodat(dir, base, (mode_t)mode, dev);
	int err = errno;
	umask(old);
	if (rc < 0) {
		close(dir);
		if (err == EEXIST)
			return 0;
		return fail_step(r, err, "mknod %s", path);
	}
	// Owner through the new node's own fd: a name swapped meanwhile for
	// a symlink to a host node is not followed.
	int node = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	err = errno;
	close(dir);
	if (node < 0)
		return fail_step(r, err, "open new node %s", path);
	rc = fchownat(node, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH);
	err = errno;
	close(node);
	if (rc < 0)
		return fail_step(r, err, "chown %s", path);
	return 0;
}

static int private_proc_mount(int pids_only);

// step_sysctl is runtime/init.go's writeSysctl: the key's file under sys/
// of a procfs instance of init's own without subset=pid (fsopen, never
// attached, nothing of the container's mounted on it), resolved beneath
// it (in root) without symlinks or mount crossings, never the container's /proc by
// name (CVE-2025-52881); its errors in Go init's (pathrs-lite's) words.
// The namespaced sysctls (net.*, kernel.shm*, ...) are those of the
// namespaces init is in.
static int step_sysctl(struct prog *c, struct setup_result *r)
{
	char key[256], value[PATH_MAX_], path[300], what[PATH_MAX_ + 700];
	str(c, key, sizeof(key));
	str(c, value, sizeof(value));
	if (c->bad)
		return bad_program(r);
	// "a.b.c" -> "sys/a/b/c"; no "/" and no empty or ".." part.
	int n = snprintf(path, sizeof(path), "sys/%s", key);
	if (n < 0 || (size_t)n >= sizeof(path) || strchr(key, '/') != NULL || key[0] == 0)
		return fail_step(r, EINVAL, "sysctl %s: not a sysctl name", key);
	for (char *p = path + strlen("sys/"), *part = p;; p++) {
		if (*p == '.' || *p == 0) {
			size_t len = (size_t)(p - part);
			if (len == 0 || (len == 2 && part[0] == '.' && part[1] == '.') || (len == 1 && part[0] == '.'))
				return fail_step(r, EINVAL, "sysctl %s: not a sysctl name", key);
			if (*p == 0)
				break;
			*p = '/';
			part = p + 1;
		}
	}
	int proc = private_proc_mount(0);
	if (proc < 0)
		return fail_step(r, errno, "%s", "linux.sysctl: open procfs");
	int fd = (int)sys_openat2_how(proc, path, O_WRONLY | O_TRUNC,
				     RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
	int err = errno;
	close(proc);
	if (fd < 0) {
		snprintf(what, sizeof(what), "linux.sysctl %s=%s: unsafe procfs detected: openat2 fsmount:fscontext:proc/./%s", key, value, path);
		return fail_step(r, err, "%s", what);
	}
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC_) {
		close(fd);
		return fail_step(r, EINVAL, "write sysctl %s: not on procfs", key);
	}
	err = gorunc_write_full(fd, value, strlen(value));
	if (close(fd) < 0 && err == 0)
		err = errno;
	if (err != 0) {
		snprintf(what, sizeof(what), "linux.sysctl %s=%s: write fsmount:fscontext:proc/./%s", key, value, path);
		return fail_step(r, err, "%s", what);
	}
	return 0;
}

struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective;
	uint32_t permitted;
	uint32_t inheritable;
};
#ifdef SYS_setresuid32
#define SYS_SETGROUPS_ SYS_setgroups32
#define SYS_SETRESGID_ SYS_setresgid32
#define SYS_SETRESUID_ SYS_setresuid32
#else
#define SYS_SETGROUPS_ SYS_setgroups
#define SYS_SETRESGID_ SYS_setresgid
#define SYS_SETRESUID_ SYS_setresuid
#endif
#define CAP_VERSION_3 0x20080522
#define CAP_SETPCAP_ 8
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif
#ifndef PR_CAP_AMBIENT_CLEAR_ALL
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

// setgroups_denied is runtime/init.go's setgroupsAllowed negated: the
// user namespace's setgroups file (read through a procfs of our own, never
// the container's /proc) says "deny", as after an unprivileged writer's
// gid_map (user_namespaces(7)); Go init then skips setgroups(2), which can
// only fail with EPERM there.
static int setgroups_denied(void)
{
	int proc = private_proc_mount(1);
	if (proc < 0)
		return 0;
	int fd = openat(proc, "self/setgroups", O_RDONLY | O_CLOEXEC);
	close(proc);
	if (fd < 0)
		return 0;
	char buf[16] = {0};
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 4 && strncmp(buf, "deny", 4) == 0 && (n == 4 || buf[4] == '\n');
}

static int step_identity(struct prog *c, struct setup_result *r)
{
	uint32_t flags = u32(c), uid = u32(c), gid = u32(c), ngroups = u32(c);
	if (c->bad || ngroups > 65536 || ngroups > c->left / 4)
		return bad_program(r);
	gid_t *groups = calloc(ngroups ? ngroups : 1, sizeof(gid_t));
	if (groups == NULL)
		return fail_step(r, ENOMEM, "%s", "process.user");
	for (uint32_t i = 0; i < ngroups; i++)
		groups[i] = (gid_t)u32(c);
	uint64_t bounding = u64(c), effective = u64(c), permitted = u64(c), inheritable = u64(c), ambient = u64(c);
	uint32_t last = u32(c), mask = u32(c), nnames = u32(c);
	// The ambient set's names, lowest capability first.
	static char names[64][32];
	for (uint32_t i = 0; i < nnames && i < 64; i++)
		str(c, names[i], sizeof(names[i]));
	if (c->bad || last > 63 || nnames != (uint32_t)__builtin_popcountll(ambient)) {
		free(groups);
		return bad_program(r);
	}
	int caps = flags & 1;
	char what[64];
	if (caps) {
		struct cap_header h = {CAP_VERSION_3, 0};
		struct cap_data d[2];
		if (syscall(SYS_capget, &h, d) < 0) {
			free(groups);
			return fail_step(r, errno, "apply capability bounding set: %s", "capget");
		}
		// Dropping needs CAP_SETPCAP; without it the set stays.
		if (d[0].effective & (1u << CAP_SETPCAP_)) {
			for (uint32_t cap = 0; cap <= last; cap++) {
				if (bounding & (1ull << cap))
					continue;
				if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
					free(groups);
					snprintf(what, sizeof(what), "drop %u", cap);
					return fail_step(r, errno, "apply capability bounding set: %s", what);
				}
			}
		}
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
			free(groups);
			return fail_step(r, errno, "%s", "set keepcaps");
		}
	}
	// Raw system calls: no C library broadcast to threads (there is one).
	// The 32-bit ones where the plain names are the 16-bit legacy calls
	// (i386, arm): those would cut ids to 16 bits and read the groups
	// as 16-bit entries.
	if ((flags & 2) && syscall(SYS_SETGROUPS_, (long)ngroups, groups) < 0) {
		int err = errno;
		if (err != EPERM || !setgroups_denied()) {
			// Go's words: "setgroups [5 7]".
			char list[1024];
			size_t n = 0;
			list[0] = 0;
			for (uint32_t i = 0; i < ngroups && n + 12 < sizeof(list); i++)
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%u", i ? " " : "", (unsigned)groups[i]);
			free(groups);
			return failf(r, err, "process.user: setgroups [%s]", list);
		}
	}
	free(groups);
	int was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (syscall(SYS_SETRESGID_, gid, gid, gid) < 0) {
		snprintf(what, sizeof(what), "setgid %u", gid);
		return fail_step(r, errno, "process.user: %s", what);
	}
	if (syscall(SYS_SETRESUID_, uid, uid, uid) < 0) {
		snprintf(what, sizeof(what), "setuid %u", uid);
		return fail_step(r, errno, "process.user: %s", what);
	}
	// Changing ids set dumpability to fs.suid_dumpable (commit_creds),
	// which may be 1: then init, still holding the host's fds, could be
	// traced by the container's user until its execve. Clear it again,
	// as nsenter.c does after become_root.
	if (was_dumpable == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail_step(r, errno, "%s", "prctl(PR_SET_DUMPABLE, 0)");
	if (caps) {
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return fail_step(r, errno, "%s", "clear keepcaps");
		struct cap_header h = {CAP_VERSION_3, 0};
		struct cap_data d[2];
		for (int i = 0; i < 2; i++) {
			d[i].effective = (uint32_t)(effective >> (32 * i));
			d[i].permitted = (uint32_t)(permitted >> (32 * i));
			d[i].inheritable = (uint32_t)(inheritable >> (32 * i));
		}
		if (syscall(SYS_capset, &h, d) < 0)
			return fail_step(r, errno, "%s", "unable to apply caps: can't apply capabilities");
		// One call where a lower per capability not asked for took
		// 41 (~3 us each on this paravirtualized host); best effort,
		// as those lowers were. capset already dropped from the
		// ambient set what is not both permitted and inheritable.
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		for (uint32_t cap = 0, named = 0; cap <= last; cap++) {
			if (!(ambient & (1ull << cap)))
				continue;
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
				r->ambient_refused |= 1ull << cap;
				r->ambient_errno[cap] = errno;
				memcpy(r->ambient_names[cap], names[named], sizeof(names[named]));
			}
			named++;
		}
	}
	if (flags & 8)
		umask((mode_t)(mask & 0777));
	if ((flags & 4) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail_step(r, errno, "%s", "set no_new_privs");
	return 0;
}

static int step_symlink(struct prog *c, int root, int replace, struct setup_result *r)
{
	char target[PATH_MAX_], path[PATH_MAX_], parent[PATH_MAX_], base[PATH_MAX_];
	str(c, target, sizeof(target));
	str(c, path, sizeof(path));
	if (c->bad)
		return bad_program(r);
	if (split_path(path, parent, base) < 0)
		return fail_step(r, errno, "symlink %s", path);
	int dir = mkdirs(root, parent, 0755);
	if (dir < 0)
		return fail_step(r, errno, "mkdir %s", parent);
	if (replace && unlinkat(dir, base, 0) < 0 && errno != ENOENT) {
		int err = errno;
		close(dir);
		return fail_step(r, err, "remove %s", path);
	}
	int rc = symlinkat(target, dir, base);
	int err = errno;
	close(dir);
	if (rc < 0 && (replace || err != EEXIST))
		return fail_step(r, err, "symlink %s", path);
	return 0;
}

// statx(2)'s buffer (include/uapi/linux/stat.h; musl has no such header
// here): only the mount id is read.
struct gorunc_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, stx_spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct {
		int64_t tv_sec;
		uint32_t tv_nsec;
		int32_t reserved;
	} stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint64_t stx_spare2[13];
};
#define STATX_MNT_ID_ 0x1000U

static int mount_id(const char *path, uint64_t *id)
{
	struct gorunc_statx st;
	memset(&st, 0, sizeof(st));
	if (syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_, &st) < 0)
		return -1;
	if (!(st.stx_mask & STATX_MNT_ID_)) {
		errno = ENOSYS;
		return -1;
	}
	*id = st.stx_mnt_id;
	return 0;
}

// private_parent is rootfs.Prepare's makeParentPrivate once / is shared:
// pivot_root(2) refuses a new root whose parent mount is shared, and the
// rootfs bind must not propagate out. The mount holding root_path (an
// absolute path of the host's, symlinks resolved by create) is found by
// walking up while the parent directory is on the same mount (statx's
// mount id), where Go init reads mountinfo; / shared makes it shared, so
// it is made private whatever it was.
static int private_parent(const char *root_path, struct setup_result *r)
{
	char p[PATH_MAX_];
	if (strlen(root_path) >= sizeof(p) || root_path[0] != '/')
		return bad_program(r);
	strcpy(p, root_path);
	uint64_t id, up;
	if (mount_id(p, &id) < 0)
		return fail_step(r, errno, "mount id of %s", p);
	while (strcmp(p, "/") != 0) {
		char *slash = strrchr(p, '/');
		char keep = slash[1];
		if (slash == p)
			slash[1] = 0;
		else
			*slash = 0;
		if (mount_id(p, &up) < 0)
			return fail_step(r, errno, "mount id of %s", p);
		if (up != id) {
			// p's mount is another: the child's mount point
			// is what was cut off.
			if (slash == p)
				slash[1] = keep;
			else
				*slash = '/';
			break;
		}
	}
	if (mount("", p, NULL, MS_PRIVATE_, NULL) < 0)
		return fail_step(r, errno, "make %s private", p);
	return 0;
}

// step_root makes the root a mount point of its own, as rootfs.Prepare
// does before any mount: / gets the propagation (rslave by default; a
// shared one makes the rootfs's parent mount and the rootfs bind private,
// as pivot_root needs), the root is bound onto itself recursively and the
// program's root fd moves onto that bind, where every later step resolves.
static int step_root(struct prog *c, const char *root_path, int *root, struct setup_result *r)
{
	uint32_t prop = u32(c);
	if (c->bad || prop == 0 || (prop & ~(uint32_t)(MS_SLAVE_ | MS_PRIVATE_ | MS_SHARED_ | MS_REC_)) != 0)
		return bad_program(r);
	if (mount("", "/", NULL, prop, NULL) < 0)
		return fail_step(r, errno, "%s", "set propagation of /");
	if ((prop & MS_SHARED_) && private_parent(root_path, r) < 0)
		return -1;
	if (mount(root_path, root_path, NULL, MS_BIND_ | MS_REC_, NULL) < 0)
		return fail_step(r, errno, "bind rootfs %s onto itself", root_path);
	if ((prop & MS_SHARED_) && mount("", root_path, NULL, MS_PRIVATE_, NULL) < 0)
		return fail_step(r, errno, "make rootfs %s private", root_path);
	int fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail_step(r, errno, "open root %s", root_path);
	close(*root);
	*root = fd;
	return 0;
}

// reopen opens the object of the O_PATH fd path_fd for flags through a
// procfs instance of this process's own (fsopen, never attached: nothing
// in the container's tree is looked up), as pathrs-lite's Reopen does: a
// device node is never opened by a name the container could have swapped.
static int private_proc_mount(int pids_only)
{
	int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	// Only the pid directories; older kernels lack the option.
	if (pids_only)
		syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "subset", "pid", 0);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int err = errno;
		close(fs);
		errno = err;
		return -1;
	}
	int proc = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int err = errno;
	close(fs);
	errno = err;
	return proc;
}

static int private_proc(void)
{
	return private_proc_mount(1);
}

static int reopen(int path_fd, int flags)
{
	int proc = private_proc();
	if (proc < 0)
		return -1;
	char name[32];
	snprintf(name, sizeof(name), "thread-self/fd/%d", path_fd);
	int fd = openat(proc, name, flags | O_CLOEXEC);
	int err = errno;
	close(proc);
	errno = err;
	return fd;
}

// write_proc_file writes value to name under the procfs proc, in one
// write(2) as a /proc file takes it: 0 or the errno.
static int write_proc_file(int proc, const char *name, const char *value, size_t len)
{
	int fd = openat(proc, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t w;
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	int err = w < 0 ? errno : 0;
	close(fd);
	return err;
}

// step_proc_write is runtime/init.go's writes to init's own /proc files
// (process.oomScoreAdj, linux.timeOffsets): through a procfs instance of
// its own, never through the container's /proc (CVE-2025-52881), and once
// more dumpable when the file refused it (writeOwnProc: a non-dumpable
// process's /proc files belong to the initial user namespace's root).
static int step_proc_write(struct prog *c, struct setup_result *r)
{
	char name[64], value[PATH_MAX_], what[PATH_MAX_];
	str(c, name, sizeof(name));
	str(c, value, sizeof(value));
	str(c, what, sizeof(what));
	if (c->bad || strncmp(name, "self/", 5) != 0 || strstr(name, "..") != NULL)
		return bad_program(r);
	size_t n = strlen(value);
	int proc = private_proc();
	if (proc < 0)
		return fail_step(r, errno, "%s", what);
	int err = write_proc_file(proc, name, value, n);
	if (err == EACCES) {
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
			err = errno;
		} else {
			err = write_proc_file(proc, name, value, n);
			if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
				err = errno;
		}
	}
	close(proc);
	if (err != 0)
		return fail_step(r, err, "%s", what);
	return 0;
}

// step_apparmor is runtime/lsm.go's applyAppArmor: "exec PROFILE" into
// this thread's attr/apparmor/exec (attr/exec before Linux 5.8, when the
// first is not there), as libapparmor's aa_change_onexec, through a procfs
// instance of its own (CVE-2025-52881); the profile applies at execve.
// Init is one thread here, so thread-self is the thread that execs. The
// failure in Go init's words, the file named as pathrs-lite names it.
static int step_apparmor(struct prog *c, struct setup_result *r)
{
	static const char prefix[] = "unable to apply apparmor profile: apparmor failed to apply profile: ";
	static const char *const names[] = {"thread-self/attr/apparmor/exec", "thread-self/attr/exec"};
	char profile[PATH_MAX_], value[PATH_MAX_ + 8];
	str(c, profile, sizeof(profile));
	if (c->bad || profile[0] == 0)
		return bad_program(r);
	size_t n = (size_t)snprintf(value, sizeof(value), "exec %s", profile);
	int proc = private_proc();
	if (proc < 0)
		return failf(r, errno, "%sopen procfs", prefix);
	int err = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int fd = openat(proc, names[i], O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			if (err == ENOENT)
				continue;
			close(proc);
			return failf(r, err, "%sopen fsmount:fscontext:proc/%s", prefix, names[i]);
		}
		err = gorunc_write_full(fd, value, n);
		close(fd);
		close(proc);
		if (err != 0)
			return failf(r, err, "%swrite fsmount:fscontext:proc/%s", prefix, names[i]);
		return 0;
	}
	close(proc);
	return failf(r, err, "%sopen fsmount:fscontext:proc/%s", prefix, names[1]);
}

#define DEVPTS_SUPER_MAGIC_ 0x1cd1
#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif

// check_devpts is runtime/terminal.go's checkDevpts: fd (called what) must
// be the char device maj:min on a devpts mount, with inode number ino when
// not 0; its failure in Go init's words after prefix.
static int check_devpts(int fd, const char *name, const char *what, unsigned maj, unsigned min, unsigned long ino,
			const char *prefix, struct setup_result *r)
{
	struct stat st;
	struct statfs sfs;
	if (fstat(fd, &st) < 0)
		return failf(r, errno, "%s: fstat %s", prefix, name);
	if (fstatfs(fd, &sfs) < 0)
		return failf(r, errno, "%s: fstatfs %s", prefix, name);
	if (sfs.f_type != DEVPTS_SUPER_MAGIC_)
		return failf(r, 0, "%s: %s is not on a real devpts mount: super magic is %#lx", prefix, what, (unsigned long)sfs.f_type);
	if (ino != 0 && st.st_ino != ino)
		return failf(r, 0, "%s: %s has wrong inode number: %lu", prefix, what, (unsigned long)st.st_ino);
	if ((st.st_mode & S_IFMT) != S_IFCHR || major(st.st_rdev) != maj || minor(st.st_rdev) != min)
		return failf(r, 0, "%s: %s is not the char device %u:%u: ftype %#o %u:%u", prefix, what, maj, min,
			     (unsigned)(st.st_mode & S_IFMT), major(st.st_rdev), minor(st.st_rdev));
	return 0;
}

// alloc_pty is runtime/terminal.go's allocPty: the container's
// /dev/pts/ptmx resolved in the root (no magic link: a /dev/pts that is a
// symlink to /proc/1/root/dev/pts reaches no host devpts) and opened O_PATH
// without following a symlink, checked to be a
// devpts ptmx, reopened through a procfs of init's own, unlocked; the
// slave from the master (TIOCGPTPEER), or before Linux 4.13 /dev/pts/N
// opened O_PATH, checked to be that pty's node and reopened: no name in
// the container's /dev is trusted (CVE-2025-52565). *master and *slave
// are closed on failure.
static int alloc_pty(int root, int *master, int *slave, char *slave_path, size_t size, struct setup_result *r)
{
	*master = *slave = -1;
	int h = (int)sys_openat2(root, "/dev/pts/ptmx", O_PATH | O_NOFOLLOW);
	if (h < 0)
		return failf(r, errno, "process.terminal: open the container's /dev/pts/ptmx (is /dev/pts a devpts newinstance mount?)");
	if (check_devpts(h, "/dev/ptmx", "ptmx handle", 5, 2, 2, "process.terminal: verify ptmx handle", r) < 0) {
		close(h);
		return -1;
	}
	int m = reopen(h, O_RDWR | O_NOCTTY);
	int err = errno;
	close(h);
	if (m < 0)
		return failf(r, err, "process.terminal: reopen ptmx to get new pty pair");
	int unlock = 0;
	unsigned n = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0) {
		err = errno;
		close(m);
		return failf(r, err, "process.terminal: new pty");
	}
	snprintf(slave_path, size, "/dev/pts/%u", n);
	int sl = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sl < 0 && errno != EINVAL && errno != ENOTTY) {
		err = errno;
		close(m);
		return failf(r, err, "process.terminal: failed to get peer end of newly-allocated console: TIOCGPTPEER");
	}
	if (sl < 0) {
		int ph = (int)sys_openat2(root, slave_path, O_PATH | O_NOFOLLOW);
		if (ph < 0) {
			err = errno;
			close(m);
			return failf(r, err, "process.terminal: failed to get peer end of newly-allocated console: open %s", slave_path);
		}
		if (check_devpts(ph, slave_path, "pty peer handle", 136, n, 0,
				 "process.terminal: failed to get peer end of newly-allocated console: verify pty peer handle", r) < 0) {
			close(ph);
			close(m);
			return -1;
		}
		sl = reopen(ph, O_RDWR | O_NOCTTY);
		err = errno;
		close(ph);
		if (sl < 0) {
			close(m);
			return failf(r, err, "process.terminal: failed to get peer end of newly-allocated console");
		}
	}
	*master = m;
	*slave = sl;
	return 0;
}

// mount_console is runtime/terminal.go's mountConsole: /dev/console made
// an empty file when missing (in /dev resolved in the root: no file is
// made through a /dev symlink to /proc/1/root/etc), opened O_PATH without
// following a symlink,
// and the slave bound onto that handle, never onto a name.
static int mount_console(int root, int slave, const char *slave_path, struct setup_result *r)
{
	int t = (int)sys_openat2(root, "/dev/console", O_PATH | O_NOFOLLOW);
	if (t < 0 && errno == ENOENT) {
		int dev = (int)sys_openat2(root, "/dev", O_PATH | O_DIRECTORY);
		int made = dev < 0 ? -1 : openat(dev, "console", O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0666);
		int err = errno;
		if (dev >= 0)
			close(dev);
		if (made >= 0) {
			close(made);
			t = (int)sys_openat2(root, "/dev/console", O_PATH | O_NOFOLLOW);
		} else {
			errno = err;
			t = -1;
		}
	}
	if (t < 0)
		return failf(r, errno, "create /dev/console mount target");
	struct stat st;
	if (fstat(t, &st) < 0) {
		int err = errno;
		close(t);
		return failf(r, err, "create /dev/console mount target: fstat");
	}
	if ((st.st_mode & S_IFMT) == S_IFLNK) {
		close(t);
		return failf(r, ELOOP, "create /dev/console mount target: open /dev/console");
	}
	int tree = clone_tree(slave, 0);
	if (tree < 0) {
		int err = errno;
		close(t);
		return failf(r, err, "bind %s over /dev/console: open_tree %s", slave_path, slave_path);
	}
	if (move_closing(tree, t) < 0)
		return failf(r, errno, "bind %s over /dev/console: move_mount onto /dev/console", slave_path);
	return 0;
}

// step_console is runtime/terminal.go's setupConsole, in its order: the
// pty (alloc_pty), the window size, ONLCR cleared on the master for a
// pty the runtime proxies, the slave bound over /dev/console (not for
// exec-init, whose container has its console already), the master
// sent over the console socket (data "/dev/ptmx", as runc's), the slave
// given to the process's user, dup'ed onto 0, 1 and 2 and made the
// controlling terminal. The socket and both ends are closed after.
static int step_console(struct prog *c, int root, struct setup_result *r)
{
	uint32_t sock = u32(c), uid = u32(c), rows = u32(c), cols = u32(c), flags = u32(c);
	if (c->bad || sock < 3 || sock > 0x7fffffffu || rows > 0xffff || cols > 0xffff || (flags & ~7u) != 0)
		return bad_program(r);
	int master, slave, rc = -1;
	char slave_path[32];
	if (alloc_pty(root, &master, &slave, slave_path, sizeof(slave_path), r) < 0) {
		close((int)sock);
		return -1;
	}
	if (flags & 2) {
		struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
		if (ioctl(master, TIOCSWINSZ, &ws) < 0) {
			failf(r, errno, "process.consoleSize");
			goto out;
		}
	}
	if (flags & 1) {
		struct termios t;
		if (tcgetattr(master, &t) < 0) {
			failf(r, errno, "clear ONLCR on the pty");
			goto out;
		}
		t.c_oflag &= ~(tcflag_t)ONLCR;
		if (tcsetattr(master, TCSANOW, &t) < 0) {
			failf(r, errno, "clear ONLCR on the pty");
			goto out;
		}
	}
	if (!(flags & 4) && mount_console(root, slave, slave_path, r) < 0)
		goto out;
	{
		char name[] = "/dev/ptmx";
		struct iovec iov = {.iov_base = name, .iov_len = strlen(name)};
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		memset(&u, 0, sizeof(u));
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &master, sizeof(int));
		ssize_t w;
		do
			w = sendmsg((int)sock, &msg, 0);
		while (w < 0 && errno == EINTR);
		if (w < 0) {
			failf(r, errno, "send pty master over the console socket");
			goto out;
		}
	}
	if (fchown(slave, (uid_t)uid, (gid_t)-1) < 0) {
		failf(r, errno, "chown pty slave %s", slave_path);
		goto out;
	}
	for (int fd = 0; fd < 3; fd++) {
		if (dup3(slave, fd, 0) < 0) {
			failf(r, errno, "dup pty slave onto fd %d", fd);
			goto out;
		}
	}
	if (ioctl(0, TIOCSCTTY, 0) < 0) {
		failf(r, errno, "make %s the controlling terminal", slave_path);
		goto out;
	}
	rc = 0;
out:
	close(master);
	close(slave);
	close((int)sock);
	return rc;
}

// step_hooks is runtime/init.go's createHooks for the hooks the runtime
// runs: one message and the answer, one line each, as its channel's JSON
// lines.
static int step_hooks(struct prog *c, struct setup_result *r)
{
	uint32_t fd = u32(c);
	if (c->bad || fd < 3 || fd > 0x7fffffffu)
		return bad_program(r);
	static const char ask[] = "{\"type\":\"hooks\"}\n";
	if (gorunc_write_full((int)fd, ask, sizeof(ask) - 1) != 0)
		_exit(1); // the runtime is gone: nothing to report to
	static const char done_line[] = "{\"type\":\"hooks-done\"}";
	char line[64];
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t got = read((int)fd, &ch, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			_exit(1);
		if (ch == '\n')
			break;
		if (n < sizeof(line) - 1)
			line[n] = ch;
		n++;
	}
	if (n != sizeof(done_line) - 1 || memcmp(line, done_line, n) != 0)
		_exit(1); // an error: a hook failed, and the runtime says so
	return 0;
}

// sched_attr_ is sched_setattr(2)'s argument (musl has no declaration).
struct sched_attr_ {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};
#ifndef SYS_sched_setattr
#define SYS_sched_setattr 314
#endif

// step_proc_sched is runtime/sched.go's applyProcSched after the
// affinity, in its order and words.
static int step_proc_sched(struct prog *c, struct setup_result *r)
{
	uint32_t flags = u32(c);
	struct sched_attr_ attr = {.size = sizeof(struct sched_attr_)};
	if (flags & 1) {
		attr.policy = u32(c);
		attr.flags = u64(c);
		attr.nice = (int32_t)u32(c);
		attr.priority = u32(c);
		attr.runtime = u64(c);
		attr.deadline = u64(c);
		attr.period = u64(c);
	}
	uint32_t ioprio = (flags & 2) ? u32(c) : 0;
	uint32_t mode = 0;
	uint64_t nodes[16] = {0};
	if (flags & 4) {
		mode = u32(c);
		for (int i = 0; i < 16; i++)
			nodes[i] = u64(c);
	}
	uint32_t persona = (flags & 16) ? u32(c) : 0;
	if (c->bad || (flags & ~31u) != 0)
		return bad_program(r);
	if ((flags & 1) && syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
		// EPERM when the affinity mask does not hold every CPU,
		// which a cpuset makes so.
		if (errno == EPERM && (flags & 8))
			return failf(r, 0, "process scheduler can't be used together with AllowedCPUs");
		return failf(r, errno, "error setting scheduler");
	}
	// IOPRIO_WHO_PROCESS, the caller, as Go init's ioprio_set(1, 0, ...).
	if ((flags & 2) && syscall(SYS_ioprio_set, 1, 0, (int)ioprio) < 0)
		return failf(r, errno, "failed to set io priority");
	if ((flags & 4) && syscall(SYS_set_mempolicy, (int)mode, nodes, 1024UL) < 0)
		return failf(r, errno, "set_mempolicy");
	// No execve follows but the process's own: nothing resets it.
	if ((flags & 16) && syscall(SYS_personality, (unsigned long)persona) < 0)
		return failf(r, errno, "set_personality");
	return 0;
}

// proc_fd_dir is thread-self/fd of a procfs of this process's own, O_PATH:
// the directory stage 2 reopens the exec fifo through (runtime/init.go's
// openFdDir), opened while the capabilities a procfs mount needs are held.
static int proc_fd_dir(void)
{
	int proc = private_proc();
	if (proc < 0)
		return -1;
	int d = openat(proc, "thread-self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int err = errno;
	close(proc);
	errno = err;
	return d;
}

// step_pivot is rootfs.PivotRoot's pivot_root(".", "."): the old root is
// stacked on the new one, made rslave (its unmount must not reach the
// host's copies) and detached; then / gets the configured propagation and,
// when the config has a /dev of the runtime's making, the stdio fds that
// are a /dev/null point at the container's (a char device 1:3, or the step
// fails, as runc's words say).
static int step_pivot(struct prog *c, const char *root_path, int *root, struct setup_result *r)
{
	char name[32];
	str(c, name, sizeof(name));
	uint32_t prop = u32(c), devnull = u32(c);
	if (c->bad)
		return bad_program(r);
	int old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (old < 0)
		return fail_step(r, errno, "%s", "open old root");
	if (fchdir(*root) < 0) {
		int err = errno;
		close(old);
		return fail_step(r, err, "%s", "chdir to new root");
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		int err = errno;
		close(old);
		return fail_step(r, err, "pivot_root %s", root_path);
	}
	int rc = fchdir(old);
	int err = errno;
	close(old);
	if (rc < 0)
		return fail_step(r, err, "%s", "chdir to old root");
	if (mount("", ".", NULL, MS_SLAVE_ | MS_REC_, NULL) < 0)
		return fail_step(r, errno, "%s", "make old root rslave");
	if (umount2(".", MNT_DETACH_) < 0)
		return fail_step(r, errno, "%s", "detach old root");
	if (chdir("/") < 0)
		return fail_step(r, errno, "%s", "chdir /");
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail_step(r, errno, "%s", "open /");
	close(*root);
	*root = fd;
	if (prop != 0 && mount("", "/", NULL, prop, NULL) < 0)
		return fail_step(r, errno, "set propagation %s of /", name);
	if (!devnull)
		return 0;
	int p = (int)sys_openat2(fd, "dev/null", O_PATH | O_NOFOLLOW);
	if (p < 0)
		return fail_step(r, errno, "%s", "can't reopen /dev/null");
	struct stat st;
	if (fstat(p, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(p);
		return fail_step(r, 0, "%s", "can't reopen /dev/null: container's /dev/null is invalid");
	}
	int null = reopen(p, O_RDWR);
	err = errno;
	close(p);
	if (null < 0)
		return fail_step(r, err, "%s", "can't reopen /dev/null");
	for (int i = 0; i < 3; i++) {
		if (fstat(i, &st) < 0) {
			err = errno;
			close(null);
			snprintf(name, sizeof(name), "%d", i);
			return fail_step(r, err, "can't reopen /dev/null: fstat fd %s", name);
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) && dup3(null, i, 0) < 0) {
			err = errno;
			close(null);
			snprintf(name, sizeof(name), "%d", i);
			return fail_step(r, err, "can't reopen /dev/null: dup /dev/null onto fd %s", name);
		}
	}
	close(null);
	return 0;
}

// step_cwd is runtime/init.go's enterCwd: chdir to process.cwd (a path in
// the container, after the pivot) and, when verify is set, check that
// getcwd(2) finds it under the root (CVE-2024-21626: a cwd reached through
// a leaked host fd says "(unreachable)"). With try set, EACCES or EPERM
// leave it to a later cwd step with after set (as the container's user),
// which is skipped when the try succeeded.
#define CWD_VERIFY 1
#define CWD_TRY 2
#define CWD_AFTER 4
static int step_cwd(struct prog *c, int *cwd_done, struct setup_result *r)
{
	char path[PATH_MAX_], wd[PATH_MAX_];
	str(c, path, sizeof(path));
	uint32_t flags = u32(c);
	if (c->bad)
		return bad_program(r);
	if ((flags & CWD_AFTER) && *cwd_done)
		return 0;
	if (chdir(path) < 0) {
		if ((flags & CWD_TRY) && (errno == EACCES || errno == EPERM))
			return 0;
		return fail_step(r, errno, "process.cwd %s", path);
	}
	if ((flags & CWD_VERIFY) && (getcwd(wd, sizeof(wd)) == NULL || wd[0] != '/')) {
		r->err = 0;
		snprintf(r->what, sizeof(r->what), "process.cwd %s: resolves outside the container's root", path);
		return -1;
	}
	*cwd_done = 1;
	return 0;
}

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

// step_loopback sets lo up in the new network namespace (runtime/
// loopback.go: two ioctls, no netlink).
static int step_loopback(struct setup_result *r)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_step(r, errno, "%s", "set lo up: socket");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		int err = errno;
		close(fd);
		return fail_step(r, err, "%s", "set lo up: SIOCGIFFLAGS");
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		int err = errno;
		close(fd);
		return fail_step(r, err, "%s", "set lo up: SIOCSIFFLAGS");
	}
	close(fd);
	return 0;
}

// find_executable is runtime/procenv.go's findExecutable (Go's
// exec.LookPath check): a file, not a directory, executable for the
// effective ids and capabilities (faccessat2 AT_EACCESS); where the
// kernel lacks that or a filter refuses it, the mode bits decide.
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
static int find_executable(const char *p, int *from_stat)
{
	struct stat st;
	*from_stat = 0;
	if (stat(p, &st) < 0) {
		*from_stat = 1; // os.Stat's error: "stat <path>: <errno>"
		return errno;
	}
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (syscall(SYS_faccessat2, AT_FDCWD, p, X_OK, AT_EACCESS) == 0)
		return 0;
	if (errno != ENOSYS && errno != EPERM)
		return errno;
	return (st.st_mode & 0111) ? 0 : EACCES;
}

static int step_lookup(struct prog *c, struct setup_result *r)
{
	char name[PATH_MAX_], cand[PATH_MAX_];
	str(c, name, sizeof(name));
	uint32_t search = u32(c), n = u32(c);
	if (c->bad)
		return bad_program(r);
	int from_stat;
	if (!search) {
		int err = find_executable(name, &from_stat);
		if (err != 0) {
			r->err = err;
			if (from_stat)
				snprintf(r->what, sizeof(r->what), "exec: \"%s\": stat %s", name, name);
			else
				snprintf(r->what, sizeof(r->what), "exec: \"%s\"", name);
			return -1;
		}
		snprintf(r->argv0, sizeof(r->argv0), "%s", name);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		str(c, cand, sizeof(cand));
		if (c->bad)
			return bad_program(r);
		if (find_executable(cand, &from_stat) != 0)
			continue;
		if (cand[0] != '/') {
			r->err = 0;
			snprintf(r->what, sizeof(r->what), "exec: \"%s\": cannot run executable found relative to current directory", name);
			return -1;
		}
		snprintf(r->argv0, sizeof(r->argv0), "%s", cand);
		// The rest of the candidates are not read: skip them.
		for (i++; i < n; i++)
			str(c, cand, sizeof(cand));
		return c->bad ? bad_program(r) : 0;
	}
	r->err = 0;
	snprintf(r->what, sizeof(r->what), "exec: \"%s\": executable file not found in $PATH", name);
	return -1;
}

// Go's unicode.IsSpace for the rune starting at p (n bytes left), as
// bytes.TrimSpace sees it: its length when it is white space, else 0.
static size_t space_at(const unsigned char *p, size_t n)
{
	if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
		return 1;
	if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (n >= 3 && p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) // U+1680
		return 3;
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
		return 3; // U+2000-U+200A, U+2028, U+2029, U+202F
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) // U+205F
		return 3;
	if (n >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) // U+3000
		return 3;
	return 0;
}

// space_before is space_at for the rune ending at p + n.
static size_t space_before(const unsigned char *p, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (space_at(p + n - k, k) == k)
			return k;
	return 0;
}

// go_atoi is strconv.Atoi as moby/sys/user uses it (errors ignored): the
// value, 0 for a syntax error; *fits is 0 when it is no uint32, which no
// uid can match (a range error's clamped value included).
static long long go_atoi(const unsigned char *p, size_t n, int *fits)
{
	*fits = 1;
	size_t i = 0;
	int neg = 0;
	if (n > 0 && (p[0] == '+' || p[0] == '-')) {
		neg = p[0] == '-';
		i = 1;
	}
	if (i == n)
		return 0;
	unsigned long long v = 0;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0; // syntax error: 0, whatever came before
		if (v < (1ull << 40))
			v = v * 10 + (p[i] - '0');
		else
			*fits = 0;
	}
	if (neg && v != 0)
		*fits = 0;
	if (v > 0xffffffffull)
		*fits = 0;
	return (long long)v;
}

// step_home is runtime/procenv.go's passwdHome after the pivot, before
// the user switch: the home directory of the first entry of the
// container's /etc/passwd whose uid is uid, parsed as moby/sys/user does
// (lines trimmed of white space, empty ones skipped, fields split at ":",
// a missing or bad number read as 0, a missing field as ""), or "/" when
// the file is not a regular file, cannot be read, or has a line longer
// than bufio.Scanner takes (64 KiB). The file is found inside the root,
// its last component not a magic link, and read through a procfs of
// init's own.
#define PASSWD_MAX (64u << 20)
static int step_home(struct prog *c, int root, struct setup_result *r)
{
	uint32_t uid = u32(c);
	if (c->bad)
		return bad_program(r);
	snprintf(r->home, sizeof(r->home), "HOME=/");
	int p = (int)sys_openat2(root, "etc/passwd", O_PATH);
	if (p < 0)
		return 0;
	struct stat st;
	if (fstat(p, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > PASSWD_MAX) {
		close(p);
		return 0;
	}
	int fd = reopen(p, O_RDONLY);
	close(p);
	if (fd < 0)
		return 0;
	size_t cap = (size_t)st.st_size + 1, len = 0;
	unsigned char *buf = malloc(cap);
	if (buf == NULL) {
		close(fd);
		return fail_step(r, ENOMEM, "%s", "read /etc/passwd");
	}
	for (;;) {
		if (len == cap) {
			close(fd);
			free(buf);
			return 0; // grew while read: as good as unreadable
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			free(buf);
			return 0;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	const unsigned char *home = NULL;
	size_t home_len = 0;
	for (size_t at = 0; at < len;) {
		const unsigned char *nl = memchr(buf + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - at;
		// bufio.Scanner's limit: the line and its newline in 64 KiB.
		if (n + (nl ? 1 : 0) > 64 * 1024) {
			free(buf);
			return 0;
		}
		const unsigned char *line = buf + at;
		at = nl ? end + 1 : len;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		for (size_t k; n > 0 && (k = space_at(line, n)) > 0;)
			line += k, n -= k;
		for (size_t k; n > 0 && (k = space_before(line, n)) > 0;)
			n -= k;
		if (n == 0 || home != NULL)
			continue;
		const unsigned char *f[7] = {0};
		size_t fl[7] = {0};
		size_t nf = 0, start = 0;
		for (size_t i = 0; i <= n && nf < 7; i++) {
			if (i == n || line[i] == ':') {
				f[nf] = line + start;
				fl[nf] = i - start;
				nf++;
				start = i + 1;
			}
		}
		int fits = 1;
		long long v = nf > 2 ? go_atoi(f[2], fl[2], &fits) : 0;
		if (fits && v == (long long)uid) {
			home = nf > 5 ? f[5] : (const unsigned char *)"";
			home_len = nf > 5 ? fl[5] : 0;
		}
	}
	if (home != NULL) {
		if (home_len + 6 > sizeof(r->home) || memchr(home, 0, home_len) != NULL) {
			free(buf);
			return fail_step(r, ENAMETOOLONG, "%s", "HOME from /etc/passwd");
		}
		memcpy(r->home, "HOME=", 5);
		memcpy(r->home + 5, home, home_len);
		r->home[5 + home_len] = 0;
	}
	free(buf);
	return 0;
}

// remount_attr is rootfs/detached.go's remountAttr: what mount(2) with
// MS_REMOUNT|MS_BIND and flags does to a mount's flags.
#define MS_RDONLY_ 1
#define MS_NOSUID_ 2
#define MS_NODEV_ 4
#define MS_NOEXEC_ 8
#define MS_NOATIME_ 1024
#define MS_NODIRATIME_ 2048
#define MS_RELATIME_ (1 << 21)
#define MS_STRICTATIME_ (1 << 24)
#define MS_NOSYMFOLLOW_ 256
#define MOUNT_ATTR_RELATIME_ 0x00000000
#define MOUNT_ATTR_NOATIME_ 0x00000010
#define MOUNT_ATTR_STRICTATIME_ 0x00000020
#define MOUNT_ATTR__ATIME_ 0x00000070
#define MOUNT_ATTR_NODIRATIME_ 0x00000080
#define MOUNT_ATTR_NOSYMFOLLOW_ 0x00200000
#define ATIME_FLAGS (MS_NOATIME_ | MS_RELATIME_ | MS_STRICTATIME_ | MS_NODIRATIME_)
#define LOCKABLE_FLAGS (MS_RDONLY_ | MS_NOSUID_ | MS_NODEV_ | MS_NOEXEC_ | ATIME_FLAGS)

static uint64_t mount_attrs(uint32_t flags)
{
	uint64_t a = 0;
	if (flags & MS_RDONLY_)
		a |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID_)
		a |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV_)
		a |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC_)
		a |= MOUNT_ATTR_NOEXEC;
	if (flags & MS_NODIRATIME_)
		a |= MOUNT_ATTR_NODIRATIME_;
	if (flags & MS_NOSYMFOLLOW_)
		a |= MOUNT_ATTR_NOSYMFOLLOW_;
	if (flags & MS_STRICTATIME_)
		a |= MOUNT_ATTR_STRICTATIME_;
	else if (flags & MS_NOATIME_)
		a |= MOUNT_ATTR_NOATIME_;
	return a;
}

static struct mount_attr remount_attr(uint32_t flags)
{
	struct mount_attr a = {.attr_set = mount_attrs(flags),
			       .attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
					   MOUNT_ATTR_NOSYMFOLLOW_};
	if (flags & ATIME_FLAGS)
		a.attr_clr |= MOUNT_ATTR__ATIME_ | MOUNT_ATTR_NODIRATIME_;
	else
		a.attr_set &= ~(uint64_t)(MOUNT_ATTR__ATIME_ | MOUNT_ATTR_NODIRATIME_);
	return a;
}

// statfs_flags is rootfs's statfsMountFlags: a mount's MS_* flags from
// its statfs (ST_RELATIME 4096 and ST_NOSYMFOLLOW 8192 differ from MS_*;
// neither noatime nor relatime is strictatime).
static uint32_t statfs_flags(const struct statfs *st)
{
	uint32_t f = 0, s = (uint32_t)st->f_flags;
	f |= s & (MS_RDONLY_ | MS_NOSUID_ | MS_NODEV_ | MS_NOEXEC_ | MS_NOATIME_ | MS_NODIRATIME_);
	if (s & 4096)
		f |= MS_RELATIME_;
	if (s & 8192)
		f |= MS_NOSYMFOLLOW_;
	if (!(s & (MS_NOATIME_ | 4096)))
		f |= MS_STRICTATIME_;
	return f;
}

static int set_attr(int mnt, struct mount_attr a)
{
	return (int)syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH, &a, sizeof(a));
}

// remount_bind is rootfs's remountBind on the detached tree: exactly the
// options' flags, or, where the kernel refuses (flags locked by a less
// privileged user namespace), the locked ones kept unless an option
// asked to clear one, in runc 1.5's words.
static int remount_bind(int mnt, const char *dest, uint32_t flags, uint32_t cleared, struct setup_result *r)
{
	if (set_attr(mnt, remount_attr(flags)) == 0)
		return 0;
	int first = errno;
	struct statfs st;
	if (fstatfs(mnt, &st) < 0)
		return fail_step(r, errno, "statfs bind source of %s", dest);
	uint32_t src = statfs_flags(&st);
	if (src & cleared & LOCKABLE_FLAGS) {
		r->err = first;
		snprintf(r->what, sizeof(r->what), "failed to set user-requested vfs flags on bind-mount %s: cannot clear locked flags", dest);
		return -1;
	}
	uint32_t want = flags & ATIME_FLAGS;
	if (want != 0 && want != (src & ATIME_FLAGS)) {
		r->err = first;
		snprintf(r->what, sizeof(r->what), "failed to set user-requested vfs flags on bind-mount %s: cannot change locked atime flags", dest);
		return -1;
	}
	if (set_attr(mnt, remount_attr(flags | (src & LOCKABLE_FLAGS))) < 0)
		return fail_step(r, errno, "failed to set user-requested vfs flags on bind-mount %s: remount with locked flags re-applied", dest);
	return 0;
}

// step_remount sets exactly flags' per-mount options on the mount the
// last mount step with MOUNT_HOLD made (its top mount only), as a
// MS_BIND|MS_REMOUNT of it would: the read-only tmpfs of a v1 cgroup
// mount, made read-only after its hierarchies are mounted in it
// (mountHierarchies). path names it in errors.
static int step_remount(struct prog *c, int *held, struct setup_result *r)
{
	char path[PATH_MAX_];
	str(c, path, sizeof(path));
	uint32_t flags = u32(c);
	if (c->bad || *held < 0)
		return bad_program(r);
	if (set_attr(*held, remount_attr(flags)) < 0)
		return fail_step(r, errno, "remount %s", path);
	return 0;
}

// The seccomp ABI, as stage2.c spells it out (musl has no kernel headers).
struct setup_sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct setup_sock_fprog {
	unsigned short len;
	struct setup_sock_filter *filter;
};
#define SETUP_SECCOMP_SET_MODE_FILTER 1
#define SETUP_BPF_MAXINSNS 4096

// step_seccomp loads a filter before the user switch (no noNewPrivileges:
// it needs CAP_SYS_ADMIN, runtime/init.go's startProcess): every later
// step runs under it, as Go init's do. Each instruction is two u32s:
// code | jt << 16 | jf << 24, then k.
static int step_seccomp(struct prog *c, struct setup_result *r)
{
	static struct setup_sock_filter insns[SETUP_BPF_MAXINSNS];
	uint32_t flags = u32(c), count = u32(c);
	if (c->bad || count == 0 || count > SETUP_BPF_MAXINSNS)
		return bad_program(r);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t op = u32(c);
		insns[i].code = (uint16_t)op;
		insns[i].jt = (uint8_t)(op >> 16);
		insns[i].jf = (uint8_t)(op >> 24);
		insns[i].k = u32(c);
	}
	if (c->bad)
		return bad_program(r);
	struct setup_sock_fprog prog = {.len = (unsigned short)count, .filter = insns};
	long rc = syscall(SYS_seccomp, SETUP_SECCOMP_SET_MODE_FILTER, flags, &prog);
	char flagtext[16];
	snprintf(flagtext, sizeof(flagtext), "0x%x", flags);
	if (rc < 0)
		return fail_step(r, errno, "linux.seccomp: seccomp(SECCOMP_SET_MODE_FILTER, flags %s)", flagtext);
	if (rc > 0) {
		// TSYNC's thread that could not be synchronised: none here,
		// init has one thread.
		r->err = 0;
		snprintf(r->what, sizeof(r->what), "linux.seccomp: seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread %ld could not be synchronised", rc);
		return -1;
	}
	return 0;
}

// step_bindpath is rootfs's mountBind: the source cloned here, in the
// container's mount namespace with the earlier mounts in place, or the
// runtime's clone (pre) when that fails; the mount point a directory or
// an empty file as the source is; the /proc check with the source's
// statfs; the options' flags on the detached tree; attached; then the
// propagation, in order.
static int propagate(int mnt, const char *target, const uint32_t *props, uint32_t n, struct setup_result *r);

static int step_bindpath(struct prog *c, int root, struct proc_check *pc, struct setup_result *r)
{
	char source[PATH_MAX_], target[PATH_MAX_], loc[PATH_MAX_];
	str(c, source, sizeof(source));
	uint32_t pre = u32(c);
	str(c, target, sizeof(target));
	uint32_t recursive = u32(c), remount = u32(c), flags = u32(c), cleared = u32(c), nprop = u32(c);
	if (c->bad || nprop > 16 || pre > 0x7fffffffu)
		return bad_program(r);
	uint32_t props[16];
	for (uint32_t i = 0; i < nprop; i++)
		props[i] = u32(c);
	uint64_t rset = u64(c), rclr = u64(c);
	if (c->bad)
		return bad_program(r);
	struct proc_check check = *pc;
	pc->armed = 0;
	struct statfs sfs;
	if (check.armed) {
		// On names first, the source's by its path (checkMount).
		check.is_proc = statfs(source, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC_;
		if (resolve_loc(root, target, loc, sizeof(loc)) < 0 || check_proc(&check, loc, r) < 0) {
			if (r->what[0] == 0)
				fail_step(r, errno, "resolve %s", target);
			if (pre > 0)
				close((int)pre);
			return -1;
		}
	}
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, OPEN_TREE_CLONE | O_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (tree < 0 && pre > 0) {
		// Attached as it is: it is this mount's alone.
		tree = (int)pre;
	} else if (pre > 0)
		close((int)pre);
	if (tree < 0) {
		r->err = errno;
		snprintf(r->what, sizeof(r->what), "%s: bind source: open_tree %s", check.context, source);
		return -1;
	}
	struct stat st;
	if (fstat(tree, &st) < 0) {
		int err = errno;
		close(tree);
		r->err = err;
		snprintf(r->what, sizeof(r->what), "%s: bind source: stat %s", check.context, source);
		return -1;
	}
	// Again on what is mounted: the tree's own statfs (checkHandle).
	check.is_proc = fstatfs(tree, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC_;
	int dir = S_ISDIR(st.st_mode);
	int dst = dir ? mkdirs(root, target, 0755) : mkfile(root, target);
	if (dst < 0) {
		int err = errno;
		close(tree);
		r->err = err;
		snprintf(r->what, sizeof(r->what), "%s: %s %s in rootfs", check.context, dir ? "mkdir" : "create", target);
		return -1;
	}
	if (check.armed && (location(root, dst, loc, sizeof(loc)) < 0 || check_proc(&check, loc, r) < 0)) {
		if (r->what[0] == 0)
			fail_step(r, errno, "locate %s", target);
		close(dst);
		close(tree);
		return -1;
	}
	if ((remount && remount_bind(tree, target, flags, cleared, r) < 0) || set_recursive(tree, target, rset, rclr, r) < 0) {
		close(dst);
		close(tree);
		return -1;
	}
	long rc = syscall(SYS_move_mount, tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int err = errno;
	close(dst);
	if (rc < 0) {
		close(tree);
		return fail_step(r, err, "mount on %s", target);
	}
	rc = propagate(tree, target, props, nprop, r);
	close(tree);
	return (int)rc;
}

// propagate gives the mount mnt its propagation types, in order (rootfs's
// propagate); target names it in errors.
static int propagate(int mnt, const char *target, const uint32_t *props, uint32_t n, struct setup_result *r)
{
	for (uint32_t i = 0; i < n; i++) {
		struct mount_attr a = {.propagation = props[i] & ~(uint32_t)MS_REC_};
		if (syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH | ((props[i] & MS_REC_) ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
			return failf(r, errno, "set propagation %#x on %s", props[i], target);
	}
	return 0;
}

// step_propagate is propagate for the mount the last mount step with
// MOUNT_HOLD made (held until the next one, or the program's end).
static int step_propagate(struct prog *c, int *held, struct setup_result *r)
{
	char target[PATH_MAX_];
	uint32_t props[8];
	str(c, target, sizeof(target));
	uint32_t n = u32(c);
	if (c->bad || n == 0 || n > 8 || *held < 0)
		return bad_program(r);
	for (uint32_t i = 0; i < n; i++) {
		props[i] = u32(c);
		if ((props[i] & ~(uint32_t)MS_REC_) == 0)
			c->bad = 1;
	}
	if (c->bad)
		return bad_program(r);
	return propagate(*held, target, props, n, r);
}

// step_rlimit is runtime/process.go's setRlimits for one limit, in its
// words (the limit's name is the runtime's, from the config).
static int step_rlimit(struct prog *c, struct setup_result *r)
{
	char name[64];
	uint32_t res = u32(c);
	struct rlimit lim = {.rlim_cur = u64(c), .rlim_max = u64(c)};
	str(c, name, sizeof(name));
	if (c->bad)
		return bad_program(r);
	if (setrlimit((int)res, &lim) == 0)
		return 0;
	int err = errno;
	unsigned long long soft = (unsigned long long)lim.rlim_cur, hard = (unsigned long long)lim.rlim_max;
	if (err != EPERM)
		return failf(r, err, "set %s to %llu/%llu", name, soft, hard);
	char text[128];
	go_errno_text(text, sizeof(text), err);
	return failf(r, 0, "set %s to %llu/%llu: %s (raising a hard limit needs CAP_SYS_RESOURCE)", name, soft, hard, text);
}

int gorunc_setup_run(const unsigned char *buf, size_t len, struct setup_result *r)
{
	char root_path[PATH_MAX_], s[PATH_MAX_];
	// The fields every reader looks at, not all 22 KiB of *r: each page
	// of it written costs init a page fault (~20 us on this project's
	// host); the rest is read only where these say it was written.
	r->step = -1;
	r->err = 0;
	r->what[0] = 0;
	r->ambient_refused = 0;
	r->argv0[0] = 0;
	r->home[0] = 0;
	if (len > SETUP_MAX)
		return bad_program(r);
	struct prog c = {buf, len, 0};
	if (u32(&c) != SETUP_MAGIC)
		return bad_program(r);
	str(&c, root_path, sizeof(root_path));
	uint32_t n = u32(&c);
	if (c.bad)
		return bad_program(r);
	int root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return fail_step(r, errno, "open root %s", root_path);
	int rc = 0, cwd_done = 0, held = -1;
	struct proc_check pc = {0};
	struct masker masker = {.shared = -1};
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		r->step = (int)i;
		switch (u32(&c)) {
		case OP_HOSTNAME:
			str(&c, s, sizeof(s));
			if (c.bad)
				rc = bad_program(r);
			else if (sethostname(s, strlen(s)) < 0)
				rc = fail_step(r, errno, "set hostname %s", s);
			break;
		case OP_DOMAINNAME:
			str(&c, s, sizeof(s));
			if (c.bad)
				rc = bad_program(r);
			else if (setdomainname(s, strlen(s)) < 0)
				rc = fail_step(r, errno, "set domainname %s", s);
			break;
		case OP_RLIMIT:
			rc = step_rlimit(&c, r);
			break;
		case OP_MKDIRS: {
			str(&c, s, sizeof(s));
			uint32_t mode = u32(&c);
			if (c.bad) {
				rc = bad_program(r);
				break;
			}
			int fd = mkdirs(root, s, (mode_t)(mode & 07777));
			if (fd < 0)
				rc = fail_step(r, errno, "mkdir %s", s);
			else
				close(fd);
			break;
		}
		case OP_MOUNT:
			rc = step_mount(&c, root, &held, &pc, r);
			break;
		case OP_BIND:
			rc = step_bind(&c, root, r);
			break;
		case OP_MASK:
			rc = step_mask(&c, root, &masker, r);
			break;
		case OP_READONLY:
			rc = step_readonly(&c, root, r);
			break;
		case OP_MKNOD:
			rc = step_mknod(&c, root, r);
			break;
		case OP_SYSCTL:
			rc = step_sysctl(&c, r);
			break;
		case OP_IDENTITY:
			rc = step_identity(&c, r);
			break;
		case OP_SYMLINK:
			rc = step_symlink(&c, root, 0, r);
			break;
		case OP_ROOT:
			rc = step_root(&c, root_path, &root, r);
			break;
		case OP_PIVOT:
			rc = step_pivot(&c, root_path, &root, r);
			break;
		case OP_CWD:
			rc = step_cwd(&c, &cwd_done, r);
			break;
		case OP_SETSID:
			if (setsid() < 0)
				rc = fail_step(r, errno, "%s", "setsid");
			break;
		case OP_UNSHARE: {
			uint32_t flags = u32(&c);
			if (c.bad || (flags & ~(uint32_t)(CLONE_NEWCGROUP | 0x80 /* CLONE_NEWTIME */)) != 0)
				rc = bad_program(r);
			else if (unshare((int)flags) < 0)
				rc = fail_step(r, errno, "%s", "unshare cgroup/time namespace");
			break;
		}
		case OP_KEYRING:
			str(&c, s, sizeof(s));
			if (c.bad)
				rc = bad_program(r);
			else if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s, 0, 0, 0) < 0 && errno != ENOSYS)
				rc = fail_step(r, errno, "%s", "join session keyring");
			break;
		case OP_LOOPBACK:
			rc = step_loopback(r);
			break;
		case OP_FDDIR: {
			uint32_t slot = u32(&c);
			if (c.bad || slot < 3 || slot > 0x7fffffffu) {
				rc = bad_program(r);
				break;
			}
			int d = proc_fd_dir();
			if (d < 0 || dup3(d, (int)slot, O_CLOEXEC) < 0)
				rc = fail_step(r, errno, "%s", "open fd directory");
			if (d >= 0)
				close(d);
			break;
		}
		case OP_BINDPATH:
			rc = step_bindpath(&c, root, &pc, r);
			break;
		case OP_REMOUNT:
			rc = step_remount(&c, &held, r);
			break;
		case OP_SECCOMP:
			rc = step_seccomp(&c, r);
			break;
		case OP_LOG: {
			// A debug line for the runtime's log (Go init's
			// debugf), or the pipe closed. A lost line is no
			// failure, as Go init's logger ignores its errors.
			uint32_t fd = u32(&c), close_it = u32(&c);
			str(&c, s, sizeof(s));
			if (c.bad || fd < 3 || fd > 0x7fffffffu) {
				rc = bad_program(r);
				break;
			}
			if (s[0])
				(void)gorunc_write_full((int)fd, s, strlen(s));
			if (close_it)
				close((int)fd);
			break;
		}
		case OP_PROC_SCHED:
			rc = step_proc_sched(&c, r);
			break;
		case OP_APPARMOR:
			rc = step_apparmor(&c, r);
			break;
		case OP_HOOKS:
			rc = step_hooks(&c, r);
			break;
		case OP_PROPAGATE:
			rc = step_propagate(&c, &held, r);
			break;
		case OP_CONSOLE:
			rc = step_console(&c, root, r);
			break;
		case OP_PROC_WRITE:
			rc = step_proc_write(&c, r);
			break;
		case OP_HOME:
			rc = step_home(&c, root, r);
			break;
		case OP_RELINK:
			rc = step_symlink(&c, root, 1, r);
			break;
		case OP_PROC_CHECK:
			str(&c, pc.context, sizeof(pc.context));
			pc.is_proc = (int)u32(&c);
			pc.armed = 1;
			if (c.bad)
				rc = bad_program(r);
			break;
		case OP_AFFINITY_ALL: {
			// Every CPU the cgroup allows (runtime/sched.go's
			// setAffinity): the caller's pinning does not leak in;
			// runc only warns when it fails, so nothing here.
			// Read-only data: a memset of a writable 8 KiB cost
			// init three page faults (~20 us each on this
			// project's host) for a constant.
			static const unsigned char all[64 * 1024 / 8] = {[0 ... 64 * 1024 / 8 - 1] = 0xff};
			syscall(SYS_sched_setaffinity, 0, sizeof(all), all);
			break;
		}
		case OP_LOOKUP:
			rc = step_lookup(&c, r);
			break;
		case OP_ROOT_READONLY: {
			// The top mount only, its other flags kept: a remount
			// of the bind, as rootfs.Finalize's.
			struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
			if (syscall(SYS_mount_setattr, root, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
				rc = fail_step(r, errno, "%s", "root.readonly: remount / read-only");
			break;
		}
		default:
			rc = bad_program(r);
		}
	}
	if (rc == 0 && (c.bad || c.left != 0)) {
		r->step = -1;
		rc = bad_program(r);
	}
	if (masker.shared >= 0)
		close(masker.shared);
	if (held >= 0)
		close(held);
	close(root);
	return rc;
}
