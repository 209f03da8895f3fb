#ifndef GORUNC_START_H
#define GORUNC_START_H

// gorunc_start does `gorunc start` before the Go runtime (start.c) when
// the command line is a start it takes: it exits 0 when done, and returns
// otherwise, with gorunc_start_failed set when it failed after releasing
// init (cmdStart reports it) and empty when all is left to Go.
void gorunc_start(void);

#include <stddef.h>
#include <stdint.h>

// What start reads of state.json (runtime's record).
struct container {
	uint64_t init_pid, init_start, version;
	char cgroup[4096]; // v2's path, or v1's freezer path ("" for none)
	int has_process;   // spec.process is there
};

// gorunc_start_record fills c from state.json's bytes: 0, or -1 when
// something there is left to Go (exported for the nsexec tests).
int gorunc_start_record(const char *data, size_t size, struct container *c);
extern char gorunc_start_failed[4096];

#endif
