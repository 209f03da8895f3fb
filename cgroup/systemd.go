package cgroup

import (
	"errors"
	"fmt"
	"path"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	sd "github.com/gorunc/gorunc/cgroup/systemd"
	"github.com/gorunc/gorunc/userns"
)

// The systemd driver (`gorunc --systemd-cgroup`), on cgroup v2 and on v1
// (legacy and hybrid) hosts. systemd
// owns the cgroup tree on a systemd host: a cgroup it did not make may be
// reorganised under the runtime, and its own settings come back on every
// daemon-reload. So, as runc, the container's cgroup is a transient scope
// unit (linux.cgroupsPath "slice:prefix:name" -> prefix-name.scope in
// slice) that systemd creates with init's pid in it, given the resources
// as unit properties; Delegate=yes makes the scope's subtree the
// container's. Everything is then also written into the cgroup's files by
// the cgroupfs driver's code (fs below: the v2 or the v1 driver on the
// unit's cgroup), for what systemd has no property for (hugetlb, rdma,
// io.max, the device program, most of unified). On v1 systemd makes the
// unit's directory only in the hierarchies it manages (memory, cpu,
// cpuacct, blkio, pids, devices); the v1 driver makes it in the others
// (cpuset, freezer, ...) and moves init there, as runc's joinCgroups.
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
	path    sd.Path
	version int // 1 or 2
	// fs is the cgroupfs driver on the unit's cgroup.
	fs Manager
	// annotations are the org.systemd.property.* properties.
	annotations []sdbus.Property
	// pending: resources Set before the unit exists.
	pending *specs.LinuxResources
	started bool
	// owner is the uid whose systemd has the unit (rootless: the user's,
	// on the session bus, under the manager's own cgroup); nil for the
	// system's.
	owner *int
	dial  func() (unitBus, error)
	bus   unitBus
	warn  func(string)
}

// unitBus is what the driver asks of systemd (sd.Conn).
type unitBus interface {
	StartUnit(name string, props []sdbus.Property) error
	StopUnit(name string) error
	SetProperties(name string, props []sdbus.Property) error
	Version() int
	ManagerCgroup() (string, error)
	Owner() int
}

// dialer is the real bus: the system's systemd (owner nil), or the
// systemd of the user owner names (recorded by the create).
func dialer(owner *int) func() (unitBus, error) {
	if owner == nil {
		return func() (unitBus, error) { return sd.Dial() }
	}
	return func() (unitBus, error) { return sd.DialUser(func() (int, error) { return *owner, nil }) }
}

// dialUser is the create's: rootless (as runc: the rootless cgroup
// manager with --systemd-cgroup), the user's systemd, whose uid is asked
// of the session bus when in a user namespace.
func dialUser() (unitBus, error) {
	return sd.DialUser(func() (int, error) { return sd.OwnerUID(userns.Running()) })
}

// errRootlessV1 is runc's refusal (systemd.NewLegacyManager): a user's
// systemd gets no delegated v1 hierarchy.
var errRootlessV1 = errors.New("cannot use rootless systemd cgroups manager on cgroup v1")

// newSystemd checks what runc checks before anything is made, in runc's
// order: the annotations, the cgroupsPath form, a systemd to talk to, and,
// rootless, cgroup v2 and the user's systemd (dialled now: where its units
// live is its own cgroup, which only it can say).
// running is sd.Running() on the host.
func newSystemd(cfg Config, layout *hostLayout, running bool, dial func() (unitBus, error), o ops) (*sdManager, error) {
	annotations, err := sd.AnnotationProperties(cfg.Annotations)
	if err != nil {
		return nil, err
	}
	p, err := sd.ParsePath(cfg.Path, cfg.Name, cfg.Rootless)
	if err != nil {
		return nil, err
	}
	if !running {
		return nil, sd.ErrNotRunning
	}
	if cfg.Rootless && layout.Version != 2 {
		return nil, errRootlessV1
	}
	rel, err := p.CgroupPath()
	if err != nil {
		return nil, fmt.Errorf("linux.cgroupsPath %q: %w", cfg.Path, err)
	}
	var (
		bus   unitBus
		owner *int
	)
	if cfg.Rootless {
		if bus, err = dial(); err != nil {
			return nil, err
		}
		// /user.slice/user-1000.slice/user@1000.service/user.slice/x.scope
		mgr, err := bus.ManagerCgroup()
		if err != nil {
			return nil, err
		}
		rel = path.Join(mgr, rel)
		uid := bus.Owner()
		owner = &uid
	}
	// The unit's cgroup is an absolute path in every hierarchy.
	fs, err := newManager(Config{Path: rel, Name: cfg.Name}, layout, nil, o)
	if err != nil {
		return nil, err
	}
	if v2, ok := fs.(*v2Manager); ok {
		// systemd makes the directory, and removes it on stop; what it
		// leaves is gorunc's to remove.
		v2.created = []string{v2.dir}
	}
	warn := cfg.Warn
	if warn == nil {
		warn = func(string) {}
	}
	return &sdManager{path: p, version: layout.Version, fs: fs, annotations: annotations,
		owner: owner, dial: dial, bus: bus, warn: warn}, nil
}

// unitOf parses a state's systemd unit path ("slice:prefix:name").
func unitOf(st State) (sd.Path, error) {
	p, err := sd.ParsePath(st.Systemd, "", st.SystemdUser != nil)
	if err != nil {
		return sd.Path{}, fmt.Errorf("load cgroup state: %w", err)
	}
	return p, nil
}

// newLoadedSystemd reopens the driver from a State (delete, update,
// pause ...) around the cgroupfs driver load made of the same State; the
// unit has been started by the create that saved it.
func newLoadedSystemd(p sd.Path, version int, owner *int, fs Manager) *sdManager {
	return &sdManager{path: p, version: version, fs: fs, started: true, owner: owner, dial: dialer(owner), warn: func(string) {}}
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
	if pid <= 0 {
		return nil
	}
	if m.started {
		return m.fs.Apply(pid)
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
		rp, adjusted, warnings, err := sdResources(m.pending, m.version, bus.Version())
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
	// Joins what systemd did not make (v1: cpuset, freezer ...); on v2
	// init is in the unit's one directory already.
	if err := m.fs.Apply(pid); err != nil {
		return err
	}
	if files != nil {
		m.pending = nil
		return m.fs.Set(files)
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
	// v1 calls IO accounting by the blkio controller's name.
	io := "IOAccounting"
	if m.version == 1 {
		io = "BlockIOAccounting"
	}
	props = append(props,
		newProp("PIDs", []uint32{uint32(pid)}),
		// Accounting on, so that the controllers are enabled for the
		// unit whatever the resources ask, as with the fs driver.
		newProp("MemoryAccounting", true),
		newProp("CPUAccounting", true),
		newProp(io, true),
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
	if err := Validate(r, m.version); err != nil {
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
	props, files, warnings, err := sdResources(r, m.version, bus.Version())
	if err != nil {
		return err
	}
	m.warnAll(warnings)
	if err := m.setProperties(bus, props); err != nil {
		return err
	}
	return m.fs.Set(files)
}

// setProperties gives a live unit new properties. On v1 systemd applies
// DeviceAllow by writing "a" to devices.deny and then each allow rule:
// for that moment the container has no device at all, so, as runc, it is
// frozen meanwhile (unless it was frozen already).
func (m *sdManager) setProperties(bus unitBus, props []sdbus.Property) error {
	thaw := false
	if m.version == 1 && hasProperty(props, "DeviceAllow") {
		if frozen, err := m.fs.Frozen(); err == nil && !frozen {
			thaw = m.fs.Freeze(true) == nil
		}
	}
	err := bus.SetProperties(m.unit(), props)
	if thaw {
		if terr := m.fs.Freeze(false); terr != nil && err == nil {
			err = fmt.Errorf("thaw after setting the unit's properties: %w", terr)
		}
	}
	return err
}

func hasProperty(props []sdbus.Property, name string) bool {
	for _, p := range props {
		if p.Name == name {
			return true
		}
	}
	return false
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
	// As runc: the directories gorunc made are removed whether or not
	// the stop worked; the stop's error is the one reported.
	stopErr := bus.StopUnit(m.unit())
	if err := m.fs.Destroy(); err != nil && stopErr == nil {
		return err
	}
	if stopErr != nil {
		return fmt.Errorf("destroy cgroup: %w", stopErr)
	}
	return nil
}

func (m *sdManager) Freeze(frozen bool) error      { return m.fs.Freeze(frozen) }
func (m *sdManager) Frozen() (bool, error)         { return m.fs.Frozen() }
func (m *sdManager) FrozenBy() (*Frozen, error)    { return m.fs.FrozenBy() }
func (m *sdManager) Pids() ([]int, error)          { return m.fs.Pids() }
func (m *sdManager) Kill(sig unix.Signal) error    { return m.fs.Kill(sig) }
func (m *sdManager) Stats() (*Stats, error)        { return m.fs.Stats() }
func (m *sdManager) Path(controller string) string { return m.fs.Path(controller) }

// State is the cgroupfs driver's, plus the unit's cgroupsPath so that a
// later command reopens this driver.
func (m *sdManager) State() State {
	st := m.fs.State()
	st.Systemd = m.path.Slice + ":" + m.path.Prefix + ":" + m.path.Name
	st.SystemdUser = m.owner
	return st
}
