package cgroup

import (
	"errors"
	"os"
)

// Stats reads memory.*, cpu.stat and pids.*. A controller that is not
// enabled for the cgroup has no files; its stats are left zero rather than
// failing the whole read (cpu.stat always exists: usage is core).
func (m *v2Manager) Stats() (*Stats, error) {
	st := &Stats{}
	readers := []func(string, *Stats) error{statV2CPU, statV2Memory, statV2Pids, statV2IO, statV2Hugetlb}
	for _, read := range readers {
		if err := read(m.dir, st); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return st, nil
}

func statV2CPU(dir string, st *Stats) error {
	kv, err := readKV(dir, "cpu.stat")
	if err != nil {
		return err
	}
	st.CPU = CPUStats{
		UsageUsec:     kv["usage_usec"],
		UserUsec:      kv["user_usec"],
		SystemUsec:    kv["system_usec"],
		NrPeriods:     kv["nr_periods"],
		NrThrottled:   kv["nr_throttled"],
		ThrottledUsec: kv["throttled_usec"],
	}
	return nil
}

func statV2Memory(dir string, st *Stats) error {
	var err error
	if st.Memory.Usage, err = readUint(dir, "memory.current"); err != nil {
		return err
	}
	if st.Memory.Limit, err = readUint(dir, "memory.max"); err != nil {
		return err
	}
	if fileExists(dir, "memory.peak") { // kernel 5.19+
		if st.Memory.MaxUsage, err = readUint(dir, "memory.peak"); err != nil {
			return err
		}
	}
	if st.Memory.Stat, err = readKV(dir, "memory.stat"); err != nil {
		return err
	}
	ev, err := readKV(dir, "memory.events")
	if err != nil {
		return err
	}
	st.Memory.OOM, st.Memory.OOMKill, st.Memory.Failcnt = ev["oom"], ev["oom_kill"], ev["max"]
	if !fileExists(dir, "memory.swap.current") {
		return nil
	}
	if st.Memory.SwapUsage, err = readUint(dir, "memory.swap.current"); err != nil {
		return err
	}
	if st.Memory.SwapLimit, err = readUint(dir, "memory.swap.max"); err != nil {
		return err
	}
	return nil
}

func statV2Pids(dir string, st *Stats) error {
	var err error
	if st.Pids.Current, err = readUint(dir, "pids.current"); err != nil {
		return err
	}
	st.Pids.Limit, err = readUint(dir, "pids.max")
	return err
}
