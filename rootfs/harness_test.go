package rootfs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The root tests re-execute the test binary as a child in new mount, pid
// and uts namespaces (env childEnv names a JSON childSpec). The child makes
// / rprivate so nothing it mounts can propagate to the host, runs
// Prepare -> PivotRoot -> Finalize and then execs busybox sh with the
// check script inside the container; the parent reads its output.
const childEnv = "GORUNC_ROOTFS_TEST_CHILD"

// childExitSetup is the child's exit code when setup itself failed.
const childExitSetup = 111

type childSpec struct {
	Config Config
	Script string
}

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		runChild(path)
	}
	os.Exit(m.Run())
}

func runChild(specPath string) {
	if err := childSetup(specPath); err != nil {
		fmt.Fprintf(os.Stderr, "SETUP-ERROR: %v\n", err)
		os.Exit(childExitSetup)
	}
}

func childSetup(specPath string) error {
	data, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	var spec childSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / rprivate: %w", err)
	}
	cfg := &spec.Config
	if err := Prepare(cfg); err != nil {
		return fmt.Errorf("Prepare: %w", err)
	}
	if err := PivotRoot(cfg); err != nil {
		return fmt.Errorf("PivotRoot: %w", err)
	}
	if err := Finalize(cfg); err != nil {
		return fmt.Errorf("Finalize: %w", err)
	}
	err = unix.Exec("/bin/busybox", []string{"sh", "-c", spec.Script}, []string{"PATH=/bin"})
	return fmt.Errorf("exec busybox: %w", err)
}

type childResult struct {
	stdout, stderr string
	code           int
}

// runInContainer runs cfg + script in a child and returns what it printed.
func runInContainer(t *testing.T, cfg Config, script string) childResult {
	t.Helper()
	specPath := filepath.Join(t.TempDir(), "spec.json")
	data, err := json.Marshal(childSpec{Config: cfg, Script: script})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(specPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+specPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	flags := uintptr(syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS)
	if cfg.NewCgroupNS {
		// A cgroup namespace only changes the view; no cgroup is created.
		flags |= syscall.CLONE_NEWCGROUP
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags, Pdeathsig: syscall.SIGKILL}
	err = cmd.Run()
	res := childResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run child: %v", err)
	}
	return res
}

// hostState is what the root tests must leave unchanged on the host.
type hostState struct {
	mountinfo string
	devNull   unix.Stat_t
}

func snapshotHost(t *testing.T) hostState {
	t.Helper()
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat("/dev/null", &st); err != nil {
		t.Fatal(err)
	}
	return hostState{mountinfo: string(mi), devNull: st}
}

// checkHostUnchanged is registered with t.Cleanup so it runs even when the
// test fails half-way.
func checkHostUnchanged(t *testing.T, before hostState) {
	t.Helper()
	after := snapshotHost(t)
	if after.mountinfo != before.mountinfo {
		t.Errorf("host mountinfo changed:\nbefore:\n%s\nafter:\n%s", before.mountinfo, after.mountinfo)
	}
	st := after.devNull
	if st.Uid != 0 || st.Gid != 0 || st.Mode&0o7777 != 0o666 || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		t.Errorf("host /dev/null is now %d:%d mode %o", st.Uid, st.Gid, st.Mode)
	}
}

// requireRoot skips root tests where they cannot run and guards the host.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts, mknod and pivot_root in new namespaces")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (busybox-static) to populate the test rootfs")
	}
	before := snapshotHost(t)
	t.Cleanup(func() { checkHostUnchanged(t, before) })
}

var busyboxApplets = []string{"sh", "cat", "ls", "stat", "touch", "echo", "test", "readlink", "wc", "grep", "mkdir", "awk", "head", "tr"}

// buildRootfs makes a minimal rootfs: /bin/busybox and applet symlinks.
func buildRootfs(t *testing.T) string {
	t.Helper()
	rootfs := filepath.Join(t.TempDir(), "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(rootfs, "bin/busybox"), os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	for _, a := range busyboxApplets {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	return rootfs
}

// checkScript runs each check as `name: command` and prints OK/FAIL lines;
// the parent requires every check to print OK.
func checkScript(checks [][2]string) string {
	var b strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&b, "if out=$( ( %s ) 2>&1 </dev/null ); then echo 'OK %s'; else echo \"FAIL %s: $out\"; fi\n", c[1], c[0], c[0])
	}
	return b.String()
}

func requireChecks(t *testing.T, res childResult, checks [][2]string) {
	t.Helper()
	if res.code != 0 {
		t.Fatalf("child exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, c := range checks {
		if !strings.Contains(res.stdout, "OK "+c[0]+"\n") {
			t.Errorf("check %q did not pass: %q", c[0], c[1])
		}
	}
	if t.Failed() || strings.Contains(res.stdout, "FAIL ") {
		t.Errorf("child output:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
}
