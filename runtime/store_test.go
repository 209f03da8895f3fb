package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
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

// TestListSweepsStaleNew: List removes a directory mkdirLocked left
// behind (a create killed between its mkdir and its rename) once it is a
// minute old and unlocked; a newer one, and an old one still locked, stay.
// None is listed.
func TestListSweepsStaleNew(t *testing.T) {
	s := Store{Root: t.TempDir()}
	old := time.Now().Add(-2 * staleNew).UnixNano()
	stale := fmt.Sprintf("%s%d~%d", newPrefix, 1, old)
	held := fmt.Sprintf("%s%d~%d", newPrefix, 2, old)
	recent := fmt.Sprintf("%s%d~%d", newPrefix, 3, time.Now().UnixNano())
	for _, n := range []string{stale, held, recent, "c1"} {
		if err := os.Mkdir(filepath.Join(s.Root, n), 0o711); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(s.Root, held))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ids, err := s.List()
	if err != nil || len(ids) != 1 || ids[0] != "c1" {
		t.Fatalf("List = %v, %v", ids, err)
	}
	for n, want := range map[string]bool{stale: false, held: true, recent: true} {
		if _, err := os.Stat(filepath.Join(s.Root, n)); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", n, err == nil, want)
		}
	}
}

// fillAll sets every field v reaches to a value that is not its zero (a
// string to s, numbers to n, a map and a slice to two entries, a pointer
// to a filled value), so that json.Marshal writes each one.
func fillAll(v reflect.Value, s string, n int64) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(n)
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		v.SetUint(uint64(n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, k := range []string{"zeta" + s, "alpha" + s} {
			e := reflect.New(v.Type().Elem()).Elem()
			fillAll(e, s+k, n)
			m.SetMapIndex(reflect.ValueOf(k), e)
		}
		v.Set(m)
	case reflect.Slice:
		sl := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillAll(sl.Index(i), s+strconv.Itoa(i), n+int64(i))
		}
		v.Set(sl)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillAll(p.Elem(), s, n)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 2, 21, 5, 7, 123456789, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillAll(v.Field(i), s, n)
			}
		}
	}
}

// appendRecord writes what json.Marshal writes for state.json, byte for
// byte: with every field of the record (and of the cgroup state in it)
// set, with none set, and with strings and a spec that need escaping.
func TestAppendRecordMatchesMarshal(t *testing.T) {
	var full recordHead
	fillAll(reflect.ValueOf(&full).Elem(), `p<a>&"th\`+"\u2028\xff\n", 7)
	var empty recordHead
	emptyMap := recordHead{Cgroup: cgroup.State{Paths: map[string]string{}, Created: []string{}}}
	specs := []string{`{}`, "{\n  \"ociVersion\": \"1.0.2\",\n  \"annotations\": {\"a\": \"<b>&c\u2028\"}\n}", `null`}
	for _, h := range []recordHead{full, empty, emptyMap} {
		for _, spec := range specs {
			want, err := json.Marshal(recordFile{h, json.RawMessage(spec)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendRecord(nil, &h, json.RawMessage(spec))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		}
	}
	if _, err := appendRecord(nil, &empty, json.RawMessage(`{"a":`)); err == nil {
		t.Error("a spec that is not JSON: no error")
	}
}
