package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestListStatesAsGet: ListStates gives, in order, what Get then State
// gives for each id, and leaves out the ids Get fails on; with enough
// containers for both workers, and states of every kind: live (this
// process as init, with and without an exec fifo, in a frozen and a
// thawed freezer), dead, not yet written, decoded lexically or left to
// encoding/json (an escape), corrupt.
func TestListStatesAsGet(t *testing.T) {
	s := Store{Root: t.TempDir()}
	self, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	freezer := func(state string) string {
		dir := filepath.Join(t.TempDir(), "freezer")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "freezer.state"), []byte(state+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	frozen, thawed := freezer("FROZEN"), freezer("THAWED")
	kinds := []func(id string) (state string, fifo bool){
		func(id string) (string, bool) {
			return fmt.Sprintf(`{"id":%q,"bundle":"/b/%s","rootfs":"/r","created":"2026-12-01T00:00:00.5Z","owner":"root","init_pid":%d,"init_start":%d,"cgroup":{"version":1,"paths":{"cpu":"/c","freezer":%q},"created":["/c"]},"spec":{"ociVersion":"1.0.2","process":{"args":["sh","-c","echo \"}\""]},"annotations":{"a":"1"}}}`, id, id, os.Getpid(), self.start, thawed), true
		},
		func(id string) (string, bool) {
			return fmt.Sprintf(`{"id":%q,"init_pid":%d,"init_start":%d,"cgroup":{"version":1,"paths":{"freezer":%q}},"spec":null}`, id, os.Getpid(), self.start, frozen), true
		},
		func(id string) (string, bool) {
			return fmt.Sprintf(`{"id":%q,"init_pid":%d,"init_start":%d,"cgroup":{"version":0,"paths":null}}`, id, os.Getpid(), self.start), false
		},
		func(id string) (string, bool) {
			return fmt.Sprintf(`{"id":%q,"init_pid":%d,"init_start":%d,"bundle":"/b\u00e9"}`, id, os.Getpid(), self.start+1), false
		},
		func(id string) (string, bool) { return "", false },
		func(id string) (string, bool) { return `{"id":`, false },
		func(id string) (string, bool) { return fmt.Sprintf(`{"id":%q,"init_pid":0,"owner":"u"}`, id), false },
	}
	var ids []string
	for i := range 3 * listPerWorker {
		id := fmt.Sprintf("c%03d", i)
		ids = append(ids, id)
		if err := os.Mkdir(s.dir(id), 0o711); err != nil {
			t.Fatal(err)
		}
		state, fifo := kinds[i%len(kinds)](id)
		if state != "" {
			if err := os.WriteFile(filepath.Join(s.dir(id), stateFile), []byte(state), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if fifo {
			if err := os.WriteFile(filepath.Join(s.dir(id), fifoFile), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids = append(ids, "missing")
	var want []State
	for _, id := range ids {
		if c, err := s.Get(id); err == nil {
			want = append(want, c.State())
		}
	}
	got := s.ListStates(ids)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListStates:\n got %+v\nwant %+v", got, want)
	}
	if len(want) == len(ids) || len(want) == 0 {
		t.Errorf("%d of %d ids listed: the corrupt and missing ones must be left out", len(want), len(ids))
	}
	statuses := map[string]bool{}
	for _, st := range got {
		statuses[string(st.Status)] = true
	}
	if len(statuses) != 4 {
		t.Errorf("statuses %v, want created, paused, running and stopped", statuses)
	}
}
