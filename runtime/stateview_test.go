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
	cut := 0
	for _, data := range viewSeeds(t) {
		if checkView(t, data) {
			cut++
		}
	}
	if cut < 10 {
		t.Errorf("only %d seeds decoded by the lexical cut", cut)
	}
}

// FuzzDecodeView: whenever both decoders accept the bytes they agree.
//
//	go test -run '^$' -fuzz FuzzDecodeView -fuzztime 60s ./runtime
func FuzzDecodeView(f *testing.F) {
	for _, s := range viewSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkView(t, data) })
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
