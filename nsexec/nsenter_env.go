package nsexec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// NsenterEnvName is read by the constructor in nsenter.c.
const NsenterEnvName = "_GORUNC_NSENTER"

// NsenterEnv is the environment entry that makes a freshly started gorunc
// (or test binary) join the given namespaces of pid before its Go runtime
// starts, and report its child's pid on fd (see nsenter.c).
func NsenterEnv(fd, pid int, types []specs.LinuxNamespaceType) (string, error) {
	names := make([]string, 0, len(types))
	for _, t := range types {
		k, ok := kinds()[t]
		if !ok {
			return "", fmt.Errorf("unknown namespace type %q", t)
		}
		names = append(names, k.procNS)
	}
	return NsenterEnvName + "=" + strconv.Itoa(fd) + ":" + strconv.Itoa(pid) + ":" + strings.Join(names, ","), nil
}

// ReadNsenterPid reads the constructor's report: the pid of the process
// that runs on inside the namespaces, or the constructor's error.
func ReadNsenterPid(r io.Reader) (int, error) {
	return readPid(bufio.NewReader(r))
}

func readPid(br *bufio.Reader) (int, error) {
	line, err := readReport(br)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(line)
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("join namespaces: bad report %q", line)
	}
	return pid, nil
}

// readReport reads one line of the constructor's report, turning its
// "error: ..." line or a silent exit into an error.
func readReport(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "error: "); ok {
		return "", fmt.Errorf("join namespaces: %s", msg)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return "", errors.New("join namespaces: the helper exited without reporting")
		}
		return "", fmt.Errorf("join namespaces: read report: %w", err)
	}
	return line, nil
}
