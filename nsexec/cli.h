#ifndef GORUNC_CLI_H
#define GORUNC_CLI_H

// gorunc_cli does `gorunc start`, `state`, `kill` and `list` before the Go
// runtime (cli.c) when the command line is one it takes: it exits 0 when
// done, and returns otherwise, with gorunc_start_failed set when a start failed after
// releasing init (cmdStart reports it) and empty when all is left to Go.
// It returns 1 for a command Go runs faster on one P (create, run, exec:
// nsenter.c, "One P for the CLI"), 0 otherwise.
int gorunc_cli(void);

// gorunc_one_p is gorunc_cli's test of the command word after the global
// flags (exported for the nsexec tests).
int gorunc_one_p(const char *cmd);

#include <stddef.h>
#include <stdint.h>

// A string of state.json as it stands between its quotes; plain when
// encoding/json would write the decoded string back as these bytes.
struct span {
	const char *p;
	size_t n;
	int plain;
};

#define MAX_ANNOTATIONS 128

// What start and state read of state.json (runtime's record).
struct container {
	uint64_t init_pid, init_start, version;
	char cgroup[4096]; // v2's path, or v1's freezer path ("" for none)
	int systemd;       // cgroup.systemd names a unit
	int has_root;      // cgroup.root is set
	size_t paths;      // cgroup.paths' members
	int has_process;   // spec.process is there
	// spec.linux.namespaces' pid namespace: none asked for, new
	// (private), or joined by path; ns_unsure: a key of another case or
	// a string with an escape on the way, which encoding/json may read
	// otherwise (Go's).
	enum { PID_NS_NONE, PID_NS_PRIVATE, PID_NS_JOINED } pid_ns;
	int ns_unsure;
	struct span id, bundle, rootfs, created, owner;
	// spec.annotations' members in their order, [0] the key;
	// annotations_over: more than MAX_ANNOTATIONS.
	struct span annotation[MAX_ANNOTATIONS][2];
	size_t annotations;
	int annotations_over;
};

// gorunc_start_record fills c from state.json's bytes: 0, or -1 when
// something there is left to Go (exported for the nsexec tests).
int gorunc_start_record(const char *data, size_t size, struct container *c);
extern char gorunc_start_failed[4096];

#endif
