package nsexec

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// joined is one linux.namespaces entry with a path, opened and checked.
type joined struct {
	ns specs.LinuxNamespace
	f  *os.File
}

// needsConstructor reports whether init must be started through the
// nsenter constructor: setns(2) into a mount or user namespace fails with
// EINVAL for a multi-threaded caller, and every Go process is one.
func needsConstructor(join []joined) bool {
	for _, j := range join {
		if j.ns.Type == specs.MountNamespace || j.ns.Type == specs.UserNamespace {
			return true
		}
	}
	return false
}

// ValidateJoin checks the combinations of joined namespaces and id maps
// that cannot work, before anything is created.
func ValidateJoin(nss []specs.LinuxNamespace, uidMaps, gidMaps []specs.LinuxIDMapping) error {
	var userNew, mntJoined bool
	for i, ns := range nss {
		switch {
		case ns.Type == specs.UserNamespace && ns.Path != "" && len(uidMaps)+len(gidMaps) > 0:
			// The maps of an existing namespace are written once, by
			// whoever made it (user_namespaces(7)).
			return fmt.Errorf("linux.namespaces[%d]: user namespace %s is joined by path, so linux.uidMappings and linux.gidMappings must be absent", i, ns.Path)
		case ns.Type == specs.UserNamespace && ns.Path == "":
			userNew = true
		case ns.Type == specs.MountNamespace && ns.Path != "":
			mntJoined = true
		}
	}
	if userNew && mntJoined {
		// A mount namespace is owned by the user namespace it was made
		// in: root of a new user namespace could not mount anything in
		// it, and setns into it after unshare(CLONE_NEWUSER) is EPERM.
		return errors.New("linux.namespaces: a new user namespace cannot be combined with a mount namespace joined by path (it is owned by another user namespace); join the user namespace too")
	}
	return nil
}

// startConstructor starts cmd (gorunc init) through the nsenter
// constructor (nsenter.c): P1 joins the opened namespaces in setns(2)
// order, unshares the types in unshare, forks init and exits. We are made
// a child subreaper so that init, orphaned by P1, is re-parented to us and
// can be waited for (`run` in the foreground does). With "user" in
// unshare, P1 unshares it first and asks us for its id maps (maps is
// non-nil then):
//
//	gorunc create                          P1 (constructor)        P2 = init
//	open + NS_GET_NSTYPE each path
//	PR_SET_CHILD_SUBREAPER
//	start init, fds + _GORUNC_NSENTER ---> PR_SET_DUMPABLE 0
//	                                       setns user..mnt
//	                                       [unshare user
//	write /proc/P1/{uid,gid}_map <-------- "maps"
//	ack -------------------------------->  become uid/gid 0]
//	                                       unshare(new types)
//	                                       fork ------------------> Go starts,
//	read P2's pid <----------------------- report pid, exit          blocks on the
//	wait P1; P2 is now our child                                     sync socket
func startConstructor(cmd *exec.Cmd, join []joined, unshare []string, maps *idMaps) (*os.Process, error) {
	if !NsenterAvailable {
		return nil, errors.New("joining a mount or user namespace by path needs a gorunc built with cgo (`make build`)")
	}
	// A socket, not a pipe: P1 waits on it for its id maps.
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("create report socket: %w", err)
	}
	report, w := os.NewFile(uintptr(fds[0]), "nsenter-report"), os.NewFile(uintptr(fds[1]), "nsenter-report-child")
	defer report.Close()
	defer w.Close()
	reportFD := 3 + len(cmd.ExtraFiles)
	cmd.ExtraFiles = append(cmd.ExtraFiles, w)
	tokens := make([]string, 0, len(join))
	for _, j := range join {
		tokens = append(tokens, kinds()[j.ns.Type].procNS+"="+strconv.Itoa(3+len(cmd.ExtraFiles)))
		cmd.ExtraFiles = append(cmd.ExtraFiles, j.f)
	}
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d:0:%s:%s", NsenterEnvName, reportFD, strings.Join(tokens, ","), strings.Join(unshare, ",")))
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("become child subreaper: %w", err)
	}
	if err := StartAsCaller(cmd.Start); err != nil {
		return nil, err
	}
	w.Close()
	pid, rerr := readConstructor(report, cmd.Process.Pid, maps)
	werr := cmd.Wait()
	if rerr != nil {
		return nil, rerr
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return nil, fmt.Errorf("find init %d: %w", pid, err)
	}
	if werr != nil {
		proc.Kill()
		proc.Wait()
		return nil, fmt.Errorf("join namespaces: %w", werr)
	}
	return proc, nil
}

// idMaps are the mappings of a new user namespace.
type idMaps struct {
	uid, gid []specs.LinuxIDMapping
}

// readConstructor answers P1's request for id maps, if it makes one, and
// returns the pid P1 reports. On error P1 is killed (it may be waiting for
// its maps), so the caller's Wait returns.
func readConstructor(report *os.File, p1 int, maps *idMaps) (int, error) {
	br := bufio.NewReader(report)
	line, err := readReport(br)
	if err == nil && line == "maps" {
		if maps == nil {
			err = errors.New("join namespaces: the helper asked for id maps, but no user namespace is new")
		} else if err = maps.write(p1); err == nil {
			if _, err = report.Write([]byte{0}); err != nil {
				err = fmt.Errorf("join namespaces: acknowledge id maps: %w", err)
			}
		}
		if err == nil {
			return readPid(br)
		}
	} else if err == nil {
		pid, perr := strconv.Atoi(line)
		if perr == nil && pid > 0 {
			return pid, nil
		}
		err = fmt.Errorf("join namespaces: bad report %q", line)
	}
	unix.Kill(p1, unix.SIGKILL)
	return 0, err
}
