package runtime

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/runlog"
)

// TestLaunchFDs: the roles get distinct fds, in the order added, after the
// preserved ones (3..3+N-1 stay the caller's, a contract with clients); a
// role not used this time gets none.
func TestLaunchFDs(t *testing.T) {
	f := func(string) *os.File { return devNull(t) }
	type role struct {
		role fdRole
		file *os.File
	}
	for _, c := range []struct {
		name     string
		preserve int
		roles    []role
		want     fdTable
	}{
		{"init", 0, []role{{fdSync, f("s")}, {fdExe, f("e")}, {fdFifo, f("f")}, {fdConsole, nil}, {mountRole(2), f("m")}},
			fdTable{fdSync: 3, fdExe: 4, fdFifo: 5, "mount.2": 6}},
		{"init, preserve-fds 2, debug, console", 2, []role{{fdSync, f("s")}, {fdLog, f("l")}, {fdExe, f("e")}, {fdFifo, f("f")}, {fdConsole, f("c")}},
			fdTable{fdSync: 5, fdLog: 6, fdExe: 7, fdFifo: 8, fdConsole: 9}},
		{"exec-init, preserve-fds 3", 3, []role{{fdSync, f("s")}, {fdExe, f("e")}, {fdReport, f("r")}, {fdConsole, nil}},
			fdTable{fdSync: 6, fdExe: 7, fdReport: 8}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := &launch{preserve: c.preserve, fds: fdTable{}}
			for _, r := range c.roles {
				got := l.add(r.role, r.file)
				if want := c.want[r.role]; got != want {
					t.Errorf("add(%s) = %d, want %d", r.role, got, want)
				}
			}
			if !maps.Equal(l.fds, c.want) {
				t.Errorf("table %v, want %v", l.fds, c.want)
			}
			// ExtraFiles[i] is the child's fd 3+i: each role's file
			// must sit there.
			for _, r := range c.roles {
				if fd, ok := l.fds[r.role]; ok && l.files[fd-3-c.preserve] != r.file {
					t.Errorf("%s: fd %d is another role's file", r.role, fd)
				}
			}
		})
	}
}

// The table reaches the child in its config as the parent made it, and
// the child finds each file by role.
func TestLaunchTableRoundTrip(t *testing.T) {
	// Real fds for the mount sources, which mountSources wraps as files:
	// each number has one owner, closed at the end.
	m0, m3 := rawDevNull(t), rawDevNull(t)
	sent := fdTable{fdSync: 5, fdLog: 6, fdExe: 7, fdFifo: 8, fdConsole: 9, mountRole(0): m0, mountRole(3): m3}
	var buf bytes.Buffer
	if err := newChannel(&buf).send(message{Type: msgConfig, Config: &initConfig{FDs: sent}}); err != nil {
		t.Fatal(err)
	}
	m, err := newChannel(&buf).recv(msgConfig)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Config.FDs
	if !maps.Equal(got, sent) {
		t.Fatalf("child's table %v, sent %v", got, sent)
	}
	if fd, err := got.need(fdFifo); err != nil || fd != 8 {
		t.Errorf("need(fifo) = %d, %v; want 8", fd, err)
	}
	// Sources by index of spec.mounts.
	src := mountSources(got, 5)
	defer closeFiles(src)
	for i, want := range []int{m0, -1, -1, m3, -1} {
		switch {
		case want < 0 && src[i] != nil:
			t.Errorf("mount %d: source fd %d, want none", i, src[i].Fd())
		case want >= 0 && (src[i] == nil || int(src[i].Fd()) != want):
			t.Errorf("mount %d: source %v, want fd %d", i, src[i], want)
		}
	}
	if src := mountSources(fdTable{fdSync: 3}, 5); src != nil {
		t.Errorf("no mount roles: sources %v, want nil", src)
	}
}

// A role the child needs but did not get fails it in words that name the
// role and what it got.
func TestLaunchMissingRole(t *testing.T) {
	for _, c := range []struct {
		table fdTable
		want  string
	}{
		{fdTable{fdSync: 3, fdExe: 4}, "the runtime passed no fifo fd (fds: map[exe:4 sync:3])"},
		{nil, "the runtime passed no fifo fd (fds: map[])"},
		{fdTable{fdFifo: 0}, "the runtime passed no fifo fd (fds: map[fifo:0])"},
	} {
		if fd, err := c.table.need(fdFifo); err == nil || err.Error() != c.want {
			t.Errorf("need(fifo) in %v = %d, %v; want %q", c.table, fd, err, c.want)
		}
	}
}

func TestLaunchRoleTwice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a role added twice did not panic")
		}
	}()
	l := &launch{fds: fdTable{}}
	l.add(fdSync, devNull(t))
	l.add(fdSync, devNull(t))
}

// rawDevNull is an fd of /dev/null with no *os.File: whoever wraps it
// closes it.
func rawDevNull(t *testing.T) int {
	fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// devNull is a file to hand a launch that is never started.
func devNull(t *testing.T) *os.File {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// newLaunch gives every child sync, and log with --debug only; the command
// adds exe, last, and starts its file with the sync fd named in its
// environment, and every file in place.
func TestNewLaunch(t *testing.T) {
	for _, debug := range []bool{false, true} {
		t.Run("debug="+strconv.FormatBool(debug), func(t *testing.T) {
			log := runlog.New(runlog.Options{W: &bytes.Buffer{}, Debug: debug})
			l, err := newLaunch(log, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer l.close()
			want := fdTable{fdSync: 3, fdExe: 4}
			if debug {
				want = fdTable{fdSync: 3, fdLog: 4, fdExe: 5}
			}
			cmd, err := l.command("exec-init", false, nil, nil, nil, "X=1")
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(l.fds, want) {
				t.Fatalf("table %v, want %v", l.fds, want)
			}
			if want := "/proc/self/fd/" + strconv.Itoa(want[fdExe]); cmd.Path != want {
				t.Errorf("path %s, want %s", cmd.Path, want)
			}
			if !slices.Equal(cmd.Args, []string{"gorunc", "exec-init"}) {
				t.Errorf("args %q", cmd.Args)
			}
			if !slices.Contains(cmd.Env, syncEnv+"=3") || !slices.Contains(cmd.Env, "X=1") {
				t.Errorf("env %q lacks %s=3 or X=1", cmd.Env, syncEnv)
			}
			if !slices.Equal(cmd.ExtraFiles, l.files) {
				t.Errorf("extra files %v, want %v", cmd.ExtraFiles, l.files)
			}
			// The parent's copies of the child's files are closed once
			// it has started; the sync socket's parent end stays.
			exe := l.files[want[fdExe]-3]
			l.started()
			if _, err := exe.Stat(); err == nil {
				t.Error("exe still open in the parent after started")
			}
			if _, err := l.sync.Stat(); err != nil {
				t.Errorf("parent's sync end: %v", err)
			}
		})
	}
}
