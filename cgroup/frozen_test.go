package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFrozenBy: a freeze of the cgroup itself or of any ancestor holds it,
// and a cgroupsPath that does not exist yet is judged by the ancestor it
// would be made under (the kernel makes a child of a frozen cgroup frozen).
func TestFrozenBy(t *testing.T) {
	tests := []struct {
		name string
		// pre are directories (relative to the hierarchy) to make
		// before, files are name -> content written there.
		pre   []string
		files map[string]string
		path  string
		// wantBy is the frozen cgroup, relative; "" for none.
		wantBy, wantState string
	}{
		{name: "v2 thawed", pre: []string{"a/c"}, path: "/a/c"},
		{name: "v2 self", pre: []string{"a/c"}, files: map[string]string{"a/c/cgroup.freeze": "1", "a/c/cgroup.events": "populated 0\nfrozen 1\n"},
			path: "/a/c", wantBy: "a/c", wantState: "cgroup.freeze=1"},
		{name: "v2 parent", pre: []string{"a/c"}, files: map[string]string{"a/cgroup.freeze": "1", "a/c/cgroup.events": "populated 0\nfrozen 1\n"},
			path: "/a/c", wantBy: "a", wantState: "cgroup.freeze=1"},
		{name: "v2 missing under frozen parent", pre: []string{"a"}, files: map[string]string{"a/cgroup.freeze": "1"},
			path: "/a/b/c", wantBy: "a", wantState: "cgroup.freeze=1"},
		{name: "v2 missing under thawed", pre: []string{"a"}, path: "/a/b/c"},

		{name: "v1 thawed", pre: []string{"freezer/a/c"}, path: "/a/c"},
		{name: "v1 self", pre: []string{"freezer/a/c"}, files: map[string]string{"freezer/a/c/freezer.state": "FROZEN", "freezer/a/c/freezer.self_freezing": "1"},
			path: "/a/c", wantBy: "freezer/a/c", wantState: "FROZEN"},
		{name: "v1 self freezing", pre: []string{"freezer/a/c"}, files: map[string]string{"freezer/a/c/freezer.state": "FREEZING", "freezer/a/c/freezer.self_freezing": "1"},
			path: "/a/c", wantBy: "freezer/a/c", wantState: "FREEZING"},
		{name: "v1 parent", pre: []string{"freezer/a/c"}, files: map[string]string{
			"freezer/a/freezer.state": "FROZEN", "freezer/a/freezer.self_freezing": "1",
			"freezer/a/c/freezer.state": "FROZEN", "freezer/a/c/freezer.self_freezing": "0"},
			path: "/a/c", wantBy: "freezer/a", wantState: "FROZEN"},
		{name: "v1 missing under frozen parent", pre: []string{"freezer/a"}, files: map[string]string{"freezer/a/freezer.state": "FROZEN", "freezer/a/freezer.self_freezing": "1"},
			path: "/a/b/c", wantBy: "freezer/a", wantState: "FROZEN"},
		{name: "v1 old kernel without self_freezing", pre: []string{"freezer/a/c"}, files: map[string]string{"freezer/a/c/freezer.state": "FROZEN"},
			path: "/a/c", wantBy: "freezer/a/c", wantState: "FROZEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var (
				m    Manager
				root string
				err  error
				o    ops
			)
			if tc.name[:2] == "v2" {
				root, o = fakeV2(t, "memory pids")
				m, err = newManager(Config{Path: tc.path}, &hostLayout{Version: 2, V2Root: root}, map[string]string{}, o)
			} else {
				var layout *hostLayout
				root, layout, o = fakeV1(t, "memory", "freezer")
				m, err = newManager(Config{Path: tc.path}, layout, map[string]string{}, o)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range tc.pre {
				if _, err := o.mkdirAll(root, filepath.Join(root, d)); err != nil {
					t.Fatal(err)
				}
			}
			for name, content := range tc.files {
				if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := m.FrozenBy()
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantBy == "" {
				if f != nil {
					t.Fatalf("FrozenBy = %v, want not frozen", f)
				}
				return
			}
			if f == nil {
				t.Fatalf("FrozenBy = nil, want frozen by %s", tc.wantBy)
			}
			if want := filepath.Join(root, tc.wantBy); f.By != want || f.State != tc.wantState {
				t.Errorf("FrozenBy = %+v, want By %s State %s", f, want, tc.wantState)
			}
			if strings.Contains(tc.name, "missing") {
				// The fake's mkdir cannot imitate v1's inherited
				// freezer.state; the kernel's is checked by
				// tests/integration/hangs_test.go.
				return
			}
			// After Apply the answer is the same, and Apply does not
			// thaw anything.
			if err := m.Apply(0); err != nil {
				t.Fatal(err)
			}
			if g, err := m.FrozenBy(); err != nil || g == nil || g.By != f.By {
				t.Errorf("after Apply: FrozenBy = %+v, %v; want By %s", g, err, f.By)
			}
		})
	}
}

// TestFrozenByReloaded: a manager reloaded from state (start, delete,
// the create watchdog) sees an ancestor's freeze too.
func TestFrozenByReloaded(t *testing.T) {
	root, o := fakeV2(t, "memory pids")
	m, err := newManager(Config{Path: "/a/c"}, &hostLayout{Version: 2, V2Root: root}, map[string]string{}, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a", "cgroup.freeze"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := load(m.State(), o)
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.FrozenBy()
	if err != nil || f == nil || f.By != filepath.Join(root, "a") || f.Dir != filepath.Join(root, "a", "c") {
		t.Fatalf("reloaded FrozenBy = %+v, %v", f, err)
	}
	if want := f.Dir + " is frozen by its ancestor " + f.By + " (cgroup.freeze=1)"; f.Error() != want {
		t.Errorf("message %q, want %q", f.Error(), want)
	}
}

// TestIsFrozenAsLoad: IsFrozen answers as Load then Frozen, for states
// that load and for states Load refuses (the same error).
func TestIsFrozenAsLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		for file, c := range map[string]string{"freezer.state": content, "cgroup.events": "populated 0\nfrozen " + map[bool]string{true: "1", false: "0"}[content == "FROZEN"] + "\n"} {
			if err := os.WriteFile(filepath.Join(p, file), []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	frozen, thawed := write("frozen", "FROZEN"), write("thawed", "THAWED")
	uid := 1000
	for _, st := range []State{
		{Version: 1, Paths: map[string]string{"freezer": frozen, "cpu": "/c"}},
		{Version: 1, Paths: map[string]string{"freezer": thawed}},
		{Version: 1, Paths: map[string]string{"cpu": frozen}},
		{Version: 1, Paths: map[string]string{"freezer": filepath.Join(dir, "missing")}},
		{Version: 1},
		{Version: 2, Root: dir, Paths: map[string]string{"": frozen}},
		{Version: 2, Root: dir, Paths: map[string]string{"": thawed}},
		{Version: 2, Paths: map[string]string{"": frozen}},
		{Version: 2, Root: dir, Paths: map[string]string{"freezer": frozen}},
		{Version: 0},
		{Version: 3, Paths: map[string]string{"freezer": frozen}},
		{Version: 1, Paths: map[string]string{"freezer": frozen}, Systemd: "system.slice:gorunc:c1"},
		{Version: 1, Paths: map[string]string{"freezer": frozen}, Systemd: "system.slice:gorunc:c1", SystemdUser: &uid},
		{Version: 1, Paths: map[string]string{"freezer": frozen}, Systemd: "not:a:valid:unit"},
	} {
		var want bool
		var wantErr error
		if m, err := Load(st); err != nil {
			wantErr = err
		} else {
			want, wantErr = m.Frozen()
		}
		got, err := IsFrozen(st)
		if got != want || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%+v: IsFrozen = %v, %v; Load and Frozen: %v, %v", st, got, err, want, wantErr)
		}
	}
}
