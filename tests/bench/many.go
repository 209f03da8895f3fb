package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The many scenario (issue 18): o.many containers created and left waiting
// on the exec fifo (never started), o.manyPar at a time; at 10, 100 and
// 1000 of them (the points not above o.many, and o.many itself) list, list
// --format json and state are timed; then the inits' memory is summed and
// all containers are deleted (--force), o.manyPar at a time. One runtime
// after the other: all runtimes' inits at once would need several times
// the memory and pids, and each runtime's list must see only its own.

// Per-container budget for the capacity check. Memory: what one waiting
// container costs beyond pages shared with the others: the init's Pss
// (measured 1.6-2.3 MiB for gorunc and both runcs, 0.3 MiB for crun, with
// 200 of them) plus the kernel's objects (a cgroup in every v1 hierarchy,
// namespaces, a copy of the mount table, page tables): 6 MiB leaves room.
// Pids: runc's init has 5 threads, each a pid.
const (
	manyBytesPerContainer = 6 << 20
	manyTasksPerContainer = 8
)

// hostLimits is what the capacity check reads from the kernel.
type hostLimits struct {
	memAvailable int64 // /proc/meminfo MemAvailable, bytes
	cgroupFree   int64 // memory cgroup limit minus usage, bytes; -1: no limit
	pidMax       int64 // /proc/sys/kernel/pid_max
	tasks        int64 // threads in use (/proc/loadavg)
}

// manyCapacity returns how many waiting containers fit in three quarters
// of the available memory (the smaller of MemAvailable and the memory
// cgroup's headroom) and half the free pids, capped at want, and why it is
// lower when it is.
func manyCapacity(want int, h hostLimits) (int, string) {
	mem := h.memAvailable
	memWhat := fmt.Sprintf("MemAvailable %d MiB", h.memAvailable>>20)
	if h.cgroupFree >= 0 && h.cgroupFree < mem {
		mem = h.cgroupFree
		memWhat = fmt.Sprintf("memory cgroup headroom (limit - usage) %d MiB", h.cgroupFree>>20)
	}
	byMem := int(mem / 4 * 3 / manyBytesPerContainer)
	byPids := int((h.pidMax - h.tasks) / 2 / manyTasksPerContainer)
	switch {
	case byMem < want && byMem <= byPids:
		return max(byMem, 0), fmt.Sprintf("%s: three quarters of it at %d MiB per container (an init's Pss plus kernel objects) fits %d", memWhat, manyBytesPerContainer>>20, max(byMem, 0))
	case byPids < want:
		return max(byPids, 0), fmt.Sprintf("pid_max %d with %d tasks in use: half the free pids at %d per container fit %d", h.pidMax, h.tasks, manyTasksPerContainer, max(byPids, 0))
	}
	return want, ""
}

// readHostLimits reads the capacity check's inputs; memDir is the bench's
// own memory cgroup directory ("" when unknown).
func readHostLimits(memDir string) (hostLimits, error) {
	h := hostLimits{cgroupFree: -1}
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return h, err
	}
	kb, ok := procField(string(data), "MemAvailable:")
	if !ok {
		return h, fmt.Errorf("/proc/meminfo: no MemAvailable")
	}
	h.memAvailable = kb << 10
	if memDir != "" {
		h.cgroupFree = cgroupHeadroom(memDir)
	}
	data, err = os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		return h, err
	}
	if h.pidMax, err = strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err != nil {
		return h, fmt.Errorf("/proc/sys/kernel/pid_max: %w", err)
	}
	data, err = os.ReadFile("/proc/loadavg")
	if err != nil {
		return h, err
	}
	if h.tasks, err = loadavgTasks(string(data)); err != nil {
		return h, err
	}
	return h, nil
}

// cgroupHeadroom is limit minus usage of a v1 (memory.limit_in_bytes,
// memory.usage_in_bytes) or v2 (memory.max, memory.current) memory cgroup,
// -1 when there is no limit or it cannot be read.
func cgroupHeadroom(dir string) int64 {
	for _, f := range [][2]string{{"memory.limit_in_bytes", "memory.usage_in_bytes"}, {"memory.max", "memory.current"}} {
		l, err1 := os.ReadFile(filepath.Join(dir, f[0]))
		u, err2 := os.ReadFile(filepath.Join(dir, f[1]))
		if err1 != nil || err2 != nil {
			continue
		}
		return headroom(string(l), string(u))
	}
	return -1
}

// headroom parses a memory cgroup's limit and usage files: "max" (v2) or a
// limit near 2^63 (v1's "unlimited", page-rounded) means no limit (-1).
func headroom(limit, usage string) int64 {
	limit, usage = strings.TrimSpace(limit), strings.TrimSpace(usage)
	if limit == "max" {
		return -1
	}
	l, err := strconv.ParseInt(limit, 10, 64)
	if err != nil || l >= 1<<62 {
		return -1
	}
	u, err := strconv.ParseInt(usage, 10, 64)
	if err != nil {
		return -1
	}
	return max(l-u, 0)
}

// loadavgTasks is the total after the slash in /proc/loadavg's fourth field
// ("running/total" scheduling entities, i.e. threads; proc(5)).
func loadavgTasks(s string) (int64, error) {
	f := strings.Fields(s)
	if len(f) < 4 {
		return 0, fmt.Errorf("/proc/loadavg %q: fewer than 4 fields", s)
	}
	_, total, ok := strings.Cut(f[3], "/")
	if !ok {
		return 0, fmt.Errorf("/proc/loadavg %q: fourth field is not running/total", s)
	}
	n, err := strconv.ParseInt(total, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/loadavg %q: %w", s, err)
	}
	return n, nil
}

// procField returns the first number after key in a "Key: value kB" file
// (/proc/PID/status, /proc/meminfo, /proc/PID/smaps_rollup).
func procField(data, key string) (int64, bool) {
	for _, l := range strings.Split(data, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == key {
			v, err := strconv.ParseInt(f[1], 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// initMemory is one waiting init's memory, KiB.
type initMemory struct{ rss, hwm, pss int64 }

// readInitMemory reads VmRSS and VmHWM from /proc/PID/status and Pss from
// /proc/PID/smaps_rollup (RSS counts a page shared by 1000 inits 1000
// times; Pss divides it among them: proc(5)).
func readInitMemory(pid int) (initMemory, error) {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return initMemory{}, err
	}
	sm, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return initMemory{}, err
	}
	return parseInitMemory(pid, string(st), string(sm))
}

func parseInitMemory(pid int, status, smapsRollup string) (initMemory, error) {
	var im initMemory
	var ok bool
	if im.rss, ok = procField(status, "VmRSS:"); !ok {
		return im, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
	}
	if im.hwm, ok = procField(status, "VmHWM:"); !ok {
		return im, fmt.Errorf("/proc/%d/status: no VmHWM", pid)
	}
	if im.pss, ok = procField(smapsRollup, "Pss:"); !ok {
		return im, fmt.Errorf("/proc/%d/smaps_rollup: no Pss", pid)
	}
	return im, nil
}

// sumInitMemory adds up the inits' memory, MiB.
func sumInitMemory(ms []initMemory) (rss, hwm, pss float64) {
	for _, m := range ms {
		rss += float64(m.rss)
		hwm += float64(m.hwm)
		pss += float64(m.pss)
	}
	return rss / 1024, hwm / 1024, pss / 1024
}

// listPoints are the container counts at which list and state are timed:
// 10, 100, 1000 up to many, and many itself.
func listPoints(many int) []int {
	var out []int
	for _, p := range []int{10, 100, 1000} {
		if p < many {
			out = append(out, p)
		}
	}
	return append(out, many)
}

// Metric names of the many scenario (report.go's panels and targets use
// them).
func manyCreateMetric(o options) string {
	return fmt.Sprintf("%d created: create, %d at a time (ms)", o.many, o.manyPar)
}
func manyDeleteMetric(o options) string {
	return fmt.Sprintf("%d created: delete --force, %d at a time (ms)", o.many, o.manyPar)
}
func manyMemMetric(o options, what string) string {
	return fmt.Sprintf("%d created: inits' %s sum (MiB)", o.many, what)
}
func listMetric(cmd string, n int) string { return fmt.Sprintf("%s, %d created (ms)", cmd, n) }

var listCmds = []string{"list", "list --format json", "state"}

// measureMany lowers o.many when the host cannot hold that many (the
// report's metric names follow).
func measureMany(o *options, b *bench, rts []*runtimeUnderTest, tag string, m *measurements) error {
	memDir := ""
	if cgs, err := ownCgroups(); err == nil {
		for _, d := range cgs {
			if strings.HasSuffix(d.mount, "/memory") || d.mount == "/sys/fs/cgroup" {
				memDir = d.path()
			}
		}
	}
	h, err := readHostLimits(memDir)
	if err != nil {
		return fmt.Errorf("many: capacity check: %w", err)
	}
	if n, why := manyCapacity(o.many, h); n < o.many {
		if n < 1 {
			fmt.Printf("skip scenario many: %s\n", why)
			return nil
		}
		fmt.Printf("many: -many %d lowered to %d: %s\n", o.many, n, why)
		o.many = n
	}
	fmt.Printf("scenario 6: %d containers created (not started), %d at a time, per runtime; list/state at %v (%d runs each); then delete --force\n",
		o.many, o.manyPar, listPoints(o.many), o.listReps)
	for _, r := range m.live(rts) {
		if b.stopped() {
			return errInterrupted
		}
		t0 := time.Now()
		if err := many(*o, b, r, tag, m); err != nil {
			m.fail(r.name, err)
		}
		fmt.Printf("  %s: %.1f s\n", r.name, time.Since(t0).Seconds())
	}
	return nil
}

// many runs the scenario for one runtime. Whatever it created is deleted
// before it returns, also on failure.
func many(o options, b0 *bench, r *runtimeUnderTest, tag string, m *measurements) error {
	ids := make([]string, o.many)
	bundles := make([]string, o.many)
	for j := range ids {
		ids[j] = fmt.Sprintf("%s-%s-k%d", tag, r.name, j)
		bundles[j] = filepath.Join(b0.dir, fmt.Sprintf("bundle-many-%s-%d", r.name, j))
		if err := writeBundle(bundles[j], b0.rootfs, r.cgroup(ids[j]), []string{"/bin/true"}); err != nil {
			return err
		}
	}
	defer func() {
		for _, d := range bundles {
			os.RemoveAll(d)
		}
	}()
	pids := make([]int, o.many)
	created := make([]bool, o.many)
	var mu sync.Mutex
	deleteAll := func() (time.Duration, error) {
		t0 := time.Now()
		err := parallel(b0, o.manyPar, 0, o.many, func(b *bench, j int) error {
			mu.Lock()
			c := created[j]
			mu.Unlock()
			if !c {
				return nil
			}
			_, err := b.delete(r, ids[j], true)
			return err
		})
		return time.Since(t0), err
	}

	var up time.Duration
	done := 0
	for _, p := range listPoints(o.many) {
		t0 := time.Now()
		err := parallel(b0, o.manyPar, done, p, func(b *bench, j int) error {
			pid, err := createTracked(b, r, &mu, bundles[j], ids[j])
			mu.Lock()
			pids[j] = pid
			created[j] = true // even on error: delete --force what may exist
			mu.Unlock()
			return err
		})
		up += time.Since(t0)
		done = p
		if err == nil {
			err = timeListState(o, b0, r, ids[0], p, m)
		}
		if err != nil {
			deleteAll()
			return fmt.Errorf("%s many create: %w", r.name, err)
		}
	}
	var mems []initMemory
	var merr error
	for _, pid := range pids {
		im, err := readInitMemory(pid)
		if err != nil {
			merr = fmt.Errorf("%s many: init %d: %w", r.name, pid, err)
			break
		}
		mems = append(mems, im)
	}
	down, err := deleteAll()
	if err != nil {
		return fmt.Errorf("%s many delete: %w", r.name, err)
	}
	if merr != nil {
		return merr
	}
	rss, hwm, pss := sumInitMemory(mems)
	m.add(manyCreateMetric(o), r.name, ms(up))
	m.add(manyDeleteMetric(o), r.name, ms(down))
	m.add(manyMemMetric(o, "VmRSS"), r.name, rss)
	m.add(manyMemMetric(o, "VmHWM"), r.name, hwm)
	m.add(manyMemMetric(o, "Pss"), r.name, pss)
	m.leak(fmt.Sprintf("%d created, deleted", o.many), r.name, leakCheck(r, tag, fmt.Sprintf("%s-%s-k", tag, r.name), pids))
	return nil
}

// spawnMetric is the plain spawn timed beside state: the rootfs's static
// busybox running `true`, a process that does less than any runtime's
// `state` (gorunc's is 36 system calls and 27 page faults, made before
// its Go runtime starts), so what it gains from 10 to 1000 containers
// present is the host's (more processes, cgroups and memory in use), not
// the runtime's (targets.go, "state constant").
func spawnMetric(n int) string { return fmt.Sprintf("spawn (busybox true), %d created (ms)", n) }

// timeListState times a plain spawn, `list`, `list --format json` and
// `state ID` listReps times each, alternating, with n containers present.
func timeListState(o options, b *bench, r *runtimeUnderTest, id string, n int, m *measurements) error {
	busybox := filepath.Join(o.rootfs, "bin", "busybox")
	for i := 0; i < o.listReps; i++ {
		res, err := b.exec(busybox, "true")
		if err != nil {
			return err
		}
		m.add(spawnMetric(n), r.name, ms(res.wall))
		for _, c := range listCmds {
			args := append(r.global(), strings.Fields(c)...)
			if c == "state" {
				args = append(args, id)
			}
			res, err := b.exec(args...)
			if err != nil {
				return err
			}
			m.add(listMetric(c, n), r.name, ms(res.wall))
		}
	}
	return nil
}
