package runtime

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/internal/rawfile"
	"github.com/gorunc/gorunc/seccomp"
)

// Container is one container's state as read from the store.
type Container struct {
	store Store
	rec   *record
	lock  *lock // held for mutating operations; nil for read-only views
	// viewAnnotations are the spec's annotations in a view made by Get,
	// whose rec holds no spec (Store.readView).
	viewAnnotations map[string]string
	// filter is linux.seccomp compiled during create; not persisted.
	filter *seccomp.Program
}

// Get reads a container without locking it (state, list, ps, events): a
// view, whose record holds of the spec only its annotations.
func (s Store) Get(id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	rec, annotations, err := s.readView(id)
	if err != nil {
		return nil, err
	}
	return &Container{store: s, rec: rec, viewAnnotations: annotations}, nil
}

// open locks a container for a mutating operation, its spec read as need
// says. Release with close.
func (s Store) open(id string, need specNeed) (*Container, error) {
	return s.lockAndRead(id, s.acquire, need)
}

// lockAndRead takes id's lock with lock (acquire, or tryAcquire for
// delete --force) and reads its state under it.
func (s Store) lockAndRead(id string, lock func(string) (*lock, error), need specNeed) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	l, err := lock(id)
	if err != nil {
		return nil, err
	}
	rec, err := s.read(id, need)
	if err != nil {
		l.unlock()
		return nil, err
	}
	return &Container{store: s, rec: rec, lock: l}, nil
}

// openFor is open followed by op's status guard (require): the container,
// locked, in a status can allows, or runc's refusal with nothing held.
func (s Store) openFor(op, id string, can func(Status) bool, need specNeed) (*Container, error) {
	c, err := s.open(id, need)
	if err != nil {
		return nil, err
	}
	if _, err := require(op, c, can); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *Container) close() {
	if c.lock != nil {
		c.lock.unlock()
		c.lock = nil
	}
}

func (c *Container) ID() string { return c.rec.ID }
func (c *Container) dir() string {
	return c.store.dir(c.rec.ID)
}

// Status is derived from the world, never stored: is init alive (and the
// same process we started, not a reused pid), does the exec fifo still
// exist, is the cgroup frozen.
func (c *Container) Status() Status {
	if c.rec.InitPid == 0 {
		if c.lock == nil && c.store.busy(c.rec.ID) {
			return Creating
		}
		// Nobody is creating it: the creator died half way.
		return Stopped
	}
	if !processAlive(c.rec.InitPid, c.rec.InitStart) {
		return Stopped
	}
	// Frozen before created, as runc's refreshState: a created container
	// can be paused, and then it must not look startable (start would
	// wait forever for a frozen init) nor refuse resume.
	// IsFrozen, not a loaded manager's Frozen: the same answer without
	// the manager's maps, for each container `list` lists.
	if frozen, err := cgroup.IsFrozen(c.rec.Cgroup); err == nil && frozen {
		return Paused
	}
	var st unix.Stat_t
	if unix.Lstat(filepath.Join(c.dir(), fifoFile), &st) == nil {
		return Created
	}
	return Running
}

func (c *Container) cgroup() (cgroup.Manager, error) {
	if c.rec.Cgroup.Version == 0 {
		// A rootless container without a writable cgroup (rootless.go).
		return cgroup.None(), nil
	}
	return cgroup.Load(c.rec.Cgroup)
}

// State is the OCI state (runtime.md "State") plus runc's extra fields,
// which clients such as podman read.
type State struct {
	specs.State
	Rootfs  string    `json:"rootfs"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
}

// ociState is the state given to hooks, with the status of that moment.
func (c *Container) ociState(st specs.ContainerState) specs.State {
	return specs.State{Version: specs.Version, ID: c.rec.ID, Status: st, Pid: c.rec.InitPid, Bundle: c.rec.Bundle, Annotations: c.annotations()}
}

// annotations are config.json's, from the spec or its summary or, in a
// view, from what Get kept of it.
func (c *Container) annotations() map[string]string {
	switch {
	case c.rec.Spec != nil:
		return c.rec.Spec.Annotations
	case c.rec.sum != nil:
		return c.rec.sum.Annotations
	}
	return c.viewAnnotations
}

// hasSpec: state.json holds a spec (a create that died before its first
// write left none), whole or summed up.
func (c *Container) hasSpec() bool { return c.rec.Spec != nil || c.rec.sum != nil }

// hasProcess: the spec has a process section.
func (c *Container) hasProcess() bool {
	if c.rec.Spec != nil {
		return c.rec.Spec.Process != nil
	}
	return c.rec.sum != nil && c.rec.sum.Process != nil
}

// hooks are the spec's hooks, nil for none.
func (c *Container) hooks() *specs.Hooks {
	if c.rec.Spec != nil {
		return c.rec.Spec.Hooks
	}
	if c.rec.sum != nil {
		return c.rec.sum.Hooks
	}
	return nil
}

// namespaces are the spec's linux.namespaces.
func (c *Container) namespaces() []specs.LinuxNamespace {
	if c.rec.Spec != nil {
		if c.rec.Spec.Linux == nil {
			return nil
		}
		return c.rec.Spec.Linux.Namespaces
	}
	if c.rec.sum != nil && c.rec.sum.Linux != nil {
		return c.rec.sum.Linux.Namespaces
	}
	return nil
}

func (c *Container) State() State {
	st := c.Status()
	s := State{
		State: specs.State{
			Version: specs.Version,
			ID:      c.rec.ID,
			Status:  specs.ContainerState(st),
			Bundle:  c.rec.Bundle,
		},
		Rootfs:  c.rec.Rootfs,
		Created: c.rec.Created,
		Owner:   c.rec.Owner,
	}
	if st != Stopped {
		s.Pid = c.rec.InitPid
	}
	s.Annotations = c.annotations()
	return s
}

// processAlive: the pid exists, is not a zombie, and started when ours did.
func processAlive(pid int, start uint64) bool {
	st, err := procStat(pid)
	if err != nil {
		return false
	}
	if st.state == 'Z' || st.state == 'X' {
		return false
	}
	return start == 0 || st.start == start
}

type procStatus struct {
	state byte
	start uint64
}

// procStat parses /proc/PID/stat. The command name (field 2) may contain
// spaces and parentheses, so fields are counted after the last ')'. The
// line is read into a buffer on the stack and parsed in place: `list`
// calls this once per container.
func procStat(pid int) (procStatus, error) {
	var buf [512]byte
	data, err := rawfile.ReadWhole("/proc/"+strconv.Itoa(pid)+"/stat", buf[:])
	if err != nil {
		return procStatus{}, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStatus{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	// Fields as strings.Fields splits them (the kernel separates them by
	// one space and ends the line with a newline); field 3 (state) is
	// the first after ')', starttime (22) the twentieth.
	var state, start []byte
	for n, rest := 0, data[i+1:]; n < 20; n++ {
		rest = bytes.TrimLeft(rest, " \t\n")
		end := bytes.IndexAny(rest, " \t\n")
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			return procStatus{}, fmt.Errorf("parse /proc/%d/stat", pid)
		}
		switch n {
		case 0:
			state = rest[:end]
		case 19:
			start = rest[:end]
		}
		rest = rest[end:]
	}
	st, err := strconv.ParseUint(string(start), 10, 64)
	if err != nil {
		return procStatus{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return procStatus{state: state[0], start: st}, nil
}

// Processes lists the host pids of every process in the container's cgroup.
func (c *Container) Processes() ([]int, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return m.Pids()
}
