package cgroup

import (
	"errors"
	"os"
	"strings"
)

// Stats reads memory.*, cpuacct.*, cpu.stat and pids.*. A controller that
// is not mounted leaves its stats zero.
func (m *v1Manager) Stats() (*Stats, error) {
	st := &Stats{}
	readers := []struct {
		ctrl string
		read func(string, *Stats) error
	}{
		{"memory", statV1Memory},
		{"cpuacct", statV1Cpuacct},
		{"cpu", statV1CPU},
		{"pids", statV2Pids}, // same files in v1
		{"blkio", statV1Blkio},
		{"hugetlb", statV1Hugetlb},
	}
	for _, r := range readers {
		dir, ok := m.paths[r.ctrl]
		if !ok {
			continue
		}
		if err := r.read(dir, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func statV1Memory(dir string, st *Stats) error {
	var err error
	if st.Memory.Usage, err = readUint(dir, "memory.usage_in_bytes"); err != nil {
		return err
	}
	if st.Memory.MaxUsage, err = readUint(dir, "memory.max_usage_in_bytes"); err != nil {
		return err
	}
	if st.Memory.Limit, err = readUint(dir, "memory.limit_in_bytes"); err != nil {
		return err
	}
	if st.Memory.Stat, err = readKV(dir, "memory.stat"); err != nil {
		return err
	}
	oc, err := readKV(dir, "memory.oom_control")
	if err != nil {
		return err
	}
	st.Memory.OOMKill = oc["oom_kill"]
	if st.Memory.Failcnt, err = readUint(dir, "memory.failcnt"); err != nil {
		return err
	}
	return statV1Swap(dir, st)
}

// statV1Swap reads memory.memsw.*, which exist only with swap accounting
// (CONFIG_MEMCG_SWAP and swapaccount=1).
func statV1Swap(dir string, st *Stats) error {
	if !fileExists(dir, "memory.memsw.usage_in_bytes") {
		return nil
	}
	for file, dst := range map[string]*uint64{
		"memory.memsw.usage_in_bytes":     &st.Memory.SwapUsage,
		"memory.memsw.max_usage_in_bytes": &st.Memory.SwapMaxUsage,
		"memory.memsw.limit_in_bytes":     &st.Memory.SwapLimit,
		"memory.memsw.failcnt":            &st.Memory.SwapFailcnt,
	} {
		v, err := readUint(dir, file)
		if err != nil {
			return err
		}
		*dst = v
	}
	return nil
}

// statV1Cpuacct converts cpuacct's nanoseconds to the microseconds of v2's
// cpu.stat; cpuacct.usage_user/usage_sys exist since Linux 4.7.
func statV1Cpuacct(dir string, st *Stats) error {
	ns, err := readUint(dir, "cpuacct.usage")
	if err != nil {
		return err
	}
	st.CPU.UsageUsec = ns / 1000
	for file, dst := range map[string]*uint64{"cpuacct.usage_user": &st.CPU.UserUsec, "cpuacct.usage_sys": &st.CPU.SystemUsec} {
		v, err := readUint(dir, file)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		*dst = v / 1000
	}
	if !fileExists(dir, "cpuacct.usage_percpu") {
		return nil
	}
	percpu, err := readFile(dir, "cpuacct.usage_percpu")
	if err != nil {
		return err
	}
	for _, f := range strings.Fields(percpu) {
		v, err := parseUint(f, dir+"/cpuacct.usage_percpu")
		if err != nil {
			return err
		}
		st.CPU.PercpuNs = append(st.CPU.PercpuNs, v)
	}
	return nil
}

func statV1CPU(dir string, st *Stats) error {
	kv, err := readKV(dir, "cpu.stat")
	if err != nil {
		return err
	}
	st.CPU.NrPeriods = kv["nr_periods"]
	st.CPU.NrThrottled = kv["nr_throttled"]
	st.CPU.ThrottledUsec = kv["throttled_time"] / 1000
	return nil
}
