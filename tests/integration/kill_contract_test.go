package integration

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The client contract (docs/clients.md): for each command in each state,
// the exit code and the words of runc 1.5 that containerd's shim, podman
// and CRI-O match. Each case is asserted on gorunc by itself and, when
// runc 1.5 is at hand ($RUNC_REF: `make integration` builds runc 1.5.1), on runc too
// through the same bundle, so that the table is runc's behaviour and not
// our reading of it.

// contractCase is one command run against a container in one state.
type contractCase struct {
	name string
	// state: missing, created, running, paused, created-paused, stopped;
	// orphans = stopped, no pid namespace of its own, a child of init
	// still alive in the cgroup; shared = running, no pid namespace of
	// its own, with a second process.
	state string
	args  []string // "ID" stands for the container's id
	code  int
	msg   string // a substring of stderr; "" = stderr must be empty
	// after: the container's status once the command returned ("" = not
	// checked, "gone" = deleted).
	after string
	// orphan: "alive" or "dead", the second process afterwards.
	orphan string
	// exact: the error is msg word for word (runcMessage of stderr),
	// not merely a part of it.
	exact bool
}

// runc15 names runc 1.5 for the side-by-side half, or says why not.
func runc15() (string, string) {
	p := os.Getenv("RUNC_REF")
	if p == "" {
		return "", "RUNC_REF does not name runc 1.5 (make integration sets it)"
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		return "", "RUNC_REF=" + p + " is not an executable"
	}
	return p, ""
}

func TestKillContractMatchesRunc(t *testing.T) {
	const notRunning = "container not running"
	cases := []contractCase{
		{name: "missing", state: "missing", args: []string{"kill", "ID", "KILL"}, code: 1, msg: "container does not exist"},
		{name: "missing --all", state: "missing", args: []string{"kill", "--all", "ID", "KILL"}, code: 1, msg: "container does not exist"},
		{name: "missing bad signal", state: "missing", args: []string{"kill", "ID", "FOO"}, code: 1, msg: "container does not exist"},

		{name: "created 0", state: "created", args: []string{"kill", "ID", "0"}, after: "created"},
		{name: "created unknown name", state: "created", args: []string{"kill", "ID", "FOO"}, code: 1, msg: "unknown signal", after: "created"},
		{name: "created 99", state: "created", args: []string{"kill", "ID", "99"}, code: 1, msg: "unable to signal init: invalid argument", after: "created"},
		{name: "created -1", state: "created", args: []string{"kill", "ID", "-1"}, code: 1, msg: "unable to signal init: invalid argument", after: "created"},
		{name: "created KILL", state: "created", args: []string{"kill", "ID", "KILL"}, after: "stopped"},

		{name: "running 0", state: "running", args: []string{"kill", "ID", "0"}, after: "running"},
		{name: "running --all 0", state: "running", args: []string{"kill", "--all", "ID", "0"}, after: "running"},
		{name: "running sigkill", state: "running", args: []string{"kill", "ID", "sigkill"}, after: "stopped"},
		{name: "running -a 9", state: "running", args: []string{"kill", "-a", "ID", "9"}, after: "stopped"},

		{name: "paused 0", state: "paused", args: []string{"kill", "ID", "0"}, after: "paused"},
		{name: "paused KILL thaws", state: "paused", args: []string{"kill", "ID", "KILL"}, after: "stopped"},
		{name: "paused --all KILL", state: "paused", args: []string{"kill", "--all", "ID", "KILL"}, after: "stopped"},

		// The shim's `kill ID 9` after the process exited must say
		// "container not running" (-> "process already finished"), and
		// its `kill --all ID 9` must succeed.
		{name: "stopped KILL", state: "stopped", args: []string{"kill", "ID", "KILL"}, code: 1, msg: notRunning, after: "stopped"},
		{name: "stopped 0", state: "stopped", args: []string{"kill", "ID", "0"}, code: 1, msg: notRunning, after: "stopped"},
		{name: "stopped default TERM", state: "stopped", args: []string{"kill", "ID"}, code: 1, msg: notRunning, after: "stopped"},
		{name: "stopped 99", state: "stopped", args: []string{"kill", "ID", "99"}, code: 1, msg: notRunning, after: "stopped"},
		{name: "stopped unknown name", state: "stopped", args: []string{"kill", "ID", "FOO"}, code: 1, msg: "unknown signal", after: "stopped"},
		{name: "stopped --all KILL", state: "stopped", args: []string{"kill", "--all", "ID", "9"}, after: "stopped"},
		{name: "stopped -a TERM", state: "stopped", args: []string{"kill", "-a", "ID", "TERM"}, after: "stopped"},

		// Init gone, its child still in the cgroup (no pid namespace):
		// only SIGKILL reaches the leftovers; --all adds nothing since
		// runc 1.2.
		{name: "orphans TERM", state: "orphans", args: []string{"kill", "ID", "TERM"}, code: 1, msg: notRunning, orphan: "alive"},
		{name: "orphans KILL", state: "orphans", args: []string{"kill", "ID", "KILL"}, orphan: "dead"},
		{name: "orphans --all TERM", state: "orphans", args: []string{"kill", "--all", "ID", "TERM"}, orphan: "alive"},
		{name: "orphans --all KILL", state: "orphans", args: []string{"kill", "--all", "ID", "KILL"}, orphan: "dead"},
		// SIGKILL without a pid namespace of its own kills every process.
		{name: "shared KILL", state: "shared", args: []string{"kill", "ID", "KILL"}, after: "stopped", orphan: "dead"},
	}
	runContract(t, cases)
}

// TestCommandContractMatchesRunc: the same class of answer for the other
// commands (the audit in docs/clients.md).
func TestCommandContractMatchesRunc(t *testing.T) {
	cases := []contractCase{
		{name: "delete --force missing", state: "missing", args: []string{"delete", "--force", "ID"}},
		{name: "delete missing", state: "missing", args: []string{"delete", "ID"}, code: 1, msg: "container does not exist"},
		{name: "state missing", state: "missing", args: []string{"state", "ID"}, code: 1, msg: "container does not exist"},
		{name: "pause missing", state: "missing", args: []string{"pause", "ID"}, code: 1, msg: "container does not exist"},

		// containerd's shim deletes a created, never started task with a
		// plain `delete ID`.
		{name: "delete created", state: "created", args: []string{"delete", "ID"}, after: "gone"},
		{name: "resume created", state: "created", args: []string{"resume", "ID"}, code: 1, msg: "container not paused", after: "created"},
		{name: "resume created-paused", state: "created-paused", args: []string{"resume", "ID"}, after: "created"},
		{name: "start created-paused", state: "created-paused", args: []string{"start", "ID"}, code: 1, msg: "cannot start a container in the paused state", after: "paused"},

		{name: "start running", state: "running", args: []string{"start", "ID"}, code: 1, msg: "cannot start an already running container", after: "running"},
		{name: "resume running", state: "running", args: []string{"resume", "ID"}, code: 1, msg: "container not paused", after: "running"},
		{name: "delete running", state: "running", args: []string{"delete", "ID"}, code: 1, msg: "cannot delete container ID that is not stopped: running", after: "running"},

		{name: "pause paused", state: "paused", args: []string{"pause", "ID"}, code: 1, msg: "container not running", after: "paused"},
		{name: "start paused", state: "paused", args: []string{"start", "ID"}, code: 1, msg: "cannot start a container in the paused state", after: "paused"},
		{name: "delete paused", state: "paused", args: []string{"delete", "ID"}, code: 1, msg: "cannot delete container ID that is not stopped: paused", after: "paused"},

		{name: "start stopped", state: "stopped", args: []string{"start", "ID"}, code: 1, msg: "cannot start a container that has stopped", after: "stopped"},
		{name: "pause stopped", state: "stopped", args: []string{"pause", "ID"}, code: 1, msg: "container not running", after: "stopped"},
		{name: "resume stopped", state: "stopped", args: []string{"resume", "ID"}, code: 1, msg: "container not paused", after: "stopped"},
		{name: "update stopped", state: "stopped", args: []string{"update", "--pids-limit", "10", "ID"}, code: 1, msg: "container not running", after: "stopped"},
		{name: "state stopped", state: "stopped", args: []string{"state", "ID"}, after: "stopped"},
		{name: "ps stopped", state: "stopped", args: []string{"ps", "ID"}, after: "stopped"},
		{name: "delete stopped", state: "stopped", args: []string{"delete", "ID"}, after: "gone"},
	}
	runContract(t, cases)
}

// TestStatusErrorsWordForWord: a command refused for its container's
// status (or a missing container) prints runc 1.5.1's error whole: no id
// prefixed ("container ID: container does not exist"), no hint of our
// own, only the prefix runc has ("exec failed: "). Start and exec in a
// paused container are left out: gorunc adds the freeze that holds it
// (TestCommandContractMatchesRunc has them).
func TestStatusErrorsWordForWord(t *testing.T) {
	const notRunning = "container not running"
	var cases []contractCase
	for _, args := range [][]string{{"start", "ID"}, {"kill", "ID", "KILL"}, {"delete", "ID"}, {"pause", "ID"}, {"resume", "ID"},
		{"update", "--pids-limit", "10", "ID"}, {"ps", "ID"}, {"events", "--stats", "ID"}, {"state", "ID"}} {
		cases = append(cases, contractCase{name: args[0] + " missing", state: "missing", args: args, code: 1, msg: "container does not exist", exact: true})
	}
	cases = append(cases, []contractCase{
		{name: "exec missing", state: "missing", args: []string{"exec", "ID", "true"}, code: 255, msg: "exec failed: container does not exist", exact: true},
		{name: "resume created", state: "created", args: []string{"resume", "ID"}, code: 1, msg: "container not paused", after: "created", exact: true},
		{name: "start running", state: "running", args: []string{"start", "ID"}, code: 1, msg: "cannot start an already running container", after: "running", exact: true},
		{name: "resume running", state: "running", args: []string{"resume", "ID"}, code: 1, msg: "container not paused", after: "running", exact: true},
		{name: "delete running", state: "running", args: []string{"delete", "ID"}, code: 1, msg: "cannot delete container ID that is not stopped: running", after: "running", exact: true},
		{name: "pause paused", state: "paused", args: []string{"pause", "ID"}, code: 1, msg: notRunning, after: "paused", exact: true},
		{name: "delete paused", state: "paused", args: []string{"delete", "ID"}, code: 1, msg: "cannot delete container ID that is not stopped: paused", after: "paused", exact: true},
		{name: "start stopped", state: "stopped", args: []string{"start", "ID"}, code: 1, msg: "cannot start a container that has stopped", after: "stopped", exact: true},
		{name: "kill stopped", state: "stopped", args: []string{"kill", "ID", "KILL"}, code: 1, msg: notRunning, after: "stopped", exact: true},
		{name: "pause stopped", state: "stopped", args: []string{"pause", "ID"}, code: 1, msg: notRunning, after: "stopped", exact: true},
		{name: "resume stopped", state: "stopped", args: []string{"resume", "ID"}, code: 1, msg: "container not paused", after: "stopped", exact: true},
		{name: "exec stopped", state: "stopped", args: []string{"exec", "ID", "true"}, code: 255, msg: "exec failed: cannot exec in a stopped container", after: "stopped", exact: true},
		{name: "update stopped", state: "stopped", args: []string{"update", "--pids-limit", "10", "ID"}, code: 1, msg: notRunning, after: "stopped", exact: true},
		{name: "events stopped", state: "stopped", args: []string{"events", "--stats", "ID"}, code: 1, msg: "container with id ID is not running", after: "stopped", exact: true},
	}...)
	runContract(t, cases)
}

// runContract runs every case on gorunc and, when present, on runc 1.5.
func runContract(t *testing.T, cases []contractCase) {
	runc, why := runc15()
	bins := []struct{ name, path string }{{"gorunc", os.Getenv("GORUNC")}}
	if runc != "" {
		bins = append(bins, struct{ name, path string }{"runc-1.5", runc})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range bins {
				t.Run(b.name, func(t *testing.T) { checkContract(t, b.path, c) })
			}
			if runc == "" {
				t.Logf("runc half skipped: %s", why)
			}
		})
	}
}

func checkContract(t *testing.T, bin string, c contractCase) {
	// A number no other process on the host sleeps for, to find the
	// container's second process by its command line.
	mark := fmt.Sprint(3_000_000 + rand.IntN(6_000_000))
	args := []string{"sleep", "100"}
	if c.state == "orphans" || c.state == "shared" {
		args = []string{"sh", "-c", "sleep " + mark + " & exec sleep 100"}
	}
	e := newEnv(t, args...)
	e.bin = bin
	// One level: runc removes only the leaf it made.
	e.spec.Linux.CgroupsPath = strings.ReplaceAll(e.spec.Linux.CgroupsPath, "/", "-")
	if c.state == "orphans" || c.state == "shared" {
		e.spec.Linux.Namespaces = withoutNamespace(e.spec.Linux.Namespaces, specs.PIDNamespace)
	}
	e.writeSpec()
	id := "kc"
	orphan := 0
	switch c.state {
	case "missing":
		id = "nosuch"
	case "created", "created-paused":
		e.must("create", "--bundle", e.bundle, id)
		if c.state == "created-paused" {
			e.must("pause", id)
			e.waitStatus(id, "paused")
		}
	case "running", "paused", "stopped", "orphans", "shared":
		e.must("run", "-d", "--bundle", e.bundle, id)
		e.waitStatus(id, "running")
		if c.state == "orphans" || c.state == "shared" {
			orphan = findSleeper(t, mark)
			// Registered after newEnv, so it runs before the env's
			// cleanup: never leave the host a stray sleeper even if
			// the runtime under test fails to kill it.
			t.Cleanup(func() {
				if findSleeperNow(mark) == orphan {
					syscall.Kill(orphan, syscall.SIGKILL)
				}
			})
		}
		switch c.state {
		case "paused":
			e.must("pause", id)
			e.waitStatus(id, "paused")
		case "stopped":
			e.must("kill", id, "KILL")
			e.waitStatus(id, "stopped")
		case "orphans":
			// Kill init alone, by its pid: its child stays behind.
			if err := syscall.Kill(e.state(id).Pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			e.waitStatus(id, "stopped")
		}
	default:
		t.Fatalf("unknown state %q", c.state)
	}

	argv := make([]string, len(c.args))
	for i, a := range c.args {
		argv[i] = strings.ReplaceAll(a, "ID", id)
	}
	r := e.run(argv...)
	if r.code != c.code {
		t.Errorf("%s: exit %d, want %d (stderr %q)", strings.Join(argv, " "), r.code, c.code, r.stderr)
	}
	msg := strings.ReplaceAll(c.msg, "ID", id)
	switch {
	case c.exact && runcMessage(r.stderr) != msg:
		t.Errorf("%s: error %q, want exactly %q", strings.Join(argv, " "), runcMessage(r.stderr), msg)
	case msg == "" && strings.TrimSpace(r.stderr) != "":
		t.Errorf("%s: stderr %q, want none", strings.Join(argv, " "), r.stderr)
	case msg != "" && !strings.Contains(r.stderr, msg):
		t.Errorf("%s: stderr %q does not say %q", strings.Join(argv, " "), r.stderr, msg)
	}
	switch c.after {
	case "":
	case "gone":
		if _, err := e.tryState(id); err == nil {
			t.Errorf("%s: the container is still there", strings.Join(argv, " "))
		}
	default:
		e.waitStatus(id, c.after)
	}
	if c.orphan != "" {
		got := "dead"
		deadline := time.Now().Add(5 * time.Second)
		for findSleeperNow(mark) == orphan {
			if c.orphan == "alive" || time.Now().After(deadline) {
				got = "alive"
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got != c.orphan {
			t.Errorf("%s: the container's other process is %s, want %s", strings.Join(argv, " "), got, c.orphan)
		}
	}
}

// findSleeper waits for the process running `sleep mark`.
func findSleeper(t *testing.T, mark string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if pid := findSleeperNow(mark); pid > 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no process runs sleep %s", mark)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// findSleeperNow: the pid of the live process whose command line is
// exactly `sleep mark`, or 0.
func findSleeperNow(mark string) int {
	want := []byte("sleep\x00" + mark + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Equal(data, want) {
			continue
		}
		var pid int
		fmt.Sscan(filepath.Base(d), &pid)
		if alive(pid) {
			return pid
		}
	}
	return 0
}
