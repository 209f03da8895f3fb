package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// initPidsMax is the smallest pids.max of a parent cgroup under which
// gorunc's init and exec-init (beside a container's one process) start
// reliably: their four threads (M0, sysmon, cgo's template thread, one
// worker M; runtime/initthreads.go) and the fifth that a race in the Go
// runtime's start still gives 1-6 inits in 100. Before SCHED_BATCH that
// race hit about 1 in 5, a second one now and then made a sixth thread,
// and about 1 start in 100 failed under this limit with "runtime/cgo:
// pthread_create failed: Resource temporarily unavailable".
const initPidsMax = 5

// goThreadRace ends the first line of a start that lost the race for a
// sixth thread; maxRaceFailures is how many of the test's 220 starts may.
const (
	goThreadRace    = "runtime/cgo: pthread_create failed: Resource temporarily unavailable"
	maxRaceFailures = 1
)

// initThreads is what init needs while created; more is the race.
const initThreads = 4

// pidsStarts is how many starts each loop makes: the failure was a race.
const pidsStarts = 100

// TestStartsUnderParentPidsMax: under a parent cgroup with pids.max =
// initPidsMax (a pod's or a slice's limit), 100 `run` of /bin/true and 100
// create+start, then with one more for the container's process 20 exec
// into a running container, all succeed, and the
// pids controller refused no fork (pids.events "max 0"; on cgroup v1 the
// count is the forking cgroup's, so the container's cgroup is made by the
// test and joined, and survives the deletes). runc 1.5.1 runs the same
// loops as a reference; its failures are logged, not asserted.
func TestStartsUnderParentPidsMax(t *testing.T) {
	own := ownCgroup(t, "pids")
	for _, b := range cgBins(t) {
		t.Run(b.name, func(t *testing.T) {
			e := cgEnv(t, b, "true")
			e.writeSpec()
			parent, _, _ := strings.Cut(e.spec.Linux.CgroupsPath, "/")
			dir := filepath.Join(own, e.spec.Linux.CgroupsPath)
			mustMkdir(t, dir)
			mustWrite(t, filepath.Join(own, parent, "pids.max"), strconv.Itoa(initPidsMax))

			failed, racy := pidsLoops(t, e, dir)
			// runc removes the container's cgroup (and its counts) at
			// delete, gorunc leaves the one it joined.
			events := readOr(filepath.Join(dir, "pids.events")) + ", parent " +
				readOr(filepath.Join(own, parent, "pids.events"))
			peak := readOr(filepath.Join(dir, "pids.peak"))
			t.Logf("%s under pids.max=%d: %d of %d starts failed; %d of %d inits had more than %d threads while created; pids.events %s; pids.peak %s",
				b.name, initPidsMax, len(failed), 2*pidsStarts+20, racy, pidsStarts, initThreads, events, peak)
			if b.name != "gorunc" {
				if len(failed) > 0 {
					t.Logf("%s, first failure: %s", b.name, failed[0])
				}
				return
			}
			// The Go runtime's race can still strike twice in one start
			// (a sixth thread, fatal): 0 in three quiet runs of 220, 1 in
			// a loaded CI run (session 9). One such failure is allowed;
			// cgo tries pthread_create 20 times before it gives up, each
			// a refusal counted in the container's pids.events.
			race := 0
			for _, f := range failed {
				if strings.HasSuffix(f, goThreadRace) && race < maxRaceFailures {
					race++
					t.Logf("the Go runtime's thread race (allowed %d time): %s", maxRaceFailures, f)
					continue
				}
				t.Error(f)
			}
			if n, p := eventsMax(readOr(filepath.Join(dir, "pids.events"))), eventsMax(readOr(filepath.Join(own, parent, "pids.events"))); n > 20*race || p != 0 {
				t.Errorf("pids.events: %s, want max at most %d (%d thread races) and parent max 0", events, 20*race, race)
			}
			// The race itself, which the limit catches only when it
			// strikes twice: 18-28 in 100 before SCHED_BATCH, 1-2 in 100
			// now on a quiet host and 6 in a loaded `make test`; the
			// bound sits between the two so that a loaded host does not
			// fail it and the old code still does.
			if maxRacy := pidsStarts / 8; racy > maxRacy {
				t.Errorf("%d of %d inits had more than %d threads while created, want at most %d", racy, pidsStarts, initThreads, maxRacy)
			}
		})
	}
}

// pidsLoops runs the starts of TestStartsUnderParentPidsMax and returns
// what failed and how many created inits had more than initThreads
// threads. dir is the container's cgroup (pids), made again before each
// start (runc removes it, gorunc leaves what it did not make), and empty
// before the next: a container process not yet reaped still counts.
func pidsLoops(t *testing.T, e *env, dir string) (failed []string, racy int) {
	fail := func(what string, r result) {
		failed = append(failed, what+": exit "+strconv.Itoa(r.code)+": "+firstLine(r.stderr))
	}
	for i := range pidsStarts {
		id := "r" + strconv.Itoa(i)
		mustMkdir(t, dir)
		if r := e.run("run", "--bundle", e.bundle, id); r.code != 0 {
			fail("run "+id, r)
			e.run("delete", "--force", id)
		}
		waitEmpty(t, dir)
	}
	for i := range pidsStarts {
		id := "c" + strconv.Itoa(i)
		mustMkdir(t, dir)
		if r := e.run("create", "--bundle", e.bundle, id); r.code != 0 {
			fail("create "+id, r)
			e.run("delete", "--force", id)
			continue
		}
		if threads(t, e.state(id).Pid) > initThreads {
			racy++
		}
		if r := e.run("start", id); r.code != 0 {
			fail("start "+id, r)
		} else {
			e.waitStatus(id, "stopped")
		}
		e.run("delete", "--force", id)
		waitEmpty(t, dir)
	}
	// exec-init joins the cgroup as soon as it exists, before its Go
	// runtime has made its threads, beside the container's process: one
	// more than init needs (docs/performance.md, "Threads of init").
	mustMkdir(t, dir)
	mustWrite(t, filepath.Join(filepath.Dir(dir), "pids.max"), strconv.Itoa(initPidsMax+1))
	e.spec.Process.Args = []string{"sleep", "100"}
	e.writeSpec()
	if r := e.run("run", "-d", "--bundle", e.bundle, "svc"); r.code != 0 {
		fail("run -d svc", r)
	} else {
		for i := range 20 {
			if r := e.run("exec", "svc", "true"); r.code != 0 {
				fail("exec "+strconv.Itoa(i), r)
			}
		}
	}
	e.run("delete", "--force", "svc")
	waitEmpty(t, dir)
	return failed, racy
}

// threads counts the tasks of process pid.
func threads(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// waitEmpty waits until no task is left in the pids cgroup dir (or runc
// removed it).
func waitEmpty(t *testing.T, dir string) {
	t.Helper()
	for range 250 {
		n, err := os.ReadFile(filepath.Join(dir, "pids.current"))
		if err != nil || strings.TrimSpace(string(n)) == "0" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: tasks left 5 s after the container stopped", dir)
}

// eventsMax is the count of pids.events' "max" line (-1 when missing).
func eventsMax(events string) int {
	for _, l := range strings.Split(events, "\n") {
		if v, ok := strings.CutPrefix(l, "max "); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return -1
}

// readOr is the trimmed content of path, or "n/a".
func readOr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "n/a"
	}
	return strings.TrimSpace(string(b))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
