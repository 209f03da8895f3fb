package runtime

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
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
