package runtime

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCloseExtraFDs: both ways of marking fds close-on-exec (close_range,
// and the procfs listing kept for kernels before 5.11) mark every fd from
// first upwards and leave those below alone.
func TestCloseExtraFDs(t *testing.T) {
	for _, c := range []struct {
		name string
		mark func(first int) error
	}{
		{"close_range", closeExtraFDs},
		{"procfs listing", closeExecListed},
	} {
		t.Run(c.name, func(t *testing.T) {
			var below [2]int
			if err := unix.Pipe2(below[:], 0); err != nil {
				t.Fatal(err)
			}
			first := max(below[0], below[1]) + 1
			// Above first, and as inherited: no close-on-exec.
			above, err := unix.FcntlInt(uintptr(below[0]), unix.F_DUPFD, first+5)
			if err != nil {
				t.Fatal(err)
			}
			for _, fd := range []int{below[0], below[1], above} {
				defer unix.Close(fd)
			}
			if err := c.mark(first); err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				fd    int
				want  bool
				where string
			}{
				{below[0], false, "below first"}, {below[1], false, "below first"}, {above, true, "above first"},
			} {
				flags, err := unix.FcntlInt(uintptr(f.fd), unix.F_GETFD, 0)
				if err != nil {
					t.Fatal(err)
				}
				if got := flags&unix.FD_CLOEXEC != 0; got != f.want {
					t.Errorf("fd %d (%s): close-on-exec %v, want %v", f.fd, f.where, got, f.want)
				}
			}
		})
	}
}

// TestLastCap: probing PR_CAPBSET_READ finds the number the kernel
// publishes in /proc/sys/kernel/cap_last_cap (read here, in the test,
// where /proc is the host's).
func TestLastCap(t *testing.T) {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skipf("no cap_last_cap to compare with: %v", err)
	}
	want, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := lastCap()
	if err != nil {
		t.Fatal(err)
	}
	if int(got) != want {
		t.Errorf("lastCap() = %d, want %d", got, want)
	}
}
