package runtime

import specs "github.com/opencontainers/runtime-spec/specs-go"

// startContainerHooks runs the startContainer hooks from init as runc runs
// them (standard_init_linux.go): under the seccomp filter, as the process's
// user with its capabilities, in its working directory and, unless a hook
// sets its own env, with the process's environment. Unlike runc they run
// before init's byte lets start go on to poststart, so the two never
// overlap (runtime.md "Lifecycle" steps 7-10) and a failing hook fails
// start rather than the started container.
func startContainerHooks(cfg *initConfig, p *specs.Process) {
	h := cfg.Spec.Hooks
	if h == nil || len(h.StartContainer) == 0 {
		return
	}
	st := cfg.State
	st.Status = specs.StateCreated
	site := hookSite{env: append([]string{}, p.Env...)}
	if err := runHooksIn(site, "startContainer", h.StartContainer, st); err != nil {
		fatalf(initFailed, "%v", err)
	}
}
