package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	criu "github.com/checkpoint-restore/go-criu/v8"
	"github.com/checkpoint-restore/go-criu/v8/rpc"
	"github.com/gorunc/gorunc/nsexec"
	"golang.org/x/sys/unix"
)

// CRIU runs as `criu swrk 3`: one request over a SOCK_SEQPACKET pair, then
// notifications until the answer of the request's type.
//
//	gorunc                              criu swrk 3 (fd 3: the socket)
//	  CriuReq{DUMP|PRE_DUMP|RESTORE} ->
//	                                 <- CriuResp{NOTIFY, script}   (0..n)
//	  CriuReq{NOTIFY, success}       ->
//	                                 <- CriuResp{type of the request}
//
// go-criu's own Criu type spawns the same, but it cannot give criu the
// stdio the restored process inherits, nor place criu in the container's
// cgroup before the request, both of which restore needs; so gorunc, as
// runc, uses go-criu for the protocol's messages and the version query and
// drives swrk itself.

// minCriuVersion is runc's: the VERSION request came with CRIU 3.0.
const minCriuVersion = 30000

// criuVersion asks criu for its version, in runc's words when criu is not
// there: "CRIU version check failed: exec: "criu": executable file not
// found in $PATH".
func criuVersion() (int, error) {
	v, err := criu.MakeCriu().GetCriuVersion()
	if err != nil {
		return 0, fmt.Errorf("CRIU version check failed: %w", err)
	}
	if v < minCriuVersion {
		return v, fmt.Errorf("CRIU version %d must be %d or higher", v, minCriuVersion)
	}
	return v, nil
}

// swrk is one criu swrk run.
type swrk struct {
	// stdio becomes criu's 0, 1 and 2; a restored process inherits the
	// ones named in InheritFd. nil entries are /dev/null.
	stdio [3]*os.File
	// extra are criu's fds 4, 5, ... (fd 3 is the socket).
	extra []*os.File
	// started runs once criu exists, before the request is sent (restore
	// places criu in the container's cgroup there).
	started func(pid int) error
	// notify handles one notification script; nil ignores them all.
	notify func(script string, pid int32, fds []int) error
	// thread, when set, starts criu (a locked thread in a private mount
	// namespace, for restore).
	thread func(func() error) error
}

// run sends req and waits for its answer and for criu to exit.
func (s swrk) run(req *rpc.CriuReq) (*rpc.CriuResp, error) {
	if s.thread == nil {
		return s.exchange(req)
	}
	var resp *rpc.CriuResp
	err := s.thread(func() error {
		var err error
		resp, err = s.exchange(req)
		return err
	})
	return resp, err
}

func (s swrk) exchange(req *rpc.CriuReq) (*rpc.CriuResp, error) {
	fds, err := unix.Socketpair(unix.AF_LOCAL, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("criu socket: %w", err)
	}
	client := os.NewFile(uintptr(fds[0]), "criu-client")
	server := os.NewFile(uintptr(fds[1]), "criu-server")
	defer server.Close()
	fc, err := net.FileConn(client)
	client.Close()
	if err != nil {
		return nil, fmt.Errorf("criu socket: %w", err)
	}
	conn := fc.(*net.UnixConn)
	defer conn.Close()

	cmd := exec.Command("criu", "swrk", "3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.stdio[0], s.stdio[1], s.stdio[2]
	cmd.ExtraFiles = append([]*os.File{server}, s.extra...)
	if err := nsexec.StartAsCaller(cmd.Start); err != nil {
		return nil, err
	}
	// Closed here so that a criu that dies makes our read fail, not hang.
	server.Close()
	waited := false
	defer func() {
		if !waited {
			conn.Close()
			cmd.Process.Wait()
		}
	}()
	if s.started != nil {
		if err := s.started(cmd.Process.Pid); err != nil {
			return nil, err
		}
	}
	typ := req.GetType()
	if err := send(conn, req); err != nil {
		return nil, err
	}
	var resp *rpc.CriuResp
	buf := make([]byte, 10*4096)
	oob := make([]byte, 4096)
	for {
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if err != nil {
			return nil, fmt.Errorf("criu: %w", err)
		}
		if n == 0 {
			return nil, errors.New("criu: unexpected EOF")
		}
		resp = &rpc.CriuResp{}
		if err := resp.UnmarshalVT(buf[:n]); err != nil {
			return nil, fmt.Errorf("criu answer: %w", err)
		}
		if !resp.GetSuccess() {
			return nil, fmt.Errorf("criu failed: type %s errno %d", resp.GetType(), resp.GetCrErrno())
		}
		if resp.GetType() != rpc.CriuReqType_NOTIFY {
			if resp.GetType() != typ {
				return nil, fmt.Errorf("criu: unexpected answer %s to %s", resp.GetType(), typ)
			}
			break
		}
		if s.notify != nil {
			if err := s.notify(resp.GetNotify().GetScript(), resp.GetNotify().GetPid(), rights(oob[:oobn])); err != nil {
				return nil, err
			}
		}
		ack := rpc.CriuReqType_NOTIFY
		if err := send(conn, &rpc.CriuReq{Type: &ack, NotifySuccess: new(true)}); err != nil {
			return nil, err
		}
	}
	conn.CloseWrite()
	st, err := cmd.Process.Wait()
	waited = true
	if err != nil {
		return nil, fmt.Errorf("wait for criu: %w", err)
	}
	// A pre-dump's criu waits for a following DUMP request that never
	// comes and exits unsuccessfully once we close: runc accepts that.
	if !st.Success() && typ != rpc.CriuReqType_PRE_DUMP {
		return nil, fmt.Errorf("criu failed: %s", st)
	}
	return resp, nil
}

func send(conn *net.UnixConn, req *rpc.CriuReq) error {
	data, err := req.MarshalVT()
	if err != nil {
		return fmt.Errorf("criu request: %w", err)
	}
	if _, err := conn.Write(data); err != nil {
		return fmt.Errorf("criu request: %w", err)
	}
	return nil
}

// rights returns the fds of an SCM_RIGHTS message (orphan-pts-master).
func rights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if f, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, f...)
		}
	}
	return fds
}

// criuLogError is the first line of criu's log that says "Error", which
// says why more than criu's errno does; "" when there is none.
func criuLogError(dir, file string) string {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Error") {
			return strings.TrimSpace(sc.Text())
		}
	}
	return ""
}
