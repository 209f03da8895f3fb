package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"github.com/gorunc/gorunc/nsexec"
	"github.com/gorunc/gorunc/runlog"
)

// Launch: what init and exec-init inherit, and the number of each fd in
// the child, decided in one place (launch.add) for both:
//
//	child fd    what
//	0, 1, 2     stdio: the caller's, or pipes (stdio.go)
//	3..3+N-1    --preserve-fds N: the caller's fds 3..3+N-1 at the same
//	            numbers, as runc passes them (a contract with clients: a
//	            listening socket handed over as fd 3 stays fd 3)
//	3+N, ...    the runtime's own, each under a role (fdRole), numbered in
//	            the order added: sync, log and exe (newLaunch), then the
//	            caller's (init: fifo, console, mount sources; exec-init:
//	            report, console)
//
// The child gets the table role -> fd, not positions: the sync fd in
// $_GORUNC_SYNC (read before anything else, and what nsenter.c keys its
// dumpability on), all of them in its config (initConfig.FDs). No side
// computes a number from a position, so adding or reordering a role
// cannot hand the child the wrong file.

// fdRole names an fd the runtime hands its child.
type fdRole string

// fdSync is the child's end of the sync socket (sync.go).
const fdSync fdRole = "sync"

// fdLog is the write end of the log pipe, with --debug only (logpipe.go).
const fdLog fdRole = "log"

// fdExe is the read-only binary the child is executed from (CVE-2019-5736):
// gorunc itself (nsexec.ProtectedSelf), from which Go init's stage 2 is
// executed too (stage2.go), or, for a child that runs a setup program
// and never starts Go, the init binary beside gorunc when there is one
// (nsexec.ProtectedInit). The last fd added (command).
const fdExe fdRole = "exe"

// fdStage2 is the read-only init binary beside gorunc (nsexec.ProtectedInit)
// given to Go init, which executes its stage 2 from it rather than from
// gorunc (stage2.go): a created container's init then holds the pages of
// a 140 KiB file, not of gorunc's 6 MiB, whichever init set it up.
const fdStage2 fdRole = "stage2"

// fdFifo is an O_PATH fd of exec.fifo (init).
const fdFifo fdRole = "fifo"

// fdReport is the pipe nsenter.c reports exec-init's P2 on, named to
// nsenter.c in $_GORUNC_NSENTER (nsexec.NsenterEnv).
const fdReport fdRole = "report"

// fdConsole is a unix socket connected to the console socket, or to a
// foreground run or exec: the child sends the pty master over it
// (terminal.go). Only with a terminal.
const fdConsole fdRole = "console"

// mountRole is the role of spec.mounts[i]'s source, cloned by the runtime
// before init entered its user namespace (openMountSources).
func mountRole(i int) fdRole { return fdRole("mount." + strconv.Itoa(i)) }

// fdTable maps each role the child got to its fd there.
type fdTable map[fdRole]int

// need is role's fd. A role the child needs but was not given is a bug
// of the runtime's, said in words that name it.
func (t fdTable) need(role fdRole) (int, error) {
	fd, ok := t[role]
	if !ok || fd < 3 {
		return -1, fmt.Errorf("the runtime passed no %s fd (fds: %v)", role, t)
	}
	return fd, nil
}

// launch collects the files a child inherits and gives each its fd.
type launch struct {
	// sync is the parent's end of the sync socket.
	sync *os.File
	// logs is the --debug relay, nil without it.
	logs *logPipe
	// preserve is --preserve-fds: the child's fds 3..3+preserve-1.
	preserve int
	// files are the runtime's own, after those: files[i] is the
	// child's fd 3+preserve+i.
	files []*os.File
	fds   fdTable
	// owned are the parent's copies of files only the child uses,
	// closed once it has its own (started) or at the latest by close.
	owned []*os.File
}

// checkPidfdAside runs os's one-time pidfd check on the other CPU while
// the caller reads its config. os.StartProcess runs it first, on the way
// to init's or exec-init's clone otherwise: pidfd_open, waitid,
// pidfd_send_signal and a throw-away CLONE_PIDFD child, 0.2-0.8 ms here.
// The spawn waits for it only if it has not finished by then (sync.Once).
func checkPidfdAside() {
	go func() {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			p.Release()
		}
	}()
}

// newLaunch starts a launch with the caller's first n fds preserved and
// the roles every child has: sync, log (with --debug) and exe. The caller
// defers close.
func newLaunch(log *runlog.Logger, n int) (*launch, error) {
	l := &launch{preserve: n, fds: fdTable{}}
	parent, child, err := syncPair()
	if err != nil {
		return nil, err
	}
	l.sync = parent
	l.give(fdSync, child)
	if l.logs, err = openLogPipe(log); err != nil {
		l.close()
		return nil, fmt.Errorf("log pipe: %w", err)
	}
	if l.logs != nil {
		l.add(fdLog, l.logs.w) // closed by logs.sent
	}
	return l, nil
}

// add hands f to the child under role and returns its fd there. A nil f
// (a role not used this time) is not added. The caller keeps f open until
// the child has started.
func (l *launch) add(role fdRole, f *os.File) int {
	if f == nil {
		return 0
	}
	if _, dup := l.fds[role]; dup {
		panic("launch: fd role " + string(role) + " added twice")
	}
	fd := 3 + l.preserve + len(l.files)
	l.files = append(l.files, f)
	l.fds[role] = fd
	return fd
}

// next is the fd the next file added will have in the child.
func (l *launch) next() int { return 3 + l.preserve + len(l.files) }

// give is add for a file only the child uses: the launch closes the
// parent's copy.
func (l *launch) give(role fdRole, f *os.File) int {
	if f != nil {
		l.owned = append(l.owned, f)
	}
	return l.add(role, f)
}

// addStage2 gives Go init the binary its stage 2 runs from (fdStage2),
// when gorunc-init is installed beside gorunc.
func (l *launch) addStage2() error {
	f, err := nsexec.ProtectedInit()
	if err != nil {
		return err
	}
	l.give(fdStage2, f)
	return nil
}

// command is the exec.Cmd that starts `gorunc sub` with every file in
// place and the sync fd named in env, from the exe role's file, which it
// adds: the init binary when the child runs a setup program (program)
// and one is installed, gorunc itself otherwise.
func (l *launch) command(sub string, program bool, stdin, stdout, stderr *os.File, env ...string) (*exec.Cmd, error) {
	var exe *os.File
	var err error
	if program {
		exe, err = nsexec.ProtectedInit()
	}
	if exe == nil && err == nil {
		exe, err = nsexec.ProtectedSelf()
	}
	if err != nil {
		return nil, err
	}
	l.give(fdExe, exe)
	return &exec.Cmd{
		Path:   "/proc/self/fd/" + strconv.Itoa(l.fds[fdExe]),
		Args:   []string{"gorunc", sub},
		Stdin:  stdin,
		Stdout: stdout,
		Stderr: stderr,
		// A new slice: nsexec's constructor appends its own files.
		ExtraFiles: append(preserved(l.preserve), l.files...),
		// A pids.max set before the container starts counts the
		// child's threads too (initthreads.go).
		Env: childEnv(l.fds[fdSync], env...),
	}, nil
}

// started closes the parent's copies of the child's files once the child
// has its own: only then does the parent see EOF on the sync socket, the
// log pipe and the report pipe when the child dies or closes its end.
func (l *launch) started() {
	for _, f := range l.owned {
		f.Close()
	}
	l.owned = nil
	l.logs.sent()
}

// close closes what started has not, waits (within a bound) until the
// child's log lines are relayed, and closes the parent's sync socket.
// Deferred before the undo of a failed child, so it runs after the child
// is reaped, whose end of the log pipe then is closed too.
func (l *launch) close() {
	l.started()
	l.logs.wait()
	l.sync.Close()
}
