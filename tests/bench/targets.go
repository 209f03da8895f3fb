package main

import (
	"fmt"
	"math"
)

// target is one of issue 18's targets as this run's medians judge it.
type target struct {
	label, verdict, detail string
}

const (
	verdictMet    = "met"
	verdictMissed = "MISSED"
	verdictNone   = "not measured"
)

func judge(ok bool, measured bool) string {
	switch {
	case !measured:
		return verdictNone
	case ok:
		return verdictMet
	}
	return verdictMissed
}

// median of a runtime's samples of a metric, NaN when there are none.
func median(m *measurements, metric, rt string) float64 {
	v := m.samples[metric][rt]
	if len(v) == 0 {
		return math.NaN()
	}
	return summarize(v).median
}

// stateSlack is how much state's median may grow from the fewest to the
// most containers and still count as constant: medians of a few runs on a
// shared 2-core machine move by about this much between identical steps.
// The growth judged is net of a plain spawn's timed at the same points
// (spawnMetric): every runtime's `state`, and a static `true`, take
// longer with 1000 containers present than with 10 (a few tenths of a ms
// here), a cost of the host that a state doing constant work cannot shed.
const stateSlack = 1.25

// stateGrowth is state's growth from s0 to s1 net of the plain spawn's
// from f0 to f1 (none taken off when the spawn did not grow, or was not
// measured), and the raw growth.
func stateGrowth(s0, s1, f0, f1 float64) (net, raw float64) {
	raw = s1 / s0
	host := f1 - f0
	if math.IsNaN(host) || host < 0 {
		host = 0
	}
	return (s1 - host) / s0, raw
}

// evalTargets computes issue 18's targets from the medians in m:
//   - run /bin/true, create, start, delete <= 1.0x crun;
//   - the created init's VmHWM <= crun's, and 1 thread;
//   - CLI peak RSS of run and create <= 0.5x runc (each runc measured);
//   - N containers created: total time <= crun's, the inits' summed RSS
//     <= N x crun's init (crun's summed RSS over the same N);
//   - list with the most containers <= 1.0x crun, growing at most
//     linearly (list(N)/list(n) <= N/n between the two largest counts);
//     state constant (state at the most / at the fewest <= stateSlack,
//     net of a plain spawn's growth: stateGrowth).
func evalTargets(o options, m *measurements) []target {
	var out []target
	ratioT := func(label, metric, other string, limit float64) {
		r := ratio(m.samples[metric], colGorunc, other)
		out = append(out, target{label, judge(r <= limit, !math.IsNaN(r)),
			fmt.Sprintf("gorunc/%s = %s, target <= %.1fx", other, fmtRatio(r), limit)})
	}
	ratioT("run /bin/true <= 1.0x crun", "run /bin/true (ms)", colCrun, 1.0)
	for _, ph := range []string{"create", "start", "delete"} {
		ratioT(ph+" <= 1.0x crun", ph+" (ms)", colCrun, 1.0)
	}
	ratioT("init VmHWM while created <= crun's", "init VmHWM before start (KiB)", colCrun, 1.0)
	th := median(m, "init threads before start", colGorunc)
	out = append(out, target{"init threads while created = 1", judge(th <= 1, !math.IsNaN(th)),
		fmt.Sprintf("gorunc's init: %s threads", fmtNum(th))})
	for _, cmd := range []string{"run", "create"} {
		for _, rc := range []string{colRuncDebian, colRuncRef} {
			ratioT(fmt.Sprintf("%s CLI peak RSS <= 0.5x %s", cmd, rc), cmd+" CLI peak RSS (KiB)", rc, 0.5)
		}
	}

	pts := listPoints(o.many)
	nMax := pts[len(pts)-1]
	ratioT(fmt.Sprintf("%d created: total create time <= crun's", nMax), manyCreateMetric(o), colCrun, 1.0)
	g, c := median(m, manyMemMetric(o, "VmRSS"), colGorunc), median(m, manyMemMetric(o, "VmRSS"), colCrun)
	out = append(out, target{fmt.Sprintf("%d created: inits' RSS sum <= %d x crun's init", nMax, nMax),
		judge(g <= c, !math.IsNaN(g) && !math.IsNaN(c)),
		fmt.Sprintf("gorunc %s MiB, crun %s MiB (%s KiB per init)", fmtNum(g), fmtNum(c), fmtNum(c*1024/float64(nMax)))})
	ratioT(fmt.Sprintf("list with %d created <= 1.0x crun", nMax), listMetric("list", nMax), colCrun, 1.0)
	if len(pts) >= 2 {
		n0 := pts[len(pts)-2]
		a, b := median(m, listMetric("list", n0), colGorunc), median(m, listMetric("list", nMax), colGorunc)
		limit := float64(nMax) / float64(n0)
		out = append(out, target{fmt.Sprintf("list grows at most linearly (%d -> %d created)", n0, nMax),
			judge(b/a <= limit, !math.IsNaN(a) && !math.IsNaN(b)),
			fmt.Sprintf("gorunc list %s -> %s ms: x%s, linear would be x%s", fmtNum(a), fmtNum(b), fmtNum(b/a), fmtNum(limit))})
		s0, s1 := median(m, listMetric("state", pts[0]), colGorunc), median(m, listMetric("state", nMax), colGorunc)
		f0, f1 := median(m, spawnMetric(pts[0]), colGorunc), median(m, spawnMetric(nMax), colGorunc)
		net, raw := stateGrowth(s0, s1, f0, f1)
		out = append(out, target{fmt.Sprintf("state constant (%d -> %d created)", pts[0], nMax),
			judge(net <= stateSlack, !math.IsNaN(s0) && !math.IsNaN(s1)),
			fmt.Sprintf("gorunc state %s -> %s ms (x%s), a plain spawn %s -> %s: x%s net of it, target <= x%.2f",
				fmtNum(s0), fmtNum(s1), fmtNum(raw), fmtNum(f0), fmtNum(f1), fmtNum(net), stateSlack)})
	}
	return out
}
