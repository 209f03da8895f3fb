package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// measurements keeps samples per metric and runtime, metrics in the order
// they were first seen.
type measurements struct {
	order     []string
	samples   map[string]map[string][]float64
	leakOrder []string                       // scenarios with a leak check, in order
	leaks     map[string]map[string][]string // scenario -> runtime -> leaks (present, empty: checked, none)
	failed    map[string]string              // runtime -> first error; it is not run again
}

func newMeasurements() *measurements {
	return &measurements{samples: map[string]map[string][]float64{}, leaks: map[string]map[string][]string{}, failed: map[string]string{}}
}

// leak records a leak check's findings (none is a finding too).
func (m *measurements) leak(scenario, rt string, found []string) {
	if m.leaks[scenario] == nil {
		m.leaks[scenario] = map[string][]string{}
		m.leakOrder = append(m.leakOrder, scenario)
	}
	m.leaks[scenario][rt] = append(m.leaks[scenario][rt], found...)
	if m.leaks[scenario][rt] == nil {
		m.leaks[scenario][rt] = []string{}
	}
}

// fail records a runtime's first error and drops it from the remaining
// runs, so one broken runtime does not hide the others' numbers.
func (m *measurements) fail(rt string, err error) {
	if _, ok := m.failed[rt]; ok || errors.Is(err, errInterrupted) {
		return
	}
	m.failed[rt] = err.Error()
	fmt.Printf("  %s FAILED, not run again: %v\n", rt, err)
}

func (m *measurements) live(rts []*runtimeUnderTest) []*runtimeUnderTest {
	var out []*runtimeUnderTest
	for _, r := range rts {
		if _, ok := m.failed[r.name]; !ok {
			out = append(out, r)
		}
	}
	return out
}

func (m *measurements) add(metric, rt string, v float64) {
	if m.samples[metric] == nil {
		m.samples[metric] = map[string][]float64{}
		m.order = append(m.order, metric)
	}
	m.samples[metric][rt] = append(m.samples[metric][rt], v)
}

type summary struct {
	n                    int
	median, p10, p90, mn float64
}

// quantile by linear interpolation between closest ranks.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

func summarize(v []float64) summary {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	mean := 0.0
	for _, x := range s {
		mean += x
	}
	if len(s) > 0 {
		mean /= float64(len(s))
	}
	return summary{n: len(s), median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), mn: mean}
}

// columnsOf is the table's columns: the runtimes measured, in order, then
// the floor.
func columnsOf(rts []*runtimeUnderTest) []string {
	var out []string
	for _, r := range rts {
		out = append(out, r.name)
	}
	return append(out, colFloor)
}

// ratioColumns is what gorunc is compared with: every other runtime.
func ratioColumns(cols []string) []string {
	var out []string
	for _, c := range cols {
		if c != colGorunc && c != colFloor {
			out = append(out, c)
		}
	}
	return out
}

func fmtNum(x float64) string {
	switch {
	case math.IsNaN(x):
		return "-"
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.2f", x)
	}
}

func ratio(m map[string][]float64, a, b string) float64 {
	if len(m[a]) == 0 || len(m[b]) == 0 {
		return math.NaN()
	}
	den := summarize(m[b]).median
	if den == 0 {
		return math.NaN()
	}
	return summarize(m[a]).median / den
}

func report(o options, m *measurements, rts []*runtimeUnderTest) error {
	cols := columnsOf(rts)
	rcols := ratioColumns(cols)
	// "12345 / 12345" fits 13, "16.30x" 6, plus a space at least; a column
	// is wider when its name is.
	width := func(c string) int { return max(14, len(c)) }
	rwidth := func(c string) int { return max(8, len(c)+2) }
	var tb strings.Builder
	fmt.Fprintf(&tb, "gorunc tree %s; %s; N=%d\n", o.describe, time.Now().UTC().Format(time.RFC3339), o.n)
	for _, r := range rts {
		fmt.Fprintf(&tb, "  %-20s %s %s\n", r.name, r.bin, version(r.bin))
	}
	fmt.Fprintf(&tb, "\n%-48s", "metric: median / p90")
	for _, c := range cols {
		fmt.Fprintf(&tb, " %*s", width(c), c)
	}
	for _, c := range rcols {
		fmt.Fprintf(&tb, " %*s", rwidth(c), "g/"+c)
	}
	tb.WriteString("\n")
	for _, metric := range m.order {
		s := m.samples[metric]
		fmt.Fprintf(&tb, "%-48s", metric)
		for _, c := range cols {
			if len(s[c]) == 0 {
				fmt.Fprintf(&tb, " %*s", width(c), "-")
				continue
			}
			sm := summarize(s[c])
			cell := fmtNum(sm.median)
			if sm.n > 1 {
				cell += " / " + fmtNum(sm.p90)
			}
			fmt.Fprintf(&tb, " %*s", width(c), cell)
		}
		for _, c := range rcols {
			fmt.Fprintf(&tb, " %*s", rwidth(c), fmtRatio(ratio(s, colGorunc, c)))
		}
		tb.WriteString("\n")
	}
	for _, sc := range m.leakOrder {
		fmt.Fprintf(&tb, "\nleaks after %s (state dirs, processes, cgroups):\n", sc)
		for _, r := range rts {
			l, checked := m.leaks[sc][r.name]
			if !checked {
				fmt.Fprintf(&tb, "  %-20s not measured\n", r.name)
			} else if len(l) == 0 {
				fmt.Fprintf(&tb, "  %-20s none\n", r.name)
			} else {
				fmt.Fprintf(&tb, "  %-20s %d: %s\n", r.name, len(l), strings.Join(l, ", "))
			}
		}
	}
	for _, r := range rts {
		if e, ok := m.failed[r.name]; ok {
			fmt.Fprintf(&tb, "  %-20s FAILED (numbers above are partial): %s\n", r.name, e)
		}
	}
	tb.WriteString("\nissue 18's targets, from this run's medians (reported, not asserted):\n")
	for _, t := range evalTargets(o, m) {
		fmt.Fprintf(&tb, "  %-58s %-12s %s\n", t.label, t.verdict, t.detail)
	}
	floorNote := "notes: floor = unshare --pid --fork --net --ipc --uts --mount + chroot ROOTFS /bin/true (busybox's applets in the VM).\n"
	if o.noFloor {
		floorNote = "notes: no floor (-no-floor).\n"
	}
	tb.WriteString(floorNote +
		"  crun has no re-exec'd init: its \"init\" rows are crun's forked child blocked on the exec fifo.\n" +
		"  crun gets an absolute cgroupsPath equal to the others' relative one (crun 1.8 reads a relative path from the hierarchy root).\n" +
		"  runc-1.1.5 is Debian's; runc-1.5.1 is `go install -tags seccomp` of v1.5.1 (make's RUNC_REF), runc-1.5.1-noseccomp the same without the tag.\n" +
		"  CLI peak RSS: GNU time's %M (wait4 ru_maxrss: the CLI and the children it reaped, so `run` includes init);\n" +
		"  its floor column is /bin/true under the same wrapper, the smallest value this method can report.\n" +
		"  N created: one runtime after the other, each with only its own containers; list/state rows are medians of -list-reps runs\n" +
		"  at that count; the MiB rows sum VmRSS, VmHWM (/proc/PID/status) and Pss (/proc/PID/smaps_rollup) over all waiting inits.\n" +
		"  spawn (busybox true): the rootfs's static busybox timed beside list/state at each count; \"state constant\" is judged\n" +
		"  net of its growth, the host's cost of more processes and cgroups present.\n")

	fmt.Print("\n" + tb.String())

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	base := filepath.Join(o.out, "bench-"+stamp)
	if err := os.WriteFile(base+".txt", []byte(tb.String()), 0o644); err != nil {
		return err
	}
	if err := writeCSV(base+".csv", m, cols); err != nil {
		return err
	}
	if err := writeSamples(base+"-samples.csv", m, cols); err != nil {
		return err
	}
	fmt.Printf("wrote %s.txt, %s.csv, %s-samples.csv\n", base, base, base)
	if o.noPlot {
		fmt.Println("no PNG: -no-plot")
	} else if err := plot(base, m, cols); err != nil {
		fmt.Printf("no PNG: %v\n", err)
	} else {
		fmt.Printf("wrote %s.png\n", base)
	}
	return nil
}

func fmtRatio(r float64) string {
	if math.IsNaN(r) {
		return "-"
	}
	return fmt.Sprintf("%.2fx", r)
}

func version(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return ""
	}
	return "(" + strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0] + ")"
}

func writeCSV(path string, m *measurements, cols []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	rcols := ratioColumns(cols)
	head := []string{"metric", "runtime", "n", "median", "p10", "p90", "mean"}
	for _, c := range rcols {
		head = append(head, "ratio_gorunc_"+c)
	}
	w.Write(head)
	for _, metric := range m.order {
		s := m.samples[metric]
		for _, c := range cols {
			if len(s[c]) == 0 {
				continue
			}
			sm := summarize(s[c])
			row := []string{metric, c, fmt.Sprint(sm.n), f3(sm.median), f3(sm.p10), f3(sm.p90), f3(sm.mn)}
			for _, rc := range rcols {
				row = append(row, f3(ratio(s, colGorunc, rc)))
			}
			w.Write(row)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeSamples(path string, m *measurements, cols []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"metric", "runtime", "run", "value"})
	for _, metric := range m.order {
		for _, c := range cols {
			for i, v := range m.samples[metric][c] {
				w.Write([]string{metric, c, fmt.Sprint(i), f3(v)})
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readSamples reads what writeSamples wrote: the measurements (metrics in
// file order) and the columns (runtimes in order of first appearance).
func readSamples(r io.Reader) (*measurements, []string, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "metric,runtime,run,value" {
		return nil, nil, fmt.Errorf("not a samples CSV: header is not metric,runtime,run,value")
	}
	m := newMeasurements()
	var cols []string
	seen := map[string]bool{}
	for i, row := range rows[1:] {
		v, err := strconv.ParseFloat(row[3], 64)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: value %q: %w", i+2, row[3], err)
		}
		m.add(row[0], row[1], v)
		if !seen[row[1]] {
			seen[row[1]] = true
			cols = append(cols, row[1])
		}
	}
	// The floor column goes last, as in a run.
	for i, c := range cols {
		if c == colFloor {
			cols = append(append(cols[:i:i], cols[i+1:]...), colFloor)
			break
		}
	}
	return m, cols, nil
}

// replotSamples draws BASE.png from BASE-samples.csv.
func replotSamples(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	m, cols, err := readSamples(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	base := strings.TrimSuffix(strings.TrimSuffix(path, ".csv"), "-samples")
	if err := plot(base, m, cols); err != nil {
		return err
	}
	fmt.Printf("wrote %s.png\n", base)
	return nil
}

func f3(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return fmt.Sprintf("%.3f", x)
}

// panels of the PNG, in drawing order; panelOf assigns each metric to one.
var panels = []string{
	"single container, ms; floor: unshare + chroot /bin/true",
	"concurrent containers up and down, ms",
	"containers created, not started: create and delete all, ms",
	"list / state with N containers created, ms",
	"per process: peak memory and binary size, KiB; floor: /bin/true under GNU time",
	"all waiting inits of the created containers, MiB",
}

// panelOf returns the index in panels of the metric's panel, -1 for none.
func panelOf(metric string) int {
	switch {
	case strings.HasSuffix(metric, "(MiB)"):
		return 5
	case strings.Contains(metric, " created: "):
		return 2
	case strings.HasPrefix(metric, "list") || strings.HasPrefix(metric, "state") || strings.HasPrefix(metric, "spawn"):
		return 3
	case matchAny(metric, "at a time|delete --force|up and down"):
		return 1
	case strings.HasSuffix(metric, "(KiB)"):
		return 4
	case strings.HasSuffix(metric, "(ms)"):
		return 0
	}
	return -1
}

// plot draws medians as bars with p10-p90 whiskers, one panel per unit and
// scenario, every runtime with data in the panel side by side, with gnuplot
// (tests/bench/deps.sh installs gnuplot-nox).
func plot(base string, m *measurements, cols []string) error {
	gp, err := exec.LookPath("gnuplot")
	if err != nil {
		return fmt.Errorf("gnuplot not installed (run tests/bench/deps.sh)")
	}
	var script strings.Builder
	fmt.Fprintf(&script, "set terminal pngcairo size 2000,1900 font ',10'\nset output '%s.png'\n", base)
	script.WriteString("set multiplot layout 3,2\nset style data histograms\nset style histogram errorbars gap 2 lw 1\n" +
		"set style fill solid 0.7 border -1\nset boxwidth 0.9\nset key outside top center horizontal noenhanced\nset grid ytics\n" +
		"set xtics noenhanced nomirror rotate by 20 right\nset bmargin 7\n")
	for pi, title := range panels {
		var metrics []string
		for _, metric := range m.order {
			if panelOf(metric) == pi {
				metrics = append(metrics, metric)
			}
		}
		var pcols []string // the columns with data in this panel
		for _, c := range cols {
			for _, metric := range metrics {
				if len(m.samples[metric][c]) > 0 {
					pcols = append(pcols, c)
					break
				}
			}
		}
		if len(pcols) == 0 {
			continue
		}
		dat := fmt.Sprintf("%s.plot%d.dat", base, pi)
		var d strings.Builder
		for _, metric := range metrics {
			label := strings.TrimSpace(strings.NewReplacer("(ms)", "", "(KiB)", "", "(MiB)", "").Replace(metric))
			fmt.Fprintf(&d, "%q", label)
			for _, c := range pcols {
				v := m.samples[metric][c]
				if len(v) == 0 {
					d.WriteString(" NaN NaN NaN") // no bar (0 would break the log scale)
					continue
				}
				sm := summarize(v)
				fmt.Fprintf(&d, " %.3f %.3f %.3f", sm.median, sm.p10, sm.p90)
			}
			d.WriteString("\n")
		}
		if err := os.WriteFile(dat, []byte(d.String()), 0o644); err != nil {
			return err
		}
		defer os.Remove(dat)
		fmt.Fprintf(&script, "set title '%s (bars: median, whiskers: p10-p90)' noenhanced\n", title)
		// list's time spans 10 to 1000 containers: a log scale keeps the
		// small counts' bars readable beside the large ones.
		if pi == 3 {
			script.WriteString("set logscale y\nset yrange [*:*]\n")
		} else {
			script.WriteString("unset logscale y\nset yrange [0:*]\n")
		}
		var plots []string
		for i, c := range pcols {
			src := "''"
			if i == 0 {
				src = fmt.Sprintf("'%s'", dat)
			}
			using := fmt.Sprintf("%d:%d:%d", 2+3*i, 3+3*i, 4+3*i)
			if i == 0 {
				using += ":xtic(1)"
			}
			plots = append(plots, fmt.Sprintf("%s using %s title '%s' noenhanced", src, using, c))
		}
		script.WriteString("plot " + strings.Join(plots, ", ") + "\n")
	}
	script.WriteString("unset multiplot\n")
	cmd := exec.Command(gp)
	cmd.Stdin = strings.NewReader(script.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("gnuplot: %v: %s", err, out)
	}
	return nil
}

func matchAny(s, alts string) bool {
	for _, a := range strings.Split(alts, "|") {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}
