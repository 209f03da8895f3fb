package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runHooks runs hooks in order with the container state on stdin
// (runtime-spec config.md "POSIX-platform Hooks"). It stops at the first
// failure and returns it; callers decide whether that is fatal (it is
// before start, it is only a warning for poststart and poststop).
func runHooks(kind string, hooks []specs.Hook, st specs.State) error {
	return runHooksContext(context.Background(), kind, hooks, st)
}

// runHooksContext is runHooks with the hooks killed when ctx ends: create
// cancels it when init dies or freezes under a hook, which would otherwise
// keep create (and the container's lock) for as long as the hook likes.
func runHooksContext(ctx context.Context, kind string, hooks []specs.Hook, st specs.State) error {
	for i, h := range hooks {
		if err := runHook(ctx, h, st); err != nil {
			return fmt.Errorf("hooks.%s[%d] %s: %w", kind, i, h.Path, err)
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
		if err := runHook(context.Background(), h, st); err != nil {
			warnings = append(warnings, fmt.Sprintf("hooks.%s[%d] %s: %v", kind, i, h.Path, err))
		}
	}
	return warnings
}

func runHook(ctx context.Context, h specs.Hook, st specs.State) error {
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
	cmd.Stdin = bytes.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Once ctx ends and the hook is killed, a child it left holding the
	// output pipe must not keep Run waiting for EOF.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			if cause := context.Cause(ctx); h.Timeout == nil || !errors.Is(cause, context.DeadlineExceeded) {
				return cause
			}
			return fmt.Errorf("timed out after %ds", *h.Timeout)
		}
		msg := strings.TrimSpace(out.String())
		if msg != "" {
			return fmt.Errorf("%w: %s", err, strings.ReplaceAll(msg, "\n", " "))
		}
		return err
	}
	return nil
}
