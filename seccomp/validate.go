package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxArgs is the number of syscall arguments in seccomp_data.args.
const maxArgs = 6

// operators are the comparison operators of config-linux.md "Seccomp".
var operators = []specs.LinuxSeccompOperator{
	specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
	specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual,
}

func isOperator(op specs.LinuxSeccompOperator) bool {
	for _, o := range operators {
		if o == op {
			return true
		}
	}
	return false
}

// Validate checks a profile without compiling it, so `create` can fail before
// anything is set up. Errors name the offending field in config.json terms,
// e.g. `linux.seccomp.syscalls[3]: unknown action "SCMP_ACT_FOO"`. Unknown
// syscall names are not errors: they are skipped at compile time, as runc
// and crun do, because profiles list syscalls newer than some kernels.
// A nil profile is valid (no filter).
func Validate(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
	}
	if _, err := retValue(s.DefaultAction, s.DefaultErrnoRet); err != nil {
		return fmt.Errorf("linux.seccomp.defaultAction: %w", err)
	}
	// runc refuses this too: every syscall, including the ones the runtime
	// makes between loading the filter and execve, would wait for a listener
	// the runtime has not yet handed over.
	if s.DefaultAction == specs.ActNotify {
		return fmt.Errorf("linux.seccomp.defaultAction: %s cannot be the default action", specs.ActNotify)
	}
	for i, a := range s.Architectures {
		if !isSpecArch(a) {
			return fmt.Errorf("linux.seccomp.architectures[%d]: unknown architecture %q", i, a)
		}
	}
	notify := false
	for i, sc := range s.Syscalls {
		if err := validateSyscall(sc); err != nil {
			return fmt.Errorf("linux.seccomp.syscalls[%d]%w", i, err)
		}
		notify = notify || sc.Action == specs.ActNotify
	}
	if _, err := kernelFlags(s.Flags, notify); err != nil {
		return err
	}
	if notify && s.ListenerPath == "" {
		return fmt.Errorf("linux.seccomp.listenerPath: required when a rule uses %s", specs.ActNotify)
	}
	return nil
}

// pathError lets validateSyscall return errors that continue the field path
// (".args[1]: ..." or ": ...") of its caller.
type pathError struct {
	path string
	msg  string
}

func (e *pathError) Error() string { return e.path + ": " + e.msg }

func validateSyscall(sc specs.LinuxSyscall) error {
	if len(sc.Names) == 0 {
		return &pathError{"", "names is empty"}
	}
	for j, n := range sc.Names {
		if n == "" {
			return &pathError{fmt.Sprintf(".names[%d]", j), "empty syscall name"}
		}
		// runc's rule: the runtime itself write()s after the filter is
		// loaded (sync pipe, logs) and would block on its own listener.
		if n == "write" && sc.Action == specs.ActNotify {
			return &pathError{fmt.Sprintf(".names[%d]", j), fmt.Sprintf("%s cannot be used for the write syscall", specs.ActNotify)}
		}
	}
	if _, err := retValue(sc.Action, sc.ErrnoRet); err != nil {
		return &pathError{"", err.Error()}
	}
	for j, arg := range sc.Args {
		if arg.Index >= maxArgs {
			return &pathError{fmt.Sprintf(".args[%d]", j), fmt.Sprintf("index %d is out of range 0-%d", arg.Index, maxArgs-1)}
		}
		if !isOperator(arg.Op) {
			return &pathError{fmt.Sprintf(".args[%d]", j), fmt.Sprintf("unknown operator %q", arg.Op)}
		}
	}
	return nil
}
