//go:build !cgo || !linux

package nsexec

import (
	"os"
	"os/exec"
	"os/signal"

	"golang.org/x/sys/unix"
)

// NsenterAvailable is false in a binary built without cgo: it has no
// constructor, and `gorunc exec` cannot join mount or user namespaces.
const NsenterAvailable = false

// StartFailure is always empty: without the constructor, Go does every
// start (nsenter.go).
func StartFailure() string { return "" }

// StartAsCaller calls fn: without the constructor neither the slack nor the
// CPU mask was changed (caller.go).
func StartAsCaller(fn func() error) error { return fn() }

// CombinedOutput is exec.Cmd.CombinedOutput (caller.go).
func CombinedOutput(cmd *exec.Cmd) ([]byte, error) { return combinedOutput(cmd, StartAsCaller) }

// ForwardSignals delivers each of sigs on the returned channel, through
// os/signal: without cgo there are no C handlers (sigfwd.go).
func ForwardSignals(sigs []unix.Signal) (<-chan unix.Signal, error) {
	in := make(chan os.Signal, 64)
	ss := make([]os.Signal, len(sigs))
	for i, s := range sigs {
		ss[i] = s
	}
	signal.Notify(in, ss...)
	ch := make(chan unix.Signal, 64)
	go func() {
		for s := range in {
			select {
			case ch <- s.(unix.Signal):
			default:
			}
		}
	}()
	return ch, nil
}
