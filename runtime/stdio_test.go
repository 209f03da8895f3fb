package runtime

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestPipeOwner(t *testing.T) {
	userns := []specs.LinuxNamespace{{Type: specs.UserNamespace}}
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 1000}, {ContainerID: 1000, HostID: 5000, Size: 1}}
	for _, c := range []struct {
		name     string
		uid      uint32
		linux    *specs.Linux
		wantUID  int
		wantGID  int
		noProces bool
	}{
		{name: "no user namespace: the ids as they are", uid: 1000, linux: &specs.Linux{}, wantUID: 1000, wantGID: 0},
		{name: "no process: root", noProces: true, linux: &specs.Linux{}, wantUID: 0, wantGID: 0},
		{name: "mapped root", uid: 0, linux: &specs.Linux{Namespaces: userns, UIDMappings: maps, GIDMappings: maps}, wantUID: 100000, wantGID: 100000},
		{name: "mapped user, second range", uid: 1000, linux: &specs.Linux{Namespaces: userns, UIDMappings: maps, GIDMappings: maps}, wantUID: 5000, wantGID: 100000},
		{name: "inside the first range", uid: 999, linux: &specs.Linux{Namespaces: userns, UIDMappings: maps, GIDMappings: maps}, wantUID: 100999, wantGID: 100000},
		{name: "unmapped user", uid: 2000, linux: &specs.Linux{Namespaces: userns, UIDMappings: maps, GIDMappings: maps}, wantUID: -1, wantGID: 100000},
		{name: "joined by path: no mappings known", uid: 0, linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.UserNamespace, Path: "/proc/1/ns/user"}}}, wantUID: -1, wantGID: -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := &specs.Spec{Linux: c.linux}
			if !c.noProces {
				spec.Process = &specs.Process{User: specs.User{UID: c.uid}}
			}
			uid, gid := pipeOwner(spec)
			if uid != c.wantUID || gid != c.wantGID {
				t.Errorf("owner %d:%d, want %d:%d", uid, gid, c.wantUID, c.wantGID)
			}
		})
	}
}

// slowWriter stalls its first write, as a caller reading its stdout slowly
// does, so that output is still in the pipe when finish stops waiting.
type slowWriter struct {
	stall time.Duration
	buf   bytes.Buffer
}

func (w *slowWriter) Write(p []byte) (int, error) {
	if w.buf.Len() == 0 {
		time.Sleep(w.stall)
	}
	return w.buf.Write(p)
}

// TestStdioPipesLastOutput: once the process has exited, its output
// arrives whole, however slowly the caller reads; a holder of the write
// end (a background child) is waited for, and what it writes later
// arrives too (runc's behaviour: giving up would SIGPIPE it).
func TestStdioPipesLastOutput(t *testing.T) {
	// 48 KiB: more than one copy buffer, less than a pipe holds (a
	// writer cannot exit with more unread).
	data := bytes.Repeat([]byte("0123456789abcdef"), 3<<10)
	const held = 300 * time.Millisecond
	for _, c := range []struct {
		name   string
		holder bool
		stall  time.Duration
	}{
		{name: "writers gone"},
		{name: "writers gone, slow caller", stall: 200 * time.Millisecond},
		{name: "held open: waits for the holder and its late output", holder: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := &slowWriter{stall: c.stall}
			p, err := newStdioPipes(-1, -1, strings.NewReader(""), out, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.child[1].Write(data); err != nil {
				t.Fatal(err)
			}
			want := data
			// Taken before the holder starts its sleep: its late write
			// comes no sooner than held after this, however the
			// goroutines are scheduled (taken after closeChild, a busy
			// machine made the bound fail).
			start := time.Now()
			if c.holder {
				fd, err := unix.Dup(int(p.child[1].Fd()))
				if err != nil {
					t.Fatal(err)
				}
				late := []byte("late\n")
				want = append(append([]byte{}, data...), late...)
				go func() {
					time.Sleep(held)
					unix.Write(fd, late)
					unix.Close(fd)
				}()
			}
			p.closeChild()
			done := make(chan struct{})
			go func() { p.finish(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("finish did not return after every writer was gone")
			}
			if took := time.Since(start); c.holder && took < held {
				t.Errorf("finish returned after %v, before the holder closed its end (%v)", took, held)
			}
			if !bytes.Equal(out.buf.Bytes(), want) {
				t.Errorf("copied %d bytes, want %d", out.buf.Len(), len(want))
			}
		})
	}
}

// TestStdioPipesStdinEOF: the process's stdin ends where the caller's does.
func TestStdioPipesStdinEOF(t *testing.T) {
	in := strings.Repeat("line of stdin\n", 10000)
	p, err := newStdioPipes(-1, -1, strings.NewReader(in), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []byte)
	go func() {
		got, _ := io.ReadAll(p.child[0])
		done <- got
	}()
	select {
	case got := <-done:
		if string(got) != in {
			t.Errorf("process read %d bytes, want %d", len(got), len(in))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("process's stdin did not end at the caller's EOF")
	}
	p.closeChild()
	p.finish()
}
