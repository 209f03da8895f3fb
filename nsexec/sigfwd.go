//go:build cgo && linux

package nsexec

// #include "sigs.h"
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ForwardSignals delivers each of sigs on the returned channel from now
// until the process exits, as signal.Notify would, but each caught by a C
// handler that writes its number into a pipe (sigs.c): signal.Notify hands
// every signal to the Go runtime's signal thread and waits for it, two
// thread switches a signal, ~150 us each on one P here, and runc's CLI
// forwards 62. A SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV or SIGSYS that
// reports a fault of gorunc's own still goes to the Go runtime (a panic,
// as before); sent by a process, it is delivered here. As with
// signal.Notify, a signal is dropped when the channel is full. For once
// per process: a second call takes the signals from the first.
func ForwardSignals(sigs []unix.Signal) (<-chan unix.Signal, error) {
	if slices.Contains(sigs, unix.SIGPIPE) {
		// The os package kills the program with SIGPIPE when a write
		// to a closed stdout or stderr fails, unless os/signal was
		// asked for SIGPIPE or to ignore it, as runc's CLI (every
		// signal notified) is not killed. Ignore only sets SIG_IGN (no
		// round trip), which the handler replaces below.
		signal.Ignore(unix.SIGPIPE)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("forward signals: pipe: %w", err)
	}
	cs := make([]C.int, len(sigs)+1)
	for i, s := range sigs {
		cs[i] = C.int(s)
	}
	if rc := C.gorunc_forward_signals(C.int(p[1]), (*C.int)(unsafe.Pointer(&cs[0])), C.int(len(sigs))); rc != 0 {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, fmt.Errorf("forward signals: %w", unix.Errno(rc))
	}
	// p[1] stays open for the handlers, as long as the process lives.
	r := os.NewFile(uintptr(p[0]), "forwarded signals")
	ch := make(chan unix.Signal, 64)
	go func() {
		var b [64]byte
		for {
			n, err := r.Read(b[:])
			if err != nil {
				return
			}
			for _, s := range b[:n] {
				select {
				case ch <- unix.Signal(s):
				default:
				}
			}
		}
	}()
	return ch, nil
}
