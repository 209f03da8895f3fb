package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/syndtr/gocapability/capability"
	"golang.org/x/sys/unix"
)

// rlimitTypes maps process.rlimits[].type to setrlimit(2) resources.
var rlimitTypes = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

// capByName maps "CAP_SYS_ADMIN" to its number, for every capability the
// library knows (not only those this kernel has).
func capByName() map[string]capability.Cap {
	m := make(map[string]capability.Cap)
	for _, c := range capability.List() {
		m["CAP_"+strings.ToUpper(c.String())] = c
	}
	return m
}

// CapabilityNames lists the known capabilities, for `features`.
func CapabilityNames() []string {
	var out []string
	for _, c := range capability.List() {
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

// validateCaps rejects unknown capability names: a typo must not silently
// give a container fewer (or more) privileges than its author meant.
func validateCaps(c *specs.LinuxCapabilities) error {
	known := capByName()
	for _, set := range capSets(c) {
		for _, name := range set.names {
			if _, ok := known[name]; !ok {
				return fmt.Errorf("process.capabilities.%s: unknown capability %q", set.name, name)
			}
		}
	}
	return nil
}

type capSet struct {
	name  string
	which capability.CapType
	names []string
}

func capSets(c *specs.LinuxCapabilities) []capSet {
	return []capSet{
		{"bounding", capability.BOUNDING, c.Bounding},
		{"effective", capability.EFFECTIVE, c.Effective},
		{"permitted", capability.PERMITTED, c.Permitted},
		{"inheritable", capability.INHERITABLE, c.Inheritable},
		{"ambient", capability.AMBIENT, c.Ambient},
	}
}

// capsFor builds the calling thread's capability state from the config,
// dropping capabilities the running kernel does not have (as runc does:
// a config written for a newer kernel still runs).
func capsFor(c *specs.LinuxCapabilities) (capability.Capabilities, error) {
	caps, err := capability.NewPid2(0)
	if err != nil {
		return nil, fmt.Errorf("read capabilities: %w", err)
	}
	if err := caps.Load(); err != nil {
		return nil, fmt.Errorf("read capabilities: %w", err)
	}
	known := capByName()
	last := capability.CAP_LAST_CAP
	for _, set := range capSets(c) {
		caps.Clear(set.which)
		for _, name := range set.names {
			if cp := known[name]; cp <= last {
				caps.Set(set.which, cp)
			}
		}
	}
	return caps, nil
}

// applyUser switches to process.user on the calling thread. The bounding
// set must already be applied (dropping it needs CAP_SETPCAP) and keepcaps
// set, so that the permitted set survives setuid(2) and capset can give the
// configured capabilities to a non-root user.
func applyUser(u specs.User, setgroups bool) error {
	if setgroups {
		gids := make([]int, len(u.AdditionalGids))
		for i, g := range u.AdditionalGids {
			gids[i] = int(g)
		}
		if err := unix.Setgroups(gids); err != nil {
			return fmt.Errorf("setgroups %v: %w", gids, err)
		}
	}
	// Raw per-thread calls: this thread is the one that will execve, and
	// execve gives the new program the calling thread's credentials.
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("setgid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("setuid %d: %w", u.UID, e)
	}
	return nil
}

// setRlimits applies process.rlimits. Raising a hard limit needs
// CAP_SYS_RESOURCE; say so, since that is the usual cause.
func setRlimits(rls []specs.POSIXRlimit) error {
	for _, rl := range rls {
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(0, rlimitTypes[rl.Type], &lim, nil); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("set %s to %d/%d: %w (raising a hard limit needs CAP_SYS_RESOURCE)", rl.Type, rl.Soft, rl.Hard, err)
			}
			return fmt.Errorf("set %s to %d/%d: %w", rl.Type, rl.Soft, rl.Hard, err)
		}
	}
	return nil
}

// lookPath finds args[0] with the container's PATH (from process.env, not
// the runtime's), as execvp would inside the container.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			return "", fmt.Errorf("exec %q: %w", file, err)
		}
		return file, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec %q: executable file not found in $PATH", file)
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return errors.Unwrap(err)
	}
	if fi.IsDir() {
		return errors.New("is a directory")
	}
	return unix.Access(p, unix.X_OK)
}
