package nsexec

import (
	"bytes"
	"errors"
	"os/exec"
)

// combinedOutput is exec.Cmd.CombinedOutput with the start done by start
// (StartAsCaller): the thread it locks is held for the clone only, not
// for the wait.
func combinedOutput(cmd *exec.Cmd, start func(func() error) error) ([]byte, error) {
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, errors.New("exec: Stdout or Stderr already set")
	}
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := start(cmd.Start)
	if err == nil {
		err = cmd.Wait()
	}
	return b.Bytes(), err
}
