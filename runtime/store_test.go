package runtime

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestTryAcquire: while one holder has a container's lock, tryAcquire
// answers errLocked at once (delete --force bounds its wait with it) and
// holder names the holding process from /proc/locks; once released, the
// lock is taken; a missing container is ErrNotExist.
func TestTryAcquire(t *testing.T) {
	s := Store{Root: t.TempDir()}
	l, err := s.mkdirLocked("c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.tryAcquire("c1"); !errors.Is(err, errLocked) {
		t.Fatalf("tryAcquire while held: %v, want errLocked", err)
	}
	if h, want := s.holder("c1"), "pid "+strconv.Itoa(os.Getpid())+" ("; !strings.HasPrefix(h, want) {
		t.Errorf("holder = %q, want it to start with %q", h, want)
	}
	l.unlock()
	l2, err := s.tryAcquire("c1")
	if err != nil {
		t.Fatalf("tryAcquire after release: %v", err)
	}
	l2.unlock()
	if h := s.holder("c1"); h != "" {
		t.Errorf("holder of a free lock = %q, want none", h)
	}
	if _, err := s.tryAcquire("nope"); !errors.Is(err, ErrNotExist) {
		t.Errorf("tryAcquire of a missing container: %v, want ErrNotExist", err)
	}
}

// TestNewContainerNeverUnlocked: a container's directory appears already
// locked by its create, so no other command can take the lock and read a
// container with no state yet (the stress tier's kill during create once
// did, between the mkdir and the flock, and answered "cgroups not
// configured for container"). A duplicate id is still refused, and the
// directory being made is not listed.
func TestNewContainerNeverUnlocked(t *testing.T) {
	s := Store{Root: t.TempDir()}
	const id = "c1"
	for i := 0; i < 500; i++ {
		stop := make(chan struct{})
		got := make(chan bool, 1)
		go func() {
			took := false
			for {
				select {
				case <-stop:
					got <- took
					return
				default:
				}
				if l, err := s.tryAcquire(id); err == nil {
					took = true
					l.unlock()
				}
			}
		}()
		l, err := s.mkdirLocked(id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.mkdirLocked(id); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("duplicate id: %v", err)
		}
		if ids, err := s.List(); err != nil || len(ids) != 1 || ids[0] != id {
			t.Fatalf("List = %v, %v", ids, err)
		}
		// Removed while still held: the observer can only win the
		// lock of a directory that was never locked.
		if err := os.Remove(s.dir(id)); err != nil {
			t.Fatal(err)
		}
		l.unlock()
		close(stop)
		if <-got {
			t.Fatalf("round %d: another command took the lock of a container being created", i)
		}
	}
	if ents, _ := os.ReadDir(s.Root); len(ents) != 0 {
		t.Errorf("left in the root: %v", ents)
	}
}

// TestKillWithoutState: a container directory without state (a create
// that died before its first write) has no init to signal: SIGKILL says
// "container not running" as any other signal does, not the cgroup's
// "cgroups not configured for container".
func TestKillWithoutState(t *testing.T) {
	s := Store{Root: t.TempDir()}
	if err := os.Mkdir(s.dir("half"), 0o711); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []unix.Signal{unix.SIGKILL, unix.SIGTERM} {
		if err := s.Kill("half", sig, false); !errors.Is(err, ErrNotRunning) {
			t.Errorf("kill %v: %v, want %v", sig, err, ErrNotRunning)
		}
	}
}
