package cgroup

import (
	"errors"
	"fmt"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	sd "github.com/gorunc/gorunc/cgroup/systemd"
)

// The systemd driver (`gorunc --systemd-cgroup`), cgroup v2 only. systemd
// owns the cgroup tree on a systemd host: a cgroup it did not make may be
// reorganised under the runtime, and its own settings come back on every
// daemon-reload. So, as runc, the container's cgroup is a transient scope
// unit (linux.cgroupsPath "slice:prefix:name" -> prefix-name.scope in
// slice) that systemd creates with init's pid in it, given the resources
// as unit properties; Delegate=yes makes the scope's subtree the
// container's. Everything is then also written into the cgroup's files by
// the v2 driver's code, for what systemd has no property for (hugetlb,
// rdma, io.max, the device program, most of unified).
//
// Lifecycle, from the runtime's calls:
//
//	Apply(0)     nothing: systemd needs a pid to make a scope
//	Set(r)       before the unit exists: kept for Apply(pid)
//	Apply(pid)   StartTransientUnit(PIDs=[pid], properties), wait for the
//	             job; then the kept resources go to the files
//	Set(r)       once it exists: SetUnitProperties, then the files
//	Destroy()    StopUnit, wait for the job; remove what is left of the
//	             cgroup directory (systemd < 240 leaves sub-cgroups)
type sdManager struct {
	path sd.Path
	v2   *v2Manager
	// annotations are the org.systemd.property.* properties.
	annotations []sdbus.Property
	// pending: resources Set before the unit exists.
	pending *specs.LinuxResources
	started bool
	dial    func() (unitBus, error)
	bus     unitBus
	warn    func(string)
}

// unitBus is what the driver asks of systemd (sd.Conn).
type unitBus interface {
	StartUnit(name string, props []sdbus.Property) error
	StopUnit(name string) error
	SetProperties(name string, props []sdbus.Property) error
	Version() int
}

// dialSystemd is the real bus.
func dialSystemd() (unitBus, error) { return sd.Dial() }

// newSystemd checks what runc checks before anything is made, in runc's
// order: the annotations, the cgroupsPath form, a systemd to talk to.
// running is sd.Running() on the host.
func newSystemd(cfg Config, layout *hostLayout, running bool, dial func() (unitBus, error), o ops) (*sdManager, error) {
	annotations, err := sd.AnnotationProperties(cfg.Annotations)
	if err != nil {
		return nil, err
	}
	p, err := sd.ParsePath(cfg.Path, cfg.Name)
	if err != nil {
		return nil, err
	}
	if !running {
		return nil, sd.ErrNotRunning
	}
	if layout.Version != 2 {
		return nil, errors.New("--systemd-cgroup: gorunc's systemd driver needs cgroup v2 (this host has cgroup v1 controllers); omit the flag to use the cgroupfs driver")
	}
	rel, err := p.CgroupPath()
	if err != nil {
		return nil, fmt.Errorf("linux.cgroupsPath %q: %w", cfg.Path, err)
	}
	v2 := newV2(layout.V2Root, rel, o)
	// systemd makes the directory, and removes it on stop; what it
	// leaves is gorunc's to remove.
	v2.created = []string{v2.dir}
	warn := cfg.Warn
	if warn == nil {
		warn = func(string) {}
	}
	return &sdManager{path: p, v2: v2, annotations: annotations, dial: dial, warn: warn}, nil
}

// loadSystemd reopens the driver from a State (delete, update, pause ...);
// the unit has been started by the create that saved it.
func loadSystemd(st State, dir string, o ops) (*sdManager, error) {
	p, err := sd.ParsePath(st.Systemd, "")
	if err != nil {
		return nil, fmt.Errorf("load cgroup state: %w", err)
	}
	v2 := &v2Manager{root: st.Root, dir: dir, created: []string{dir}, applied: true, ops: o}
	return &sdManager{path: p, v2: v2, started: true, dial: dialSystemd, warn: func(string) {}}, nil
}

func (m *sdManager) unit() string { return m.path.Unit() }

func (m *sdManager) connect() (unitBus, error) {
	if m.bus == nil {
		b, err := m.dial()
		if err != nil {
			return nil, err
		}
		m.bus = b
	}
	return m.bus, nil
}

// Apply starts the unit with pid in it. With pid 0 (the runtime's "make
// the cgroup" before init exists) there is nothing systemd can do yet.
func (m *sdManager) Apply(pid int) error {
	m.v2.applied = true
	if pid <= 0 {
		return nil
	}
	if m.started {
		return m.v2.Apply(pid)
	}
	bus, err := m.connect()
	if err != nil {
		return err
	}
	props, err := m.unitProperties(pid)
	if err != nil {
		return err
	}
	var files *specs.LinuxResources
	if m.pending != nil {
		rp, adjusted, warnings, err := sdResources(m.pending, bus.Version())
		if err != nil {
			return err
		}
		m.warnAll(warnings)
		// After the annotations: resources win, as with runc, whose
		// Set follows the start with SetUnitProperties.
		props, files = append(props, rp...), adjusted
	}
	if err := bus.StartUnit(m.unit(), props); err != nil {
		return err
	}
	m.started = true
	if files != nil {
		m.pending = nil
		return m.v2.Set(files)
	}
	return nil
}

// unitProperties are the unit's own: what it is, where it goes, who is in
// it, and that the subtree is the container's.
func (m *sdManager) unitProperties(pid int) ([]sdbus.Property, error) {
	props := []sdbus.Property{sdbus.PropDescription("gorunc container " + m.path.Name)}
	if m.path.IsSlice() {
		// A slice's parent is the slice it wants (runc).
		props = append(props, sdbus.PropWants(m.path.Slice))
	} else {
		props = append(props, sdbus.PropSlice(m.path.Slice), newProp("Delegate", true))
	}
	props = append(props,
		newProp("PIDs", []uint32{uint32(pid)}),
		// Accounting on, so that the controllers are enabled for the
		// unit whatever the resources ask, as with the fs driver.
		newProp("MemoryAccounting", true),
		newProp("CPUAccounting", true),
		newProp("IOAccounting", true),
		newProp("TasksAccounting", true),
		// No implicit ordering against shutdown.target and friends:
		// the container lives as long as its processes do.
		newProp("DefaultDependencies", false),
	)
	props = append(props, m.annotations...)
	if m.pending != nil {
		oom, err := sdOOMPolicy(m.pending.Unified)
		if err != nil {
			return nil, err
		}
		props = append(props, oom...)
	}
	return props, nil
}

// Set gives systemd the properties it understands and writes every file.
func (m *sdManager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if err := Validate(r, 2); err != nil {
		return err
	}
	if !m.started {
		cp := *r
		m.pending = &cp
		return nil
	}
	bus, err := m.connect()
	if err != nil {
		return err
	}
	props, files, warnings, err := sdResources(r, bus.Version())
	if err != nil {
		return err
	}
	m.warnAll(warnings)
	if err := bus.SetProperties(m.unit(), props); err != nil {
		return err
	}
	return m.v2.Set(files)
}

func (m *sdManager) warnAll(ws []string) {
	for _, w := range ws {
		m.warn(w)
	}
}

// Destroy stops the unit (systemd kills what is left in it and removes
// the cgroup) and removes whatever directory remains.
func (m *sdManager) Destroy() error {
	bus, err := m.connect()
	if err != nil {
		return fmt.Errorf("destroy cgroup: %w", err)
	}
	if err := bus.StopUnit(m.unit()); err != nil {
		return fmt.Errorf("destroy cgroup: %w", err)
	}
	return m.v2.Destroy()
}

func (m *sdManager) Freeze(frozen bool) error      { return m.v2.Freeze(frozen) }
func (m *sdManager) Frozen() (bool, error)         { return m.v2.Frozen() }
func (m *sdManager) FrozenBy() (*Frozen, error)    { return m.v2.FrozenBy() }
func (m *sdManager) Pids() ([]int, error)          { return m.v2.Pids() }
func (m *sdManager) Kill(sig unix.Signal) error    { return m.v2.Kill(sig) }
func (m *sdManager) Stats() (*Stats, error)        { return m.v2.Stats() }
func (m *sdManager) Path(controller string) string { return m.v2.Path(controller) }

// State is the v2 driver's, plus the unit's cgroupsPath so that a later
// command reopens this driver.
func (m *sdManager) State() State {
	st := State{
		Version: 2,
		Paths:   map[string]string{"": m.v2.dir},
		Root:    m.v2.root,
		Systemd: m.path.Slice + ":" + m.path.Prefix + ":" + m.path.Name,
	}
	return st
}
