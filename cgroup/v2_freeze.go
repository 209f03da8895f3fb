package cgroup

import (
	"fmt"
	"strings"
	"time"
)

// The kernel freezes asynchronously: cgroup.freeze is the request,
// cgroup.events "frozen 1" the result (Documentation/admin-guide/
// cgroup-v2.rst, "Core Interface Files"). Wait a bounded time for it.
const (
	freezeRetries = 200
	freezeDelay   = 5 * time.Millisecond
)

func (m *v2Manager) Freeze(frozen bool) error {
	want := "0"
	if frozen {
		want = "1"
	}
	if err := writeFile(m.dir, "cgroup.freeze", want); err != nil {
		return fmt.Errorf("freeze (kernel 5.2+ has cgroup.freeze): %w", err)
	}
	for range freezeRetries {
		got, err := m.Frozen()
		if err != nil {
			return err
		}
		if got == frozen {
			return nil
		}
		time.Sleep(freezeDelay)
	}
	if frozen {
		// Do not leave a half-frozen cgroup behind.
		if err := writeFile(m.dir, "cgroup.freeze", "0"); err != nil {
			return fmt.Errorf("cgroup %s did not report frozen within %v, and thawing it again failed: %w", m.dir, freezeRetries*freezeDelay, err)
		}
	}
	return fmt.Errorf("cgroup %s did not report frozen=%s in cgroup.events within %v", m.dir, want, freezeRetries*freezeDelay)
}

// Frozen reads the "frozen" key of cgroup.events.
func (m *v2Manager) Frozen() (bool, error) { return v2Frozen(m.dir) }

func v2Frozen(dir string) (bool, error) {
	s, err := readRecord(dir, "cgroup.events")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(s, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "frozen" {
			return f[1] == "1", nil
		}
	}
	return false, fmt.Errorf("%s/cgroup.events has no \"frozen\" key (kernel older than 5.2)", dir)
}
