package cgroup

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Kill sends sig to every process in the cgroup and its children. For
// SIGKILL it writes cgroup.kill (kernel 5.14+), which kills the whole
// subtree atomically, without the fork race of signalling pid by pid.
func (m *v2Manager) Kill(sig unix.Signal) error {
	if sig == unix.SIGKILL && fileExists(m.dir, "cgroup.kill") {
		if err := writeFile(m.dir, "cgroup.kill", "1"); err != nil {
			return fmt.Errorf("kill cgroup: %w", err)
		}
		return nil
	}
	pids, err := readPidsRecursive(m.dir)
	if err != nil {
		return fmt.Errorf("kill cgroup: %w", err)
	}
	if err := signalPids(pids, sig); err != nil {
		return fmt.Errorf("kill cgroup %s: %w", m.dir, err)
	}
	return nil
}
