package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/seccomp"
)

// SCMP_ACT_NOTIFY (runtime-spec config-linux.md "Seccomp", listenerPath):
// loading the filter yields a listener fd, which "the runtime MUST send ...
// over the socket at listenerPath using SCM_RIGHTS", with the container
// process state as the message. init loads the filter (it must be loaded
// by the process it filters) and hands the fd to the parent, which is
// still in the runtime's mount namespace where listenerPath resolves:
//
//	init                                  gorunc create
//	load filter -> listener fd
//	--------- seccomp ------------------>
//	<-------- seccomp-ack ---------------   (the JSON stream is now idle)
//	sendmsg("S", SCM_RIGHTS fd) -------->   recvmsg
//	                                        connect(listenerPath),
//	                                        sendmsg(state, SCM_RIGHTS fd)
//	then "ready" as usual

func notifies(p *seccomp.Program) bool {
	return p != nil && p.Flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
}

// sendListener is init's half: the fd goes to the parent; init keeps no
// copy (the listener is the agent's, not the container's).
func sendListener(ch *channel, sock *os.File, fd int) error {
	defer unix.Close(fd)
	if err := ch.send(message{Type: msgSeccomp}); err != nil {
		return err
	}
	if _, err := ch.recv(msgSeccompAck); err != nil {
		return err
	}
	if err := unix.Sendmsg(int(sock.Fd()), []byte("S"), unix.UnixRights(fd), nil, 0); err != nil {
		return fmt.Errorf("send seccomp listener fd: %w", err)
	}
	return nil
}

// forwardListener is the parent's half: take the fd from init and give it,
// with the state, to the agent listening at listenerPath.
func (c *Container) forwardListener(ch *channel, sock *os.File) error {
	if _, err := ch.recv(msgSeccomp); err != nil {
		return err
	}
	if err := ch.send(message{Type: msgSeccompAck}); err != nil {
		return err
	}
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, 0)
	if err != nil {
		return fmt.Errorf("receive seccomp listener fd: %w", err)
	}
	fd, err := parseRights(oob[:oobn])
	if err != nil {
		return fmt.Errorf("receive seccomp listener fd: %w", err)
	}
	defer unix.Close(fd)
	sc := c.rec.Spec.Linux.Seccomp
	state, err := json.Marshal(specs.ContainerProcessState{
		Version:  specs.Version,
		Fds:      []string{specs.SeccompFdName},
		Pid:      c.rec.InitPid,
		Metadata: sc.ListenerMetadata,
		State:    c.ociState(specs.StateCreating),
	})
	if err != nil {
		return err
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sc.ListenerPath, Net: "unix"})
	if err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath %s: %w", sc.ListenerPath, err)
	}
	defer conn.Close()
	if _, _, err := conn.WriteMsgUnix(state, unix.UnixRights(fd), nil); err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath %s: send: %w", sc.ListenerPath, err)
	}
	return nil
}

func parseRights(oob []byte) (int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return -1, err
	}
	for _, m := range msgs {
		if fds, err := unix.ParseUnixRights(&m); err == nil && len(fds) == 1 {
			return fds[0], nil
		}
	}
	return -1, errors.New("no fd in the message")
}
