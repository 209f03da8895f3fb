package cgroup

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	sd "github.com/gorunc/gorunc/cgroup/systemd"
)

// fakeSystemd plays systemd on a fake cgroupfs: starting a unit makes its
// cgroup with the pids in it, stopping removes it.
type fakeSystemd struct {
	t    *testing.T
	root string
	// managed: the v1 hierarchies systemd makes a unit's directory in
	// (nil: v2, the one hierarchy at root)
	managed []string
	o       ops
	calls   []string
	started map[string][]sdbus.Property
	set     [][]sdbus.Property
	version int
	// manager is the manager's own cgroup ("" for the system's, "/").
	manager string
	owner   int
}

func (f *fakeSystemd) Owner() int { return f.owner }

func (f *fakeSystemd) ManagerCgroup() (string, error) {
	return "/" + strings.TrimPrefix(f.manager, "/"), nil
}

func (f *fakeSystemd) dir(unit string) string {
	// The fake knows only system.slice and one nested slice.
	for _, d := range []string{"system.slice", "a.slice/a-b.slice", "user.slice"} {
		if _, err := os.Stat(filepath.Join(f.root, f.manager, d, unit)); err == nil {
			return filepath.Join(f.root, f.manager, d, unit)
		}
	}
	return ""
}

func (f *fakeSystemd) StartUnit(name string, props []sdbus.Property) error {
	f.calls = append(f.calls, "start "+name)
	if _, ok := f.started[name]; ok {
		return errors.New("unit exists")
	}
	slice := "system.slice"
	for _, p := range props {
		if p.Name == "Slice" {
			slice = p.Value.Value().(string)
		}
	}
	rel, err := sd.ExpandSlice(slice)
	if err != nil {
		return err
	}
	for _, h := range f.hierarchies() {
		dir := filepath.Join(h, f.manager, rel, name)
		if _, err := f.o.mkdirAll(h, dir); err != nil {
			return err
		}
		for _, p := range props {
			if p.Name == "PIDs" {
				pids := p.Value.Value().([]uint32)
				writeFiles(f.t, dir, map[string]string{"cgroup.procs": fmt.Sprint(pids[0])})
			}
		}
	}
	f.started[name] = props
	return nil
}

func (f *fakeSystemd) hierarchies() []string {
	if f.managed == nil {
		return []string{f.root}
	}
	var out []string
	for _, c := range f.managed {
		out = append(out, filepath.Join(f.root, c))
	}
	return out
}

func (f *fakeSystemd) StopUnit(name string) error {
	f.calls = append(f.calls, "stop "+name)
	if f.managed != nil {
		for _, h := range f.hierarchies() {
			os.RemoveAll(filepath.Join(h, "system.slice", name))
		}
	} else if d := f.dir(name); d != "" {
		os.RemoveAll(d)
	}
	delete(f.started, name)
	return nil
}

func (f *fakeSystemd) SetProperties(name string, props []sdbus.Property) error {
	f.calls = append(f.calls, "set "+name)
	f.set = append(f.set, props)
	return nil
}

func (f *fakeSystemd) Version() int { return f.version }

func newFakeSystemd(t *testing.T, cfg Config) (*sdManager, *fakeSystemd) {
	t.Helper()
	root, o := fakeV2(t, allV2)
	if err := o.mkdir(filepath.Join(root, "system.slice")); err != nil {
		t.Fatal(err)
	}
	f := &fakeSystemd{t: t, root: root, o: o, started: map[string][]sdbus.Property{}, version: 252}
	m, err := newSystemd(cfg, &hostLayout{Version: 2, V2Root: root}, true, func() (unitBus, error) { return f, nil }, o)
	if err != nil {
		t.Fatal(err)
	}
	return m, f
}

func TestSystemdCreateLifecycle(t *testing.T) {
	m, f := newFakeSystemd(t, Config{Name: "c1", Annotations: map[string]string{
		"org.systemd.property.TimeoutStopSec": "7", "other": "x",
	}})
	dir := filepath.Join(f.root, "system.slice", "gorunc-c1.scope")
	if got := m.Path(""); got != dir {
		t.Fatalf("Path %q, want %q", got, dir)
	}
	// The runtime's create: Apply(0), Set(early), spawn, Apply(pid).
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20)},
		CPU:    &specs.LinuxCPU{Quota: i64(12345), Period: u64(100000)},
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}},
	}
	if err := m.Set(r); err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 0 {
		t.Fatalf("systemd asked before init exists: %v", f.calls)
	}
	if err := m.Apply(4242); err != nil && !strings.Contains(err.Error(), "device program") {
		// The fake cgroup is a plain directory: attaching the
		// device program may fail there; everything before it ran.
		t.Fatal(err)
	}
	props := propMap(f.started["gorunc-c1.scope"])
	want := map[string]any{
		"Description": "gorunc container c1", "Slice": "system.slice", "Delegate": true,
		"PIDs": []uint32{4242}, "DefaultDependencies": false, "MemoryAccounting": true,
		"CPUAccounting": true, "IOAccounting": true, "TasksAccounting": true,
		"TimeoutStopUSec": uint64(7000000), "MemoryMax": uint64(64 << 20),
		"CPUQuotaPerSecUSec": uint64(130000), "CPUQuotaPeriodUSec": uint64(100000), "DevicePolicy": "strict",
	}
	for k, v := range want {
		if got, ok := props[k]; !ok || !jsonEqual(got, v) {
			t.Errorf("unit property %s = %v, want %v", k, got, v)
		}
	}
	if got := readT(t, filepath.Join(dir, "memory.max")); got != "67108864" {
		t.Errorf("memory.max %s", got)
	}
	// The file agrees with systemd's rounding.
	if got := readT(t, filepath.Join(dir, "cpu.max")); got != "13000 100000" {
		t.Errorf("cpu.max %q, want the rounded \"13000 100000\"", got)
	}

	// update: properties first, then the files.
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)}}); err != nil {
		t.Fatal(err)
	}
	if len(f.set) != 1 || propMap(f.set[0])["TasksMax"] != uint64(5) {
		t.Errorf("SetUnitProperties %v, want TasksMax=5", f.set)
	}
	if got := readT(t, filepath.Join(dir, "pids.max")); got != "5" {
		t.Errorf("pids.max %s", got)
	}

	// A later command reopens the driver from the saved state.
	b, _ := json.Marshal(m.State())
	var st State
	json.Unmarshal(b, &st)
	if st.Systemd != "system.slice:gorunc:c1" || st.Paths[""] != dir {
		t.Fatalf("state %+v", st)
	}
	l, err := load(st, f.o)
	if err != nil {
		t.Fatal(err)
	}
	lm, ok := l.(*sdManager)
	if !ok || lm.unit() != "gorunc-c1.scope" || !lm.started {
		t.Fatalf("Load gave %T %+v", l, l)
	}
	lm.dial = func() (unitBus, error) { return f, nil }
	if err := lm.Destroy(); err != nil {
		t.Fatal(err)
	}
	if f.calls[len(f.calls)-1] != "stop gorunc-c1.scope" {
		t.Errorf("calls %v, want a stop last", f.calls)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", dir, err)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Destroy removes what systemd left (older systemd leaves sub-cgroups).
func TestSystemdDestroyRemovesLeftovers(t *testing.T) {
	m, f := newFakeSystemd(t, Config{Path: "a-b.slice:docker:x"})
	if err := f.o.mkdir(filepath.Join(f.root, "a.slice")); err != nil {
		t.Fatal(err)
	}
	if err := f.o.mkdir(filepath.Join(f.root, "a.slice", "a-b.slice")); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(10); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(f.root, "a.slice", "a-b.slice", "docker-x.scope")
	if m.Path("") != dir {
		t.Fatalf("Path %q, want %q", m.Path(""), dir)
	}
	if err := f.o.mkdir(filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	f.StopUnit("docker-x.scope") // systemd's own stop, leaving nothing
	if err := f.o.mkdir(dir); err != nil {
		t.Fatal(err)
	}
	if err := f.o.mkdir(filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind", dir)
	}
	if _, err := os.Stat(filepath.Join(f.root, "a.slice", "a-b.slice")); err != nil {
		t.Errorf("the slice was removed: %v", err)
	}
}

// Rootless, the unit is the user's systemd's: under the manager's own
// cgroup, in user.slice by default, and a later command reopens it on the
// user's bus.
func TestSystemdUserLifecycle(t *testing.T) {
	root, o := fakeV2(t, allV2)
	const mgr = "/user.slice/user-1000.slice/user@1000.service"
	if _, err := o.mkdirAll(root, filepath.Join(root, mgr, "user.slice")); err != nil {
		t.Fatal(err)
	}
	f := &fakeSystemd{t: t, root: root, o: o, started: map[string][]sdbus.Property{}, version: 252, manager: mgr, owner: 1000}
	dials := 0
	m, err := newSystemd(Config{Name: "u", Rootless: true}, &hostLayout{Version: 2, V2Root: root}, true,
		func() (unitBus, error) { dials++; return f, nil }, o)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, mgr, "user.slice", "gorunc-u.scope")
	if got := m.Path(""); got != dir {
		t.Fatalf("Path %q, want %q", got, dir)
	}
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(32 << 20)}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(4243); err != nil {
		t.Fatal(err)
	}
	props := propMap(f.started["gorunc-u.scope"])
	for k, v := range map[string]any{"Slice": "user.slice", "Delegate": true, "MemoryMax": uint64(32 << 20)} {
		if !jsonEqual(props[k], v) {
			t.Errorf("unit property %s = %v, want %v", k, props[k], v)
		}
	}
	if got := readT(t, filepath.Join(dir, "memory.max")); got != "33554432" {
		t.Errorf("memory.max %q", got)
	}
	if dials != 1 {
		t.Errorf("dialled %d times, want once (New's connection is kept)", dials)
	}
	st := m.State()
	if st.SystemdUser == nil || *st.SystemdUser != 1000 || st.Systemd != "user.slice:gorunc:u" {
		t.Fatalf("state %+v: want the user's unit user.slice:gorunc:u", st)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	l, err := load(back, o)
	if err != nil {
		t.Fatal(err)
	}
	if lm, ok := l.(*sdManager); !ok || lm.owner == nil || *lm.owner != 1000 || lm.unit() != "gorunc-u.scope" || lm.Path("") != dir {
		t.Fatalf("reloaded %+v, want the user's gorunc-u.scope at %s", l, dir)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s left after Destroy", dir)
	}
}

// newSystemd refuses in runc's order: annotations, the path, systemd.
func TestSystemdNewErrors(t *testing.T) {
	v2 := &hostLayout{Version: 2, V2Root: "/sys/fs/cgroup"}
	v1 := &hostLayout{Version: 1, V1: map[string]v1Mount{"memory": {Mountpoint: "/sys/fs/cgroup/memory", Root: "/"}}}
	dial := func() (unitBus, error) { return nil, errors.New("not dialled in New") }
	tests := []struct {
		name    string
		cfg     Config
		layout  *hostLayout
		running bool
		err     string
	}{
		{"bad annotation first", Config{Path: "bad", Annotations: map[string]string{"org.systemd.property.X": "1"}}, v2, false,
			"annotation org.systemd.property.X name incorrect: too short"},
		{"then the path", Config{Path: "bad"}, v2, false,
			`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "bad" instead`},
		{"then systemd", Config{Name: "x"}, v2, false, "systemd not running on this host, cannot use systemd cgroups manager"},
		{"then systemd, v1", Config{Name: "x"}, v1, false, "systemd not running on this host, cannot use systemd cgroups manager"},
		{"rootless: systemd first", Config{Name: "x", Rootless: true}, v1, false, "systemd not running on this host, cannot use systemd cgroups manager"},
		{"rootless: then v2", Config{Name: "x", Rootless: true}, v1, true, "cannot use rootless systemd cgroups manager on cgroup v1"},
		// The user's bus is dialled in New: its cgroup is the unit's parent.
		{"rootless: then the user's bus", Config{Name: "x", Rootless: true}, v2, true, sd.ErrNoUserBus.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dial := dial
			if tt.cfg.Rootless {
				dial = func() (unitBus, error) { return nil, sd.ErrNoUserBus }
			}
			_, err := newSystemd(tt.cfg, tt.layout, tt.running, dial, ops{})
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
		})
	}
}

// On v1 systemd makes the unit's directory in the hierarchies it manages;
// the driver makes it in the others, moves init there, removes only those.
func TestSystemdV1Lifecycle(t *testing.T) {
	root, layout, o := fakeV1(t, "memory", "cpu", "pids", "devices", "freezer", "cpuset")
	managed := []string{"memory", "cpu", "pids", "devices"}
	for _, c := range append(managed, "freezer", "cpuset") {
		if err := o.mkdir(filepath.Join(root, c, "system.slice")); err != nil {
			t.Fatal(err)
		}
	}
	f := &fakeSystemd{t: t, root: root, o: o, managed: managed, started: map[string][]sdbus.Property{}, version: 252}
	m, err := newSystemd(Config{Name: "v"}, layout, true, func() (unitBus, error) { return f, nil }, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20)}, CPU: &specs.LinuxCPU{Shares: u64(512)}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	props := propMap(f.started["gorunc-v.scope"])
	for k, v := range map[string]any{"MemoryLimit": uint64(1 << 20), "CPUShares": uint64(512), "BlockIOAccounting": true, "Delegate": true} {
		if !jsonEqual(props[k], v) {
			t.Errorf("unit property %s = %v, want %v", k, props[k], v)
		}
	}
	if _, ok := props["IOAccounting"]; ok {
		t.Error("IOAccounting on v1 (systemd's v1 name is BlockIOAccounting)")
	}
	for _, c := range []string{"freezer", "cpuset", "memory"} {
		dir := filepath.Join(root, c, "system.slice", "gorunc-v.scope")
		if got := readT(t, filepath.Join(dir, "cgroup.procs")); got != "77" {
			t.Errorf("%s: cgroup.procs %q, want init (77)", c, got)
		}
	}
	if got := readT(t, filepath.Join(root, "memory", "system.slice", "gorunc-v.scope", "memory.limit_in_bytes")); got != "1048576" {
		t.Errorf("memory.limit_in_bytes %s", got)
	}
	st := m.State()
	if st.Version != 1 || st.Systemd != "system.slice:gorunc:v" || len(st.Created) != 2 {
		t.Fatalf("state %+v, want v1, the unit, and the two directories gorunc made (freezer, cpuset)", st)
	}
	l, err := load(st, o)
	if err != nil {
		t.Fatal(err)
	}
	lm := l.(*sdManager)
	lm.dial = func() (unitBus, error) { return f, nil }
	// Emptied, as after the container's end.
	for _, c := range []string{"freezer", "cpuset"} {
		writeFiles(t, filepath.Join(root, c, "system.slice", "gorunc-v.scope"), map[string]string{"cgroup.procs": ""})
	}
	if err := lm.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, c := range append(managed, "freezer", "cpuset") {
		if _, err := os.Stat(filepath.Join(root, c, "system.slice", "gorunc-v.scope")); !os.IsNotExist(err) {
			t.Errorf("%s: the unit's directory left behind", c)
		}
		if _, err := os.Stat(filepath.Join(root, c, "system.slice")); err != nil {
			t.Errorf("%s: system.slice removed", c)
		}
	}
}
