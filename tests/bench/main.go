// Command bench measures gorunc against runc and crun side by side in one
// run (`make bench`; see docs/performance.md). It is not pass/fail: targets
// are reported, never asserted.
//
// The harness re-executes itself under `unshare -m --propagation private`
// and unmounts /sys/fs/cgroup/unified inside that private mount namespace
// only: crun 1.8 refuses this host's cgroup v1 hybrid layout, and all
// runtimes run in the same namespace for fairness. Containers' cgroups use
// a cgroupsPath below the bench's own cgroup; every container, cgroup and
// state directory the bench made is removed at the end, even on failure.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type options struct {
	n, warmup, concN, concPar, concReps int
	many, manyPar, listReps             int
	gorunc, rootfs, out, repo           string
	runc, runcRef, runcNoSeccomp        string
	scenarios                           scenarioSet
	inner                               bool
	outerNS                             string
	describe                            string // git describe of the tree, taken once at start
	commit                              string // -commit: names the tree when git is absent (the VM)
	noRSS, noPlot, noFloor              bool
	cpusetAnchor                        bool
}

func main() {
	var o options
	o.scenarios = allScenarios()
	flag.IntVar(&o.n, "n", 50, "measured runs per runtime and scenario")
	flag.IntVar(&o.warmup, "warmup", 3, "warm-up runs per runtime (not measured)")
	flag.IntVar(&o.concN, "conc", 50, "containers in the concurrent scenario")
	flag.IntVar(&o.concPar, "par", 4, "concurrent CLI invocations in the concurrent scenario")
	flag.IntVar(&o.concReps, "conc-reps", 3, "repetitions of the concurrent scenario per runtime")
	flag.IntVar(&o.many, "many", 1000, "containers created and left waiting (not started) in the many scenario; lowered, with the reason printed, when memory or pids do not allow it")
	flag.IntVar(&o.manyPar, "many-par", 8, "concurrent CLI invocations in the many scenario")
	flag.IntVar(&o.listReps, "list-reps", 5, "timed runs of list, list --format json and state at each container count")
	flag.Var(&o.scenarios, "scenarios", "comma-separated scenarios to run: "+strings.Join(scenarioNames, ","))
	flag.StringVar(&o.gorunc, "gorunc", "bin/gorunc", "gorunc binary")
	flag.StringVar(&o.runc, "runc", "runc", "Debian's runc (1.1.5; the column is skipped if --version says otherwise)")
	flag.StringVar(&o.runcRef, "runc-ref", "build/tools/runc-1.5.1", "runc 1.5.1 built with the seccomp tag (make's RUNC_REF); skipped if missing")
	flag.StringVar(&o.runcNoSeccomp, "runc-noseccomp", "", "runc 1.5.1 built without the seccomp tag (build/tools/runc-1.5.1-noseccomp); empty: not measured")
	flag.StringVar(&o.rootfs, "rootfs", "build/rootfs", "busybox rootfs")
	flag.StringVar(&o.out, "out", "bench-results", "output directory (CSV, PNG, table)")
	flag.StringVar(&o.repo, "repo", ".", "gorunc source tree, for git describe")
	flag.StringVar(&o.commit, "commit", "", "gorunc commit to print instead of running git describe (make bench-vm: the VM has no git)")
	flag.BoolVar(&o.noRSS, "no-rss", false, "skip the CLI peak RSS rows (they need GNU time; skipped anyway when it is missing)")
	flag.BoolVar(&o.noPlot, "no-plot", false, "do not draw the PNG (needs gnuplot)")
	flag.BoolVar(&o.noFloor, "no-floor", false, "skip the unshare+chroot floor")
	flag.BoolVar(&o.cpusetAnchor, "cpuset-anchor", false, "hold an empty cgroup in the bench's own v1 cpuset cgroup for the run, so the kernel's cpuset static key stays on, as on a host running any container (holdCpusetAnchor)")
	replot := flag.String("replot", "", "draw the PNG again from a run's -samples.csv (no containers, no root) and exit")
	flag.BoolVar(&o.inner, "inner", false, "internal: already inside the private mount namespace")
	flag.StringVar(&o.outerNS, "outer-mntns", "", "internal: the mount namespace the bench was started in")
	flag.Parse()
	for _, p := range []*string{&o.gorunc, &o.rootfs, &o.out, &o.repo} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			fatal(err)
		}
		*p = abs
	}
	for name, v := range map[string]int{"-n": o.n, "-conc": o.concN, "-par": o.concPar, "-many-par": o.manyPar, "-list-reps": o.listReps} {
		if v < 1 {
			fatal(fmt.Errorf("%s %d: must be at least 1", name, v))
		}
	}
	if o.many < 1 {
		fatal(fmt.Errorf("-many %d: must be at least 1", o.many))
	}
	if *replot != "" {
		if err := replotSamples(*replot); err != nil {
			fatal(err)
		}
		return
	}
	if !o.inner {
		os.Exit(reexec(o))
	}
	if err := innerMain(o); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "bench: %v\n", err)
	os.Exit(1)
}

// reexec runs this program again inside a new private mount namespace.
// The outer process ignores SIGINT/SIGTERM so the inner one can clean up.
func reexec(o options) int {
	if os.Geteuid() != 0 {
		fatal(fmt.Errorf("needs root (creates containers)"))
	}
	self, err := os.Executable()
	if err != nil {
		fatal(err)
	}
	outerNS, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		fatal(err)
	}
	// The same flags again (paths are resolved against the same working
	// directory), after the internal ones.
	args := append([]string{"-m", "--propagation", "private", self, "-inner", "-outer-mntns", outerNS}, os.Args[1:]...)
	cmd := exec.Command("unshare", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fatal(err)
	}
	return 0
}

// privateMountNS makes sure we are not in the initial mount namespace
// before unmounting anything, then hides the cgroup2 mount of the hybrid
// layout so crun sees plain v1.
func privateMountNS(outerNS string) (string, error) {
	self, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil || outerNS == "" || self == outerNS {
		return "", fmt.Errorf("refusing to unmount: not in a private mount namespace (self %s, outer %s)", self, outerNS)
	}
	var st syscall.Statfs_t
	const cgroup2Magic = 0x63677270
	// Pure cgroup v2 (the VM of `make bench-vm`): nothing to hide.
	if err := syscall.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type == cgroup2Magic {
		return "cgroup v2 host (unified at /sys/fs/cgroup): all runtimes run in one private mount namespace, cgroup mounts unchanged", nil
	}
	if err := syscall.Statfs("/sys/fs/cgroup/unified", &st); err == nil && st.Type == cgroup2Magic {
		if err := syscall.Unmount("/sys/fs/cgroup/unified", syscall.MNT_DETACH); err != nil {
			return "", fmt.Errorf("umount /sys/fs/cgroup/unified (private namespace): %w", err)
		}
		return "cgroup v1 hybrid host: all runtimes run in one private mount namespace with /sys/fs/cgroup/unified unmounted (crun refuses the hybrid layout)", nil
	}
	return "all runtimes run in one private mount namespace (unchanged cgroup mounts)", nil
}

func innerMain(o options) error {
	note, err := privateMountNS(o.outerNS)
	if err != nil {
		return err
	}
	o.describe = o.commit
	if o.describe == "" {
		o.describe = gitDescribe(o.repo)
	}
	fmt.Printf("gorunc bench: gorunc %s, N=%d (after %d warm-up), alternating runtimes run by run\n", o.describe, o.n, o.warmup)
	fmt.Println("note:", note)

	cgs, err := ownCgroups()
	if err != nil {
		return err
	}
	tag := fmt.Sprintf("gorunc-bench-%d", os.Getpid())
	scratch, err := os.MkdirTemp("", tag+"-")
	if err != nil {
		return err
	}
	// A signal only sets stop: the command in flight finishes (so every
	// container it made is known), then the main goroutine cleans up.
	stop := new(atomic.Bool)
	b := &bench{dir: scratch, rootfs: o.rootfs, errPath: filepath.Join(scratch, "cmd.err"), stop: stop}
	cb := &bench{dir: scratch, rootfs: o.rootfs, errPath: filepath.Join(scratch, "cleanup.err")}

	if o.cpusetAnchor {
		anchor, err := holdCpusetAnchor(cgs, tag)
		if err != nil {
			return err
		}
		fmt.Println("cpuset anchor:", anchor)
	}

	prefix, perr := absPrefix(cgs)
	var rts []*runtimeUnderTest
	for _, spec := range runtimeSpecs(o) {
		if spec.bin == "" {
			fmt.Printf("skip %s: %s\n", spec.name, spec.skipWhy)
			continue
		}
		bin, err := exec.LookPath(spec.bin)
		if err != nil {
			fmt.Printf("skip %s: %v\n", spec.name, err)
			continue
		}
		bin, _ = filepath.Abs(bin)
		if spec.version != "" {
			if got := runcVersion(versionOutput(bin)); got != spec.version {
				fmt.Printf("skip %s: %s reports runc version %q, not %s (the column is named for %s)\n", spec.name, bin, got, spec.version, spec.version)
				continue
			}
		}
		r := &runtimeUnderTest{name: spec.name, bin: bin,
			root: filepath.Join("/run", tag, spec.name), log: filepath.Join(scratch, spec.name+".log")}
		r.cgroup = func(n string) string { return n } // relative: below the runtime's own cgroup
		if spec.name == "crun" {
			if perr != nil {
				fmt.Printf("skip crun: %v\n", perr)
				continue
			}
			p := prefix
			r.cgroup = func(n string) string { return filepath.Join(p, n) }
		}
		rts = append(rts, r)
	}
	// crun mkdir -p's the absolute path's ancestors: remember which did not
	// exist, to remove them at the end.
	createdAncestors := missingAncestors(cgs, prefix)

	var once sync.Once
	cleanup := func() {
		once.Do(func() {
			for _, r := range rts {
				for _, id := range r.ids {
					if _, err := os.Stat(filepath.Join(r.root, id)); err == nil {
						cb.delete(r, id, true)
					}
				}
				for _, pid := range r.pids {
					if alive(pid) {
						syscall.Kill(pid, syscall.SIGKILL)
					}
				}
			}
			// Anything still in a cgroup the bench made was started by the
			// bench (through a runtime): kill it, then remove the cgroups.
			var errs []error
			for try := 0; try < 40; try++ {
				left := findCgroups(cgs, tag)
				if len(left) == 0 {
					break
				}
				killCgroupProcs(left)
				time.Sleep(50 * time.Millisecond)
				if errs = removeCgroups(left); len(errs) == 0 {
					break
				}
			}
			for _, err := range errs {
				fmt.Fprintln(os.Stderr, "cleanup:", err)
			}
			for i := len(createdAncestors) - 1; i >= 0; i-- {
				os.Remove(createdAncestors[i])
			}
			os.RemoveAll(filepath.Join("/run", tag))
			os.RemoveAll(scratch)
		})
	}
	defer cleanup()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "bench: %v: stopping after the command in flight, then cleaning up\n", s)
		stop.Store(true)
	}()

	m := newMeasurements()
	if err := measure(&o, b, rts, tag, m); err != nil {
		return err
	}
	if stop.Load() {
		return errInterrupted
	}
	cleanup()
	// Leaks after cleanup would be the bench's own fault; check anyway.
	if left := findCgroups(cgs, tag); len(left) > 0 {
		fmt.Printf("WARNING: cgroups left after cleanup: %v\n", left)
	}
	if err := report(o, m, rts); err != nil {
		return err
	}
	if e, ok := m.failed["gorunc"]; ok {
		return fmt.Errorf("gorunc failed during the bench: %s", e)
	}
	return nil
}

// measure runs the selected scenarios, alternating the runtimes run by run
// where a scenario allows it, and prints each scenario's wall time.
func measure(o *options, b *bench, rts []*runtimeUnderTest, tag string, m *measurements) error {
	timed := func(name string, f func() error) error {
		if !o.scenarios[name] {
			fmt.Printf("skip scenario %s: not in -scenarios\n", name)
			return nil
		}
		t0 := time.Now()
		err := f()
		fmt.Printf("scenario %s: %.1f s wall\n", name, time.Since(t0).Seconds())
		return err
	}
	for _, r := range rts {
		if st, err := os.Stat(r.bin); err == nil {
			m.add("binary size (KiB)", r.name, float64(st.Size())/1024)
		}
		if err := dropPageCache(r.bin); err != nil {
			return err
		}
	}
	bundles := map[string]string{}
	for _, r := range rts {
		for _, kind := range []string{"run", "life"} {
			dir := filepath.Join(b.dir, "bundle-"+kind+"-"+r.name)
			if err := writeBundle(dir, b.rootfs, r.cgroup(tag+"-"+r.name+"-"+kind), []string{"/bin/true"}); err != nil {
				return err
			}
			bundles[r.name+kind] = dir
		}
		// The running container measureSingle execs into.
		dir := filepath.Join(b.dir, "bundle-exec-"+r.name)
		if err := writeBundle(dir, b.rootfs, r.cgroup(tag+"-"+r.name+"-exec"), []string{"/bin/sleep", "3600"}); err != nil {
			return err
		}
		bundles[r.name+"exec"] = dir
	}
	if err := timed("single", func() error { return measureSingle(*o, b, rts, tag, bundles, m) }); err != nil {
		return err
	}
	if err := timed("rss", func() error { return measureRSS(*o, b, m.live(rts), tag, bundles, m) }); err != nil {
		return err
	}
	if err := timed("conc", func() error { return measureConcurrent(*o, b, rts, tag, m) }); err != nil {
		return err
	}
	return timed("many", func() error { return measureMany(o, b, rts, tag, m) })
}

// measureSingle is scenarios 1-4: run, the lifecycle phase by phase and
// an exec into a running container, runtimes alternating round by round.
func measureSingle(o options, b *bench, rts []*runtimeUnderTest, tag string, bundles map[string]string, m *measurements) error {
	running := map[string]string{}
	defer func() {
		for _, r := range rts {
			if id, ok := running[r.name]; ok {
				if _, err := b.delete(r, id, true); err != nil {
					fmt.Fprintf(os.Stderr, "%s: delete --force %s: %v\n", r.name, id, err)
				}
			}
		}
	}()
	for _, r := range m.live(rts) {
		id := fmt.Sprintf("%s-%s-x", tag, r.name)
		if _, _, err := b.create(r, bundles[r.name+"exec"], id); err != nil {
			m.fail(r.name, fmt.Errorf("exec's container: %w", err))
			continue
		}
		running[r.name] = id
		if _, err := b.start(r, id); err != nil {
			m.fail(r.name, fmt.Errorf("exec's container: %w", err))
		}
	}
	// Short options: util-linux's unshare and busybox's (the VM) both take them.
	floor := []string{"unshare", "-p", "-f", "-n", "-i", "-u", "-m", "chroot", b.rootfs, "/bin/true"}
	if o.noFloor {
		floor = nil
	}
	total := o.warmup + o.n
	fmt.Printf("scenarios 1-4: %d rounds x (%d runtimes + floor) x (run, create/start/delete, exec)\n", total, len(rts))
	for i := 0; i < total; i++ {
		if b.stopped() {
			return errInterrupted
		}
		rec := i >= o.warmup
		if floor != nil {
			res, err := b.exec(floor...)
			if err != nil {
				return fmt.Errorf("floor: %w", err)
			}
			if rec {
				m.add("run /bin/true (ms)", "floor", ms(res.wall))
			}
		}
		for _, r := range m.live(rts) {
			id := fmt.Sprintf("%s-%s-r%d", tag, r.name, i)
			res, err := b.run(r, bundles[r.name+"run"], id)
			if err != nil {
				m.fail(r.name, fmt.Errorf("run: %w", err))
				continue
			}
			if rec {
				m.add("run /bin/true (ms)", r.name, ms(res.wall))
			}
		}
		for _, r := range m.live(rts) {
			if err := lifecycle(b, r, bundles[r.name+"life"], fmt.Sprintf("%s-%s-l%d", tag, r.name, i), rec, m); err != nil {
				m.fail(r.name, err)
			}
		}
		for _, r := range m.live(rts) {
			// In the foreground, as typed: the runtime waits for
			// the process and exits with its status.
			res, err := b.exec(append(r.global(), "exec", running[r.name], "/bin/true")...)
			if err != nil {
				m.fail(r.name, fmt.Errorf("exec: %w", err))
				continue
			}
			if rec {
				m.add("exec /bin/true (ms)", r.name, ms(res.wall))
			}
		}
		if (i+1)%10 == 0 {
			fmt.Printf("  round %d/%d\n", i+1, total)
		}
	}
	return nil
}

// measureConcurrent is scenario 5: concN containers up and down, par at a
// time, concReps times per runtime.
func measureConcurrent(o options, b *bench, rts []*runtimeUnderTest, tag string, m *measurements) error {
	fmt.Printf("scenario 5: %d containers, %d at a time, %d repetitions per runtime\n", o.concN, o.concPar, o.concReps)
	for _, r := range rts {
		for j := 0; j < o.concN; j++ {
			dir := filepath.Join(b.dir, fmt.Sprintf("bundle-conc-%s-%d", r.name, j))
			if err := writeBundle(dir, b.rootfs, r.cgroup(fmt.Sprintf("%s-%s-c%d", tag, r.name, j)), []string{"/bin/sleep", "3600"}); err != nil {
				return err
			}
		}
	}
	for rep := 0; rep < o.concReps; rep++ {
		if b.stopped() {
			return errInterrupted
		}
		for _, r := range m.live(rts) {
			if err := concurrent(o, b, r, tag, rep, m); err != nil {
				m.fail(r.name, err)
			}
		}
	}
	return nil
}

// measureRSS is scenario 4's CLI half: peak RSS of `run` and of `create`
// under GNU time, in separate untimed rounds (the wrapper would add its own
// exec to the timings).
func measureRSS(o options, b *bench, rts []*runtimeUnderTest, tag string, bundles map[string]string, m *measurements) error {
	if o.noRSS {
		fmt.Println("skip CLI peak RSS: -no-rss")
		return nil
	}
	if _, err := os.Stat(timeBin); err != nil {
		fmt.Printf("skip CLI peak RSS: %s missing (tests/bench/deps.sh installs it)\n", timeBin)
		return nil
	}
	n := min(o.n, 10)
	fmt.Printf("scenario 4: CLI peak RSS, %d rounds under %s\n", n, timeBin)
	for i := 0; i < n; i++ {
		if b.stopped() {
			return errInterrupted
		}
		kb, err := b.execRSS("/bin/true")
		if err != nil {
			return err
		}
		m.add("run CLI peak RSS (KiB)", "floor", float64(kb))
		m.add("create CLI peak RSS (KiB)", "floor", float64(kb))
		for _, r := range rts {
			id := fmt.Sprintf("%s-%s-m%d", tag, r.name, i)
			r.ids = append(r.ids, id)
			kb, err := b.execRSS(append(r.global(), "run", "--bundle", bundles[r.name+"run"], id)...)
			if err != nil {
				m.fail(r.name, fmt.Errorf("run (rss): %w", err))
				continue
			}
			m.add("run CLI peak RSS (KiB)", r.name, float64(kb))
			id += "c"
			r.ids = append(r.ids, id)
			kb, err = b.execRSS(append(r.global(), "create", "--bundle", bundles[r.name+"life"], id)...)
			if err != nil {
				m.fail(r.name, fmt.Errorf("create (rss): %w", err))
				continue
			}
			m.add("create CLI peak RSS (KiB)", r.name, float64(kb))
			if _, err := b.delete(r, id, true); err != nil {
				m.fail(r.name, err)
			}
		}
	}
	return nil
}

// dropPageCache evicts bin's pages from the page cache (those no process
// maps), so that every runtime's binary is read back by exec the same way
// before it is measured, whatever wrote the file. Most of a CLI's RSS, and
// of gorunc's init's, is its binary's file pages, and this host's kernel
// (6.18) maps a large folio whole at a fault: a binary just written by
// Go's linker (through a shared mapping) has folios of another size than
// one read back from disk, and gorunc's CLI read 0.6-0.8 MiB more RSS, its
// init 60 KiB more, straight after `make build` than after this
// (docs/performance.md "config.json without encoding/json's tables").
func dropPageCache(bin string) error {
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("drop %s from the page cache: %w", bin, err)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// lifecycle is scenario 2-4: create, start, wait for stopped, delete as
// separate processes with the flags containerd's shim passes.
func lifecycle(b *bench, r *runtimeUnderTest, bundle, id string, rec bool, m *measurements) error {
	c, pid, err := b.create(r, bundle, id)
	if err != nil {
		return err
	}
	// init is now blocked on the exec fifo (crun: its forked child).
	hwm, threads, herr := procStatus(pid)
	s, err := b.start(r, id)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := waitExit(pid, 10*time.Second); err != nil {
		return fmt.Errorf("%s %s: %w", r.name, id, err)
	}
	w := time.Since(t0)
	d, err := b.delete(r, id, false)
	if err != nil {
		return err
	}
	if !rec {
		return nil
	}
	m.add("create+start+wait+delete (ms)", r.name, ms(c.wall+s.wall+w+d.wall))
	m.add("create (ms)", r.name, ms(c.wall))
	m.add("start (ms)", r.name, ms(s.wall))
	m.add("delete (ms)", r.name, ms(d.wall))
	if herr == nil {
		m.add("init VmHWM before start (KiB)", r.name, float64(hwm))
		m.add("init threads before start", r.name, float64(threads))
	}
	return nil
}

// parallel runs f(b, j) for j in [from, to), par at a time, each worker
// with its own bench (its own stderr file); it returns the first error.
func parallel(b0 *bench, par, from, to int, f func(b *bench, j int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for w := 0; w < par; w++ {
		wb := &bench{dir: b0.dir, rootfs: b0.rootfs, errPath: fmt.Sprintf("%s.%d", b0.errPath, w), stop: b0.stop}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if err := f(wb, j); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for j := from; j < to; j++ {
		next <- j
	}
	close(next)
	wg.Wait()
	return first
}

// createTracked runs `create` for ids[j] on a copy of r (the workers run in
// parallel) and records the id and init pid in r under mu, also on
// failure, so the cleanup knows every container that may exist.
func createTracked(b *bench, r *runtimeUnderTest, mu *sync.Mutex, bundle, id string) (int, error) {
	rr := &runtimeUnderTest{name: r.name, bin: r.bin, root: r.root, log: r.log}
	_, pid, err := b.create(rr, bundle, id)
	mu.Lock()
	r.ids = append(r.ids, id)
	r.pids = append(r.pids, rr.pids...)
	mu.Unlock()
	return pid, err
}

// concurrent is scenario 5: concN containers created and started, par at a
// time, then all deleted (--force: they run sleep), then a leak check.
func concurrent(o options, b0 *bench, r *runtimeUnderTest, tag string, rep int, m *measurements) error {
	ids := make([]string, o.concN)
	for j := range ids {
		ids[j] = fmt.Sprintf("%s-%s-c%d-%d", tag, r.name, j, rep)
	}
	pids := make([]int, o.concN)
	var mu sync.Mutex
	t0 := time.Now()
	err := parallel(b0, o.concPar, 0, o.concN, func(b *bench, j int) error {
		bundle := filepath.Join(b.dir, fmt.Sprintf("bundle-conc-%s-%d", r.name, j))
		pid, err := createTracked(b, r, &mu, bundle, ids[j])
		pids[j] = pid
		if err != nil {
			return err
		}
		_, err = b.start(r, ids[j])
		return err
	})
	up := time.Since(t0)
	if err != nil {
		return fmt.Errorf("%s concurrent create/start: %w", r.name, err)
	}
	t1 := time.Now()
	err = parallel(b0, o.concPar, 0, o.concN, func(b *bench, j int) error {
		_, err := b.delete(r, ids[j], true)
		return err
	})
	down := time.Since(t1)
	if err != nil {
		return fmt.Errorf("%s concurrent delete: %w", r.name, err)
	}
	m.add(fmt.Sprintf("%d x create+start, %d at a time (ms)", o.concN, o.concPar), r.name, ms(up))
	m.add(fmt.Sprintf("%d x delete --force (ms)", o.concN), r.name, ms(down))
	m.add(fmt.Sprintf("%d containers up and down (ms)", o.concN), r.name, ms(up+down))
	m.leak(fmt.Sprintf("%d containers up and down", o.concN), r.name, leakCheck(r, tag, fmt.Sprintf("%s-%s-c", tag, r.name), pids))
	return nil
}

const leakGrace = 2 * time.Second

// leakCheck lists what a runtime left after deleting every container:
// state directories named tag*, live init processes among pids, cgroups
// named cgPrefix*.
func leakCheck(r *runtimeUnderTest, tag, cgPrefix string, pids []int) []string {
	var leaks []string
	if ents, err := os.ReadDir(r.root); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), tag) {
				leaks = append(leaks, "state "+filepath.Join(r.root, e.Name()))
			}
		}
	}
	// A killed init may still be exiting when delete returns (or its
	// zombie not yet reaped by pid 1): under a load of 25, four of 1000
	// runc 1.1.5 inits were alive 20 ms after the last delete. A process
	// counts as leaked when it is still alive after leakGrace.
	deadline := time.Now().Add(leakGrace)
	for _, pid := range pids {
		for pid > 0 && alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if pid > 0 && alive(pid) {
			leaks = append(leaks, fmt.Sprintf("process %d (alive %v after the last delete)", pid, leakGrace))
		}
	}
	cgs, _ := ownCgroups()
	for _, p := range findCgroups(cgs, cgPrefix) {
		leaks = append(leaks, "cgroup "+p)
	}
	return leaks
}
