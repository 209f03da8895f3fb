#ifndef GORUNC_SIGS_H
#define GORUNC_SIGS_H

// Signal dispositions the C library will not set. glibc's sigaction
// refuses signals 32 and 33 (its SIGCANCEL and SIGSETXID), musl's 32 to 34
// (SIGTIMER, SIGCANCEL, SIGSYNCCALL); these go to the kernel directly.

// gorunc_copy_handler gives signal to the disposition signal from has, as
// the kernel holds it (with the C library's sa_restorer, which x86_64 needs
// to return from a handler). It returns 0 or an errno.
int gorunc_copy_handler(int from, int to);

// gorunc_default_ignored gives every signal the caller left ignored its
// default disposition, as runc's init gets them (init and exec-init call
// it): runc's CLI calls signal.Notify for every signal before it starts
// init, so none is still SIG_IGN at init's execve, while a Go program keeps
// an inherited SIG_IGN for SIGHUP and SIGINT (and the job-control signals)
// until asked. Without this, `nohup gorunc create` made an init that `kill
// HUP` no longer ended and a container process that ignored SIGHUP, where
// runc's does neither. 32 stays ignored: glibc refused it, and neither
// glibc nor the Go runtime nor runc touch it.
void gorunc_default_ignored(void);

// gorunc_forward_signals gives each of sigs (n of them, 1 to 64) a handler
// that writes the signal's number, one byte, to fd, which must not block:
// a Go runtime takes each signal it is asked for through its signal
// thread, two thread switches a signal (nsexec.ForwardSignals). A
// SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV or SIGSYS that reports a fault
// still goes to the handler it had (the Go runtime's). For this process's
// life, once: nothing undoes it. Returns 0 or an errno.
int gorunc_forward_signals(int fd, const int *sigs, int n);

#endif
