package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	cases := []struct {
		id   string
		want string // "" = valid
	}{
		{"abc", ""},
		{"a_b+c-d.e", ""},
		{"A1", ""},
		{"", "empty"},
		{".", "invalid"},
		{"..", "invalid"},
		{"../x", "invalid"},
		{"a/b", "invalid"},
		{"a b", "invalid"},
		{strings.Repeat("a", 255), ""},
		{strings.Repeat("a", 256), "longer than"},
	}
	for _, c := range cases {
		err := ValidateID(c.id)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("ValidateID(%q) = %v, want ok", c.id, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("ValidateID(%q) = %v, want an error mentioning %q", c.id, err, c.want)
		}
	}
}

// TestStatusTransitions is the state machine's table: which operation each
// status allows (runtime-spec runtime.md "Operations").
func TestStatusTransitions(t *testing.T) {
	type allowed struct{ start, kill, del, pause, resume, exec bool }
	cases := map[Status]allowed{
		Creating: {},
		Created:  {start: true, kill: true, del: true, pause: true, exec: true}, // runc deletes a created container without --force
		Running:  {kill: true, pause: true, exec: true},
		Paused:   {kill: true, resume: true},
		Stopped:  {del: true},
	}
	for s, want := range cases {
		got := allowed{s.CanStart(), s.CanKill(), s.CanDelete(), s.CanPause(), s.CanResume(), s.CanExec()}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", s, got, want)
		}
	}
}

func TestLoadSpecErrors(t *testing.T) {
	rootfs := t.TempDir()
	cases := []struct {
		name, config, want string
	}{
		{"syntax error position", "{\n \"ociVersion\": \"1.0.0\",\n \"root\": {\"path\": }\n}", "line 3, column 19"},
		{"type error names the field", `{"ociVersion": "1.0.0", "process": {"args": "sh"}}`, "process.args"},
		{"major version", `{"ociVersion": "2.0.0"}`, `ociVersion "2.0.0" is not supported`},
		{"missing version", `{}`, "ociVersion is required"},
		{"missing root", `{"ociVersion": "1.0.0"}`, "root.path is required"},
		{"rootfs is a file", `{"ociVersion": "1.0.0", "root": {"path": "config.json"}}`, "not a directory"},
		{"no linux section", `{"ociVersion": "1.1.0", "root": {"path": "` + rootfs + `"}}`, "linux section is required"},
		{"relative hook", `{"ociVersion": "1.0.0", "root": {"path": "` + rootfs + `"}, "linux": {}, "hooks": {"prestart": [{"path": "x"}]}}`, "hooks.prestart[0].path"},
		{"bad timeout", `{"ociVersion": "1.0.0", "root": {"path": "` + rootfs + `"}, "linux": {}, "hooks": {"poststop": [{"path": "/x", "timeout": 0}]}}`, "timeout 0 must be positive"},
		{"sysctl needs netns", `{"ociVersion": "1.0.0", "root": {"path": "` + rootfs + `"}, "linux": {"sysctl": {"net.ipv4.ip_forward": "1"}}}`, `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bundle := t.TempDir()
			if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(c.config), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadSpec(bundle)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("LoadSpec: %v, want an error mentioning %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestLoadSpecAcceptsAny1x(t *testing.T) {
	rootfs := t.TempDir()
	for _, v := range []string{"1.0.0", "1.0.2-dev", "1.2.0", "1.9.9"} {
		bundle := t.TempDir()
		cfg := `{"ociVersion": "` + v + `", "root": {"path": "` + rootfs + `"}, "linux": {}}`
		os.WriteFile(filepath.Join(bundle, "config.json"), []byte(cfg), 0o644)
		if _, err := LoadSpec(bundle); err != nil {
			t.Errorf("ociVersion %s: %v", v, err)
		}
	}
}

func TestProcStatParsesOddNames(t *testing.T) {
	// Our own stat always parses; the name-with-parens case is covered by
	// counting from the last ')'.
	st, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.state != 'R' && st.state != 'S' {
		t.Errorf("state %q", st.state)
	}
	if !processAlive(os.Getpid(), st.start) {
		t.Error("this process is not alive")
	}
	if processAlive(os.Getpid(), st.start+1) {
		t.Error("a different start time (a reused pid) counted as alive")
	}
}

func TestStoreAtomicWriteAndLock(t *testing.T) {
	s := Store{Root: t.TempDir()}
	l, err := s.mkdirLocked("c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.mkdirLocked("c1"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate create: %v", err)
	}
	if !s.busy("c1") {
		t.Error("a locked container is not reported busy")
	}
	rec := &record{recordHead: recordHead{ID: "c1", Bundle: "/b", InitPid: 42}}
	if err := s.write(rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.read("c1", readWhole)
	if err != nil || got.InitPid != 42 || got.Bundle != "/b" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	entries, _ := os.ReadDir(s.dir("c1"))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside state.json: %v", entries)
	}
	l.unlock()
	if s.busy("c1") {
		t.Error("released lock still busy")
	}
	if _, err := s.Get("missing"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Get(missing) = %v", err)
	}
}

func TestLookPathUsesContainerPATH(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	got, err := lookPath("tool", []string{"PATH=/nonexistent:" + dir})
	if err != nil || got != exe {
		t.Errorf("lookPath = %q, %v; want %q", got, err, exe)
	}
	if _, err := lookPath("tool", []string{"PATH=/nonexistent"}); err == nil || !strings.Contains(err.Error(), "not found in $PATH") {
		t.Errorf("missing: %v", err)
	}
}
