package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/internal/lazyjson"
	"github.com/gorunc/gorunc/runlog"
	"github.com/gorunc/gorunc/seccomp"
)

// The parent (gorunc create) and the child (gorunc init) talk over a
// socketpair passed to init as an inherited fd (named by $_GORUNC_SYNC;
// the config names init's other fds, launch.go). Each message is one JSON
// object; either side that fails sends "error" instead of its next
// message and stops. The child may send "warning" (runc's warnings, which
// never fail the operation) before "ready": the parent prints them
// whatever it is waiting for.
//
//	gorunc create (parent)                     gorunc init (child)
//	----------------------                     -------------------
//	mkdir state dir, flock it
//	cgroup: create dirs, write resources
//	clone(CLONE_NEW*) gorunc init         ---> Go starts, blocks reading
//	  from the exe fd, fds by role (launch.go)
//	  (born in the cgroup on v2: CLONE_INTO_CGROUP)
//	cgroup: add init's pid (v1)
//	write state.json (pid, cgroup paths)
//	           -------- config -------------->  unshare cgroup/time ns
//	                                            rootfs: mounts, devices
//	           <------- hooks ----------------  (only with such hooks)
//	run prestart, createRuntime hooks
//	           -------- hooks-done ----------->  createContainer hooks
//	                                            pivot_root, sysctl, masks
//	                                            hostname, rlimits, keyring
//	                                            caps, user, cwd, lookup
//	print (Store.warn) <-- warning -----------  (an ambient capability the
//	                                              kernel refused to raise)
//	           <------- seccomp (fd number) ---  (SCMP_ACT_NOTIFY only: the
//	pidfd_getfd, send to listenerPath             listener, right after the
//	           -------- seccomp-ack ---------->   filter is loaded; see
//	                                              seccomp_notify.go)
//	           <------- ready ----------------
//	write pid file (last), exit 0               open exec.fifo for writing:
//	                                            blocks until `gorunc start`
//	gorunc start: open exec.fifo, read 1 byte   write 1 byte,
//	              remove exec.fifo              startContainer hooks,
//	              poststart hooks               execve(args)
//
// EOF from the other side before "ready" means it died: the parent reports
// why (OOM kill, signal, exit code) and undoes the create. No wait of the
// parent is unbounded on init's side: a watch (below) ends it when init
// dies, or stays frozen or stopped; only hooks, which the spec lets run
// as long as they like, are waited for without a bound.

type msgType string

const (
	msgConfig     msgType = "config"
	msgHooks      msgType = "hooks"
	msgHooksDone  msgType = "hooks-done"
	msgReady      msgType = "ready"
	msgSeccomp    msgType = "seccomp"
	msgSeccompAck msgType = "seccomp-ack"
	msgWarning    msgType = "warning"
	msgError      msgType = "error"
)

type message struct {
	Type    msgType     `json:"type"`
	Error   string      `json:"error,omitempty"`
	Config  *initConfig `json:"config,omitempty"`
	Warning []string    `json:"warnings,omitempty"`
	// Fd is the listener's fd number in the child, for "seccomp".
	Fd int `json:"fd,omitempty"`
}

// initConfig is everything init needs; it owns no other channel to the
// runtime.
type initConfig struct {
	ID string `json:"id"`
	// SpecJSON is the spec as sent (specJSON), Spec as init decoded it
	// (decodeInitSpec): with only what init reads. Never the spec's Go
	// type on the wire, whose first encoding or decoding builds
	// encoding/json's caches for all of it (specjson.go).
	SpecJSON json.RawMessage `json:"spec"`
	// ProcessJSON, when set, is the process exec-init runs in place of
	// the spec's (setExecSpec).
	ProcessJSON  json.RawMessage `json:"process,omitempty"`
	Spec         *specs.Spec     `json:"-"`
	Rootfs       string          `json:"rootfs"`
	NoPivot      bool            `json:"no_pivot,omitempty"`
	NoNewKeyring bool            `json:"no_new_keyring,omitempty"`
	// Unshare are namespace flags init unshares itself (nsexec).
	Unshare uintptr `json:"unshare,omitempty"`
	// PreserveFDs is --preserve-fds: fds 3..3+N-1 reach the process.
	PreserveFDs int `json:"preserve_fds,omitempty"`
	// FDs are the fds the runtime handed the child, by role (launch.go):
	// the child looks each up here, never computes it.
	FDs fdTable `json:"fds"`
	// ClearONLCR: the master goes to gorunc's own proxy (a foreground
	// `run` or `exec -t` without --console-socket), which wants the pty
	// without ONLCR as runc's recvtty does (terminal.go).
	ClearONLCR bool `json:"clear_onlcr,omitempty"`
	// NoEnv: process.env is absent, not merely empty (runc then adds no
	// HOME, procenv.go); Spec's omitempty would send both as absent.
	NoEnv bool `json:"no_env,omitempty"`
	// RootlessEUID: the runtime runs as a non-root host user (runc's
	// RootlessEUID). Then, as runc:
	//  - init turns dumpable while it waits on the exec fifo. The caller
	//    has no CAP_SYS_PTRACE over the host's user namespace, where
	//    init's memory belongs, so it could not open a non-dumpable
	//    init's /proc/PID/ns files to exec into a created container;
	//    runc's init is dumpable then too (nsexec.c makes it non-dumpable
	//    only when joining namespaces). Whoever can reach init then has
	//    the caller's own uid; /proc/PID/exe is the sealed copy.
	//  - setgroups(2) is not called: the process keeps the caller's
	//    supplementary groups (runc's setupUser), and additionalGids are
	//    refused before anything starts (rootlessGroups).
	RootlessEUID bool `json:"rootless_euid,omitempty"`
	// CgroupV2 says which cgroup mount the container gets.
	CgroupV2 bool `json:"cgroup_v2,omitempty"`
	// CgroupDir is the container's cgroup v2 directory on the host ("" on
	// v1 or without a cgroup), RootlessCgroups the resolved --rootless:
	// for a "cgroup" mount the kernel refuses (rootfs.Config).
	CgroupDir       string `json:"cgroup_dir,omitempty"`
	RootlessCgroups bool   `json:"rootless_cgroups,omitempty"`
	// State is the container's state ("creating", host pid) for the
	// hooks init runs itself.
	State specs.State `json:"state"`
	// Seccomp is linux.seccomp compiled by the parent, so a bad profile
	// fails create before anything exists.
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
	// log writes to the log role's fd (--debug): the child's steps go
	// there as JSON lines the parent relays (logpipe.go); nil (nothing
	// logged) without it. Never sent.
	log     *runlog.Logger
	logFile *os.File
	// procDir is the runtime's /proc, kept open by init when the
	// container has no mount namespace (setupRootfs): never sent.
	procDir *os.File
	// batch: nsenter.c put init under SCHED_BATCH, restored before
	// execve (initthreads.go); from init's environment, never sent.
	batch bool
}

type channel struct {
	w   io.Writer
	enc *json.Encoder
	dec *json.Decoder
	// warn, on the parent's side, prints the child's "warning" messages
	// (Store.warn); recv passes them to it, whatever it waits for.
	warn func(msgs ...string)
}

func newChannel(rw io.ReadWriter) *channel {
	return &channel{w: rw, enc: json.NewEncoder(rw), dec: json.NewDecoder(rw)}
}

func (c *channel) send(m message) error {
	var err error
	if line, ok := bareLine(m); ok {
		_, err = io.WriteString(c.w, line)
	} else {
		err = c.enc.Encode(m)
	}
	if err != nil {
		return fmt.Errorf("send %s: %w", m.Type, err)
	}
	return nil
}

// bareLine is a message with nothing but its type as the encoder writes
// it (TestBareLineAsEncoded), ok when m is one: create's go-ahead and the
// hooks' answer need no encoder, whose first use builds encoding/json's
// encoders for message's whole type graph.
func bareLine(m message) (string, bool) {
	if !reflect.DeepEqual(m, message{Type: m.Type}) || m.Type == "" {
		return "", false
	}
	for _, r := range m.Type {
		if (r < 'a' || r > 'z') && r != '-' {
			return "", false // encoding/json might escape it
		}
	}
	return `{"type":"` + string(m.Type) + `"}` + "\n", true
}

// errPeerGone is returned when the other side closed the channel.
var errPeerGone = errors.New("peer closed the sync channel")

// sendWarnings sends the child's warnings, which the parent prints as
// runc's parent prints what its init logs (a warning never fails the
// operation); nothing when there are none.
func (c *channel) sendWarnings(msgs []string) error {
	if len(msgs) == 0 {
		return nil
	}
	return c.send(message{Type: msgWarning, Warning: msgs})
}

// recv reads the next message and turns an "error" message into an error.
// "warning" messages before it go to c.warn.
func (c *channel) recv(want msgType) (*message, error) {
	var m message
	for {
		// One value, as the stream has it, then decoded by lazyjson:
		// message's type graph never builds encoding/json's tables in
		// create, whose only message is init's "ready" (specjson.go).
		var raw json.RawMessage
		if err := c.dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errPeerGone
			}
			return nil, fmt.Errorf("read %s: %w", want, err)
		}
		d, err := lazyjson.Decode[message](raw)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", want, err)
		}
		m = *d
		if m.Type != msgWarning {
			break
		}
		if c.warn != nil {
			c.warn(m.Warning...)
		}
	}
	if m.Type == msgError {
		return nil, errors.New(m.Error)
	}
	if m.Type != want {
		return nil, fmt.Errorf("protocol error: got %q, want %q", m.Type, want)
	}
	return &m, nil
}

// stuckGrace is how long init must stay frozen or stopped before a wait on
// it gives up: a freeze for a checkpoint or a debugger's brief stop passes.
const stuckGrace = 2 * time.Second

// stuck says why pid, a child gorunc waits for, cannot answer now although
// it is alive: a freeze holds its cgroup (itself or an ancestor), or it is
// stopped (SIGSTOP, a tracer). nil when it can run.
func stuck(what string, pid int, m cgroup.Manager) error {
	if m != nil {
		if f, err := m.FrozenBy(); err == nil && f != nil {
			return fmt.Errorf("container's cgroup unexpectedly frozen while waiting for %s (pid %d): %w", what, pid, f)
		}
	}
	if st, err := procStat(pid); err == nil && st.state == 'T' {
		return fmt.Errorf("%s (pid %d) is stopped (SIGSTOP) while gorunc waits for it", what, pid)
	}
	return nil
}

// watch ends the parent's waits on a child (init, exec-init) that can no
// longer answer: it died, or it stayed frozen or stopped for stuckGrace.
// Blocking reads and writes on the sync socket then fail (shutdown(2) wakes
// them), hooks run under ctx are killed, and reason says why. Without it a
// frozen init leaves `gorunc create` blocked in recv forever, holding the
// container's lock.
type watch struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	over   bool // stop was called: the socket may be closed
	reason error
}

// watchPeer starts watching pid; call stop before closing sock.
func watchPeer(what string, pid int, m cgroup.Manager, sock *os.File) *watch {
	ctx, cancel := context.WithCancelCause(context.Background())
	w := &watch{ctx: ctx, cancel: cancel}
	// A pidfd turns "init died" into a poll event; a kernel before 5.3
	// has none, and the loop then checks /proc every tick.
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		pidfd = -1
	}
	go func() {
		if pidfd >= 0 {
			defer unix.Close(pidfd)
		}
		var since time.Time
		for {
			dead := false
			if pidfd >= 0 {
				fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
				n, _ := unix.Poll(fds, 100)
				dead = n > 0
			} else {
				time.Sleep(100 * time.Millisecond)
			}
			if w.ended() {
				return
			}
			if dead || !processAlive(pid, 0) {
				w.fire(sock, errPeerGone)
				return
			}
			err := stuck(what, pid, m)
			switch {
			case err == nil:
				since = time.Time{}
			case since.IsZero():
				since = time.Now()
			case time.Since(since) >= stuckGrace:
				w.fire(sock, err)
				return
			}
		}
	}()
	return w
}

func (w *watch) ended() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.over
}

func (w *watch) fire(sock *os.File, reason error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.over {
		return
	}
	if reason != errPeerGone {
		w.reason = reason
	}
	w.cancel(reason)
	unix.Shutdown(int(sock.Fd()), unix.SHUT_RDWR)
}

// why is the reason the watch gave up, or nil (none, or the child died:
// the caller's own EOF handling says how it died).
func (w *watch) why() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reason
}

func (w *watch) stop() {
	w.mu.Lock()
	w.over = true
	w.mu.Unlock()
	w.cancel(nil)
}
