package integration

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// runcOffsets are the offsets of runc's timens.bats.
var runcOffsets = map[string]specs.LinuxTimeOffset{
	"monotonic": {Secs: 7881, Nanosecs: 2718281},
	"boottime":  {Secs: 1337, Nanosecs: 3141519},
}

// needsTimens skips where the kernel has no time namespaces (Linux 5.6+).
func needsTimens(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/timens_offsets"); err != nil {
		t.Skipf("needs time namespaces (CONFIG_TIME_NS): %v", err)
	}
}

// wantOffsets checks /proc/self/timens_offsets as runc's test greps it.
func wantOffsets(t *testing.T, out string, mono, boot string) {
	t.Helper()
	for clock, v := range map[string]string{"monotonic": mono, "boottime": boot} {
		if !regexp.MustCompile(`(?m)^` + clock + `\s+` + strings.ReplaceAll(v, " ", `\s+`) + `$`).MatchString(out) {
			t.Errorf("timens_offsets %q: want %s %s", out, clock, v)
		}
	}
}

// TestTimeNamespaceAsRunc ports runc 1.5's timens.bats: offsets without a
// time namespace are refused; a time namespace without offsets has zero
// offsets; the offsets reach init, an exec'd process (runc issue 4635),
// and init in a user namespace too.
func TestTimeNamespaceAsRunc(t *testing.T) {
	needsTimens(t)
	timens := specs.LinuxNamespace{Type: specs.TimeNamespace}
	asRunc(t, nil, func(t *testing.T, e *env) {
		cgroup := e.spec.Linux.CgroupsPath
		fresh := func(sub string, args ...string) {
			e.spec = baseSpec(os.Getenv("ROOTFS"), args...)
			e.spec.Linux.CgroupsPath = cgroup + "-" + sub
		}
		t.Run("offsets with no timens", func(t *testing.T) {
			fresh("a", "cat", "/proc/self/timens_offsets")
			e.spec.Linux.TimeOffsets = runcOffsets
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "tn")
			if r.code == 0 || !strings.Contains(r.stderr, "time namespace offsets specified, but time namespace isn't enabled in the config") {
				t.Errorf("exit %d, stderr %q: want runc's refusal", r.code, r.stderr)
			}
			if out := e.must("list", "-q"); strings.TrimSpace(out) != "" {
				t.Errorf("left behind: %q", out)
			}
		})
		userns := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 0, Size: 65536}}
		for _, c := range []struct {
			name, sub  string
			offs       map[string]specs.LinuxTimeOffset
			userns     bool
			mono, boot string
		}{
			{"timens with no offsets", "b", nil, false, "0 0", "0 0"},
			{"simple timens", "c", runcOffsets, false, "7881 2718281", "1337 3141519"},
			{"timens and userns", "e", runcOffsets, true, "7881 2718281", "1337 3141519"},
		} {
			t.Run(c.name, func(t *testing.T) {
				fresh(c.sub, "cat", "/proc/self/timens_offsets")
				e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, timens)
				if c.userns {
					e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
					e.spec.Linux.UIDMappings, e.spec.Linux.GIDMappings = userns, userns
				}
				e.spec.Linux.TimeOffsets = c.offs
				e.writeSpec()
				wantOffsets(t, e.must("run", "--bundle", e.bundle, "tn"), c.mono, c.boot)
			})
		}
		t.Run("exec", func(t *testing.T) {
			fresh("d", "sleep", "100")
			e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, timens)
			e.spec.Linux.TimeOffsets = runcOffsets
			e.writeSpec()
			e.must("create", "--bundle", e.bundle, "tnx")
			defer e.run("delete", "-f", "tnx")
			// Before start, init has not exec'd into the namespace it
			// unshared (time_namespaces(7)): the exec must get it all
			// the same (as right after run -d, which does not wait for
			// init's execve).
			wantOffsets(t, e.must("exec", "tnx", "cat", "/proc/self/timens_offsets"), "7881 2718281", "1337 3141519")
			e.must("start", "tnx")
			wantOffsets(t, e.must("exec", "tnx", "cat", "/proc/self/timens_offsets"), "7881 2718281", "1337 3141519")
			// The clock itself is shifted: CLOCK_BOOTTIME in the
			// container is the host's plus 1337 s (busybox has no
			// clock reader; /proc/uptime follows CLOCK_BOOTTIME).
			var ts unix.Timespec
			unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
			up := strings.Fields(e.must("exec", "tnx", "cat", "/proc/uptime"))
			if len(up) == 0 || !uptimeNear(up[0], float64(ts.Sec)+1337) {
				t.Errorf("container uptime %v, host boottime %d s: want the host's + 1337", up, ts.Sec)
			}
		})
	})
}

// uptimeNear: /proc/uptime's first field is within 5 s of want.
func uptimeNear(field string, want float64) bool {
	got, err := strconv.ParseFloat(field, 64)
	if err != nil {
		return false
	}
	return got > want-5 && got < want+5
}
