package nsexec

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

func TestCombinedOutput(t *testing.T) {
	cmd := exec.Command("sh", "-c", "echo out; echo err >&2; exit 3")
	out, err := CombinedOutput(cmd)
	var ee *exec.ExitError
	if string(out) != "out\nerr\n" || !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("CombinedOutput = %q, %v; want both streams and exit status 3", out, err)
	}
	set := exec.Command("true")
	set.Stdout = os.Stdout
	if _, err := CombinedOutput(set); err == nil || err.Error() != "exec: Stdout or Stderr already set" {
		t.Fatalf("with Stdout set: %v, want os/exec's refusal", err)
	}
}
