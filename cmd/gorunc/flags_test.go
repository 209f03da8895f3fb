package main

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFlagSpellings(t *testing.T) {
	cases := []struct {
		args    []string
		max     int
		bundle  string
		detach  bool
		n       int
		pos     []string
		wantErr string
	}{
		{args: []string{"--bundle", "/b", "id"}, max: -1, bundle: "/b", pos: []string{"id"}},
		{args: []string{"--bundle=/b", "id"}, max: -1, bundle: "/b", pos: []string{"id"}},
		{args: []string{"-b", "/b", "id"}, max: -1, bundle: "/b", pos: []string{"id"}},
		{args: []string{"-bundle", "/b", "id"}, max: -1, bundle: "/b", pos: []string{"id"}},
		{args: []string{"id", "-d"}, max: -1, detach: true, pos: []string{"id"}},
		{args: []string{"--detach=false", "id"}, max: -1, pos: []string{"id"}},
		{args: []string{"--preserve-fds", "2", "id"}, max: -1, n: 2, pos: []string{"id"}},
		// After maxArgs positionals the rest belongs to the command.
		{args: []string{"id", "ps", "-ef"}, max: 1, pos: []string{"id", "ps", "-ef"}},
		{args: []string{"-d", "--", "-x"}, max: -1, detach: true, pos: []string{"-x"}},
		{args: []string{"--bogus", "id"}, max: -1, wantErr: "unknown flag --bogus"},
		{args: []string{"--bundle"}, max: -1, wantErr: "needs a value"},
		{args: []string{"--preserve-fds", "x"}, max: -1, wantErr: "not a number"},
		{args: []string{"--detach=maybe"}, max: -1, wantErr: "not a boolean"},
	}
	for _, c := range cases {
		var bundle string
		var detach bool
		var n int
		fs := newFlags("test")
		fs.String(&bundle, "bundle", "b")
		fs.Bool(&detach, "detach", "d")
		fs.Int(&n, "preserve-fds")
		pos, err := fs.Parse(c.args, c.max)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: err %v, want %q", c.args, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if bundle != c.bundle || detach != c.detach || n != c.n || !reflect.DeepEqual(pos, c.pos) {
			t.Errorf("%v: bundle %q detach %v n %d pos %q", c.args, bundle, detach, n, pos)
		}
	}
}

func TestParseSignal(t *testing.T) {
	good := map[string]unix.Signal{
		"KILL": unix.SIGKILL, "SIGKILL": unix.SIGKILL, "kill": unix.SIGKILL, "9": unix.SIGKILL,
		"TERM": unix.SIGTERM, "USR1": unix.SIGUSR1, "SIGHUP": unix.SIGHUP, "15": unix.SIGTERM,
		// Numbers go to kill(2) as they are, as in runc: 0 probes, the
		// kernel answers EINVAL for the others.
		"0": 0, "65": 65, "-1": -1,
	}
	for in, want := range good {
		if got, err := parseSignal(in); err != nil || got != want {
			t.Errorf("parseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"SIGFOO", "", "4294967305"} {
		if _, err := parseSignal(bad); err == nil {
			t.Errorf("parseSignal(%q) accepted", bad)
		}
	}
}
