//go:build !cgo || !linux

package nsexec

import "os/exec"

// NsenterAvailable is false in a binary built without cgo: it has no
// constructor, and `gorunc exec` cannot join mount or user namespaces.
const NsenterAvailable = false

// StartFailure is always empty: without the constructor, Go does every
// start (nsenter.go).
func StartFailure() string { return "" }

// WithCallerSlack calls fn: without the constructor the slack was never
// raised (timerslack.go).
func WithCallerSlack(fn func() error) error { return fn() }

// CombinedOutput is exec.Cmd.CombinedOutput (timerslack.go).
func CombinedOutput(cmd *exec.Cmd) ([]byte, error) { return combinedOutput(cmd, WithCallerSlack) }
