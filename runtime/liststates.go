package runtime

import (
	"runtime"
	"sync"
)

// ListStates is, for each id in order, Get(id) then State: what `list`
// prints. Ids whose state cannot be read (deleted while we listed, or
// corrupt) are left out, as runc's list leaves them.
//
// With many containers this is `list`'s time, and what it allocates is
// the rest: on this kind of host a fresh heap page faults for 10-20 us
// and each GC cycle starts workers (docs/performance.md "list, session
// 6"). So each container's state.json is read into one buffer reused
// for all (one read when it fits), decoded lexically for what Status
// and State read (decodeListView), and the containers are split between
// the CPUs: they are independent, and the kernel's work per container
// (three files opened, read and closed, the fifo's lstat) is most of it.
func (s Store) ListStates(ids []string) []State {
	states := make([]State, len(ids))
	ok := make([]bool, len(ids))
	// A worker costs a goroutine and, when the runtime has no idle
	// thread, a thread: not worth it for a few containers.
	workers := min(runtime.GOMAXPROCS(0), len(ids)/listPerWorker)
	if workers <= 1 {
		s.listRange(ids, states, ok)
	} else {
		var wg sync.WaitGroup
		per := (len(ids) + workers - 1) / workers
		for from := 0; from < len(ids); from += per {
			to := min(from+per, len(ids))
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.listRange(ids[from:to], states[from:to], ok[from:to])
			}()
		}
		wg.Wait()
	}
	out := states[:0]
	for i, st := range states {
		if ok[i] {
			out = append(out, st)
		}
	}
	return out
}

// listPerWorker is how many containers make another worker worth it.
const listPerWorker = 64

// listRange fills states[i] (and ok[i]) for ids[i], with one state.json
// buffer, one record and one map of cgroup paths for the range: a
// State holds none of them.
func (s Store) listRange(ids []string, states []State, ok []bool) {
	buf := make([]byte, 0, 4096)
	rec := &record{}
	paths := map[string]string{}
	for i, id := range ids {
		states[i], ok[i], buf = s.listState(id, buf, rec, paths)
	}
}

// listState is Get(id).State() for ListStates: state.json read into buf
// (returned, grown if it had to be), decoded into rec, the cgroup paths
// Status reads into paths (decodeListView), and false for an id Get
// fails on.
func (s Store) listState(id string, buf []byte, rec *record, paths map[string]string) (State, bool, []byte) {
	data, found, err := s.readState(id, buf)
	if err != nil {
		return State{}, false, buf
	}
	if cap(data) > cap(buf) {
		buf = data[:0]
	}
	*rec = record{recordHead: recordHead{ID: id}}
	c := Container{store: s, rec: rec}
	if found {
		if c.rec.recordHead, c.viewAnnotations, err = decodeListView(data, id, paths); err != nil {
			if c.rec.recordHead, c.viewAnnotations, err = viewOf(data); err != nil {
				return State{}, false, buf
			}
		}
	}
	return c.State(), true, buf
}
