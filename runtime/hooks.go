package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/gorunc/gorunc/nsexec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// hookSite is where a list of hooks runs, where that differs from the
// runtime's own process.
type hookSite struct {
	// dir is the working directory; "" keeps the caller's.
	dir string
	// env is the environment of a hook whose config sets none (nil keeps
	// the caller's). A hook's own env, when set, is its whole environment.
	env []string
}

// runHooksContext runs hooks in order with the container state on stdin
// (runtime-spec config.md "POSIX-platform Hooks"), killing them when ctx
// ends: create cancels it when init dies or freezes under a hook, which
// would otherwise keep create (and the container's lock) for as long as the
// hook likes. It stops at the first failure and returns it; callers decide
// whether that is fatal.
func runHooksContext(ctx context.Context, kind string, hooks []specs.Hook, st specs.State) error {
	return runHooksAt(ctx, hookSite{}, kind, hooks, st)
}

// runHooksIn runs hooks from init, at site.
func runHooksIn(site hookSite, kind string, hooks []specs.Hook, st specs.State) error {
	return runHooksAt(context.Background(), site, kind, hooks, st)
}

// runHooksAt is runHooksContext at a given site. The error reads as runc's
// (libcontainer/configs, Hooks.Run): "error running <kind> hook #<index>:
// <cause>", which clients match on.
func runHooksAt(ctx context.Context, site hookSite, kind string, hooks []specs.Hook, st specs.State) error {
	for i, h := range hooks {
		if err := runHook(ctx, site, h, st); err != nil {
			return hookError(kind, i, err)
		}
	}
	return nil
}

// runHooksAll runs every hook even when some fail (poststop: the spec says
// a failing poststop hook is logged and "the runtime MUST continue"), and
// returns the failures as warnings.
func runHooksAll(kind string, hooks []specs.Hook, st specs.State) []string {
	var warnings []string
	for i, h := range hooks {
		if err := runHook(context.Background(), hookSite{}, h, st); err != nil {
			warnings = append(warnings, hookError(kind, i, err).Error())
		}
	}
	return warnings
}

func hookError(kind string, index int, err error) error {
	return fmt.Errorf("error running %s hook #%d: %w", kind, index, err)
}

func runHook(ctx context.Context, site hookSite, h specs.Hook, st specs.State) error {
	stdin, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if h.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	args := h.Args
	if len(args) == 0 {
		args = []string{h.Path}
	}
	cmd := exec.CommandContext(ctx, h.Path)
	cmd.Args = args
	cmd.Env = h.Env
	if cmd.Env == nil {
		cmd.Env = site.env
	}
	cmd.Dir = site.dir
	in, err := hookStdin(stdin)
	if err != nil {
		return err
	}
	defer in.Close()
	cmd.Stdin = in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Once ctx ends and the hook is killed, a child it left holding the
	// output pipe must not keep Run waiting for EOF.
	cmd.WaitDelay = time.Second
	if err = nsexec.StartAsCaller(cmd.Start); err == nil {
		err = cmd.Wait()
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); h.Timeout == nil || !errors.Is(cause, context.DeadlineExceeded) {
			return cause
		}
		return fmt.Errorf("hook ran past specified timeout of %.1fs", float64(*h.Timeout))
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return err // it did not start: runc returns that error as it is
	}
	// runc's wording; the output is put on the error's one line.
	return fmt.Errorf("%w, stdout: %s, stderr: %s", err, oneLine(stdout.String()), oneLine(stderr.String()))
}

// hookStdin is a hook's stdin: the state, all of it written before the hook
// starts. os/exec would copy it into a pipe from a goroutine while the hook
// runs, and a hook that exits or closes its stdin before reading it all
// makes that write raise SIGPIPE in gorunc, which a foreground `run`
// forwards to the container's process like any signal it gets (runc has
// the same copy). A pipe filled up front and closed, when the state fits
// in one (64 KiB by default); else a memfd holding it, read from its start.
func hookStdin(state []byte) (*os.File, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("hook stdin: %w", err)
	}
	// Blocking ends: os.NewFile leaves them out of the poller, and Write
	// goes on after a short write (a signal during it).
	r, w := os.NewFile(uintptr(p[0]), "hook-stdin"), os.NewFile(uintptr(p[1]), "hook-stdin")
	size, err := unix.FcntlInt(uintptr(p[1]), unix.F_GETPIPE_SZ, 0)
	if err == nil && len(state) <= size {
		_, err = w.Write(state)
		w.Close()
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("hook stdin: %w", err)
		}
		return r, nil
	}
	r.Close()
	w.Close()
	return memfdWith(state)
}

// memfdWith is a memfd holding data, to be read from its start.
func memfdWith(data []byte) (*os.File, error) {
	f, err := newMemfd("hook-stdin")
	if err != nil {
		return nil, fmt.Errorf("hook stdin: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("hook stdin: %w", err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("hook stdin: %w", err)
	}
	return f, nil
}

// oneLine keeps a hook's output on the error's single line: the trailing
// newline goes, inner ones are shown as \n (as runc's logrus line shows them).
func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", `\n`)
}
