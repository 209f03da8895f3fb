package main

import (
	"bytes"
	"errors"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gorunc/gorunc/cmd/gorunc/cli"
	"github.com/gorunc/gorunc/runlog"
)

// declaredFlags runs the command with --help and returns the flags its code
// declared, as the parser knows them.
func declaredFlags(t *testing.T, name string, cmd command) []declaredFlag {
	t.Helper()
	log, err := runlog.Open("", "text", false)
	if err != nil {
		t.Fatal(err)
	}
	g := &globals{root: t.TempDir(), logFormat: "text", log: log}
	for _, spelling := range []string{"--help", "-h"} {
		_, err := cmd(g, []string{spelling})
		var h *helpRequest
		if !errors.As(err, &h) || h.cmd != name {
			t.Fatalf("%s %s: %v, want a help request", name, spelling, err)
		}
		if spelling == "-h" {
			return h.declared
		}
	}
	return nil
}

// checkFlags compares the flags the code declares with the table's: same
// names in the same order of aliases, same kind (value or switch), and a
// description for each; what `CMD --help` prints lists each of them.
func checkFlags(t *testing.T, name string, declared []declaredFlag, table []cli.Flag, help string) {
	t.Helper()
	byName := map[string]cli.Flag{}
	for _, f := range table {
		byName[f.Names[0]] = f
	}
	seen := map[string]bool{}
	for _, d := range declared {
		f, ok := byName[d.names[0]]
		switch {
		case !ok:
			t.Errorf("%s: flag --%s has no description in cmd/gorunc/cli's table", name, d.names[0])
			continue
		case !reflect.DeepEqual(f.Names, d.names):
			t.Errorf("%s: flag names %q in code, %q in the table", name, d.names, f.Names)
		case f.Value != d.value:
			t.Errorf("%s: --%s takes a value: %v in code, %v in the table", name, d.names[0], d.value, f.Value)
		case strings.TrimSpace(f.Usage) == "":
			t.Errorf("%s: --%s has an empty description", name, d.names[0])
		}
		seen[d.names[0]] = true
		if !strings.Contains(help, cli.Spelling(f)+"  ") || !strings.Contains(help, f.Usage) {
			t.Errorf("%s: help does not show %q with its description:\n%s", name, cli.Spelling(f), help)
		}
	}
	for _, f := range table {
		if !seen[f.Names[0]] {
			t.Errorf("%s: the table describes --%s, which the parser does not accept", name, f.Names[0])
		}
	}
}

func TestHelpListsEveryDeclaredFlag(t *testing.T) {
	cmds := commands()
	var inTable []string
	for _, c := range cli.Commands() {
		inTable = append(inTable, c.Name)
		if c.Usage == "" {
			t.Errorf("%s: no summary in the table", c.Name)
		}
	}
	var inCode []string
	for name := range cmds {
		inCode = append(inCode, name)
	}
	sort.Strings(inCode)
	if !reflect.DeepEqual(inCode, inTable) {
		t.Errorf("commands in code %q, in the table %q", inCode, inTable)
	}
	for _, name := range inCode {
		t.Run(name, func(t *testing.T) {
			h := &helpRequest{cmd: name, declared: declaredFlags(t, name, cmds[name])}
			c := commandHelp(h)
			var out bytes.Buffer
			if err := cli.WriteCommandHelp(&out, c); err != nil {
				t.Fatal(err)
			}
			table, _ := cli.Lookup(name)
			checkFlags(t, name, h.declared, table.Flags, out.String())
			if !strings.HasPrefix(out.String(), "NAME:\n   gorunc "+name+" - ") || !strings.Contains(out.String(), "\nUSAGE:\n   gorunc "+name) {
				t.Errorf("help is not in runc's layout:\n%s", out.String())
			}
		})
	}
	t.Run("global", func(t *testing.T) {
		var out bytes.Buffer
		if err := cli.WriteAppHelp(&out, "0.0.0"); err != nil {
			t.Fatal(err)
		}
		checkFlags(t, "gorunc", globalFlags(&globals{}).declared(), cli.Globals(), out.String())
		for _, name := range inCode {
			if !regexp.MustCompile(`\n   ` + name + ` +\S`).MatchString(out.String()) {
				t.Errorf("gorunc --help does not list %s", name)
			}
		}
	})
}

// TestCommandLineExits: what runc 1.5.1 answers, exit code included
// (urfave/cli exits 3 for an unknown command and for help on one).
func TestCommandLineExits(t *testing.T) {
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"frobnicate"}, 3},
		{[]string{"help", "frobnicate"}, 3},
		{[]string{"--root", "/nonexistent/gorunc-help-test", "list", "--help"}, 0},
		{[]string{"help", "list"}, 0},
		{[]string{"h", "start"}, 0},
		{[]string{"help"}, 0},
		{[]string{"-h"}, 0},
		{[]string{"--version"}, 0},
	}
	for _, c := range cases {
		if got := run(c.args); got != c.code {
			t.Errorf("gorunc %q: exit %d, want %d", c.args, got, c.code)
		}
	}
}

func TestVersionShape(t *testing.T) {
	for _, commit := range []string{"", "v0.1.0-3-gabcdef0-dirty"} {
		got := versionTextFor(commit)
		want := `^gorunc version \d+\.\d+\.\d+\n(commit: \S+\n)?spec: 1\.\d+\.\d+\ngo: go\S+\n$`
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("commit %q: version text %q, want runc's shape %s", commit, got, want)
		}
		if commit != "" && !strings.Contains(got, "\ncommit: "+commit+"\n") {
			t.Errorf("commit %q not shown: %q", commit, got)
		}
	}
}
