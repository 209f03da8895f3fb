package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cgroupFile reads one file of the container's cgroup for a v1 controller,
// from the paths gorunc recorded in <root>/<id>/state.json.
func (e *env) cgroupFile(id, ctrl, file string) string {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(e.root, id, "state.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	var rec struct {
		Cgroup struct {
			Paths map[string]string `json:"paths"`
		} `json:"cgroup"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		e.t.Fatal(err)
	}
	dir, ok := rec.Cgroup.Paths[ctrl]
	if !ok {
		e.t.Skipf("the %s controller is not mounted on this host", ctrl)
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// storedResources is linux.resources as state.json records it.
func (e *env) storedResources(id string) specs.LinuxResources {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(e.root, id, "state.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	var rec struct {
		Spec specs.Spec `json:"spec"`
	}
	if err := json.Unmarshal(data, &rec); err != nil || rec.Spec.Linux == nil || rec.Spec.Linux.Resources == nil {
		e.t.Fatalf("state.json has no linux.resources: %v", err)
	}
	return *rec.Spec.Linux.Resources
}

type cgWant struct{ ctrl, file, want string }

func (e *env) checkCgroup(id string, wants []cgWant) {
	e.t.Helper()
	for _, w := range wants {
		if got := e.cgroupFile(id, w.ctrl, w.file); got != w.want {
			e.t.Errorf("%s/%s = %s, want %s", w.ctrl, w.file, got, w.want)
		}
	}
}

func i64p(v int64) *int64   { return &v }
func u64p(v uint64) *uint64 { return &v }
func boolPtr(v bool) *bool  { return &v }
func stdinOf(t *testing.T, s string) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestUpdateFlags(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Linux.Resources = &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64p(64 << 20)},
		CPU:    &specs.LinuxCPU{Shares: u64p(512)},
		Pids:   &specs.LinuxPids{Limit: i64p(50)},
	}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "up")
	e.must("update", "--memory", "32m", "--memory-reservation", "16M", "--cpu-quota", "20000", "--cpu-period", "100000", "--pids-limit", "10", "--kernel-memory", "1g", "up")
	first := []cgWant{
		{"memory", "memory.limit_in_bytes", "33554432"},
		{"memory", "memory.soft_limit_in_bytes", "16777216"},
		{"cpu", "cpu.cfs_quota_us", "20000"},
		{"cpu", "cpu.cfs_period_us", "100000"},
		{"cpu", "cpu.shares", "512"},
		{"pids", "pids.max", "10"},
	}
	e.checkCgroup("up", first)
	// A second update touches only what it names; the first's values stay,
	// in the cgroup and in the state.
	e.must("update", "--cpu-share", "256", "up")
	e.checkCgroup("up", append(first[:4:4], cgWant{"cpu", "cpu.shares", "256"}, cgWant{"pids", "pids.max", "10"}))
	r := e.storedResources("up")
	if *r.Memory.Limit != 32<<20 || *r.CPU.Shares != 256 || *r.CPU.Quota != 20000 || *r.Pids.Limit != 10 {
		t.Errorf("state.json resources = memory %d, shares %d, quota %d, pids %d", *r.Memory.Limit, *r.CPU.Shares, *r.CPU.Quota, *r.Pids.Limit)
	}
	if len(r.Devices) != 0 {
		t.Errorf("update added device rules to the state: %+v", r.Devices)
	}
	// Paused containers can be updated too (runc).
	e.must("pause", "up")
	e.must("update", "--memory", "-1", "up")
	e.must("resume", "up")
	if got := e.cgroupFile("up", "memory", "memory.limit_in_bytes"); got == "33554432" {
		t.Errorf("memory.limit_in_bytes still %s after --memory -1", got)
	}
}

func TestUpdateResourcesJSON(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Linux.Resources = &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64p(50)}}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "uj")
	// "-": stdin, as containerd's newer shims pass it.
	in := stdinOf(t, `{"memory": {"limit": 50331648}, "cpu": {"shares": 300, "quota": 30000, "period": 100000}}`)
	if r := e.runIn(in, "update", "--resources", "-", "uj"); r.code != 0 {
		t.Fatalf("update --resources -: exit %d: %s", r.code, r.stderr)
	}
	e.checkCgroup("uj", []cgWant{
		{"memory", "memory.limit_in_bytes", "50331648"},
		{"cpu", "cpu.shares", "300"},
		{"cpu", "cpu.cfs_quota_us", "30000"},
		{"pids", "pids.max", "50"},
	})
	file := filepath.Join(t.TempDir(), "resources.json")
	if err := os.WriteFile(file, []byte(`{"pids": {"limit": 7}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.must("update", "-r", file, "uj")
	e.checkCgroup("uj", []cgWant{
		{"pids", "pids.max", "7"},
		{"memory", "memory.limit_in_bytes", "50331648"},
		{"cpu", "cpu.shares", "300"},
	})
}

// checkBeforeUpdate: a limit below the current usage is refused with the
// field, the file and both values, and nothing changes.
func TestUpdateCheckBeforeUpdate(t *testing.T) {
	// 8 MiB in the /dev tmpfs is charged to the container's memory cgroup.
	e := newEnv(t, "sh", "-c", "head -c 8388608 /dev/zero > /dev/fill; sleep 100")
	e.spec.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(64 << 20), CheckBeforeUpdate: boolPtr(true)}}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "cb")
	deadline := time.Now().Add(10 * time.Second)
	for {
		u, _ := strconv.ParseUint(e.cgroupFile("cb", "memory", "memory.usage_in_bytes"), 10, 64)
		if u >= 8<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("memory usage %d never reached 8 MiB", u)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := e.run("update", "--memory", "1m", "cb")
	wantOneLineError(t, r, "linux.resources.memory.limit: 1048576 is below the current usage", "memory.usage_in_bytes", "checkBeforeUpdate")
	e.checkCgroup("cb", []cgWant{{"memory", "memory.limit_in_bytes", strconv.Itoa(64 << 20)}})
	if got := *e.storedResources("cb").Memory.Limit; got != 64<<20 {
		t.Errorf("state.json memory.limit = %d after a refused update", got)
	}
	// Without the check the kernel decides: v1 reclaims what it can and,
	// as tmpfs pages cannot go anywhere without swap, answers EBUSY.
	in := stdinOf(t, `{"memory": {"limit": 1048576, "checkBeforeUpdate": false}}`)
	wantOneLineError(t, e.runIn(in, "update", "--resources", "-", "cb"), "linux.resources.memory.limit: the kernel refused 1048576 (memory.limit_in_bytes)", "device or resource busy")
	e.checkCgroup("cb", []cgWant{{"memory", "memory.limit_in_bytes", strconv.Itoa(64 << 20)}})
	// Above the usage it is accepted.
	e.must("update", "--memory", "32m", "cb")
	e.checkCgroup("cb", []cgWant{{"memory", "memory.limit_in_bytes", strconv.Itoa(32 << 20)}})
}

func wantOneLineError(t *testing.T, r result, wants ...string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "gorunc: ") {
		t.Errorf("stderr %q: want one line starting with \"gorunc: \"", r.stderr)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q: want %q", r.stderr, w)
		}
	}
}

func TestUpdateEventsBadInput(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64p(512)}, Memory: &specs.LinuxMemory{Limit: i64p(64 << 20)}}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "bad")
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  []string
	}{
		{"memory not a size", []string{"update", "--memory", "abc", "bad"}, "", []string{`invalid value for memory: invalid size: 'abc'`}},
		{"cpu shares 1", []string{"update", "--cpu-share", "1", "bad"}, "", []string{"linux.resources.cpu.shares: 1 is out of range", "cpu.shares"}},
		{"cpu quota not a number", []string{"update", "--cpu-quota", "1.5", "bad"}, "", []string{`invalid value for cpu-quota: strconv.ParseInt: parsing "1.5": invalid syntax`}},
		{"blkio weight not a number", []string{"update", "--blkio-weight", "5x", "bad"}, "", []string{`invalid value "5x" for flag -blkio-weight: parse error`}},
		{"memory limit 0 in json", []string{"update", "-r", "-", "bad"}, `{"memory": {"limit": 0}}`, []string{"linux.resources.memory.limit: 0 is invalid"}},
		{"malformed json on stdin", []string{"update", "--resources", "-", "bad"}, `{"memory": {"limit": }`, []string{"--resources -: not a JSON linux.resources object"}},
		{"wrong json type", []string{"update", "--resources", "-", "bad"}, `{"memory": {"limit": "64m"}}`, []string{"--resources -", "memory.limit"}},
		{"missing resources file", []string{"update", "--resources", "/nonexistent.json", "bad"}, "", []string{"--resources /nonexistent.json", "no such file"}},
		{"intel rdt", []string{"update", "--l3-cache-schema", "L3:0=f", "bad"}, "", []string{"Intel RDT"}},
		{"unknown flag", []string{"update", "--memroy", "1m", "bad"}, "", []string{"update: unknown flag --memroy"}},
		{"no id", []string{"update", "--memory", "1m"}, "", []string{"update: expects exactly one container id"}},
		{"unknown container", []string{"update", "--memory", "1m", "nosuch"}, "", []string{"container does not exist"}},
		{"events interval 0", []string{"events", "--interval", "0s", "bad"}, "", []string{`events: --interval "0s"`}},
		{"events interval not a duration", []string{"events", "--interval", "5", "bad"}, "", []string{`events: --interval "5"`}},
		{"events unknown container", []string{"events", "--stats", "nosuch"}, "", []string{"container does not exist"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var in *os.File
			if c.stdin != "" {
				in = stdinOf(t, c.stdin)
			}
			wantOneLineError(t, e.runIn(in, c.args...), c.want...)
		})
	}
	// Nothing was changed by any of them.
	e.checkCgroup("bad", []cgWant{{"cpu", "cpu.shares", "512"}, {"memory", "memory.limit_in_bytes", strconv.Itoa(64 << 20)}})

	s := newEnv(t, "true")
	s.writeSpec()
	s.must("run", "-d", "--bundle", s.bundle, "done")
	s.waitStatus("done", "stopped")
	wantOneLineError(t, s.run("update", "--memory", "32m", "done"), "container not running")
	wantOneLineError(t, s.run("events", "--stats", "done"), "container with id done is not running")
}

// runcStats is the part of runc's types.Stats the checks read.
type runcStats struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data *struct {
		CPU struct {
			Usage struct {
				Total  uint64   `json:"total"`
				Percpu []uint64 `json:"percpu"`
			} `json:"usage"`
		} `json:"cpu"`
		Memory struct {
			Usage struct {
				Limit uint64 `json:"limit"`
				Usage uint64 `json:"usage"`
			} `json:"usage"`
			Raw map[string]uint64 `json:"raw"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
			Limit   uint64 `json:"limit"`
		} `json:"pids"`
	} `json:"data"`
}

func TestEventsStats(t *testing.T) {
	e := newEnv(t, "sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 100")
	e.spec.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(64 << 20)}, Pids: &specs.LinuxPids{Limit: i64p(20)}}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "ev")
	out := e.must("events", "--stats", "ev")
	if strings.Count(out, "\n") != 1 {
		t.Errorf("events --stats printed %q, want one JSON line", out)
	}
	var ev runcStats
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("events --stats output %q: %v", out, err)
	}
	if ev.Type != "stats" || ev.ID != "ev" || ev.Data == nil {
		t.Fatalf("event = %s", out)
	}
	d := ev.Data
	if d.Memory.Usage.Usage == 0 || d.Memory.Usage.Limit != 64<<20 || len(d.Memory.Raw) == 0 {
		t.Errorf("memory = %+v, want usage > 0, limit 64 MiB, raw memory.stat", d.Memory)
	}
	if d.Pids.Current < 1 || d.Pids.Limit != 20 {
		t.Errorf("pids = %+v, want current >= 1, limit 20", d.Pids)
	}
	if d.CPU.Usage.Total == 0 || len(d.CPU.Usage.Percpu) == 0 {
		t.Errorf("cpu usage = %+v, want total > 0 and per-cpu values", d.CPU.Usage)
	}
	for _, k := range []string{`"throttling"`, `"blkio"`, `"hugetlb"`} {
		if !strings.Contains(out, k) {
			t.Errorf("events --stats output has no %s: %s", k, out)
		}
	}
}

// eventsStream runs `events` until the container stops, with a deadline so
// that a bug fails the test instead of hanging it.
func (e *env) eventsStream(args ...string) []runcStats {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, append([]string{"--root", e.root, "events"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("events %v: %v (output %q)", args, err, out)
	}
	var evs []runcStats
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var ev runcStats
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			e.t.Fatalf("events line %q: %v", l, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// TestEventsOOM streams events from a container whose 8 MiB limit a
// pipeline exceeds: busybox tail keeps the whole newline-free input in
// memory, the kernel OOM-kills it (v1 memory.oom_control oom_kill rises),
// the shell carries on and exits, and events ends with the container.
func TestEventsOOM(t *testing.T) {
	e := newEnv(t, "sh", "-c", "sleep 2; head -c 67108864 /dev/zero | tail; sleep 1")
	e.spec.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64p(8 << 20)}}
	e.writeSpec()
	e.must("run", "-d", "--bundle", e.bundle, "oom")
	if !strings.Contains(e.cgroupFile("oom", "memory", "memory.oom_control"), "oom_kill ") {
		t.Skip("memory.oom_control has no oom_kill counter (kernel < 4.13): OOM kills cannot be counted")
	}
	evs := e.eventsStream("--interval", "500ms", "oom")
	var ooms, stats int
	for _, ev := range evs {
		switch {
		case ev.Type == "oom" && ev.ID == "oom" && ev.Data == nil:
			ooms++
		case ev.Type == "stats" && ev.ID == "oom" && ev.Data != nil:
			stats++
		default:
			t.Errorf("unexpected event %+v", ev)
		}
	}
	if ooms < 1 {
		t.Errorf("no oom event in %d events", len(evs))
	}
	// About 3 s at 500 ms: a few stats events, not one per OOM poll.
	if stats < 2 || stats > 10 {
		t.Errorf("%d stats events in about 3 s at --interval 500ms", stats)
	}
	if s := e.state("oom"); s.Status != "stopped" {
		t.Errorf("events returned while the container is %s", s.Status)
	}
}
