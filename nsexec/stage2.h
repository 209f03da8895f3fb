#ifndef GORUNC_STAGE2_H
#define GORUNC_STAGE2_H

// gorunc_stage2 is init's wait on the exec fifo without the Go runtime
// (stage2.c); marker is the value of _GORUNC_STAGE2. It never returns.
void gorunc_stage2(const char *marker) __attribute__((noreturn));

#endif
