package main

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRuncVersion(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n", "1.1.5"},
		{"runc version 1.5.1\nspec: 1.3.0\ngo: go1.26.8\nlibseccomp: 2.5.4\n", "1.5.1"},
		{"runc version 1.2.0~rc1\n", "1.2.0"},
		{"crun version 1.8.1\ncommit: abc\n", ""},
		{"gorunc version 0.1.0\n", ""},
		{"", ""},
		{"runc version\n", ""},
	} {
		if got := runcVersion(tc.out); got != tc.want {
			t.Errorf("runcVersion(%q) = %q, want %q", tc.out, got, tc.want)
		}
	}
}

func TestScenarioSet(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"single", "single", ""},
		{"many,single", "many,single", ""},
		{" conc , rss ,", "conc,rss", ""},
		{"single,bogus", "", `unknown scenario "bogus"`},
		{",", "", "no scenario named"},
	} {
		s := allScenarios()
		err := s.Set(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Set(%q) error %v, want it to contain %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || s.String() != tc.want {
			t.Errorf("Set(%q) = %q, %v; want %q", tc.in, s.String(), err, tc.want)
		}
	}
	if got := allScenarios().String(); got != "conc,many,rss,single" {
		t.Errorf("default scenarios %q", got)
	}
}

func TestManyCapacity(t *testing.T) {
	const gib = 1 << 30
	for _, tc := range []struct {
		name    string
		want    int
		h       hostLimits
		n       int
		whyHas  string
		whyNone bool
	}{
		{"plenty", 1000, hostLimits{memAvailable: 24 * gib, cgroupFree: -1, pidMax: 4194304, tasks: 200}, 1000, "", true},
		// 2 GiB: three quarters is 1536 MiB, at 6 MiB per container 256.
		{"memory", 1000, hostLimits{memAvailable: 2 * gib, cgroupFree: -1, pidMax: 4194304, tasks: 200}, 256, "MemAvailable 2048 MiB", false},
		{"cgroup limit below MemAvailable", 1000, hostLimits{memAvailable: 24 * gib, cgroupFree: gib, pidMax: 4194304, tasks: 200}, 128, "memory cgroup headroom", false},
		{"cgroup headroom above MemAvailable is ignored", 1000, hostLimits{memAvailable: 2 * gib, cgroupFree: 8 * gib, pidMax: 4194304, tasks: 200}, 256, "MemAvailable", false},
		{"the VM's 2 GiB fit 100", 100, hostLimits{memAvailable: 2 * gib, cgroupFree: -1, pidMax: 4194304, tasks: 200}, 100, "", true},
		// (32768 - 16768) / 2 / 8 = 1000: fits exactly.
		{"pids exactly", 1000, hostLimits{memAvailable: 24 * gib, cgroupFree: -1, pidMax: 32768, tasks: 16768}, 1000, "", true},
		{"pids", 1000, hostLimits{memAvailable: 24 * gib, cgroupFree: -1, pidMax: 32768, tasks: 24768}, 500, "pid_max 32768", false},
		{"nothing fits", 10, hostLimits{memAvailable: 0, cgroupFree: -1, pidMax: 32768, tasks: 100}, 0, "MemAvailable 0 MiB", false},
	} {
		n, why := manyCapacity(tc.want, tc.h)
		if n != tc.n || (tc.whyNone && why != "") || !strings.Contains(why, tc.whyHas) {
			t.Errorf("%s: manyCapacity = %d, %q; want %d, reason with %q", tc.name, n, why, tc.n, tc.whyHas)
		}
	}
}

func TestHeadroom(t *testing.T) {
	for _, tc := range []struct {
		limit, usage string
		want         int64
	}{
		{"9223372036854771712\n", "13254656\n", -1}, // v1 unlimited
		{"max\n", "1000\n", -1},                     // v2 unlimited
		{"1073741824\n", "73741824\n", 1000000000},
		{"1000\n", "2000\n", 0}, // over the limit (v1 usage can exceed it briefly)
		{"garbage", "1", -1},
		{"1000", "", -1},
	} {
		if got := headroom(tc.limit, tc.usage); got != tc.want {
			t.Errorf("headroom(%q, %q) = %d, want %d", tc.limit, tc.usage, got, tc.want)
		}
	}
}

func TestLoadavgTasks(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"2.73 1.32 0.53 5/99 10313\n", 99, false},
		{"0.00 0.00 0.00 1/1 1", 1, false},
		{"2.73 1.32 0.53", 0, true},
		{"2.73 1.32 0.53 599 10313", 0, true},
		{"2.73 1.32 0.53 5/x 10313", 0, true},
	} {
		got, err := loadavgTasks(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("loadavgTasks(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

const statusSample = `Name:	runc:[2:INIT]
Umask:	0022
State:	S (sleeping)
VmPeak:	 1240744 kB
VmHWM:	    9744 kB
VmRSS:	    9712 kB
RssAnon:	    2140 kB
Threads:	5
`

const smapsRollupSample = `55d5c7a1c000-7ffd5b3f1000 ---p 00000000 00:00 0                          [rollup]
Rss:                9712 kB
Pss:                2045 kB
Pss_Anon:           2140 kB
Shared_Clean:       7572 kB
`

func TestParseInitMemory(t *testing.T) {
	for _, tc := range []struct {
		name, status, smaps string
		want                initMemory
		err                 string
	}{
		{"runc init", statusSample, smapsRollupSample, initMemory{rss: 9712, hwm: 9744, pss: 2045}, ""},
		// Pss_Anon must not be taken for Pss, nor RssAnon for VmRSS.
		{"field order", "RssAnon: 1 kB\nVmRSS: 2 kB\nVmHWM: 3 kB\n", "Pss_Anon: 4 kB\nPss: 5 kB\n", initMemory{rss: 2, hwm: 3, pss: 5}, ""},
		{"no VmRSS (kernel thread or gone)", "Name: x\nVmHWM: 3 kB\n", smapsRollupSample, initMemory{}, "no VmRSS"},
		{"no VmHWM", "VmRSS: 2 kB\n", smapsRollupSample, initMemory{}, "no VmHWM"},
		{"no Pss", statusSample, "Rss: 1 kB\n", initMemory{}, "no Pss"},
	} {
		got, err := parseInitMemory(42, tc.status, tc.smaps)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "/proc/42/") {
				t.Errorf("%s: error %v, want one naming /proc/42/ and %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestSumInitMemory(t *testing.T) {
	rss, hwm, pss := sumInitMemory([]initMemory{{1024, 2048, 512}, {1024, 1024, 512}, {2048, 3072, 1024}})
	if rss != 4 || hwm != 6 || pss != 2 {
		t.Errorf("sums (MiB) = %v %v %v, want 4 6 2", rss, hwm, pss)
	}
	if rss, hwm, pss := sumInitMemory(nil); rss != 0 || hwm != 0 || pss != 0 {
		t.Errorf("empty sums = %v %v %v", rss, hwm, pss)
	}
}

func TestListPoints(t *testing.T) {
	for _, tc := range []struct {
		many int
		want []int
	}{
		{1000, []int{10, 100, 1000}},
		{100, []int{10, 100}},
		{500, []int{10, 100, 500}},
		{2000, []int{10, 100, 1000, 2000}},
		{20, []int{10, 20}},
		{5, []int{5}},
	} {
		if got := listPoints(tc.many); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("listPoints(%d) = %v, want %v", tc.many, got, tc.want)
		}
	}
}

func TestPanelOf(t *testing.T) {
	o := options{many: 1000, manyPar: 8}
	for _, tc := range []struct {
		metric string
		want   int
	}{
		{"run /bin/true (ms)", 0},
		{"create+start+wait+delete (ms)", 0},
		{"delete (ms)", 0},
		{"exec /bin/true (ms)", 0},
		{"50 x create+start, 4 at a time (ms)", 1},
		{"50 x delete --force (ms)", 1},
		{"50 containers up and down (ms)", 1},
		{manyCreateMetric(o), 2},
		{manyDeleteMetric(o), 2},
		{listMetric("list", 100), 3},
		{listMetric("list --format json", 1000), 3},
		{listMetric("state", 10), 3},
		{"init VmHWM before start (KiB)", 4},
		{"run CLI peak RSS (KiB)", 4},
		{"binary size (KiB)", 4},
		{manyMemMetric(o, "VmHWM"), 5},
		{manyMemMetric(o, "Pss"), 5},
		{"init threads before start", -1},
	} {
		if got := panelOf(tc.metric); got != tc.want {
			t.Errorf("panelOf(%q) = %d, want %d", tc.metric, got, tc.want)
		}
	}
}

func TestColumns(t *testing.T) {
	rts := []*runtimeUnderTest{{name: colGorunc}, {name: colRuncDebian}, {name: colRuncRef}, {name: colCrun}}
	cols := columnsOf(rts)
	if want := []string{"gorunc", "runc-1.1.5", "runc-1.5.1", "crun", "floor"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("columnsOf = %v, want %v", cols, want)
	}
	if got, want := ratioColumns(cols), []string{"runc-1.1.5", "runc-1.5.1", "crun"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ratioColumns = %v, want %v", got, want)
	}
}

// verdicts returns label -> verdict of evalTargets.
func verdicts(o options, m *measurements) map[string]string {
	out := map[string]string{}
	for _, t := range evalTargets(o, m) {
		out[t.label] = t.verdict
	}
	return out
}

func TestEvalTargets(t *testing.T) {
	o := options{many: 1000, manyPar: 8}
	type sample struct {
		metric, rt string
		v          []float64
	}
	for _, tc := range []struct {
		name    string
		samples []sample
		want    map[string]string // label -> verdict, only the ones checked
	}{
		{"nothing measured", nil, map[string]string{
			"run /bin/true <= 1.0x crun":                         verdictNone,
			"init threads while created = 1":                     verdictNone,
			"1000 created: inits' RSS sum <= 1000 x crun's init": verdictNone,
			"state constant (10 -> 1000 created)":                verdictNone,
		}},
		{"run: medians decide, not means", []sample{
			{"run /bin/true (ms)", colGorunc, []float64{10, 11, 100}}, // median 11, mean 40
			{"run /bin/true (ms)", colCrun, []float64{12, 12, 12}},
		}, map[string]string{"run /bin/true <= 1.0x crun": verdictMet}},
		{"run: equal is met, above is missed", []sample{
			{"run /bin/true (ms)", colGorunc, []float64{12}},
			{"run /bin/true (ms)", colCrun, []float64{12}},
			{"create (ms)", colGorunc, []float64{12.1}},
			{"create (ms)", colCrun, []float64{12}},
		}, map[string]string{"run /bin/true <= 1.0x crun": verdictMet, "create <= 1.0x crun": verdictMissed, "start <= 1.0x crun": verdictNone}},
		{"threads and peak RSS", []sample{
			{"init threads before start", colGorunc, []float64{1, 1, 4}},
			{"run CLI peak RSS (KiB)", colGorunc, []float64{5000}},
			{"run CLI peak RSS (KiB)", colRuncDebian, []float64{10000}},
			{"run CLI peak RSS (KiB)", colRuncRef, []float64{9999}},
		}, map[string]string{
			"init threads while created = 1":         verdictMet,
			"run CLI peak RSS <= 0.5x runc-1.1.5":    verdictMet,
			"run CLI peak RSS <= 0.5x runc-1.5.1":    verdictMissed,
			"create CLI peak RSS <= 0.5x runc-1.5.1": verdictNone,
		}},
		{"many: RSS sum against crun's", []sample{
			{manyMemMetric(o, "VmRSS"), colGorunc, []float64{2300}},
			{manyMemMetric(o, "VmRSS"), colCrun, []float64{2200}},
			{manyCreateMetric(o), colGorunc, []float64{9000}},
			{manyCreateMetric(o), colCrun, []float64{9500}},
		}, map[string]string{
			"1000 created: inits' RSS sum <= 1000 x crun's init": verdictMissed,
			"1000 created: total create time <= crun's":          verdictMet,
		}},
		{"list linear, state constant", []sample{
			{listMetric("list", 100), colGorunc, []float64{20, 20, 21}},
			{listMetric("list", 1000), colGorunc, []float64{150, 160, 170}}, // x8 < x10
			{listMetric("state", 10), colGorunc, []float64{10, 10, 10}},
			{listMetric("state", 1000), colGorunc, []float64{12, 12, 12}}, // x1.2
		}, map[string]string{
			"list grows at most linearly (100 -> 1000 created)": verdictMet,
			"state constant (10 -> 1000 created)":               verdictMet,
		}},
		{"state growing as much as a plain spawn", []sample{
			{spawnMetric(10), colGorunc, []float64{2.8}},
			{spawnMetric(1000), colGorunc, []float64{3.3}},
			{listMetric("state", 10), colGorunc, []float64{1.6}},
			{listMetric("state", 1000), colGorunc, []float64{2.2}}, // x1.375 raw, (2.2-0.5)/1.6 = x1.06 net
		}, map[string]string{"state constant (10 -> 1000 created)": verdictMet}},
		{"state growing beyond a plain spawn", []sample{
			{spawnMetric(10), colGorunc, []float64{2.8}},
			{spawnMetric(1000), colGorunc, []float64{2.9}},
			{listMetric("state", 10), colGorunc, []float64{1.6}},
			{listMetric("state", 1000), colGorunc, []float64{2.2}}, // (2.2-0.1)/1.6 = x1.31
		}, map[string]string{"state constant (10 -> 1000 created)": verdictMissed}},
		{"state growing, the spawn faster at the end: nothing taken off", []sample{
			{spawnMetric(10), colGorunc, []float64{3.0}},
			{spawnMetric(1000), colGorunc, []float64{2.5}},
			{listMetric("state", 10), colGorunc, []float64{1.6}},
			{listMetric("state", 1000), colGorunc, []float64{2.1}}, // x1.31
		}, map[string]string{"state constant (10 -> 1000 created)": verdictMissed}},
		{"list superlinear, state growing", []sample{
			{listMetric("list", 100), colGorunc, []float64{20}},
			{listMetric("list", 1000), colGorunc, []float64{400}}, // x20
			{listMetric("state", 10), colGorunc, []float64{10}},
			{listMetric("state", 1000), colGorunc, []float64{15}}, // x1.5
		}, map[string]string{
			"list grows at most linearly (100 -> 1000 created)": verdictMissed,
			"state constant (10 -> 1000 created)":               verdictMissed,
		}},
	} {
		m := newMeasurements()
		for _, s := range tc.samples {
			for _, v := range s.v {
				m.add(s.metric, s.rt, v)
			}
		}
		got := verdicts(o, m)
		for label, want := range tc.want {
			v, ok := got[label]
			if !ok {
				t.Errorf("%s: no target %q (have %v)", tc.name, label, got)
			} else if v != want {
				t.Errorf("%s: %q = %s, want %s", tc.name, label, v, want)
			}
		}
	}
}

func TestMeasurementsLeak(t *testing.T) {
	m := newMeasurements()
	m.leak("a", "gorunc", nil)
	m.leak("b", "crun", []string{"process 1"})
	m.leak("a", "crun", []string{"state x"})
	if !reflect.DeepEqual(m.leakOrder, []string{"a", "b"}) {
		t.Errorf("order %v", m.leakOrder)
	}
	if l, ok := m.leaks["a"]["gorunc"]; !ok || len(l) != 0 {
		t.Errorf("checked with none found must be present and empty: %v, %v", l, ok)
	}
	if _, ok := m.leaks["b"]["gorunc"]; ok {
		t.Errorf("gorunc was not checked in b")
	}
	if !math.IsNaN(median(m, "x", "gorunc")) {
		t.Errorf("median of nothing must be NaN")
	}
}

func TestSamplesRoundTrip(t *testing.T) {
	m := newMeasurements()
	m.add("run /bin/true (ms)", colFloor, 1.25)
	m.add("run /bin/true (ms)", colGorunc, 6.5)
	m.add("run /bin/true (ms)", colGorunc, 7)
	m.add("run /bin/true (ms)", colRuncRef, 8)
	m.add(listMetric("list", 10), colCrun, 3)
	cols := []string{colGorunc, colRuncRef, colCrun, colFloor}
	path := t.TempDir() + "/x-samples.csv"
	if err := writeSamples(path, m, cols); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, gotCols, err := readSamples(f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.order, m.order) || !reflect.DeepEqual(got.samples, m.samples) {
		t.Errorf("round trip: %v %v, want %v %v", got.order, got.samples, m.order, m.samples)
	}
	if !reflect.DeepEqual(gotCols, cols) {
		t.Errorf("columns %v, want %v (floor last)", gotCols, cols)
	}
	for _, bad := range []string{"", "metric,runtime,n,median\n", "metric,runtime,run,value\nx,gorunc,0,abc\n"} {
		if _, _, err := readSamples(strings.NewReader(bad)); err == nil {
			t.Errorf("readSamples(%q): no error", bad)
		}
	}
}

func TestHoldCpusetAnchor(t *testing.T) {
	const tag = "gorunc-bench-7"
	for _, tc := range []struct {
		name   string
		mounts []string // under a temporary directory
		want   string   // the anchor's mount, "" for none
	}{
		{"cpuset", []string{"memory", "cpuset", "pids"}, "cpuset"},
		{"co-mounted", []string{"memory", "cpu,cpuset"}, "cpu,cpuset"},
		{"none", []string{"memory", "cpu,cpuacct", "cpusetx"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			var dirs []cgroupDir
			for _, m := range tc.mounts {
				if err := os.MkdirAll(filepath.Join(tmp, m, "own"), 0o755); err != nil {
					t.Fatal(err)
				}
				dirs = append(dirs, cgroupDir{mount: filepath.Join(tmp, m), own: "/own"})
			}
			said, err := holdCpusetAnchor(dirs, tag)
			if err != nil {
				t.Fatal(err)
			}
			found := findCgroups(dirs, tag)
			if tc.want == "" {
				if len(found) != 0 || !strings.HasPrefix(said, "none") {
					t.Fatalf("no cpuset hierarchy: made %v, said %q", found, said)
				}
				return
			}
			want := filepath.Join(tmp, tc.want, "own", tag+"-cpuset-anchor")
			// The cleanup finds it as it finds the containers' cgroups.
			if !reflect.DeepEqual(found, []string{want}) || !strings.HasPrefix(said, want) {
				t.Fatalf("made %v, said %q; want %s", found, said, want)
			}
		})
	}
}
