#ifndef GORUNC_SETUP_H
#define GORUNC_SETUP_H

#include <stddef.h>

// setup_result says where a setup program stopped: the index of the
// failing step (-1: the program itself, or before any step), the errno
// and what the step was doing.
struct setup_result {
	int step;
	int err;
	char what[12288]; // room for a whole path and the words around it
	// ambient_refused are the ambient capabilities the kernel refused to
	// raise (the program still succeeds, as runc only warns).
	unsigned long long ambient_refused;
	// ambient_names and ambient_errno are each refused one's name and
	// why, for runc's warning "can't raise ambient capability".
	char ambient_names[64][32];
	int ambient_errno[64];
	// argv0 is the program's path the lookup step found ("" without one).
	char argv0[4096];
	// home is "HOME=<dir>" the home step found ("" without one).
	char home[4104];
};

// gorunc_setup_run runs a setup program (format in setup.c); 0 when every
// step succeeded, else -1 with *r filled in.
int gorunc_setup_run(const unsigned char *buf, size_t len, struct setup_result *r);

// gorunc_setup_init is `gorunc init` without the Go runtime (setup_init.c):
// marker is $_GORUNC_SETUP, sync $_GORUNC_SYNC.
void gorunc_setup_init(const char *marker, const char *sync) __attribute__((noreturn));

#endif
