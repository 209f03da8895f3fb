package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/internal/lazyjson"
	"github.com/gorunc/gorunc/internal/rawfile"
	"github.com/gorunc/gorunc/runlog"
)

// DefaultRoot is where state lives when --root is not given; podman and
// conmon pass no global flags at all, so it must be a sane default.
const DefaultRoot = "/run/gorunc"

const (
	stateFile = "state.json"
	fifoFile  = "exec.fifo"
)

// ErrNotExist is returned for an id that has no state directory, bare:
// runc 1.5.1 prints exactly this, without the id.
var ErrNotExist = errors.New("container does not exist")

// record is what state.json holds. Status is not stored: it is derived
// from the world each time (see Container.Status), so a crash can never
// leave a lie on disk.
type record struct {
	recordHead
	Spec *specs.Spec `json:"spec"`
	// specJSON is config.json's bytes, set by create, which never
	// changes Spec after: state.json gets them rather than Spec encoded
	// again (specjson.go). Whatever changes Spec must leave it nil.
	// A record read for its summary (readSummary) holds state.json's
	// spec bytes here and no Spec: writing it back keeps them.
	specJSON json.RawMessage
	// specRead is the bytes Spec was decoded from when the record was
	// read whole: what exec copies the spec from (and sends init) rather
	// than encoding Spec again. write never looks at it.
	specRead json.RawMessage
	// sum is the spec's summary when the record was read with
	// readSummary, nil when it has no spec or holds it whole.
	sum *specSummary
}

// specNeed is how much of the stored spec a command decodes.
type specNeed int

const (
	// readSummary: only specSummary's members (start, kill, pause,
	// resume, delete). Decoding specs.Spec builds encoding/json's field
	// and encoder tables for its whole type graph, ~2 ms of a start on
	// this project's hosts (docs/performance.md, session 11).
	readSummary specNeed = iota
	// readWhole: specs.Spec (exec, update, checkpoint).
	readWhole
)

// specSummary is what start, kill, pause, resume and delete read of a
// container's spec: specs.Spec's members of the same names (and so the
// same matching of keys), of types that reach few others. Process is only
// looked at for being there.
type specSummary struct {
	Process     *struct{}         `json:"process,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *struct {
		Namespaces []specs.LinuxNamespace `json:"namespaces,omitempty"`
	} `json:"linux,omitempty"`
}

// recordFile is record as write encodes it, the spec as its JSON: the same
// object, without encoding/json seeing specs.Spec's type.
type recordFile struct {
	recordHead
	Spec json.RawMessage `json:"spec"`
}

// recordHead is record without the spec, its fields promoted into
// state.json's object as record's own. A type that does not reach
// specs.Spec: the first json.Unmarshal into a type builds encoding/json's
// field and encoder caches for every type it reaches, which for specs.Spec
// was most of what `state` costs beyond the Go start (stateview.go).
type recordHead struct {
	ID      string    `json:"id"`
	Bundle  string    `json:"bundle"`
	Rootfs  string    `json:"rootfs"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
	// InitPid is 0 while create is still running.
	InitPid int `json:"init_pid"`
	// InitStart is init's start time in clock ticks since boot
	// (/proc/PID/stat field 22): a pid alone may have been reused.
	InitStart uint64       `json:"init_start"`
	Cgroup    cgroup.State `json:"cgroup"`
}

// Store is the --root directory: one directory per container.
type Store struct {
	Root string
	// Rootless is the resolved --rootless: cgroups the caller cannot
	// write are done without when the container asks for no limits
	// (rootless.go).
	Rootless bool
	// Warn receives failures that the spec says must not fail the
	// operation (poststart and poststop hooks). May be nil.
	Warn func(msg string)
	// Log is --log: each step of an operation is logged at debug level
	// (--debug), init's steps relayed from its log pipe. May be nil.
	Log *runlog.Logger
}

func (s Store) warn(msgs ...string) {
	if s.Warn == nil {
		return
	}
	for _, m := range msgs {
		s.Warn(m)
	}
}

func (s Store) dir(id string) string { return filepath.Join(s.Root, id) }

// lock is an exclusive flock on a container's directory, held for the
// whole of an operation so that concurrent commands on one id serialise.
// A raw descriptor (rawfile), not an os.File, whose open asks the kernel
// for the flags and tries the runtime's poller: the first os.File of a
// gorunc process also makes the poller's epoll set and eventfd, which a
// start or delete need for nothing else.
type lock struct{ fd int }

// acquire locks an existing container directory. The directory may be
// removed by a delete that held the lock before us, so after locking we
// check it is still the one at the path.
func (s Store) acquire(id string) (*lock, error) { return s.lockDir(id, 0) }

// errLocked is tryAcquire's answer while another command holds the lock.
var errLocked = errors.New("locked by another gorunc command")

// tryAcquire is acquire without waiting: errLocked when the lock is held.
// delete --force uses it to bound its wait (delete.go).
func (s Store) tryAcquire(id string) (*lock, error) { return s.lockDir(id, unix.LOCK_NB) }

func (s Store) lockDir(id string, flags int) (*lock, error) {
	for {
		fd, err := lockPath(s.dir(id), unix.LOCK_EX|flags)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, ErrNotExist
		case errors.Is(err, unix.EWOULDBLOCK):
			return nil, fmt.Errorf("container %s: %w", id, errLocked)
		case err != nil:
			return nil, fmt.Errorf("lock state of %s: %w", id, err)
		}
		if same(fd, s.dir(id)) {
			return &lock{fd}, nil
		}
		unix.Close(fd)
	}
}

// lockPath opens the directory at path and flocks it (how); the fd is
// closed again when the lock is not taken. Errors name the path and the
// step (open or flock).
func lockPath(path string, how int) (int, error) {
	fd, err := rawfile.Open(path, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return -1, err
	}
	if err := flock(fd, how); err != nil {
		unix.Close(fd)
		return -1, &os.PathError{Op: "flock", Path: path, Err: err}
	}
	return fd, nil
}

// mkdirLocked makes and locks a new container directory. It appears under
// its id already locked: made under a name that is no valid id (List
// skips it), locked, then renamed into place with RENAME_NOREPLACE, the
// atomic test for a duplicate id. A directory made and then locked in
// place could be locked first by another command, which would read a
// container with no state yet (TestNewContainerNeverUnlocked).
func (s Store) mkdirLocked(id string) (*lock, error) {
	if err := os.MkdirAll(s.Root, 0o700); err != nil {
		return nil, fmt.Errorf("create state root: %w", err)
	}
	// Unique among live processes (pid) and against a crashed one's
	// leftover (time; List removes such leftovers, sweepNew); 0711 under
	// the umask, as the directory always was (runc: MkdirAll(containerRoot,
	// 0o711)).
	tmp := filepath.Join(s.Root, fmt.Sprintf("%s%d~%d", newPrefix, os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(tmp, 0o711); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	fd, err := lockPath(tmp, unix.LOCK_EX)
	if err == nil {
		err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, s.dir(id), unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
			// A filesystem without RENAME_NOREPLACE: mkdir stays the
			// test for a duplicate, locked right after it.
			unix.Close(fd)
			os.Remove(tmp)
			return s.mkdirThenLock(id)
		}
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		os.Remove(tmp)
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("container with id %s already exists", id)
		}
		return nil, fmt.Errorf("lock new container %s: %w", id, err)
	}
	return &lock{fd}, nil
}

// mkdirThenLock is mkdirLocked where rename cannot refuse to replace.
func (s Store) mkdirThenLock(id string) (*lock, error) {
	if err := os.Mkdir(s.dir(id), 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("container with id %s already exists", id)
		}
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	fd, err := lockPath(s.dir(id), unix.LOCK_EX)
	if err != nil {
		os.RemoveAll(s.dir(id))
		return nil, fmt.Errorf("lock new container %s: %w", id, err)
	}
	return &lock{fd}, nil
}

// flock is flock(2), retried on EINTR as the os package retries its
// calls: a blocking LOCK_EX can be interrupted by a signal.
func flock(fd, how int) error {
	for {
		if err := unix.Flock(fd, how); err != unix.EINTR {
			return err
		}
	}
}

// unlock releases the flock (closing its file drops it).
func (l *lock) unlock() { unix.Close(l.fd) }

// busy reports whether some process holds the container's lock now.
func (s Store) busy(id string) bool {
	fd, err := lockPath(s.dir(id), unix.LOCK_SH|unix.LOCK_NB)
	if err != nil {
		return errors.Is(err, unix.EWOULDBLOCK)
	}
	unix.Close(fd)
	return false
}

// holder names the process holding id's lock, from /proc/locks (flock
// records the pid that took it), for an error message; "" when unknown.
func (s Store) holder(id string) string {
	var st unix.Stat_t
	if unix.Stat(s.dir(id), &st) != nil {
		return ""
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return ""
	}
	// "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF": the device as
	// hex major:minor, the inode in decimal.
	dev := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != dev {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + f[4] + "/cmdline")
		return fmt.Sprintf("pid %s (%s)", f[4], strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")))
	}
	return ""
}

func same(fd int, path string) bool {
	var a, b unix.Stat_t
	if unix.Fstat(fd, &a) != nil || unix.Stat(path, &b) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// read reads id's state.json, its spec decoded as need says.
func (s Store) read(id string, need specNeed) (*record, error) {
	data, found, err := s.readState(id, nil)
	if err != nil {
		return nil, err
	}
	if !found {
		return &record{recordHead: recordHead{ID: id}}, nil
	}
	if r, err := decodeRecord(data, need); err == nil {
		return r, nil
	}
	// Whatever decodeRecord does not take, encoding/json judges as a
	// whole, with its own error.
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, corrupt(id, err)
	}
	return &r, nil
}

// decodeRecord is json.Unmarshal into a record, for what encoding/json
// accepts, with the spec cut out (cutMember) and decoded as need says:
// into specs.Spec by decodeSpec (record's own type reaches the whole of
// specs.Spec's, specjson.go), or kept as its bytes and decoded into a
// specSummary only. What it does not take, Store.read hands to
// encoding/json whole, for its error.
func decodeRecord(data []byte, need specNeed) (*record, error) {
	var r record
	var spec []byte
	var err error
	if r.recordHead, spec, err = decodeHead(data); err != nil || spec == nil {
		return &r, err
	}
	if need == readWhole {
		if r.Spec, err = decodeSpec(spec); err != nil {
			return nil, err
		}
		r.specRead = spec
		return &r, nil
	}
	if r.sum, err = lazyjson.Decode[specSummary](spec); err != nil {
		return nil, err
	}
	r.specJSON = spec
	return &r, nil
}

// readState reads id's state.json into buf (nil: a buffer of its own),
// in one read when it fits (a regular file, replaced whole by write).
// found is false, with no error, when the directory exists without a
// state.json: create has not written one yet (or died before it).
func (s Store) readState(id string, buf []byte) (data []byte, found bool, err error) {
	if buf == nil {
		buf = make([]byte, 0, 4096)
	}
	data, err = rawfile.ReadWhole(filepath.Join(s.dir(id), stateFile), buf)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat(s.dir(id)); serr == nil {
				return nil, false, nil
			}
			return nil, false, ErrNotExist
		}
		return nil, false, fmt.Errorf("read state of %s: %w", id, err)
	}
	return data, true, nil
}

func corrupt(id string, err error) error {
	return fmt.Errorf("state of %s is corrupt: %w", id, err)
}

// write replaces state.json atomically: a reader sees the old or the new
// file, never half of one, and a full disk fails the write, not the file
// (ext4, xfs and tmpfs reserve the blocks at write(2)).
//
// Not synced, as runc 1.5's saveState (temp file, write, close, rename):
// the state describes processes that do not outlive the machine, and the
// rename alone is what readers rely on. An fsync costs 0.8 ms (median; 3
// ms at p90) on this host, whose /run is ext4, and create writes twice
// (docs/performance.md, "fsync: state.json no longer synced").
func (s Store) write(r *record) error {
	spec, err := specJSON(r.specJSON, r.Spec)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	data, err := appendRecord(make([]byte, 0, 512+len(spec)), &r.recordHead, spec)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return writeFileAtomic(filepath.Join(s.dir(r.ID), stateFile), data, 0o600, false)
}

// writePidFile writes --pid-file (nothing when path is empty) atomically,
// as runc: a client may read it the moment it appears. Synced, as runc
// 1.5 writes it (O_SYNC): the file is the client's, in its directory.
func writePidFile(path string, pid int) error {
	if path == "" {
		return nil
	}
	if err := writeFileAtomic(path, []byte(strconv.Itoa(pid)), 0o644, true); err != nil {
		return fmt.Errorf("--pid-file: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path; durable syncs the data first.
func writeFileAtomic(path string, data []byte, mode os.FileMode, durable bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if durable {
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	return nil
}

// List returns the ids in the store, in os.ReadDir's order (by name). A
// missing root is os.ReadDir's error, unwrapped: runc's list fails on it
// with those words ("open /abs/root: no such file or directory").
func (s Store) List() ([]string, error) {
	entries, err := os.ReadDir(s.Root)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && ValidateID(e.Name()) == nil {
			ids = append(ids, e.Name())
		} else if e.IsDir() && strings.HasPrefix(e.Name(), newPrefix) {
			s.sweepNew(e.Name())
		}
	}
	return ids, nil
}

// newPrefix starts the name of a directory mkdirLocked is making.
const newPrefix = "~new~"

// staleNew is how old such a directory must be before List removes it:
// its maker holds it for microseconds (mkdir, flock, rename), so one
// this old was left by a create killed in between.
const staleNew = time.Minute

// sweepNew removes name, a mkdirLocked directory left by a crashed create:
// older than staleNew by the time in its name, unlocked, empty.
func (s Store) sweepNew(name string) {
	_, ns, ok := strings.Cut(strings.TrimPrefix(name, newPrefix), "~")
	t, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || time.Since(time.Unix(0, t)) < staleNew {
		return
	}
	f, err := os.Open(filepath.Join(s.Root, name))
	if err != nil {
		return
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
		os.Remove(f.Name())
	}
}

// appendRecord appends what json.Marshal(recordFile{*h, spec}) writes,
// byte for byte, without encoding/json's reflection: its first Marshal of
// these types builds field and encoder tables (typeFields), a third of
// what writing state.json cost in every create here (docs/performance.md,
// session 19). TestAppendRecordMatchesMarshal holds it to json.Marshal
// with every field set, so a field added to recordHead or cgroup.State
// and not here fails there.
func appendRecord(b []byte, h *recordHead, spec json.RawMessage) ([]byte, error) {
	created, err := h.Created.MarshalJSON()
	if err != nil {
		return nil, err
	}
	str := func(key, v string) {
		b = append(b, key...)
		b = lazyjson.AppendString(b, v)
	}
	strs := func(key string, vs []string) {
		if len(vs) == 0 {
			return
		}
		b = append(b, key...)
		for i, v := range vs {
			if i > 0 {
				b = append(b, ',')
			}
			b = lazyjson.AppendString(b, v)
		}
		b = append(b, ']')
	}
	str(`{"id":`, h.ID)
	str(`,"bundle":`, h.Bundle)
	str(`,"rootfs":`, h.Rootfs)
	b = append(append(b, `,"created":`...), created...)
	str(`,"owner":`, h.Owner)
	b = strconv.AppendInt(append(b, `,"init_pid":`...), int64(h.InitPid), 10)
	b = strconv.AppendUint(append(b, `,"init_start":`...), h.InitStart, 10)
	cg := &h.Cgroup
	b = strconv.AppendInt(append(b, `,"cgroup":{"version":`...), int64(cg.Version), 10)
	b = append(b, `,"paths":`...)
	if cg.Paths == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(cg.Paths)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = lazyjson.AppendString(b, k)
			b = lazyjson.AppendString(append(b, ':'), cg.Paths[k])
		}
		b = append(b, '}')
	}
	strs(`,"created":[`, cg.Created)
	strs(`,"planned":[`, cg.Planned)
	if cg.Root != "" {
		str(`,"root":`, cg.Root)
	}
	if cg.Systemd != "" {
		str(`,"systemd":`, cg.Systemd)
	}
	if cg.SystemdUser != nil {
		b = strconv.AppendInt(append(b, `,"systemd_user":`...), int64(*cg.SystemdUser), 10)
	}
	b = append(b, `},"spec":`...)
	// As json.Marshal writes a RawMessage: compacted, HTML-safe.
	var compact bytes.Buffer
	if err := json.Compact(&compact, spec); err != nil {
		return nil, err
	}
	if bytes.ContainsAny(compact.Bytes(), "<>&\u2028\u2029") {
		var safe bytes.Buffer
		json.HTMLEscape(&safe, compact.Bytes())
		compact = safe
	}
	b = append(b, compact.Bytes()...)
	return append(b, '}'), nil
}
