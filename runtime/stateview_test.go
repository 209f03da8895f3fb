package runtime

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/cgroup"
)

// viewSeeds are state.json shapes decodeView must read as encoding/json
// reads them into a recordView, or leave to it (errCut).
func viewSeeds(t testing.TB) [][]byte {
	full, err := json.Marshal(&record{
		recordHead: recordHead{ID: "c1", Bundle: "/b", Rootfs: "/b/rootfs", Created: time.Date(2026, 11, 30, 21, 0, 0, 5, time.UTC),
			Owner: "root", InitPid: 42, InitStart: 7,
			Cgroup: cgroup.State{Version: 1, Paths: map[string]string{"freezer": "/sys/fs/cgroup/freezer/c1"}}},
		Spec: &specs.Spec{Version: "1.3.0", Process: &specs.Process{Args: []string{"sh", `-c`, `echo "}{\\"`}},
			Annotations: map[string]string{"a": "1", `q"}`: `\`}, Hostname: "h"},
	})
	if err != nil {
		t.Fatal(err)
	}
	seeds := [][]byte{full}
	for _, s := range []string{
		`{"id":"c1","spec":null}`,
		`{"spec":{"annotations":{"k":"v"}},"id":"c1"}`,
		`{"id":"c1", "spec" : { "annotations" : null } }`,
		`{"id":"c1","spec":{}}`,
		`{"id":"c1","spec":{"hostname":"x"}}`,
		`{"id":"c1","Spec":{"ANNOTATIONS":{"k":"v"}}}`,
		`{"id":"c1","spec":{"annotations":{"k":"v"}},"spec":{}}`,
		`{"id":"c1","sp\u0065c":{"annotations":{"k":"v"}}}`,
		`{"spec":{"annotations":{"k":"v"}}}`,
		`{}`, `{"id":"c1"}`, `{"id":"c1","spec":5}`, `{"id":"c1","spec":{"annotations":[1]}}`,
		`{"id":"c1","spec":{"process":{"args":["]"]},"annotations":{"k":"v"}}}`,
		`{"id":"c1","spec":{"a":"\\\\","annotations":{"k":"v"}}}`,
		`{"id":"c1","init_pid":12,"spec":{"annotations":{"k":"v"}},"owner":"u"}`,
		`{"id":"c1","spec":{"annotations":{"k":"v"}} x`, `{"id":"c1",}`, `{"id" "c1"}`, `[]`, ``, `"spec"`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// TestDecodeViewAsEncodingJSON: the lexical cut gives what encoding/json
// gives for every seed it accepts, and declines (errCut) or fails where
// it would be guessing.
func TestDecodeViewAsEncodingJSON(t *testing.T) {
	checkSeeds(t, "the lexical cut", viewSeeds(t), 10, checkView)
}

// FuzzDecodeView: whenever both decoders accept the bytes they agree.
//
//	go test -run '^$' -fuzz FuzzDecodeView -fuzztime 60s ./runtime
func FuzzDecodeView(f *testing.F) { fuzzSeeds(f, viewSeeds(f), checkView) }

// checkSeeds runs check on each seed, and fails t when fewer than min of
// them were decoded (check's true) rather than left to encoding/json.
func checkSeeds(t *testing.T, decoder string, seeds [][]byte, min int, check func(*testing.T, []byte) bool) {
	decoded := 0
	for _, data := range seeds {
		if check(t, data) {
			decoded++
		}
	}
	if decoded < min {
		t.Errorf("only %d seeds decoded by %s", decoded, decoder)
	}
}

func fuzzSeeds(f *testing.F, seeds [][]byte, check func(*testing.T, []byte) bool) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { check(t, data) })
}

// checkView reports whether decodeView accepted data, and fails t when
// what it decoded differs from encoding/json's recordView.
func checkView(t *testing.T, data []byte) bool {
	got, err := decodeView(data)
	if err != nil {
		return false
	}
	var v recordView
	if jerr := json.Unmarshal(data, &v); jerr != nil {
		// decodeView does not validate the spec beyond its
		// annotations; anything outside the spec it hands to
		// encoding/json, so only a bad spec may differ.
		var rest recordHead
		if _, _, cerr := cutMember(data, "spec"); cerr != nil || json.Unmarshal(mustCut(t, data), &rest) != nil {
			t.Errorf("%q: decodeView accepted what encoding/json refuses (%v)", data, jerr)
		}
		return true
	}
	if !reflect.DeepEqual(*got, v) {
		t.Errorf("%q:\ndecodeView    %+v %+v\nencoding/json %+v %+v", data, got.recordHead, got.Spec, v.recordHead, v.Spec)
	}
	return true
}

func mustCut(t *testing.T, data []byte) []byte {
	rest, _, err := cutMember(data, "spec")
	if err != nil {
		t.Fatal(err)
	}
	return rest
}

// TestRecordJSONUnchanged: record embeds recordHead, whose fields
// encoding/json promotes: state.json keeps its keys and their order, so
// state written by an older gorunc reads back and the other way round.
func TestRecordJSONUnchanged(t *testing.T) {
	data, err := json.Marshal(&record{recordHead: recordHead{ID: "c1", InitPid: 3}, Spec: &specs.Spec{Version: "1.3.0"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"c1","bundle":"","rootfs":"","created":"0001-01-01T00:00:00Z","owner":"","init_pid":3,"init_start":0,"cgroup":{"version":0,"paths":null},"spec":{"ociVersion":"1.3.0"}}`
	if string(data) != want {
		t.Errorf("state.json\n got %s\nwant %s", data, want)
	}
}

// listSeeds are viewSeeds and cgroup states in the shapes decodeListView
// must read as encoding/json reads them, or leave to it (errCut).
func listSeeds(t testing.TB) [][]byte {
	seeds := viewSeeds(t)
	for _, s := range []string{
		`{"id":"c1","init_pid":7,"init_start":0,"cgroup":{"version":1,"paths":{"cpu":"/c","freezer":"/f"},"created":["/c","/f"],"planned":null}}`,
		`{"id":"c1","cgroup":{"version":2,"paths":{"":"/sys/fs/cgroup/c1"},"root":"/sys/fs/cgroup","systemd":"system.slice:gorunc:c1","systemd_user":1000}}`,
		`{"id":"c1","cgroup":{"version":1,"paths":{"freezer":"/f"},"systemd_user":null}}`,
		`{"id":"c1","cgroup":{"version":1,"paths":null}}`, `{"id":"c1","cgroup":{"version":1,"paths":{}}}`, `{"id":"c1","cgroup":null}`,
		`{"id":"c1","cgroup":{"version":1,"paths":{"freezer":"/f","freezer":"/g"}}}`,
		`{"id":"c1","cgroup":{"version":1,"Paths":{"freezer":"/f"}}}`,
		`{"id":"c1","cgroup":{"version":1,"paths":{"Freezer":"/f"}}}`,
		`{"id":"c1","cgroup":{"version":"1"}}`, `{"id":"c1","cgroup":{"version":1,"paths":{"freezer":5}}}`,
		`{"id":"c1","cgroup":{"version":1,"paths":{"freezer":"/f\u00e9"}}}`, `{"id":"c1","cgroup":{"version":1,"paths":{"freezer":"/fé"}}}`,
		`{"id":"c1","init_pid":-1}`, `{"id":"c1","init_pid":1e3}`, `{"id":"c1","init_pid":01}`, `{"id":"c1","init_pid":99999999999999999999}`,
		`{"id":"c1","init_start":18446744073709551615}`, `{"id":"c1","init_pid":null}`, `{"id":null}`,
		`{"id":"c\"1"}`, `{"id":"c1","owner":"jos\u00e9"}`, `{"id":"c1","owner":"josé","bundle":"\xff"}`, `{"ID":"c1"}`, `{"id":"c1","id":"c2"}`,
		`{"id":"c1","created":"2026-11-30T21:00:00.000000005Z"}`, `{"id":"c1","created":"2026-11-30T21:00:00+01:00"}`,
		`{"id":"c1","created":"yesterday"}`, `{"id":"c1","created":null}`, `{"id":"c1","created":5}`,
		`{"id":"c1","unknown":{"a":[1,2,{"b":"}"}]},"status":"running"}`, "{\"id\":\"c1\",\"bundle\":\"a\tb\"}",
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// TestDecodeListViewAsEncodingJSON: decodeListView gives encoding/json's
// head, with the cgroup state Status reads, and the spec's annotations,
// for every seed it accepts, and declines where it would be guessing.
func TestDecodeListViewAsEncodingJSON(t *testing.T) {
	checkSeeds(t, "decodeListView", listSeeds(t), 20, checkListView)
}

// FuzzDecodeListView: whenever both decoders accept the bytes they agree.
//
//	go test -run '^$' -fuzz FuzzDecodeListView -fuzztime 60s ./runtime
func FuzzDecodeListView(f *testing.F) { fuzzSeeds(f, listSeeds(f), checkListView) }

// checkListView reports whether decodeListView accepted data, and fails
// t when what it decoded differs from encoding/json's recordView (its
// cgroup state cut to statusCgroup).
func checkListView(t *testing.T, data []byte) bool {
	paths := map[string]string{"stale": "/x"}
	got, annotations, err := decodeListView(data, "c1", paths)
	if err != nil {
		return false
	}
	var v recordView
	if jerr := json.Unmarshal(data, &v); jerr != nil {
		// Only the members decodeListView skips without validating
		// may hold what encoding/json refuses: the spec and the
		// cgroup state.
		var rest recordHead
		if json.Unmarshal(cutMembers(t, data, "spec", "cgroup"), &rest) != nil {
			t.Errorf("%q: decodeListView accepted what encoding/json refuses (%v)", data, jerr)
		}
		return true
	}
	want := v.recordHead
	want.Cgroup = statusCgroup(want.Cgroup)
	var wantAnnotations map[string]string
	if v.Spec != nil {
		wantAnnotations = v.Spec.Annotations
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(annotations, wantAnnotations) {
		t.Errorf("%q:\ndecodeListView %+v %v\nencoding/json  %+v %v", data, got, annotations, want, wantAnnotations)
	}
	return true
}

func cutMembers(t *testing.T, data []byte, keys ...string) []byte {
	for _, k := range keys {
		rest, _, err := cutMember(data, k)
		if err != nil {
			t.Fatal(err)
		}
		data = rest
	}
	return data
}

// statusCgroup is what Status reads of a cgroup state (through
// cgroup.IsFrozen): the version, the directory that holds the
// freezer state (v1 "freezer", v2 ""), the v2 root and the systemd unit.
// decodeListView decodes these only: the fuzz test's expectation.
func statusCgroup(st cgroup.State) cgroup.State {
	out := cgroup.State{Version: st.Version, Root: st.Root, Systemd: st.Systemd, SystemdUser: st.SystemdUser}
	for _, k := range statusPaths {
		if p, ok := st.Paths[k]; ok {
			if out.Paths == nil {
				out.Paths = map[string]string{}
			}
			out.Paths[k] = p
		}
	}
	return out
}
