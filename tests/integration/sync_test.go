package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSyncedWritesAsRunc counts the synchronous writes (fsync, fdatasync,
// sync_file_range, syncfs, sync, and opens with O_SYNC/O_DSYNC) of a
// create/start/delete with --pid-file, gorunc's and runc 1.5's through the
// same bundle. runc syncs only the pid file (O_SYNC); its state.json is a
// temp file renamed into place, unsynced. gorunc once fsynced every
// state.json write, 1-8 ms each where --root is on a disk
// (docs/performance.md, "fsync: state.json no longer synced").
func TestSyncedWritesAsRunc(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (scripts/install-deps.sh installs it)")
	}
	count := func(bin string) int {
		e := newEnv(t, "true")
		e.bin = bin
		// runc 1.5 reads a relative cgroupsPath as a systemd slice
		// name only with --systemd-cgroup; a flat name is the same path
		// for both runtimes.
		e.spec.Linux.CgroupsPath = strings.ReplaceAll(e.spec.Linux.CgroupsPath, "/", "-")
		e.writeSpec()
		dir := t.TempDir()
		pidFile := filepath.Join(dir, "pid")
		traced := func(args ...string) *exec.Cmd {
			cmd := exec.Command(strace, append([]string{"-f", "-qq", "-o", filepath.Join(dir, "trace-"+args[0]),
				"-e", "trace=fsync,fdatasync,sync_file_range,syncfs,sync,open,openat,openat2",
				"-e", "signal=none", bin, "--root", e.root}, args...)...)
			// Files, not pipes (see runIn); the traced init keeps them.
			out := e.tempFile()
			defer out.Close()
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			return cmd
		}
		wait := func(cmd *exec.Cmd, what string) {
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("strace %s %s: %v: %s", bin, what, err, readAll(cmd.Stdout.(*os.File)))
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("strace %s %s: not done after 30 s", bin, what)
			}
		}
		// strace -f follows create's init, which lives on after the CLI
		// exits: that strace ends with the container's process.
		create := traced("create", "--bundle", e.bundle, "--pid-file", pidFile, "sync")
		deadline := time.Now().Add(30 * time.Second)
		for {
			if s, err := e.tryState("sync"); err == nil && s.Status == "created" {
				break
			}
			if time.Now().After(deadline) {
				create.Process.Kill()
				create.Wait()
				t.Fatalf("%s create: not created after 30 s: %s", bin, readAll(create.Stdout.(*os.File)))
			}
			time.Sleep(10 * time.Millisecond)
		}
		wait(traced("start", "sync"), "start")
		e.waitStatus("sync", "stopped")
		wait(create, "create")
		wait(traced("delete", "sync"), "delete")
		n := 0
		for _, step := range []string{"create", "start", "delete"} {
			data, err := os.ReadFile(filepath.Join(dir, "trace-"+step))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(data), "\n") {
				if synchronous(l) {
					t.Logf("%s %s: %s", filepath.Base(bin), step, l)
					n++
				}
			}
		}
		return n
	}
	got := count(newEnvBin(t))
	runc, why := runc15()
	if why != "" {
		if got > 1 {
			t.Errorf("gorunc made %d synchronous writes for create/start/delete, want at most 1 (the pid file); %s", got, why)
		}
		return
	}
	if want := count(runc); got > want {
		t.Errorf("gorunc made %d synchronous writes for create/start/delete, runc 1.5 %d", got, want)
	}
}

// straceCall is one line of `strace -f -qq`: pid, system call, arguments.
var straceCall = regexp.MustCompile(`^\d+\s+([a-z0-9_]+)\((.*)$`)

// synchronous reports whether a strace line is a call that waits for the
// disk: a sync call, or an open asking for synchronous writes.
func synchronous(line string) bool {
	m := straceCall.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	switch m[1] {
	case "fsync", "fdatasync", "sync_file_range", "syncfs", "sync":
		return true
	case "open", "openat", "openat2":
		return strings.Contains(m[2], "O_SYNC") || strings.Contains(m[2], "O_DSYNC")
	}
	return false
}
