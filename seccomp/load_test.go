package seccomp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// runChild runs in a re-executed test binary. The filter goes on the locked
// OS thread, which then makes the calls under test.
func runChild(mode string) error {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	switch mode {
	case "errno":
		return childErrno()
	case "notify":
		return childNotify()
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func childErrno() error {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"mkdirat", "mkdir"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EACCES))},
	}}
	p, err := Compile(s, runtime.GOARCH)
	if err != nil {
		return err
	}
	fd, err := Load(p)
	if err != nil {
		return err
	}
	if fd != -1 {
		return fmt.Errorf("Load returned listener fd %d without a NOTIFY rule", fd)
	}
	dir := filepath.Join(os.Getenv("TEST_TMPDIR"), "denied")
	if err := unix.Mkdir(dir, 0o755); !errors.Is(err, unix.EACCES) {
		return fmt.Errorf("mkdir %s under the filter: %v, want EACCES", dir, err)
	}
	if pid := unix.Getpid(); pid != os.Getpid() || pid <= 0 {
		return fmt.Errorf("getpid under the filter = %d, want %d", pid, os.Getpid())
	}
	return nil
}

func childNotify() error {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow, ListenerPath: "/unused",
		Flags:    []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"mknodat"}, Action: specs.ActNotify}},
	}
	p, err := Compile(s, runtime.GOARCH)
	if err != nil {
		return err
	}
	fd, err := Load(p)
	if err != nil {
		return err
	}
	if fd < 0 {
		return fmt.Errorf("Load returned fd %d, want a listener", fd)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		return fmt.Errorf("listener fd %d: %w", fd, err)
	}
	return nil
}

func runChildTest(t *testing.T, mode string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "TEST_TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
}

func skipWithoutSeccomp(t *testing.T) {
	t.Helper()
	// PR_GET_SECCOMP fails with EINVAL when the kernel lacks CONFIG_SECCOMP.
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err != nil {
		t.Skipf("kernel without seccomp: %v", err)
	}
}

// TestRootLoadErrnoFilter loads a real filter in a child: mkdir must fail with
// the profile's errno while other syscalls still work. Loading under
// no_new_privs needs no privilege, but the test carries the Root prefix of
// the tests that exercise the kernel for real.
func TestRootLoadErrnoFilter(t *testing.T) {
	skipWithoutSeccomp(t)
	runChildTest(t, "errno")
}

// TestRootLoadNotifyListener checks that a NOTIFY rule yields a listener fd,
// including with TSYNC, which needs TSYNC_ESRCH alongside NEW_LISTENER.
func TestRootLoadNotifyListener(t *testing.T) {
	skipWithoutSeccomp(t)
	runChildTest(t, "notify")
}

func TestLoadRejectsEmpty(t *testing.T) {
	if _, err := Load(&Program{}); err == nil {
		t.Fatal("empty program loaded")
	}
	if _, err := Load(nil); err == nil {
		t.Fatal("nil program loaded")
	}
}

func TestSupportedFlags(t *testing.T) {
	skipWithoutSeccomp(t)
	got, err := SupportedFlags()
	if err != nil {
		t.Fatal(err)
	}
	known := KnownFlags()
	for _, f := range got {
		found := false
		for _, k := range known {
			found = found || k == f
		}
		if !found {
			t.Errorf("supported flag %s is not a known flag", f)
		}
	}
	// TSYNC and LOG predate every kernel gorunc supports (3.17, 4.14).
	if len(got) < 2 {
		t.Errorf("SupportedFlags() = %q, want at least TSYNC and LOG", got)
	}
	t.Logf("supported: %q", got)
}
