package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The container root's traps: a tmpfs over the container's /proc holding
// what a runtime that reads /proc by name would find there once it has
// joined the container's mount namespace. fakeProc lies: an empty fd
// directory (so no fd is marked close-on-exec), a cap_last_cap of 5 (so
// every capability above CAP_KILL is "unknown to the kernel": left in the
// bounding set and dropped from the others) and a status without CapBnd.
// fifoProc stalls: a read of setgroups, status or cap_last_cap blocks for
// ever. (The Go runtime itself reads /proc/self/cgroup and
// /proc/self/mountinfo before main, in any Go runtime's helper, runc's
// too; those are left absent here, which the Go runtime tolerates.)
const (
	fakeProc = `mount -t tmpfs t /proc || exit 1
mkdir -p /proc/self/fd /proc/sys/kernel
printf 'Name:\tsh\nCapAmb:\t0000000000000000\n' >/proc/self/status
echo 5 >/proc/sys/kernel/cap_last_cap
exec sleep 1000`
	fifoProc = `mount -t tmpfs t /proc || exit 1
mkdir -p /proc/self/fd /proc/sys/kernel
mkfifo /proc/self/setgroups /proc/self/status /proc/sys/kernel/cap_last_cap
exec sleep 1000`
)

// Capability numbers (linux/capability.h) of the exec below; all but
// CAP_CHOWN and CAP_KILL are above the fake cap_last_cap.
const (
	capChown, capKill, capNetRaw, capSysPtrace, capSysAdmin = 0, 5, 13, 19, 21
)

// TestExecProcOvermount (CVE-2025-52881 class, for exec): exec's helper
// runs in the container's mount namespace from its first instruction, so
// the container's root decides what /proc/... names there. It overmounts
// /proc with a trap; `gorunc exec` must neither stall nor be misled: it
// must mark its own fds close-on-exec and give the process exactly the
// configured capabilities. Seen from the host (the real /proc), the
// exec'd process must hold only stdio, and its bounding, inheritable,
// permitted, effective and ambient sets must be the configured ones (a
// non-root user with the same ambient, inheritable, permitted and
// effective sets keeps them all across execve). Container root is host
// root, or an unprivileged host uid.
func TestExecProcOvermount(t *testing.T) {
	bounding := []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_PTRACE", "CAP_SYS_ADMIN"}
	granted := []string{"CAP_NET_RAW", "CAP_SYS_ADMIN"}
	wantBnd := uint64(1<<capChown | 1<<capKill | 1<<capNetRaw | 1<<capSysPtrace | 1<<capSysAdmin)
	wantSet := uint64(1<<capNetRaw | 1<<capSysAdmin)
	for _, c := range []struct {
		name   string
		trap   string
		hostID uint32
	}{
		{"fake files, userns mapped to host root", fakeProc, 0},
		{"fake files, userns mapped to host uid 300000", fakeProc, 300000},
		{"fifos, userns mapped to host root", fifoProc, 0},
		{"fifos, userns mapped to host uid 300000", fifoProc, 300000},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", c.trap)
			userns(e, c.hostID)
			e.writeSpec()
			e.must("run", "-d", "--bundle", e.bundle, "po")
			pid := e.state("po").Pid
			waitTrap(t, "/proc/"+itoa(pid)+"/root/proc/sys/kernel/cap_last_cap")

			proc := specs.Process{
				Args: []string{"sleep", "1000"},
				Env:  []string{"PATH=/bin:/sbin:/usr/bin"},
				Cwd:  "/",
				User: specs.User{UID: 1000, GID: 1000},
				Capabilities: &specs.LinuxCapabilities{
					Bounding: bounding, Permitted: granted, Effective: granted,
					Inheritable: granted, Ambient: granted,
				},
			}
			data, err := json.Marshal(proc)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			procFile, pidFile := filepath.Join(dir, "process.json"), filepath.Join(dir, "pid")
			if err := os.WriteFile(procFile, data, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, e.bin, "--root", e.root, "exec", "-d", "--pid-file", pidFile, "--process", procFile, "po")
			// A file, not a pipe: the detached process keeps it open.
			out := e.tempFile()
			defer out.Close()
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Run(); err != nil {
				t.Fatalf("exec (stalled: %v): %v: %s", ctx.Err() != nil, err, readAll(out))
			}
			raw, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatal(err)
			}
			xpid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			// exec -d returns before the helper's execve.
			waitFile(t, "/proc/"+itoa(xpid)+"/comm", "sleep\n")

			ents, err := os.ReadDir("/proc/" + itoa(xpid) + "/fd")
			if err != nil {
				t.Fatal(err)
			}
			var fds []string
			for _, ent := range ents {
				fds = append(fds, ent.Name())
			}
			if !slices.Equal(fds, []string{"0", "1", "2"}) {
				var leaked []string
				for _, fd := range fds {
					target, _ := os.Readlink("/proc/" + itoa(xpid) + "/fd/" + fd)
					leaked = append(leaked, fd+"->"+target)
				}
				t.Errorf("exec'd process holds fds %v, want only stdio", leaked)
			}

			status, err := os.ReadFile("/proc/" + itoa(xpid) + "/status")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				field string
				want  uint64
			}{
				{"CapBnd", wantBnd}, {"CapInh", wantSet}, {"CapPrm", wantSet}, {"CapEff", wantSet}, {"CapAmb", wantSet},
			} {
				if got := capMask(t, string(status), f.field); got != f.want {
					t.Errorf("%s = %016x, want %016x", f.field, got, f.want)
				}
			}
		})
	}
}

// waitTrap waits until path is a fifo or a non-empty file (read from the
// host through the container's root, it must not be opened: a fifo would
// block).
func waitTrap(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if fi, err := os.Lstat(path); err == nil && (fi.Mode()&os.ModeNamedPipe != 0 || fi.Size() > 0) {
			return
		}
	}
	t.Fatalf("the container never set its trap at %s", path)
}

// waitFile waits until path holds exactly want.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	var got []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got, _ = os.ReadFile(path); string(got) == want {
			return
		}
	}
	t.Fatalf("%s holds %q, want %q", path, got, want)
}
