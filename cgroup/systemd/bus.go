package systemd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

// Bounds on every exchange with systemd: a command must never hang on a
// busy or wedged PID 1. runc waits 30 s for a job too.
const (
	dialTimeout = 10 * time.Second
	callTimeout = 30 * time.Second
	jobTimeout  = 30 * time.Second
	// dialRetries: connecting fails with EAGAIN while systemd's private
	// socket is flooded (many containers starting at once); retried
	// with backoff, as runc (100 ms doubling: 12.7 s at most).
	dialRetries = 7
)

// ErrNotRunning: the host was not booted with systemd, so there is no one
// to ask for units. The words are runc's.
var ErrNotRunning = errors.New("systemd not running on this host, cannot use systemd cgroups manager")

// Running reports whether the host was booted with systemd as init, as
// sd_booted(3): /run/systemd/system is a directory.
func Running() bool {
	fi, err := os.Lstat("/run/systemd/system")
	return err == nil && fi.IsDir()
}

// Conn is a connection to the system's systemd (the system bus, or
// systemd's private socket /run/systemd/private for root without a bus
// daemon). Its zero value is not usable: Dial makes one.
type Conn struct {
	c     *sdbus.Conn
	owner int
}

// Dial connects to systemd. ErrNotRunning when the host has no systemd.
func Dial() (*Conn, error) {
	if !Running() {
		return nil, ErrNotRunning
	}
	var err error
	for i := range dialRetries {
		var c *sdbus.Conn
		if c, err = withTimeout(func() (*sdbus.Conn, error) {
			return sdbus.NewWithContext(context.Background())
		}); err == nil {
			return &Conn{c: c}, nil
		}
		if !errors.Is(err, unix.EAGAIN) {
			break
		}
		time.Sleep(100 * time.Millisecond << i)
	}
	return nil, fmt.Errorf("connect to systemd over D-Bus (the system bus, or /run/systemd/private): %w", err)
}

// withTimeout connects (dial) within dialTimeout. The context given to
// go-systemd lives as long as the connection (godbus closes the
// connection when it is done), so the bound is a timer here, not a
// deadline there; a dial that outlives it is abandoned to the process's
// exit.
func withTimeout(dial func() (*sdbus.Conn, error)) (*sdbus.Conn, error) {
	type answer struct {
		c   *sdbus.Conn
		err error
	}
	done := make(chan answer, 1)
	go func() {
		c, err := dial()
		done <- answer{c, err}
	}()
	t := time.NewTimer(dialTimeout)
	defer t.Stop()
	select {
	case a := <-done:
		return a.c, a.err
	case <-t.C:
		return nil, fmt.Errorf("no answer within %v", dialTimeout)
	}
}

// Close ends the connection.
func (c *Conn) Close() { c.c.Close() }

func call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

// StartUnit starts a transient unit and waits for its job. A unit of that
// name that exists already is, as runc, first taken for a failed leftover:
// reset-failed lets systemd forget it, and the start is tried once more;
// if the unit is still there (alive), that is the error.
func (c *Conn) StartUnit(name string, props []sdbus.Property) error {
	for retried := false; ; retried = true {
		done := make(chan string, 1) // buffered: a late answer must not block go-systemd
		ctx, cancel := call()
		_, err := c.c.StartTransientUnitContext(ctx, name, "replace", props, done)
		cancel()
		if err != nil {
			if isDBusError(err, "org.freedesktop.systemd1.UnitExists") && !retried {
				c.ResetFailed(name)
				continue
			}
			return fmt.Errorf("start unit %s: %w", name, err)
		}
		if err := waitJob("start", name, done); err != nil {
			c.ResetFailed(name)
			return err
		}
		return nil
	}
}

// StopUnit stops a unit and waits for its job. A unit that is gone
// already (systemd removes a scope once its last process exits) is not an
// error. A failed unit is reset so that systemd forgets it.
func (c *Conn) StopUnit(name string) error {
	done := make(chan string, 1)
	ctx, cancel := call()
	_, err := c.c.StopUnitContext(ctx, name, "replace", done)
	cancel()
	switch {
	case err == nil:
		if err := waitJob("stop", name, done); err != nil {
			return err
		}
	case isDBusError(err, "org.freedesktop.systemd1.NoSuchUnit"):
	default:
		return fmt.Errorf("stop unit %s: %w", name, err)
	}
	c.ResetFailed(name)
	return nil
}

// ResetFailed asks systemd to forget a failed unit. Best effort: a unit
// that is not failed or not loaded answers with an error nobody needs.
func (c *Conn) ResetFailed(name string) {
	ctx, cancel := call()
	defer cancel()
	c.c.ResetFailedUnitContext(ctx, name)
}

// SetProperties changes a live unit's properties for this boot only
// (runtime=true: nothing is written under /etc).
func (c *Conn) SetProperties(name string, props []sdbus.Property) error {
	if len(props) == 0 {
		return nil
	}
	ctx, cancel := call()
	defer cancel()
	if err := c.c.SetUnitPropertiesContext(ctx, name, true, props...); err != nil {
		return fmt.Errorf("set properties of unit %s: %w", name, err)
	}
	return nil
}

// Version is systemd's version number (252 for "252.22-1~deb12u1"), or 0
// when it cannot be read.
func (c *Conn) Version() int {
	// go-systemd's GetManagerProperty takes no context; the connection's
	// own call timeout (godbus: none) is not relied on: systemd answers
	// property reads from its main loop at once.
	v, err := c.c.GetManagerProperty("Version")
	if err != nil {
		return 0
	}
	return VersionNumber(v)
}

// VersionNumber extracts the leading number of a systemd version string
// (with or without quotes and a "v": "v245.4-1.fc32", "252").
func VersionNumber(s string) int {
	s = strings.TrimLeft(s, `"v`)
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return n
}

// waitJob waits for a job's result ("done", or "failed", "timeout",
// "canceled", "dependency", "skipped").
func waitJob(what, unit string, done <-chan string) error {
	t := time.NewTimer(jobTimeout)
	defer t.Stop()
	select {
	case res := <-done:
		if res != "done" {
			return fmt.Errorf("%s unit %s: systemd's job ended %q (see `journalctl -u %s`)", what, unit, res, unit)
		}
		return nil
	case <-t.C:
		return fmt.Errorf("%s unit %s: systemd did not finish the job within %v", what, unit, jobTimeout)
	}
}

func isDBusError(err error, name string) bool {
	var e dbus.Error
	return errors.As(err, &e) && e.Name == name
}
