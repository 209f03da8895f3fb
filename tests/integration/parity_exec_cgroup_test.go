package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cgroupLineEnds checks that the /proc/self/cgroup line of each named
// hierarchy (its controller list holds name; "" is the cgroup2 line)
// ends with want, and every other line with rest.
func cgroupLineEnds(t *testing.T, procCgroup string, want map[string]string, rest string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[1] == "name=systemd" {
			continue // runc joins name=systemd, gorunc does not manage it
		}
		end := rest
		for _, c := range strings.Split(parts[1], ",") {
			if w, ok := want[c]; ok {
				end = w
			}
		}
		if !strings.HasSuffix(parts[2], end) {
			t.Errorf("%q: want the cgroup to end with %q", line, end)
		}
	}
}

// TestExecSubCgroupV1AsRunc: exec --cgroup joins an existing sub-cgroup
// of the container's, per controller or for all of them, and refuses a
// path outside, a missing sub-cgroup, an unknown controller and bad
// arguments in runc 1.5.1's words (runc's exec.bats "runc exec --cgroup
// sub-cgroups [v1]"). The sub-cgroups are made from the host here (runc's
// test makes them through a writable cgroupfs in the container); delete
// removes them with the container's.
func TestExecSubCgroupV1AsRunc(t *testing.T) {
	for _, c := range []string{"memory", "cpu", "cpuacct"} {
		ownCgroup(t, c) // skips where a v1 hierarchy is missing
	}
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "sc")
		rel := "/" + e.spec.Linux.CgroupsPath
		fails := []struct {
			name  string
			args  []string
			words []string
		}{
			{"parent", []string{"--cgroup", ".."}, []string{"bad sub cgroup path: .."}},
			{"far up", []string{"--cgroup", "../../.."}, []string{"bad sub cgroup path: ../../.."}},
			{"missing", []string{"--cgroup", "nonexistent"}, []string{" adding pid ", "/nonexistent/cgroup.procs", "no such file or directory"}},
			{"missing cpu", []string{"--cgroup", "cpu:nonexistent"}, []string{" adding pid ", "/cpu/", "/nonexistent/cgroup.procs", "no such file or directory"}},
			{"controller", []string{"--cgroup", "whaaat:/"}, []string{"unknown controller whaaat in SubCgroupPaths"}},
			{"empty controller", []string{"--cgroup", ":x"}, []string{"invalid --cgroup argument: :x (empty <controller> prefix)"}},
			{"twice", []string{"--cgroup", "memory:a", "--cgroup", "memory:b"}, []string{"invalid --cgroup argument(s): controller memory specified multiple times"}},
			{"two bare", []string{"--cgroup", "x", "--cgroup", "y"}, []string{"invalid --cgroup argument: x (missing <controller>: prefix)"}},
		}
		for _, c := range fails {
			t.Run(c.name, func(t *testing.T) {
				r := e.run(append(append([]string{"exec"}, c.args...), "sc", "true")...)
				if r.code != 255 {
					t.Errorf("exit %d, want runc's 255 (stderr %q)", r.code, r.stderr)
				}
				for _, w := range c.words {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("stderr %q does not say %q", r.stderr, w)
					}
				}
			})
		}
		// Without --cgroup and with "/", the container's own cgroup.
		cgroupLineEnds(t, e.must("exec", "sc", "cat", "/proc/self/cgroup"), nil, rel)
		cgroupLineEnds(t, e.must("exec", "--cgroup", "/", "sc", "cat", "/proc/self/cgroup"), nil, rel)
		for ctrl, sub := range map[string]string{"memory": "submem", "cpu": "subcpu", "cpuacct": "subcpu"} {
			mustMkdir(t, filepath.Join(ownCgroup(t, ctrl), rel, sub))
		}
		got := e.must("exec", "--cgroup", "memory:submem", "--cgroup", "cpu,cpuacct:subcpu", "sc", "cat", "/proc/self/cgroup")
		cgroupLineEnds(t, got, map[string]string{"memory": rel + "/submem", "cpu": rel + "/subcpu", "cpuacct": rel + "/subcpu"}, rel)
		// The process stays there: the sub-cgroup lists it.
		e.must("exec", "-d", "--cgroup", "memory:submem", "sc", "sleep", "100")
		procs, err := os.ReadFile(filepath.Join(ownCgroup(t, "memory"), rel, "submem", "cgroup.procs"))
		if err != nil || len(strings.Fields(string(procs))) != 1 {
			t.Errorf("submem's cgroup.procs %q (%v): want the exec'd sleep", procs, err)
		}
		// A paused container is refused as without --cgroup.
		e.must("pause", "sc")
		if r := e.run("exec", "--cgroup", "memory:submem", "sc", "true"); r.code != 255 || !strings.Contains(r.stderr, "paused") {
			t.Errorf("exec --cgroup in a paused container: exit %d, %q; want 255 and runc's words", r.code, r.stderr)
		}
		e.must("resume", "sc")
		e.must("delete", "-f", "sc")
		for _, ctrl := range []string{"memory", "cpu"} {
			if _, err := os.Stat(filepath.Join(ownCgroup(t, ctrl), rel)); err == nil {
				t.Errorf("delete left %s's cgroup %s with its sub-cgroups", ctrl, rel)
			}
		}
	})
}

// TestExecSubCgroupSiblingRefused: runc 1.5.1 compares string prefixes,
// so "../c-sibling" from ".../c" passes its check and joins the sibling;
// runc 1.5.2 refuses it, as gorunc does (a deliberate difference from
// 1.5.1, docs/spec-conformance.md).
func TestExecSubCgroupSiblingRefused(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "sib")
	leaf := filepath.Base(e.spec.Linux.CgroupsPath)
	sib := filepath.Join(ownCgroup(t, "memory"), filepath.Dir(e.spec.Linux.CgroupsPath), leaf+"-sibling")
	mustMkdir(t, sib)
	defer os.Remove(sib)
	r := e.run("exec", "--cgroup", "memory:../"+leaf+"-sibling", "sib", "true")
	if r.code != 255 || !strings.Contains(r.stderr, "bad sub cgroup path: ../"+leaf+"-sibling") {
		t.Errorf("exit %d, stderr %q; want 255 and bad sub cgroup path", r.code, r.stderr)
	}
	if procs, _ := os.ReadFile(filepath.Join(sib, "cgroup.procs")); len(strings.TrimSpace(string(procs))) > 0 {
		t.Errorf("a process joined the sibling cgroup: %q", procs)
	}
}
