package integration

import (
	"encoding/json"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// TestSameAsRunc drives gorunc and runc through the same bundle and the
// same command sequence and compares what a client sees: exit codes,
// statuses and the keys of the state JSON.
func TestSameAsRunc(t *testing.T) {
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc is not installed (scripts/install-deps.sh installs it)")
	}
	type step struct {
		args []string
		// status is the container's status after the step ("" = gone).
		status string
	}
	seq := []step{
		{[]string{"create", "--bundle", "{bundle}", "cmp"}, "created"},
		{[]string{"start", "cmp"}, "running"},
		{[]string{"start", "cmp"}, "running"}, // error: already running
		{[]string{"kill", "cmp", "KILL"}, "stopped"},
		{[]string{"kill", "cmp", "KILL"}, "stopped"}, // error: stopped
		{[]string{"delete", "cmp"}, ""},
		{[]string{"delete", "--force", "cmp"}, ""},
	}
	type outcome struct {
		codes    []int
		statuses []string
		keys     []string
	}
	drive := func(bin string) outcome {
		e := newEnv(t, "sleep", "100")
		e.bin = bin
		// One level: runc removes only the leaf it made (parents stay
		// behind, in the unified hierarchy too, on this hybrid host).
		e.spec.Linux.CgroupsPath = strings.ReplaceAll(e.spec.Linux.CgroupsPath, "/", "-")
		e.writeSpec()
		var o outcome
		for _, s := range seq {
			args := make([]string, len(s.args))
			for i, a := range s.args {
				if a == "{bundle}" {
					a = e.bundle
				}
				args[i] = a
			}
			r := e.run(args...)
			o.codes = append(o.codes, r.code)
			if s.status == "stopped" {
				e.waitStatus("cmp", "stopped")
			}
			st, err := e.tryState("cmp")
			if err != nil {
				o.statuses = append(o.statuses, "")
				continue
			}
			o.statuses = append(o.statuses, st.Status)
			if o.keys == nil {
				var m map[string]any
				json.Unmarshal([]byte(e.must("state", "cmp")), &m)
				for k := range m {
					o.keys = append(o.keys, k)
				}
				sort.Strings(o.keys)
			}
		}
		return o
	}
	want := drive(runc)
	got := drive(newEnvBin(t))
	for i := range seq {
		if (got.codes[i] == 0) != (want.codes[i] == 0) {
			t.Errorf("step %v: gorunc exit %d, runc exit %d", seq[i].args, got.codes[i], want.codes[i])
		}
		if got.statuses[i] != want.statuses[i] {
			t.Errorf("after %v: gorunc status %q, runc %q", seq[i].args, got.statuses[i], want.statuses[i])
		}
	}
	missing := map[string]bool{}
	for _, k := range want.keys {
		missing[k] = true
	}
	for _, k := range got.keys {
		delete(missing, k)
	}
	if len(missing) > 0 {
		t.Errorf("state JSON lacks runc's keys %v (gorunc has %v)", missing, got.keys)
	}
}
