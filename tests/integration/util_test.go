package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

func statOwner(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d %o", st.Uid, st.Gid, fi.Mode().Perm())
}

// newEnvBin is the gorunc binary under test (GORUNC).
func newEnvBin(t *testing.T) string {
	t.Helper()
	return os.Getenv("GORUNC")
}

// started is a command a test started and waits for within bounds, once
// or in steps (a first short wait that may time out, a last that fails the
// test): every wait of the tests has a way out.
type started struct {
	cmd    *exec.Cmd
	done   chan error
	err    error
	exited bool
}

// startCmd starts cmd and reaps it in the background; t.Fatal when it does
// not start.
func startCmd(t *testing.T, cmd *exec.Cmd) *started {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	s := &started{cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	return s
}

// within waits up to d for the command to exit: true and its Wait error
// once it has (at once when it had already), false while it still runs.
func (s *started) within(d time.Duration) (bool, error) {
	if !s.exited {
		select {
		case s.err = <-s.done:
			s.exited = true
		case <-time.After(d):
			return false, nil
		}
	}
	return true, s.err
}

// kill kills the command with SIGKILL, its whole process group when group
// (a command started with Setpgid), reaps it and returns its Wait error;
// only the error when it had exited.
func (s *started) kill(group bool) error {
	if !s.exited {
		pid := s.cmd.Process.Pid
		if group {
			pid = -pid
		}
		syscall.Kill(pid, syscall.SIGKILL)
		s.err = <-s.done
		s.exited = true
	}
	return s.err
}
