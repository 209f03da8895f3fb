package runtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorunc/gorunc/cgroup"
)

// Event is one line of `events` output, in runc's shape
// (libcontainer/.../types/events.go), which containerd's shim parses:
// {"type":"stats","id":ID,"data":{...}} or {"type":"oom","id":ID}.
type Event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data *Stats `json:"data,omitempty"`
}

// Stats and the types below copy runc's types.Stats field for field,
// JSON names included. Units: bytes and nanoseconds.
type Stats struct {
	CPU     CPU                `json:"cpu"`
	Memory  Memory             `json:"memory"`
	Pids    Pids               `json:"pids"`
	Blkio   Blkio              `json:"blkio"`
	Hugetlb map[string]Hugetlb `json:"hugetlb"`
}

type Hugetlb struct {
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

type BlkioEntry struct {
	Major uint64 `json:"major,omitempty"`
	Minor uint64 `json:"minor,omitempty"`
	Op    string `json:"op,omitempty"`
	Value uint64 `json:"value,omitempty"`
}

type Blkio struct {
	IoServiceBytesRecursive []BlkioEntry `json:"ioServiceBytesRecursive,omitempty"`
	IoServicedRecursive     []BlkioEntry `json:"ioServicedRecursive,omitempty"`
}

type Pids struct {
	Current uint64 `json:"current,omitempty"`
	Limit   uint64 `json:"limit,omitempty"`
}

type Throttling struct {
	Periods          uint64 `json:"periods,omitempty"`
	ThrottledPeriods uint64 `json:"throttledPeriods,omitempty"`
	ThrottledTime    uint64 `json:"throttledTime,omitempty"`
}

type CPUUsage struct {
	Total  uint64   `json:"total,omitempty"`
	Percpu []uint64 `json:"percpu,omitempty"`
	Kernel uint64   `json:"kernel"`
	User   uint64   `json:"user"`
}

type CPU struct {
	Usage      CPUUsage   `json:"usage,omitempty"`
	Throttling Throttling `json:"throttling,omitempty"`
}

type MemoryEntry struct {
	Limit   uint64 `json:"limit"`
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

type Memory struct {
	Cache  uint64            `json:"cache,omitempty"`
	Usage  MemoryEntry       `json:"usage,omitempty"`
	Swap   MemoryEntry       `json:"swap,omitempty"`
	Kernel MemoryEntry       `json:"kernel,omitempty"`
	Raw    map[string]uint64 `json:"raw,omitempty"`
}

// eventStats converts the cgroup package's usage to runc's shape.
func eventStats(s *cgroup.Stats) *Stats {
	const us = 1000 // cgroup.Stats keeps CPU time in microseconds
	out := &Stats{
		CPU: CPU{
			Usage: CPUUsage{Total: s.CPU.UsageUsec * us, Percpu: s.CPU.PercpuNs, Kernel: s.CPU.SystemUsec * us, User: s.CPU.UserUsec * us},
			Throttling: Throttling{
				Periods: s.CPU.NrPeriods, ThrottledPeriods: s.CPU.NrThrottled, ThrottledTime: s.CPU.ThrottledUsec * us,
			},
		},
		Memory: Memory{
			// v1 calls the page cache "cache", v2 "file".
			Cache: s.Memory.Stat["cache"] + s.Memory.Stat["file"],
			Usage: MemoryEntry{Limit: s.Memory.Limit, Usage: s.Memory.Usage, Max: s.Memory.MaxUsage, Failcnt: s.Memory.Failcnt},
			Swap:  MemoryEntry{Limit: s.Memory.SwapLimit, Usage: s.Memory.SwapUsage, Max: s.Memory.SwapMaxUsage, Failcnt: s.Memory.SwapFailcnt},
			Raw:   s.Memory.Stat,
		},
		Pids:    Pids{Current: s.Pids.Current, Limit: s.Pids.Limit},
		Hugetlb: map[string]Hugetlb{},
	}
	// runc reports pids.max "max" as 0, "no limit".
	if s.Pids.Limit == ^uint64(0) {
		out.Pids.Limit = 0
	}
	for size, h := range s.Hugetlb {
		out.Hugetlb[size] = Hugetlb{Usage: h.Usage, Max: h.MaxUsage, Failcnt: h.Failcnt}
	}
	conv := func(in []cgroup.IOEntry) []BlkioEntry {
		var es []BlkioEntry
		for _, e := range in {
			es = append(es, BlkioEntry{Major: e.Major, Minor: e.Minor, Op: e.Op, Value: e.Value})
		}
		return es
	}
	out.Blkio = Blkio{IoServiceBytesRecursive: conv(s.IOServiceBytes), IoServicedRecursive: conv(s.IOServiced)}
	return out
}

// Stats reads the usage of a created, running or paused container once.
func (s Store) Stats(id string) (*Stats, error) {
	c, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	if _, err := require("events", c, Status.CanStats); err != nil {
		return nil, err
	}
	cs, err := c.rawStats()
	if err != nil {
		return nil, err
	}
	return eventStats(cs), nil
}

func (c *Container) rawStats() (*cgroup.Stats, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, fmt.Errorf("stats of %s: %w", c.ID(), err)
	}
	st, err := m.Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of %s: %w", c.ID(), err)
	}
	return st, nil
}

// oomPoll is how often the OOM counters are read while streaming. runc
// waits on an eventfd (v1 memory.oom_control) or inotify (v2
// memory.events); polling the same counters is simpler and, at this rate,
// as timely for a human or a shim.
const oomPoll = 100 * time.Millisecond

// Events calls emit with a stats event every interval and an oom event
// whenever the container's OOM count (v2 memory.events oom/oom_kill, v1
// memory.oom_control oom_kill) rises, until the container stops or is
// deleted. The counters are read once more after it stops, so an OOM kill
// that ended the container is still reported.
func (s Store) Events(id string, interval time.Duration, emit func(Event) error) error {
	if interval <= 0 {
		return fmt.Errorf("events: --interval %s: must be positive", interval)
	}
	c, err := s.Get(id)
	if err != nil {
		return err
	}
	if _, err := require("events", c, Status.CanStats); err != nil {
		return err
	}
	first, err := c.rawStats()
	if err != nil {
		return err
	}
	ooms := first.Memory.OOM + first.Memory.OOMKill
	nextStats := time.Now().Add(interval)
	poll := min(oomPoll, interval)
	for {
		time.Sleep(poll)
		stopped := c.Status() == Stopped
		cs, err := c.rawStats()
		if err != nil {
			if stopped || errors.Is(err, ErrNotExist) {
				// Deleted as it stopped: its cgroup is gone.
				return nil
			}
			return err
		}
		if n := cs.Memory.OOM + cs.Memory.OOMKill; n > ooms {
			ooms = n
			if err := emit(Event{Type: "oom", ID: id}); err != nil {
				return err
			}
		}
		if stopped {
			return nil
		}
		if !time.Now().Before(nextStats) {
			nextStats = nextStats.Add(interval)
			if err := emit(Event{Type: "stats", ID: id, Data: eventStats(cs)}); err != nil {
				return err
			}
		}
	}
}
