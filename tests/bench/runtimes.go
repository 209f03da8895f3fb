package main

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
)

// Column names: they say which runc is which.
const (
	colGorunc        = "gorunc"
	colRuncDebian    = "runc-1.1.5"
	colRuncRef       = "runc-1.5.1"
	colRuncNoSeccomp = "runc-1.5.1-noseccomp"
	colCrun          = "crun"
	colFloor         = "floor"
)

// runtimeSpec is one runtime the bench may measure: its column name, the
// binary (a name looked up in PATH or a path), the runc version the column
// is named for ("" for gorunc and crun), or why it is not measured.
type runtimeSpec struct {
	name, bin, version, skipWhy string
}

func runtimeSpecs(o options) []runtimeSpec {
	noSeccomp := runtimeSpec{name: colRuncNoSeccomp, bin: o.runcNoSeccomp, version: "1.5.1"}
	if o.runcNoSeccomp == "" {
		noSeccomp.skipWhy = "no -runc-noseccomp (make bench RUNC_NOSECCOMP=1)"
	}
	return []runtimeSpec{
		{name: colGorunc, bin: o.gorunc},
		{name: colRuncDebian, bin: o.runc, version: "1.1.5"},
		{name: colRuncRef, bin: o.runcRef, version: "1.5.1"},
		noSeccomp,
		{name: colCrun, bin: "crun"},
	}
}

// runcVersion extracts the upstream version from `runc --version`'s first
// line ("runc version 1.1.5+ds1" -> "1.1.5"): Debian's "+ds1" and "-rc"
// style suffixes after '+' or '~' are packaging, not the version.
func runcVersion(out string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	f := strings.Fields(first)
	if len(f) != 3 || f[0] != "runc" || f[1] != "version" {
		return ""
	}
	v, _, _ := strings.Cut(f[2], "+")
	v, _, _ = strings.Cut(v, "~")
	return v
}

func versionOutput(bin string) string {
	out, _ := exec.Command(bin, "--version").Output()
	return string(out)
}

// scenarioSet is the -scenarios flag: which scenarios run.
type scenarioSet map[string]bool

var scenarioNames = []string{"single", "rss", "conc", "many"}

func allScenarios() scenarioSet {
	s := scenarioSet{}
	for _, n := range scenarioNames {
		s[n] = true
	}
	return s
}

func (s scenarioSet) String() string {
	var out []string
	for n, on := range s {
		if on {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Set replaces the default (all) with the listed scenarios.
func (s scenarioSet) Set(v string) error {
	for n := range s {
		delete(s, n)
	}
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		known := false
		for _, k := range scenarioNames {
			known = known || k == n
		}
		if !known {
			return fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(scenarioNames, ","))
		}
		s[n] = true
	}
	if len(s) == 0 {
		return fmt.Errorf("no scenario named (known: %s)", strings.Join(scenarioNames, ","))
	}
	return nil
}
