package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestListStatesAsRunc: list (table and json) and state of containers in
// every status (created, running, paused, a paused created one, stopped)
// print what runc 1.5.1 prints, byte for byte once the pids and creation
// times, which differ by nature, are masked. list and state read a view of
// state.json that skips the spec but for its annotations
// (runtime/stateview.go): the annotations must survive it.
func TestListStatesAsRunc(t *testing.T) {
	runc, why := runc15()
	e := newEnv(t, "sleep", "30")
	e.spec.Annotations = map[string]string{"org.example.list": "states", `q"}`: `\`}
	ids := []string{"a-created", "b-running", "c-paused", "d-paused-created", "e-stopped"}
	want := []string{"created", "running", "paused", "paused", "stopped"}
	// Each container gets a cgroup of its own beside newEnv's, which
	// cleanup removes with its parent.
	parent := filepath.Dir(e.cgroupsPath)
	out := map[string]map[string]string{}
	bins := []struct{ name, path, root string }{{"gorunc", e.bin, e.root}}
	if runc != "" {
		bins = append(bins, struct{ name, path, root string }{"runc", runc, t.TempDir()})
	} else {
		t.Logf("statuses only, not compared with runc: %s", why)
	}
	for _, b := range bins {
		e.bin, e.root = b.path, b.root
		for _, id := range ids {
			e.spec.Linux.CgroupsPath = parent + "/" + id
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, id)
		}
		e.must("start", "b-running")
		e.must("start", "c-paused")
		e.must("pause", "c-paused")
		e.must("pause", "d-paused-created")
		e.must("start", "e-stopped")
		e.must("kill", "e-stopped", "KILL")
		e.waitStatus("e-stopped", "stopped")
		o := map[string]string{"table": e.must("list"), "json": e.must("list", "-f", "json"), "quiet": e.must("list", "-q")}
		for i, id := range ids {
			o["state "+id] = e.must("state", id)
			if s := e.state(id); s.Status != want[i] {
				t.Errorf("%s: %s is %s, want %s", b.name, id, s.Status, want[i])
			}
		}
		out[b.name] = o
		for _, id := range ids {
			e.must("delete", "--force", id)
		}
		if left, _ := os.ReadDir(e.root); len(left) > 0 {
			t.Errorf("%s: state left in %s: %v", b.name, e.root, left)
		}
	}
	e.bin, e.root = bins[0].path, bins[0].root
	g := out["gorunc"]
	if n := strings.Count(g["table"], "\n"); n != len(ids)+1 || !strings.HasPrefix(g["table"], "ID   ") {
		t.Errorf("gorunc list:\n%s", g["table"])
	}
	if g["quiet"] != strings.Join(ids, "\n")+"\n" {
		t.Errorf("gorunc list -q: %q", g["quiet"])
	}
	if !strings.Contains(g["json"], `"annotations":{"org.example.list":"states","q\"}":"\\"}`) {
		t.Errorf("gorunc list -f json lost the annotations: %s", g["json"])
	}
	r, ok := out["runc"]
	if !ok {
		return
	}
	for _, k := range []string{"json", "quiet"} {
		if gm, rm := maskVariable(g[k]), maskVariable(r[k]); gm != rm {
			t.Errorf("list %s differs from runc's (pids and times masked):\ngorunc: %s\nrunc:   %s", k, gm, rm)
		}
	}
	// state: runc's bytes (its containerState: "pid": 0 once stopped,
	// "owner": "").
	for _, id := range ids {
		if gm, rm := maskVariable(g["state "+id]), maskVariable(r["state "+id]); gm != rm {
			t.Errorf("state %s differs from runc's (pids and times masked):\ngorunc: %s\nrunc:   %s", id, gm, rm)
		}
	}
	// The table's column widths follow the pids' and times' lengths:
	// compared cell by cell.
	if gt, rt := tableCells(g["table"]), tableCells(r["table"]); gt != rt {
		t.Errorf("list table differs from runc's (pids and times masked):\ngorunc:\n%s\nrunc:\n%s", gt, rt)
	}
}

var (
	maskPid     = regexp.MustCompile(`("pid": ?)[1-9][0-9]*`)
	maskCreated = regexp.MustCompile(`("created": ?)"[^"]*"`)
	maskTime    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT[0-9:.]+Z$`)
	maskNumber  = regexp.MustCompile(`^[1-9][0-9]*$`)
)

func maskVariable(s string) string {
	return maskCreated.ReplaceAllString(maskPid.ReplaceAllString(s, "${1}PID"), `${1}"TIME"`)
}

func tableCells(table string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(table, "\n"), "\n") {
		cells := regexp.MustCompile(`\s{3,}|\s+$`).Split(line, -1)
		for i, c := range cells {
			if maskTime.MatchString(c) || maskNumber.MatchString(c) {
				cells[i] = "X"
			}
		}
		fmt.Fprintln(&b, strings.Join(cells, "|"))
	}
	return b.String()
}
