#ifndef GORUNC_STAGE2_H
#define GORUNC_STAGE2_H

// gorunc_stage2 is init's wait on the exec fifo without the Go runtime
// (stage2.c); marker is the value of _GORUNC_STAGE2. It never returns.
void gorunc_stage2(const char *marker) __attribute__((noreturn));

// gorunc_stage2_argv0 is gorunc_stage2 with the program's path found by
// the setup program (setup.c's lookup step) instead of the plan's, when
// found is not NULL.
// extra_env, when not NULL, is appended to the plan's environment.
void gorunc_stage2_argv0(const char *marker, const char *found, const char *extra_env) __attribute__((noreturn));

#endif
