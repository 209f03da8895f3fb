package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/nsexec"
)

// Standard streams of a foreground process without a terminal (`run` and
// `exec` without -d), as runc's setupProcessPipes does them (tty.go):
//
//	caller's stdin  --copy--> pipe --> process fd 0   (write end closed at EOF)
//	caller's stdout <--copy-- pipe <-- process fd 1
//	caller's stderr <--copy-- pipe <-- process fd 2
//
// The process never gets the caller's own files: with `gorunc run ID >>
// file` it could otherwise reopen /proc/self/fd/1 and read the file's
// earlier content, truncate it or chmod it, since the open file is the
// caller's. A detached process (run -d, create, exec -d) still inherits the
// caller's stdio: its clients (containerd's shim, conmon) pass the fifos or
// pipes they want it to have, and gorunc is gone before the process ends.

// stdioPipes are a foreground process's three pipes and the copying.
type stdioPipes struct {
	child  [3]*os.File // the process's ends: stdin's read, stdout's and stderr's write ends
	stdin  *os.File    // the write end of stdin
	out    [2]*os.File // the read ends of stdout and stderr
	copied sync.WaitGroup
}

// newStdioPipes makes the pipes, owned by uid:gid (-1 leaves an id), and
// starts copying: stdin from the caller's, stdout and stderr to the
// caller's (os.Stdin, os.Stdout, os.Stderr). Call closeChild once the
// process has them, finish once it has exited.
func newStdioPipes(uid, gid int, stdin io.Reader, stdout, stderr io.Writer) (*stdioPipes, error) {
	p := &stdioPipes{}
	var ends [3][2]*os.File // [stream]{read, write}
	for i := range ends {
		var fds [2]int
		if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
			closeEnds(ends[:i])
			return nil, fmt.Errorf("create stdio pipe: %w", err)
		}
		// Ours are non-blocking, for Go's poller (read deadlines);
		// the process's stay blocking, as a program expects of its
		// stdio.
		ours := fds[0]
		if i == 0 {
			ours = fds[1]
		}
		if err := unix.SetNonblock(ours, true); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			closeEnds(ends[:i])
			return nil, fmt.Errorf("create stdio pipe: %w", err)
		}
		ends[i] = [2]*os.File{os.NewFile(uintptr(fds[0]), "stdio-r"), os.NewFile(uintptr(fds[1]), "stdio-w")}
		// A pipe is one inode: either end sets the owner. runc's
		// runtime gives the pipes to the container's root
		// (InitializeIO) and its init then stdin, stdout and stderr
		// to process.user (fixStdioPermissions), so that a non-root
		// process can reopen /proc/self/fd/N; like runc's init, an id
		// the kernel will not take (EPERM, EINVAL) is left as it is.
		if err := unix.Fchown(fds[0], uid, gid); err != nil && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EINVAL) {
			closeEnds(ends[:i+1])
			return nil, fmt.Errorf("chown stdio pipe to %d:%d: %w", uid, gid, err)
		}
	}
	p.child = [3]*os.File{ends[0][0], ends[1][1], ends[2][1]}
	p.stdin = ends[0][1]
	p.out = [2]*os.File{ends[1][0], ends[2][0]}

	go func() {
		// Not waited for: the caller's stdin may never end. The
		// wrappers keep io.Copy to read and write (no splice), which
		// any stdin supports.
		io.Copy(writerOnly{p.stdin}, readerOnly{stdin})
		p.stdin.Close()
	}()
	p.copied.Add(2)
	go p.copyOut(stdout, p.out[0])
	go p.copyOut(stderr, p.out[1])
	return p, nil
}

func closeEnds(ends [][2]*os.File) {
	for _, e := range ends {
		e[0].Close()
		e[1].Close()
	}
}

// files are the process's stdin, stdout and stderr: the pipes' ends, or,
// for a nil p, the caller's own (inherited).
func (p *stdioPipes) files() (stdin, stdout, stderr *os.File) {
	if p == nil {
		return os.Stdin, os.Stdout, os.Stderr
	}
	return p.child[0], p.child[1], p.child[2]
}

// closeChild closes our copies of the process's ends once it has its own
// (or failed to start), so that stdout and stderr end when it is done.
func (p *stdioPipes) closeChild() {
	if p == nil {
		return
	}
	for _, f := range p.child {
		f.Close()
	}
}

// copyOut copies the process's output to the caller's until every write
// end is closed. Closing the read end on a write error passes a broken
// pipe on to the process, as the caller's own pipe would have.
func (p *stdioPipes) copyOut(dst io.Writer, src *os.File) {
	defer p.copied.Done()
	defer src.Close()
	io.Copy(writerOnly{dst}, readerOnly{src})
}

// finish waits, once the process has exited, until stdout and stderr end:
// when every holder of a write end is gone. As runc (its tty.go waits on
// the copies), that includes a background child that outlives the
// process, in a container without a pid namespace or started by an exec:
// giving up early would leave it writing into a pipe nobody reads, and
// kill it with SIGPIPE. A `run` deletes the container first, which kills
// such children; an exec's wait ends with them, or with a signal to
// gorunc, which forwards it. Our copies of the process's ends are closed
// first: they are already, unless gorunc got here before the process had
// them, panicking (whatever started the process was killed by its undo),
// where the wait would otherwise last for good.
func (p *stdioPipes) finish() {
	if p == nil {
		return
	}
	p.closeChild()
	p.copied.Wait()
}

// pipeOwner is who a process's stdio pipes belong to on the host, as runc
// leaves them: process.user's uid and the container root's gid, through
// the user namespace's mappings; -1 for an id that has no host id (an
// unmapped one, or a user namespace joined by path, whose mappings the
// spec does not hold).
func pipeOwner(spec *specs.Spec) (uid, gid int) {
	var puid uint32
	if spec.Process != nil {
		puid = spec.Process.User.UID
	}
	if spec.Linux == nil || !nsexec.Has(spec.Linux.Namespaces, specs.UserNamespace) {
		return int(puid), 0
	}
	return hostID(spec.Linux.UIDMappings, puid), hostID(spec.Linux.GIDMappings, 0)
}

// hostID maps a container id to the host's, -1 when no mapping has it.
func hostID(maps []specs.LinuxIDMapping, id uint32) int {
	for _, m := range maps {
		if id >= m.ContainerID && id-m.ContainerID < m.Size {
			return int(m.HostID + (id - m.ContainerID))
		}
	}
	return -1
}

// readerOnly and writerOnly hide *os.File's ReadFrom and WriteTo, which
// would splice or sendfile: any stdin or stdout supports plain reads and
// writes.
type readerOnly struct{ io.Reader }
type writerOnly struct{ io.Writer }
