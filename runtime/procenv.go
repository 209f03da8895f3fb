package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"
)

// The process's environment and program, as runc 1.5's init prepares them:
// prepareEnv (libcontainer/env.go) once inside the container's root and
// before the user switch, then Go's exec.LookPath after it
// (standard_init_linux.go, setns_init_linux.go). Both run in init and
// exec-init before "ready", so their errors are create/exec errors.

// processEnv is process.env as config.json had it: nil when absent.
func (cfg *initConfig) processEnv() []string {
	env := cfg.Spec.Process.Env
	if env == nil && !cfg.NoEnv {
		return []string{}
	}
	return env
}

// prepareEnv checks and completes process.env as runc's prepareEnv does:
// every entry must be NAME=VALUE without a NUL; a name set twice keeps its
// last value, at its last place; an empty HOME counts as unset; and an
// unset HOME becomes uid's home directory in the container's /etc/passwd
// ("/" without an entry), appended last. An absent env (nil) stays absent,
// without HOME, as with runc. Call it after pivot_root (the container's
// /etc/passwd) and before the user switch (a passwd file the user cannot
// read still counts, as with runc).
func prepareEnv(env []string, uid uint32) ([]string, error) {
	return prepareEnvIn("/", env, uid)
}

// prepareEnvIn is prepareEnv with the container's root at root.
func prepareEnvIn(root string, env []string, uid uint32) ([]string, error) {
	out, needHome, err := checkEnv(env)
	if err != nil || !needHome {
		return out, err
	}
	return append(out, "HOME="+passwdHome(root, uid)), nil
}

// checkEnv is prepareEnv but for HOME: needHome says that HOME, unset or
// empty, is to be appended from /etc/passwd.
func checkEnv(env []string) (out []string, needHome bool, err error) {
	if env == nil {
		return nil, false, nil
	}
	out = make([]string, 0, len(env)+1)
	seen := make(map[string]bool, len(env))
	homeSet := false
	for i := len(env) - 1; i >= 0; i-- {
		kv := env[i]
		name, value, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			return nil, false, errors.New("invalid environment variable: missing '='")
		case name == "":
			return nil, false, errors.New("invalid environment variable: name cannot be empty")
		case seen[name]:
			continue
		}
		seen[name] = true
		if strings.IndexByte(kv, 0) >= 0 {
			return nil, false, fmt.Errorf("invalid environment variable %q: contains nul byte (\\x00)", name)
		}
		if name == "HOME" {
			if value == "" {
				continue
			}
			homeSet = true
		}
		out = append(out, kv)
	}
	slices.Reverse(out)
	return out, !homeSet, nil
}

// passwdHome is the home directory of uid's first entry in the
// container's /etc/passwd, parsed as runc parses it (moby/sys/user), or
// "/" when there is no such entry or no readable file: runc only logs
// those. The file is resolved inside the root without following a magic
// link (/proc/PID/root/... of a host process is the host's filesystem;
// runc's plain open(2) follows it), and only a regular file is read (a
// fifo would block init forever, a device could be endless).
func passwdHome(root string, uid uint32) string {
	const fallback = "/"
	f, err := openPasswd(root)
	if err != nil {
		return fallback
	}
	defer f.Close()
	users, err := user.ParsePasswdFilter(f, func(u user.User) bool { return u.Uid == int(uid) })
	if err != nil || len(users) == 0 {
		return fallback
	}
	return users[0].Home
}

func openPasswd(root string) (*os.File, error) {
	handle, err := pathrs.OpenInRoot(root, "/etc/passwd")
	if err != nil {
		return nil, err
	}
	defer handle.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(handle.Fd()), &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, errors.New("/etc/passwd is not a regular file")
	}
	return pathrs.Reopen(handle, unix.O_RDONLY|unix.O_CLOEXEC)
}

// lookPath finds the program as runc does, with Go's exec.LookPath after
// the user switch, and in its words (clients match them: podman maps
// "permission denied" to exit 126 and "no such file or directory" to 127).
// A name without a slash is searched in process.env's PATH; without one
// the search path is empty, since runc clears its own environment, and a
// match in a relative directory is refused, as Go does.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		if err := findExecutable(file); err != nil {
			return "", fmt.Errorf("exec: %q: %w", file, err)
		}
		return file, nil
	}
	var path string
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
		if findExecutable(p) != nil {
			continue
		}
		if !filepath.IsAbs(p) {
			return "", fmt.Errorf("exec: %q: cannot run executable found relative to current directory", file)
		}
		return p, nil
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", file)
}

// findExecutable is exec.LookPath's check: execute permission for the
// caller's effective uid, gids and capabilities (faccessat2 AT_EACCESS),
// which are what execve(2) checks. access(2) uses the real ids and, for a
// non-root uid, no capabilities: it refused a user with CAP_DAC_OVERRIDE
// a program execve would run, and let root with CAP_DAC_OVERRIDE only
// permitted through to an execve that then failed after start. When a
// seccomp profile refuses the check (EPERM) or the kernel lacks it
// (ENOSYS), the mode bits decide, as in Go.
func findExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return unix.EISDIR
	}
	err = unix.Faccessat(unix.AT_FDCWD, p, unix.X_OK, unix.AT_EACCESS)
	if err == nil || (err != unix.ENOSYS && err != unix.EPERM) {
		return err
	}
	if fi.Mode()&0o111 != 0 {
		return nil
	}
	return fs.ErrPermission
}
