//go:build cgo && linux

package nsexec

// The constructor lives in nsenter.c; importing "C" is what compiles it in.

// #cgo CFLAGS: -Wall -Werror -O2
// #include "cli.h"
import "C"

// NsenterAvailable reports whether this binary carries the nsenter
// constructor (it is built with cgo).
const NsenterAvailable = true

// StartFailure is the error of a `gorunc start` done before the Go runtime
// (cli.c) that failed after it released init: the command's answer, to
// be reported as its own errors are. Empty in any other process, and when
// Go is to do the start (or did it).
func StartFailure() string {
	return C.GoString(&C.gorunc_start_failed[0])
}
