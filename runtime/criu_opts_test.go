package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-restore/go-criu/v8/rpc"
	"golang.org/x/sys/unix"
)

// TestCriuSettings: checkpoint's and restore's flags checked in runc 1.5's
// words, before criu runs.
func TestCriuSettings(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "img")
	if err := os.MkdirAll(filepath.Join(dir, "parent"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		o    CriuOptions
		err  string
	}{
		{name: "defaults", o: CriuOptions{ImagePath: img}},
		{name: "parent", o: CriuOptions{ImagePath: img, ParentPath: "../parent"}},
		{name: "absolute parent", o: CriuOptions{ImagePath: img, ParentPath: "/x"}, err: "--parent-path must be relative"},
		{name: "missing parent", o: CriuOptions{ImagePath: img, ParentPath: "../none"}, err: "invalid --parent-path: stat " + filepath.Join(dir, "none") + ": no such file or directory"},
		{name: "parent not a directory", o: CriuOptions{ImagePath: img, ParentPath: "../file"}, err: "invalid --parent-path: stat " + filepath.Join(dir, "file") + ": not a directory"},
		{name: "page server", o: CriuOptions{ImagePath: img, PageServer: "10.0.0.1:27"}},
		{name: "page server without port", o: CriuOptions{ImagePath: img, PageServer: "10.0.0.1"}, err: "Use --page-server ADDRESS:PORT to specify page server"},
		{name: "page server bad port", o: CriuOptions{ImagePath: img, PageServer: "h:x"}, err: "Invalid port number"},
		{name: "empty-ns network", o: CriuOptions{ImagePath: img, EmptyNs: []string{"network"}}},
		{name: "empty-ns other", o: CriuOptions{ImagePath: img, EmptyNs: []string{"ipc"}}, err: `namespace "ipc" is not supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := c.o.settings()
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.imageDir != img || s.emptyNs != unix.CLONE_NEWNET {
				t.Errorf("image dir %s, empty-ns %#x; want %s, CLONE_NEWNET (always, as runc)", s.imageDir, s.emptyNs, img)
			}
			if c.o.PageServer != "" && (s.pageServer.GetAddress() != "10.0.0.1" || s.pageServer.GetPort() != 27) {
				t.Errorf("page server %v", s.pageServer)
			}
		})
	}
}

func TestCriuCgMode(t *testing.T) {
	for mode, want := range map[string]rpc.CriuCgMode{
		"": rpc.CriuCgMode_DEFAULT, "soft": rpc.CriuCgMode_SOFT, "full": rpc.CriuCgMode_FULL,
		"strict": rpc.CriuCgMode_STRICT, "ignore": rpc.CriuCgMode_IGNORE,
	} {
		if got, err := criuCgMode(mode); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", mode, got, err, want)
		}
	}
	if _, err := criuCgMode("Soft"); err == nil || err.Error() != "invalid manage-cgroups-mode value" {
		t.Errorf("Soft: %v, want runc 1.5's error", err)
	}
}

// TestCriuNsKey: the keys runc gives external namespaces, so images move
// between runc and gorunc.
func TestCriuNsKey(t *testing.T) {
	for name, want := range map[string]string{"net": "extRootNetNS", "pid": "extRootPidNS"} {
		if got := criuNsKey(name); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}

func TestCriuLogError(t *testing.T) {
	dir := t.TempDir()
	log := "(00.1) fine\n(00.2) Error (criu/x.c:1): first\n(00.3) Error (criu/y.c:2): second\n"
	if err := os.WriteFile(filepath.Join(dir, "dump.log"), []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := criuLogError(dir, "dump.log"); !strings.HasSuffix(got, "first") {
		t.Errorf("%q, want the first error line", got)
	}
	if got := criuLogError(dir, "none.log"); got != "" {
		t.Errorf("missing log: %q", got)
	}
}
