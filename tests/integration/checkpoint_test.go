package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Checkpoint and restore work in the VM tier (tests/vm/payloads/
// gorunc-criu.sh); this host's kernel lets criu dump nothing. Here: the
// refusals before criu runs, in runc 1.5's words, side by side with runc,
// and that a failed checkpoint leaves the container running and a failed
// restore leaves no container.

// runEnv is e.run with extra environment (PATH without criu).
func (e *env) runEnv(extra []string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(e.bin, append([]string{"--root", e.root}, args...)...)
	cmd.Env = append(os.Environ(), extra...)
	cmd.Dir = e.bundle
	out, err := cmd.CombinedOutput()
	r := result{stderr: string(out)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("%v: %v", args, err)
	}
	return r
}

// noCriuPath is a PATH with everything a runtime needs but criu.
const noCriuPath = "PATH=/nonexistent"

func TestCheckpointRefusalsAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.writeSpec()
		img := filepath.Join(t.TempDir(), "img")
		cases := []struct {
			name  string
			state string // "", "created" or "running": the container ck is made so first
			env   []string
			args  []string
			msg   string
		}{
			{name: "missing container", args: []string{"checkpoint", "--image-path", img, "nope"}, msg: "container does not exist"},
			{name: "created container", state: "created", args: []string{"checkpoint", "--image-path", img, "ck"}, msg: "Container cannot be checkpointed in created state"},
			{name: "bad cgroups mode", state: "running", args: []string{"checkpoint", "--image-path", img, "--manage-cgroups-mode", "bogus", "ck"}, msg: "invalid manage-cgroups-mode value"},
			{name: "absolute parent path", state: "running", args: []string{"checkpoint", "--image-path", img, "--parent-path", "/abs", "ck"}, msg: "--parent-path must be relative"},
			{name: "missing parent path", state: "running", args: []string{"checkpoint", "--image-path", img, "--parent-path", "../none", "ck"}, msg: "invalid --parent-path: stat " + filepath.Join(filepath.Dir(img), "none") + ": no such file or directory"},
			{name: "bad empty-ns", state: "running", args: []string{"checkpoint", "--image-path", img, "--empty-ns", "mount", "ck"}, msg: `namespace "mount" is not supported`},
			{name: "bad page server", state: "running", args: []string{"checkpoint", "--image-path", img, "--page-server", "nohost", "ck"}, msg: "Use --page-server ADDRESS:PORT to specify page server"},
			{name: "no criu", state: "running", env: []string{noCriuPath}, args: []string{"checkpoint", "--image-path", img, "ck"}, msg: `CRIU version check failed: exec: "criu": executable file not found in $PATH`},
		}
		made := ""
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				switch {
				case c.state == "created" && made == "":
					e.must("create", "--bundle", e.bundle, "ck")
				case c.state == "running" && made == "created":
					e.must("start", "ck")
				}
				if c.state != "" {
					made = c.state
				}
				r := e.runEnv(c.env, c.args...)
				if r.code != 1 || runcMessage(r.stderr) != c.msg && !strings.HasSuffix(runcMessage(r.stderr), ": "+c.msg) {
					t.Errorf("exit %d, error %q; want 1, %q", r.code, runcMessage(r.stderr), c.msg)
				}
				if made != "" {
					if st := e.state("ck").Status; st != made {
						t.Errorf("after a refused checkpoint the container is %s, want %s", st, made)
					}
				}
			})
		}
		e.must("delete", "-f", "ck")
	})
}

func TestRestoreRefusalsAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.writeSpec()
		empty := filepath.Join(t.TempDir(), "empty")
		withImages := t.TempDir()
		if err := os.WriteFile(filepath.Join(withImages, "descriptors.json"), []byte(`["/dev/null","/dev/null","/dev/null"]`), 0o600); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			env  []string
			args []string
			msg  string
		}{
			{name: "no images", args: []string{"restore", "-d", "--bundle", e.bundle, "--image-path", empty, "rs"}, msg: "open " + empty + "/descriptors.json: no such file or directory"},
			{name: "no criu", env: []string{noCriuPath}, args: []string{"restore", "-d", "--bundle", e.bundle, "--image-path", withImages, "rs"}, msg: `CRIU version check failed: exec: "criu": executable file not found in $PATH`},
			{name: "bad cgroups mode", args: []string{"restore", "-d", "--bundle", e.bundle, "--image-path", withImages, "--manage-cgroups-mode", "x", "rs"}, msg: "invalid manage-cgroups-mode value"},
			{name: "bad empty-ns", args: []string{"restore", "-d", "--bundle", e.bundle, "--image-path", withImages, "--empty-ns", "pid", "rs"}, msg: `namespace "pid" is not supported`},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.runEnv(c.env, c.args...)
				if r.code != 1 || runcMessage(r.stderr) != c.msg {
					t.Errorf("exit %d, error %q; want 1, %q", r.code, runcMessage(r.stderr), c.msg)
				}
				if _, err := e.tryState("rs"); err == nil {
					t.Errorf("a failed restore left container rs")
				}
			})
		}
	})
}

// TestCheckpointOnThisHost runs a real checkpoint when criu is installed
// and GORUNC_CRIU_HOST=1: on this host criu 3.17.1 fails in its kernel
// probe (kerndat_tcp_repair: "Unable to connect a socket: Connection timed
// out", after about two minutes, for runc as for gorunc), and then the
// error names criu's log line and the container runs on; should criu
// succeed, the container is gone and restore brings it back. The VM tier
// is where checkpoint/restore is tested.
func TestCheckpointOnThisHost(t *testing.T) {
	if _, err := exec.LookPath("criu"); err != nil {
		t.Skip("no criu installed (scripts/install-deps.sh installs Debian's)")
	}
	if os.Getenv("GORUNC_CRIU_HOST") != "1" {
		t.Skip("criu's kernel probe takes ~2 minutes to fail on this host: set GORUNC_CRIU_HOST=1 to run it")
	}
	asRunc(t, []string{"sleep", "1000"}, func(t *testing.T, e *env) {
		e.writeSpec()
		img, work := filepath.Join(t.TempDir(), "img"), filepath.Join(t.TempDir(), "work")
		e.must("run", "-d", "--bundle", e.bundle, "host")
		defer e.run("delete", "-f", "host")
		r := e.runEnv(nil, "checkpoint", "--image-path", img, "--work-path", work, "host")
		if r.code != 0 {
			msg := errorLine(r.stderr)
			t.Logf("criu cannot checkpoint on this host: %s", msg)
			if !strings.HasPrefix(msg, "criu failed: type DUMP") && !strings.HasPrefix(msg, "CRIU version check failed") {
				t.Errorf("error %q, want criu's failure", msg)
			}
			if st := e.state("host").Status; st != "running" {
				t.Errorf("after a failed checkpoint the container is %s, want running", st)
			}
			return
		}
		if _, err := e.tryState("host"); err == nil {
			t.Errorf("checkpoint left the container's state")
		}
		e.must("restore", "-d", "--bundle", e.bundle, "--image-path", img, "--work-path", work, "host")
		if st := e.state("host").Status; st != "running" {
			t.Errorf("restored container is %s, want running", st)
		}
	})
}

// errorLine is the error of a failed command: runc logs criu's log lines
// as warnings before its level=error line.
func errorLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "level=error") || strings.HasPrefix(l, "gorunc: ") {
			return runcMessage(l)
		}
	}
	return runcMessage(stderr)
}
