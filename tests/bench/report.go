package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// measurements keeps samples per metric and runtime, metrics in the order
// they were first seen.
type measurements struct {
	order   []string
	samples map[string]map[string][]float64
	leaks   map[string][]string
	failed  map[string]string // runtime -> first error; it is not run again
}

func newMeasurements() *measurements {
	return &measurements{samples: map[string]map[string][]float64{}, leaks: map[string][]string{}, failed: map[string]string{}}
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

var columns = []string{"gorunc", "runc", "crun", "floor"}

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
	var tb strings.Builder
	fmt.Fprintf(&tb, "gorunc tree %s; %s; N=%d\n", o.describe, time.Now().UTC().Format(time.RFC3339), o.n)
	for _, r := range rts {
		fmt.Fprintf(&tb, "  %-6s %s %s\n", r.name, r.bin, version(r.bin))
	}
	fmt.Fprintf(&tb, "\n%-40s", "metric: median / p90")
	for _, c := range columns {
		fmt.Fprintf(&tb, " %15s", c)
	}
	fmt.Fprintf(&tb, " %8s %8s\n", "g/runc", "g/crun")
	for _, metric := range m.order {
		s := m.samples[metric]
		fmt.Fprintf(&tb, "%-40s", metric)
		for _, c := range columns {
			if len(s[c]) == 0 {
				fmt.Fprintf(&tb, " %15s", "-")
				continue
			}
			sm := summarize(s[c])
			cell := fmtNum(sm.median)
			if sm.n > 1 {
				cell += " / " + fmtNum(sm.p90)
			}
			fmt.Fprintf(&tb, " %15s", cell)
		}
		fmt.Fprintf(&tb, " %8s %8s\n", fmtRatio(ratio(s, "gorunc", "runc")), fmtRatio(ratio(s, "gorunc", "crun")))
	}
	tb.WriteString("\nleaks after the concurrent scenario (state dirs, processes, cgroups):\n")
	for _, r := range rts {
		l, checked := m.leaks[r.name]
		if !checked {
			fmt.Fprintf(&tb, "  %-6s not measured\n", r.name)
		} else if len(l) == 0 {
			fmt.Fprintf(&tb, "  %-6s none\n", r.name)
		} else {
			fmt.Fprintf(&tb, "  %-6s %d: %s\n", r.name, len(l), strings.Join(l, ", "))
		}
	}
	for _, r := range rts {
		if e, ok := m.failed[r.name]; ok {
			fmt.Fprintf(&tb, "  %-6s FAILED (numbers above are partial): %s\n", r.name, e)
		}
	}
	tb.WriteString("\ntargets (reported, not asserted):\n")
	target := func(label, metric, other string, max float64) {
		r := ratio(m.samples[metric], "gorunc", other)
		verdict := "MISSED"
		if r <= max {
			verdict = "met"
		} else if math.IsNaN(r) {
			verdict = "not measured"
		}
		fmt.Fprintf(&tb, "  %-48s %s (gorunc/%s = %s, target <= %.1f)\n", label, verdict, other, fmtRatio(r), max)
	}
	target("run /bin/true median <= 0.5x runc", "run /bin/true (ms)", "runc", 0.5)
	target("run /bin/true median <= 1.0x crun", "run /bin/true (ms)", "crun", 1.0)
	target("run CLI peak RSS <= 0.5x runc", "run CLI peak RSS (KiB)", "runc", 0.5)
	target("init VmHWM <= 0.5x runc init", "init VmHWM before start (KiB)", "runc", 0.5)
	floorNote := "notes: floor = unshare --pid --fork --net --ipc --uts --mount + chroot ROOTFS /bin/true (busybox's applets in the VM).\n"
	if o.noFloor {
		floorNote = "notes: no floor (-no-floor).\n"
	}
	tb.WriteString(floorNote +
		"  crun has no re-exec'd init: its \"init\" row is crun's forked child blocked on the exec fifo.\n" +
		"  crun gets an absolute cgroupsPath equal to the others' relative one (crun 1.8 reads a relative path from the hierarchy root).\n" +
		"  CLI peak RSS: GNU time's %M (wait4 ru_maxrss: the CLI and the children it reaped, so `run` includes init);\n" +
		"  its floor column is /bin/true under the same wrapper, the smallest value this method can report.\n")

	fmt.Print("\n" + tb.String())

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("20060102-150405")
	base := filepath.Join(o.out, "bench-"+stamp)
	if err := os.WriteFile(base+".txt", []byte(tb.String()), 0o644); err != nil {
		return err
	}
	if err := writeCSV(base+".csv", m); err != nil {
		return err
	}
	if err := writeSamples(base+"-samples.csv", m); err != nil {
		return err
	}
	fmt.Printf("wrote %s.txt, %s.csv, %s-samples.csv\n", base, base, base)
	if o.noPlot {
		fmt.Println("no PNG: -no-plot")
	} else if err := plot(base, m); err != nil {
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

func writeCSV(path string, m *measurements) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"metric", "runtime", "n", "median", "p10", "p90", "mean", "ratio_gorunc_runc", "ratio_gorunc_crun"})
	for _, metric := range m.order {
		s := m.samples[metric]
		for _, c := range columns {
			if len(s[c]) == 0 {
				continue
			}
			sm := summarize(s[c])
			w.Write([]string{metric, c, fmt.Sprint(sm.n), f3(sm.median), f3(sm.p10), f3(sm.p90), f3(sm.mn),
				f3(ratio(s, "gorunc", "runc")), f3(ratio(s, "gorunc", "crun"))})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeSamples(path string, m *measurements) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"metric", "runtime", "run", "value"})
	for _, metric := range m.order {
		for _, c := range columns {
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

func f3(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return fmt.Sprintf("%.3f", x)
}

// plot draws medians as bars with p10-p90 whiskers, one panel per unit,
// with gnuplot (tests/bench/deps.sh installs gnuplot-nox).
func plot(base string, m *measurements) error {
	gp, err := exec.LookPath("gnuplot")
	if err != nil {
		return fmt.Errorf("gnuplot not installed (run tests/bench/deps.sh)")
	}
	panels := []struct{ title, match string }{
		{"single container, ms; floor: unshare + chroot /bin/true", "(ms)"},
		{"concurrent, ms", "at a time|delete --force|up and down"},
		{"peak memory, KiB; floor: /bin/true under GNU time", "RSS|VmHWM|binary"},
	}
	var script strings.Builder
	fmt.Fprintf(&script, "set terminal pngcairo size 1600,1500 font ',10'\nset output '%s.png'\n", base)
	script.WriteString("set multiplot layout 3,1\nset style data histograms\nset style histogram errorbars gap 2 lw 1\n" +
		"set style fill solid 0.7 border -1\nset boxwidth 0.9\nset key top left\nset grid ytics\nset yrange [0:*]\nset xtics noenhanced\n")
	for pi, p := range panels {
		dat := fmt.Sprintf("%s.plot%d.dat", base, pi)
		var d strings.Builder
		rows := 0
		for _, metric := range m.order {
			if !matchAny(metric, p.match) || (pi == 0 && matchAny(metric, panels[1].match)) {
				continue
			}
			label := strings.TrimSpace(strings.NewReplacer("(ms)", "", "(KiB)", "").Replace(metric))
			fmt.Fprintf(&d, "%q", label)
			for _, c := range columns {
				v := m.samples[metric][c]
				if len(v) == 0 {
					d.WriteString(" 0 0 0")
					continue
				}
				sm := summarize(v)
				fmt.Fprintf(&d, " %.3f %.3f %.3f", sm.median, sm.p10, sm.p90)
			}
			d.WriteString("\n")
			rows++
		}
		if rows == 0 {
			continue
		}
		if err := os.WriteFile(dat, []byte(d.String()), 0o644); err != nil {
			return err
		}
		defer os.Remove(dat)
		fmt.Fprintf(&script, "set title '%s (bars: median, whiskers: p10-p90)' noenhanced\n", p.title)
		fmt.Fprintf(&script, "plot '%s' using 2:3:4:xtic(1) title 'gorunc', '' using 5:6:7 title 'runc', '' using 8:9:10 title 'crun', '' using 11:12:13 title 'floor'\n", dat)
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
