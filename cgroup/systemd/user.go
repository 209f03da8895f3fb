package systemd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	"github.com/gorunc/gorunc/nsexec"
)

// The user's own systemd (`systemd --user`, user@UID.service), which a
// rootless caller asks for its container's scope, as runc 1.5
// (opencontainers/cgroups systemd/user.go). It listens on the user's
// session bus, not the system bus; its units live in its own cgroup
// subtree (/user.slice/user-UID.slice/user@UID.service), whose delegated
// controllers (memory and pids by default, more with a user@.service
// drop-in) are all a scope there can limit.

// ErrNoUserBus: no session bus to find the user's systemd on. The words
// are runc's, which clients and users search for.
var ErrNoUserBus = errors.New("could not detect DBUS_SESSION_BUS_ADDRESS from the environment; make sure you have installed the dbus-user-session or dbus-daemon package; note you may need to re-login")

// UserBusAddress is the session bus's address: $DBUS_SESSION_BUS_ADDRESS,
// else $XDG_RUNTIME_DIR/bus when that socket exists (what pam_systemd and
// dbus-user-session set up for a logged-in or lingering user).
func UserBusAddress(getenv func(string) string) (string, error) {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a, nil
	}
	if xdg := getenv("XDG_RUNTIME_DIR"); xdg != "" {
		p := filepath.Join(xdg, "bus")
		if _, err := os.Stat(p); err == nil {
			return "unix:path=" + dbus.EscapeBusAddressValue(p), nil
		}
	}
	return "", ErrNoUserBus
}

// OwnerUID is the host uid the session bus belongs to, which is the uid to
// authenticate as. Outside a user namespace it is getuid(2). Inside one
// (rootless podman runs the runtime as uid 0 of its namespace) the bus
// daemon sees the host uid, so, as runc: $ROOTLESSKIT_PARENT_EUID when
// RootlessKit set it, else OwnerUID= of `busctl --user status`
// (sd_bus_creds_get_owner_uid(3)).
func OwnerUID(inUserNS bool) (int, error) {
	if !inUserNS {
		return os.Getuid(), nil
	}
	if env := os.Getenv("ROOTLESSKIT_PARENT_EUID"); env != "" {
		uid, err := strconv.Atoi(env)
		if err != nil {
			return -1, fmt.Errorf("invalid $ROOTLESSKIT_PARENT_EUID value %q: %w", env, err)
		}
		return uid, nil
	}
	out, err := nsexec.CombinedOutput(exec.Command("busctl", "--user", "--no-pager", "status"))
	if err != nil {
		return -1, fmt.Errorf("could not execute `busctl --user --no-pager status` (output: %q): %w", string(out), err)
	}
	return parseOwnerUID(out)
}

// parseOwnerUID finds "OwnerUID=1000" in busctl's status.
func parseOwnerUID(out []byte) (int, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "OwnerUID="); ok {
			uid, err := strconv.Atoi(v)
			if err != nil {
				return -1, fmt.Errorf("could not detect the OwnerUID: %w", err)
			}
			return uid, nil
		}
	}
	return -1, errors.New("could not detect the OwnerUID")
}

// DialUser connects to the user's systemd over the session bus,
// authenticating as owner's answer (OwnerUID at create; the uid recorded
// then for later commands, which a client may run without PATH or bus
// address: podman's `delete` gets only XDG_RUNTIME_DIR). ErrNotRunning
// when the host has no systemd at all; any other failure in runc's words
// with its hint.
func DialUser(owner func() (int, error)) (*Conn, error) {
	if !Running() {
		return nil, ErrNotRunning
	}
	c, err := dialUser(owner)
	if err != nil {
		return nil, fmt.Errorf("failed to connect to dbus (hint: for rootless containers, maybe you need to install dbus-user-session package, see https://github.com/opencontainers/runc/blob/master/docs/cgroup-v2.md): %w", err)
	}
	return c, nil
}

func dialUser(owner func() (int, error)) (*Conn, error) {
	addr, err := UserBusAddress(os.Getenv)
	if err != nil {
		return nil, err
	}
	uid, err := owner()
	if err != nil {
		return nil, err
	}
	c, err := withTimeout(func() (*sdbus.Conn, error) {
		return sdbus.NewConnection(func() (*dbus.Conn, error) { return dialSession(addr, uid) })
	})
	if err != nil {
		return nil, err
	}
	return &Conn{c: c, owner: uid}, nil
}

// Owner is the uid the connection authenticated as: the user whose
// systemd it talks to (0 for the system's).
func (c *Conn) Owner() int { return c.owner }

// dialSession opens the bus connection go-systemd then talks over: godbus's
// own session connection would authenticate as getuid(2), which inside a
// user namespace is not the uid the daemon sees.
func dialSession(addr string, uid int) (*dbus.Conn, error) {
	conn, err := dbus.Dial(addr)
	if err != nil {
		return nil, fmt.Errorf("error while dialing %q: %w", addr, err)
	}
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(uid))}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("error while authenticating connection (address=%q, UID=%d): %w", addr, uid, err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("error while sending Hello message (address=%q, UID=%d): %w", addr, uid, err)
	}
	return conn, nil
}

// ManagerCgroup is the manager's own cgroup (its ControlGroup property):
// "/user.slice/user-1000.slice/user@1000.service" for a user's systemd,
// under which its slices and scopes live; "/" for the system's.
func (c *Conn) ManagerCgroup() (string, error) {
	v, err := c.c.GetManagerProperty("ControlGroup")
	if err != nil {
		return "", fmt.Errorf("read the systemd manager's ControlGroup: %w", err)
	}
	// go-systemd gives the variant's text: a quoted string.
	if s, err := strconv.Unquote(v); err == nil {
		v = s
	}
	if !strings.HasPrefix(v, "/") {
		return "", fmt.Errorf("the systemd manager's ControlGroup %q is not an absolute cgroup path", v)
	}
	return v, nil
}
