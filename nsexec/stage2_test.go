//go:build cgo && linux

package nsexec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// plan builds a stage 2 plan as runtime/stage2.go does (the format
// is nsexec/stage2.c's).
type plan struct{ b []byte }

func (p *plan) u32(v uint32) *plan { p.b = binary.LittleEndian.AppendUint32(p.b, v); return p }
func (p *plan) str(s string) *plan { p.u32(uint32(len(s))); p.b = append(p.b, s...); return p }
func (p *plan) strs(v ...string) *plan {
	p.u32(uint32(len(v)))
	for _, s := range v {
		p.str(s)
	}
	return p
}

// startStage2 starts the test binary as stage 2 with data as its plan and
// the given extra files (fd 4 on); wait returns its stderr and exit code.
func startStage2(t *testing.T, data []byte, extra ...*os.File) (wait func() (string, int)) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "plan")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.ExtraFiles = append([]*os.File{f}, extra...)
	cmd.Env = []string{"_GORUNC_STAGE2=3"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	return func() (string, int) {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("stage 2 still running after 10 s: %s", stderr.String())
		}
		return stderr.String(), cmd.ProcessState.ExitCode()
	}
}

// TestStage2RefusesBadPlans: a plan that is short, too long, lies about a
// length or a count, or holds a NUL in a string ends stage 2 with one line
// in init's words and exit 127, before it touches any fd the plan names.
func TestStage2RefusesBadPlans(t *testing.T) {
	head := func() *plan { return (&plan{}).u32(0x32535247).u32(0).u32(90).u32(91).u32(92) }
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "bad plan size"},
		{"magic", (&plan{}).u32(1).u32(0).b, "not a plan"},
		{"truncated", head().b, "truncated plan"},
		{"string-too-long", head().u32(1 << 30).b, "truncated plan"},
		{"argc-too-big", head().str("ready\n").str("/bin/true").u32(1 << 30).b, "bad string count"},
		{"nul", head().str("rea\x00dy").b, "NUL in a plan string"},
		{"no-argv", head().str("r").str("/bin/true").strs().strs().b, "empty argv"},
		{"trailing", head().str("r").str("/bin/true").strs("true").strs().u32(7).b, "trailing bytes"},
		{"seccomp-len", (&plan{}).u32(0x32535247).u32(2).u32(90).u32(91).u32(92).str("r").str("/bin/true").strs("true").strs().u32(0).u32(5000).b, "bad seccomp program length"},
		{"hook-count", (&plan{}).u32(0x32535247).u32(4).u32(90).u32(91).u32(92).str("r").str("/bin/true").strs("true").strs().str("{}").u32(1 << 20).b, "bad hook count"},
	}
	const prefix = "gorunc: unable to start container process: error during container init: stage 2: "
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stderr, code := startStage2(t, c.data)()
			if code != 127 || !strings.HasPrefix(stderr, prefix) || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 127 and one line %q...%q", code, stderr, prefix, c.want)
			}
		})
	}
}

// TestStage2Lifecycle: a valid plan sends the ready bytes on the sync fd,
// blocks on the fifo until it is opened for reading, writes one byte and
// execs the process with the plan's argv and env.
func TestStage2Lifecycle(t *testing.T) {
	dir := t.TempDir()
	// Stage 2 reopens the fifo as "<fifo fd>" in its fd directory: here
	// a directory where "5" is the fifo itself.
	fifoPath := filepath.Join(dir, "5")
	if err := unix.Mkfifo(fifoPath, 0o600); err != nil {
		t.Fatal(err)
	}
	fifo, err := os.OpenFile(fifoPath, unix.O_PATH, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fifo.Close()
	fdDir, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fdDir.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := filepath.Join(dir, "out")
	// Fds in stage 2: 3 plan, 4 sync, 5 fifo, 6 fd dir.
	data := (&plan{}).u32(0x32535247).u32(0).u32(4).u32(5).u32(6).str("{\"type\":\"ready\"}\n").
		str("/bin/sh").strs("sh", "-c", `echo "$0 $V" > `+out+`; ls /proc/self/fd > `+out+`.fds`, "arg0").strs("V=from-plan").b
	wait := startStage2(t, data, w, fifo, fdDir)
	w.Close()
	ready := make([]byte, 64)
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _ := r.Read(ready)
	if got := string(ready[:n]); got != "{\"type\":\"ready\"}\n" {
		stderr, code := wait()
		t.Fatalf("sync fd got %q; stage 2: exit %d, %s", got, code, stderr)
	}
	// As `gorunc start`: open for reading, read the byte (without
	// blocking: a failed stage 2 never opens the fifo).
	rd, err := os.OpenFile(fifoPath, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	rd.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		n, err := rd.Read(b)
		if n == 1 {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			stderr, code := wait()
			t.Fatalf("fifo read: %d, %v; stage 2: exit %d, %s", n, err, code, stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rd.Close()
	if stderr, code := wait(); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ = os.ReadFile(out)
	if string(data) != "arg0 from-plan\n" {
		t.Errorf("process wrote %q", data)
	}
	// None of stage 2's fds (the plan's 3 is ls's own directory by then)
	// reaches the process.
	fds, _ := os.ReadFile(out + ".fds")
	for _, fd := range strings.Fields(string(fds)) {
		if n, _ := strconv.Atoi(fd); n >= 4 && n <= 6 {
			t.Errorf("fd %s reached the process (fds %q)", fd, fds)
		}
	}
}

// TestStage2ExecPlan: exec-init's plan (flag 8) sends the ready bytes,
// opens no fifo (its fifo and fd-dir fds, 0 here, are never touched: stdin
// stays open in the process) and execs the process; a failed execve says
// so in exec-init's words, not init's; hooks in such a plan are refused.
func TestStage2ExecPlan(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	head := func() *plan {
		return (&plan{}).u32(0x32535247).u32(8).u32(4).u32(0).u32(0).str("{\"type\":\"ready\"}\n")
	}
	cases := []struct {
		name      string
		data      []byte
		ready     bool
		wantErr   string
		wantWrote string
	}{
		// fd 0 kept, the sync fd (4) closed: the test's own
		// inherited fds may show too.
		{"exec", head().str("/bin/sh").strs("sh", "-c", `echo "$0 $V" > `+out+`; [ -e /proc/self/fd/0 ] && [ ! -e /proc/self/fd/4 ] && echo fds >> `+out, "arg0").strs("V=x").b, true, "", "arg0 x\nfds\n"},
		{"exec-fails", head().str("/no/such").strs("x").strs().b, true, "gorunc: unable to start container process: exec: \"/no/such\": no such file or directory\n", ""},
		{"hooks-refused", (&plan{}).u32(0x32535247).u32(8 | 4).u32(4).u32(0).u32(0).str("r").str("/bin/true").strs("true").strs().str("{}").u32(0).b, false,
			"gorunc: unable to start container process: stage 2: hooks in exec-init's plan\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(out)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			wait := startStage2(t, c.data, w)
			w.Close()
			r.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, _ := io.ReadAll(r)
			stderr, code := wait()
			if (string(got) == "{\"type\":\"ready\"}\n") != c.ready {
				t.Errorf("sync fd got %q (stage 2: exit %d, %s)", got, code, stderr)
			}
			if stderr != c.wantErr || (c.wantErr != "") != (code == 127) {
				t.Errorf("exit %d, stderr %q; want %q", code, stderr, c.wantErr)
			}
			if wrote, _ := os.ReadFile(out); string(wrote) != c.wantWrote {
				t.Errorf("process wrote %q, want %q", wrote, c.wantWrote)
			}
		})
	}
}
