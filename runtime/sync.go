package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/seccomp"
)

// The parent (gorunc create) and the child (gorunc init) talk over a
// socketpair passed to init as an inherited fd (named by $_GORUNC_SYNC).
// Each message is one JSON object; either side that fails sends "error"
// instead of its next message and stops.
//
//	gorunc create (parent)                     gorunc init (child)
//	----------------------                     -------------------
//	mkdir state dir, flock it
//	cgroup: create dirs, write resources
//	clone(CLONE_NEW*) /proc/self/exe init ---> Go starts, blocks reading
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
// why (OOM kill, signal, exit code) and undoes the create.

type msgType string

const (
	msgConfig     msgType = "config"
	msgHooks      msgType = "hooks"
	msgHooksDone  msgType = "hooks-done"
	msgReady      msgType = "ready"
	msgSeccomp    msgType = "seccomp"
	msgSeccompAck msgType = "seccomp-ack"
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
	ID           string      `json:"id"`
	Spec         *specs.Spec `json:"spec"`
	Rootfs       string      `json:"rootfs"`
	NoPivot      bool        `json:"no_pivot,omitempty"`
	NoNewKeyring bool        `json:"no_new_keyring,omitempty"`
	// Unshare are namespace flags init unshares itself (nsexec).
	Unshare uintptr `json:"unshare,omitempty"`
	// PreserveFDs is --preserve-fds: fds 3..3+N-1 reach the process.
	PreserveFDs int `json:"preserve_fds,omitempty"`
	// FifoFD is an O_PATH fd of exec.fifo.
	FifoFD int `json:"fifo_fd"`
	// ConsoleFD, when not 0, is a unix socket connected to the console
	// socket (or to a foreground `run`): init sends the pty master over
	// it (terminal.go).
	ConsoleFD int `json:"console_fd,omitempty"`
	// CgroupV2 says which cgroup mount the container gets.
	CgroupV2 bool `json:"cgroup_v2,omitempty"`
	// State is the container's state ("creating", host pid) for the
	// hooks init runs itself.
	State specs.State `json:"state"`
	// Seccomp is linux.seccomp compiled by the parent, so a bad profile
	// fails create before anything exists.
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
	// procDir is the runtime's /proc, kept open by init when the
	// container has no mount namespace (setupRootfs): never sent.
	procDir *os.File
}

type channel struct {
	enc *json.Encoder
	dec *json.Decoder
}

func newChannel(rw io.ReadWriter) *channel {
	return &channel{enc: json.NewEncoder(rw), dec: json.NewDecoder(rw)}
}

func (c *channel) send(m message) error {
	if err := c.enc.Encode(m); err != nil {
		return fmt.Errorf("send %s: %w", m.Type, err)
	}
	return nil
}

// errPeerGone is returned when the other side closed the channel.
var errPeerGone = errors.New("peer closed the sync channel")

// recv reads the next message and turns an "error" message into an error.
func (c *channel) recv(want msgType) (*message, error) {
	var m message
	if err := c.dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errPeerGone
		}
		return nil, fmt.Errorf("read %s: %w", want, err)
	}
	if m.Type == msgError {
		return nil, errors.New(m.Error)
	}
	if m.Type != want {
		return nil, fmt.Errorf("protocol error: got %q, want %q", m.Type, want)
	}
	return &m, nil
}
