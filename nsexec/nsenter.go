//go:build cgo && linux

package nsexec

// The constructor lives in nsenter.c; importing "C" is what compiles it in.

// #cgo CFLAGS: -Wall -Werror -O2
import "C"

// NsenterAvailable reports whether this binary carries the nsenter
// constructor (it is built with cgo).
const NsenterAvailable = true
