package runtime

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"

	"github.com/gorunc/gorunc/cgroup"
	"github.com/gorunc/gorunc/internal/lazyjson"
	"github.com/gorunc/gorunc/rootfs"
	"github.com/gorunc/gorunc/seccomp"
)

var otherPlatforms = map[string]bool{"Solaris": true, "Windows": true, "VM": true, "ZOS": true, "FreeBSD": true}

// mirrors checks that view's fields are full's, by name, type and tag, but
// for those in other (name to the type view has instead), and that the
// fields of full that view lacks are exactly skipped.
func mirrors(t *testing.T, view, full reflect.Type, other map[string]reflect.Type, skipped map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, v := range reflect.VisibleFields(view) {
		if v.Anonymous {
			continue
		}
		f, ok := full.FieldByName(v.Name)
		if !ok {
			t.Errorf("%s.%s: no such field in %s", view.Name(), v.Name, full)
			continue
		}
		seen[v.Name] = true
		want := f.Type
		if o, ok := other[v.Name]; ok {
			want = o
		}
		if v.Type != want || v.Tag != f.Tag && !strings.HasPrefix(string(f.Tag), string(v.Tag)+" platform:") {
			t.Errorf("%s.%s is %v `%s`, want %v `%s`", view.Name(), v.Name, v.Type, v.Tag, want, f.Tag)
		}
	}
	for i := 0; i < full.NumField(); i++ {
		if n := full.Field(i).Name; !seen[n] && !skipped[n] {
			t.Errorf("%s.%s is missing from %s", full, n, view.Name())
		}
		if n := full.Field(i).Name; seen[n] && skipped[n] {
			t.Errorf("%s.%s is in %s, which should skip it", full, n, view.Name())
		}
	}
}

// TestSpecFileMirrorsSpec: specFile decodes what specs.Spec decodes; a new
// field of runtime-spec fails this until it is added.
func TestSpecFileMirrorsSpec(t *testing.T) {
	raw := reflect.TypeOf(json.RawMessage{})
	other := map[string]reflect.Type{}
	for n := range otherPlatforms {
		other[n] = raw
	}
	mirrors(t, reflect.TypeOf(specFile{}), reflect.TypeOf(specs.Spec{}), other, nil)
}

// TestInitSpecMirrorsSpec: what initSpec keeps is specs.Spec's, and what
// it skips is the list its comment names (which init must not read).
func TestInitSpecMirrorsSpec(t *testing.T) {
	mirrors(t, reflect.TypeOf(initSpec{}), reflect.TypeOf(specs.Spec{}),
		map[string]reflect.Type{"Linux": reflect.TypeOf(&initLinux{})}, otherPlatforms)
	mirrors(t, reflect.TypeOf(initLinux{}), reflect.TypeOf(specs.Linux{}),
		map[string]reflect.Type{"Resources": reflect.TypeOf(&initResources{})},
		map[string]bool{"NetDevices": true, "Seccomp": true, "IntelRdt": true})
	mirrors(t, reflect.TypeOf(initResources{}), reflect.TypeOf(specs.LinuxResources{}), nil,
		map[string]bool{"Devices": true, "Memory": true, "Pids": true, "BlockIO": true, "HugepageLimits": true, "Network": true, "Rdma": true, "Unified": true})
}

// reaches reports whether encoding/json, handed t, would build its caches
// for target: whether target is among the types t's exported fields reach.
func reaches(t, target reflect.Type, seen map[reflect.Type]bool) bool {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
			continue
		case reflect.Map:
			if reaches(t.Key(), target, seen) {
				return true
			}
			t = t.Elem()
			continue
		}
		break
	}
	if t == target {
		return true
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return false
	}
	seen[t] = true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous || f.Tag.Get("json") == "-" {
			continue
		}
		if reaches(f.Type, target, seen) {
			return true
		}
	}
	return false
}

// TestHotPathTypesAvoidSpecGraph: no type create, run or init hand to
// encoding/json reaches specs.Spec, whose first use builds caches for all
// of it (specjson.go), nor init's view the sections only the parent uses.
func TestHotPathTypesAvoidSpecGraph(t *testing.T) {
	for _, c := range []struct {
		typ    any
		target any
	}{
		{message{}, specs.Spec{}},
		{recordFile{}, specs.Spec{}},
		{specFile{}, specs.Spec{}},
		{specFile{}, specs.Windows{}},
		{initSpec{}, specs.Spec{}},
		{initSpec{}, specs.LinuxResources{}},
		{initSpec{}, specs.LinuxSeccomp{}},
	} {
		if reaches(reflect.TypeOf(c.typ), reflect.TypeOf(c.target), map[reflect.Type]bool{}) {
			t.Errorf("%T reaches %T", c.typ, c.target)
		}
	}
}

// specSeeds are config.json shapes decodeSpec must decode as
// json.Unmarshal into a specs.Spec does, error included.
var specSeeds = []string{
	`{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"pid"}],"resources":{"memory":{"limit":1}}},"annotations":{"a":"b"}}`,
	`{"ociVersion":"1.0.2","windows":{"layerFolders":["x"]}}`,
	`{"ociVersion":"1.0.2","WINDOWS":null,"Process":{"args":["sh"]}}`,
	`{"ociVersion":"1.0.2","vm":{"hypervisor":{"path":5}}}`,
	`{"ociVersion":"1.0.2","solaris":{},"zos":{},"freebsd":{}}`,
	`{"ociVersion":"1.0.2","linux":{"resources":{"memory":{"limit":"x"}}}}`,
	`{"ociVersion":"1.0.2","process":{"user":{"uid":-1}},"windows":{"layerFolders":5}}`,
	`{"ociVersion":1}`, `[]`, `"x"`, `null`, `{"ociVersion":"1.0.2"} x`, `{`, ``,
	`{"ociVersion":"1.0.2","unknown":{"x":1},"hostname":"h","hostname":"i"}`,
}

func TestDecodeSpecAsUnmarshal(t *testing.T) {
	for _, data := range specSeeds {
		var want specs.Spec
		werr := json.Unmarshal([]byte(data), &want)
		got, err := decodeSpec([]byte(data))
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Errorf("decodeSpec(%s): error %v, want %v", data, err, werr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, &want) {
			t.Errorf("decodeSpec(%s) = %+v, want %+v", data, got, &want)
		}
	}
}

// TestDecodeInitSpec: init's spec is the parent's, but for the fields
// initSpec skips.
func TestDecodeInitSpec(t *testing.T) {
	full := DefaultSpec(false, true)
	full.Linux.Resources.CPU = &specs.LinuxCPU{Cpus: "0-1"}
	full.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	full.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth0": {Name: "eth1"}}
	full.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}}
	full.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}}}
	data, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeInitSpec(data)
	if err != nil {
		t.Fatal(err)
	}
	want := *full
	l := *full.Linux
	l.Resources = &specs.LinuxResources{CPU: full.Linux.Resources.CPU}
	l.Seccomp, l.NetDevices = nil, nil
	want.Linux = &l
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("decodeInitSpec = %+v\nwant %+v", got, &want)
	}
}

// TestStateKeepsConfigBytes: state.json holds config.json's bytes
// (compacted, HTML-escaped as json.Marshal does) when create did not change the spec, reads back as the
// spec, and is otherwise what encoding the whole record gave.
func TestStateKeepsConfigBytes(t *testing.T) {
	s := Store{Root: t.TempDir()}
	l, err := s.mkdirLocked("c1")
	if err != nil {
		t.Fatal(err)
	}
	defer l.unlock()
	config := []byte("{\n  \"ociVersion\": \"1.0.2\", \"x-unknown\": [1, 2],\n  \"process\": {\"args\": [\"<sh>\"], \"cwd\": \"/\"},\n  \"annotations\": {\"k\": \"v\"}\n}\n")
	spec, err := decodeSpec(config)
	if err != nil {
		t.Fatal(err)
	}
	head := recordHead{ID: "c1", Bundle: "/b", Created: time.Date(2026, 11, 30, 0, 0, 0, 1, time.UTC), InitPid: 7,
		Cgroup: cgroup.State{Version: 2, Paths: map[string]string{"": "/sys/fs/cgroup/c1"}}}
	if err := s.write(&record{recordHead: head, Spec: spec, specJSON: config}); err != nil {
		t.Fatal(err)
	}
	data, _, err := s.readState("c1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"spec":{"ociVersion":"1.0.2","x-unknown":[1,2],"process":{"args":["\u003csh\u003e"],"cwd":"/"},"annotations":{"k":"v"}}}`; !strings.HasSuffix(string(data), want) {
		t.Errorf("state.json = %s, want it to end %s", data, want)
	}
	var old record // how an older gorunc reads it
	if err := json.Unmarshal(data, &old); err != nil || !reflect.DeepEqual(old.Spec, spec) {
		t.Errorf("json.Unmarshal(state.json): %+v, %v", old.Spec, err)
	}
	got, err := s.read("c1", readWhole)
	if err != nil || !reflect.DeepEqual(got.Spec, spec) || !reflect.DeepEqual(got.recordHead, old.recordHead) {
		t.Errorf("read = %+v, %v", got, err)
	}
	// Without the bytes (a spec changed since), the file is byte for
	// byte json.Marshal of the record, as before.
	r := &record{recordHead: head, Spec: spec}
	if err := s.write(r); err != nil {
		t.Fatal(err)
	}
	data, _, _ = s.readState("c1", nil)
	if want, _ := json.Marshal(r); string(data) != string(want) {
		t.Errorf("state.json = %s\nwant %s", data, want)
	}
}

// TestDecodeRecordAsUnmarshal: Store.read's cut gives json.Unmarshal's
// record for every state.json it takes.
func TestDecodeRecordAsUnmarshal(t *testing.T) {
	for _, data := range viewSeeds(t) {
		got, err := decodeRecord(data, readWhole)
		if err != nil {
			continue // read hands these to json.Unmarshal
		}
		var want record
		if werr := json.Unmarshal(data, &want); werr != nil {
			t.Errorf("decodeRecord(%s) took what json.Unmarshal refuses: %v", data, werr)
			continue
		}
		// specRead is the spec's bytes, which exec copies the spec
		// from: they decode to the spec itself.
		if got.Spec != nil {
			again, err := decodeSpec(got.specRead)
			if err != nil || !reflect.DeepEqual(again, got.Spec) {
				t.Errorf("decodeRecord(%s): specRead %s decodes to %+v, %v; want %+v", data, got.specRead, again, err, got.Spec)
			}
		}
		got.specRead = nil
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("decodeRecord(%s) = %+v, want %+v", data, got, &want)
		}
	}
}

// TestReadSummaryAsWhole: what start, kill and delete read of the spec
// (Store.read with readSummary) is what the whole spec says, for every
// state.json the whole read takes; written back, the record keeps the
// spec's bytes.
func TestReadSummaryAsWhole(t *testing.T) {
	seeds := viewSeeds(t)
	for _, s := range []string{
		`{"id":"c1","spec":{"hooks":{"poststart":[{"path":"/bin/a","args":["a"],"timeout":3}],"poststop":[{"path":"/bin/b"}]},"process":{"args":["x"]}}}`,
		`{"id":"c1","spec":{"HOOKS":{"Poststop":[{"path":"/bin/b"}]},"Process":null}}`,
		`{"id":"c1","spec":{"linux":{"namespaces":[{"type":"pid","path":"/proc/1/ns/pid"},{"type":"mount"}],"resources":{"pids":{"limit":3}}}}}`,
		`{"id":"c1","spec":{"linux":null,"process":{}}}`,
		`{"id":"c1","spec":{"process":{"args":["a"]},"process":null}}`,
		`{"id":"c1","spec":{"process":5}}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	for _, data := range seeds {
		st := Store{Root: t.TempDir()}
		if err := os.MkdirAll(st.dir("c1"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(st.dir("c1"), stateFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		want, werr := st.read("c1", readWhole)
		got, err := st.read("c1", readSummary)
		if werr != nil {
			if err == nil && got.sum == nil {
				t.Errorf("read(%s, readSummary) took what the whole read refuses (%v) without a summary", data, werr)
			}
			continue
		}
		if err != nil {
			t.Errorf("read(%s, readSummary): %v; the whole read takes it", data, err)
			continue
		}
		if !reflect.DeepEqual(got.recordHead, want.recordHead) {
			t.Errorf("read(%s, readSummary) head = %+v, want %+v", data, got.recordHead, want.recordHead)
		}
		c, w := &Container{rec: got}, &Container{rec: want}
		if c.hasSpec() != w.hasSpec() || c.hasProcess() != w.hasProcess() ||
			!reflect.DeepEqual(c.hooks(), w.hooks()) || !reflect.DeepEqual(c.annotations(), w.annotations()) ||
			!reflect.DeepEqual(c.namespaces(), w.namespaces()) {
			t.Errorf("read(%s, readSummary) = spec %v process %v hooks %+v annotations %v namespaces %v\nwant spec %v process %v hooks %+v annotations %v namespaces %v",
				data, c.hasSpec(), c.hasProcess(), c.hooks(), c.annotations(), c.namespaces(),
				w.hasSpec(), w.hasProcess(), w.hooks(), w.annotations(), w.namespaces())
		}
		// Written back (no command does today), the spec is the bytes read.
		if err := st.write(got); err != nil {
			t.Fatal(err)
		}
		back, err := st.read(got.ID, readWhole)
		if err != nil || !reflect.DeepEqual(back.Spec, want.Spec) {
			t.Errorf("read(%s, readSummary) written back reads %+v, %v; want %+v", data, back, err, want.Spec)
		}
	}
	// A member outside the summary is not looked at: a state.json only a
	// hand could have written (gorunc stores config.json as create
	// validated it) is read by start and delete, refused by exec.
	if r, err := decodeRecord([]byte(`{"id":"c1","spec":{"hostname":5}}`), readSummary); err != nil || r.sum == nil {
		t.Errorf("decodeRecord(readSummary) of a bad member outside the summary: %+v, %v", r, err)
	}
	if _, err := decodeRecord([]byte(`{"id":"c1","spec":{"process":5}}`), readSummary); err == nil {
		t.Error("decodeRecord(readSummary) took a process that is not an object")
	}
}

// TestSameSpec: config.json's bytes stand for the spec only while create
// has not rewritten it (a relative mount destination made absolute).
func TestSameSpec(t *testing.T) {
	raw := []byte(`{"ociVersion":"1.0.2","mounts":[{"destination":"tmp","type":"tmpfs","source":"tmpfs"}]}`)
	spec, err := decodeSpec(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := sameSpec(raw, spec); string(got) != string(raw) {
		t.Errorf("unchanged spec: sameSpec = %s, want the bytes", got)
	}
	rootfs.AbsDestinations(spec.Mounts)
	if got := sameSpec(raw, spec); got != nil {
		t.Errorf("rewritten spec: sameSpec = %s, want nil", got)
	}
}

// TestDecodeSpecSkipsEncodingJSON: the configs `gorunc spec` writes, and
// one with what CRI adds, decode through lazyjson, without
// encoding/json's tables (decodeSpec); a field added to specFile that
// lazyjson leaves (a ",string" option, a name two fields share) fails it.
func TestDecodeSpecSkipsEncodingJSON(t *testing.T) {
	var inputs [][]byte
	for _, rootless := range []bool{false, true} {
		data, err := json.Marshal(DefaultSpec(rootless, false))
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, data)
	}
	inputs = append(inputs, []byte(specSeeds[0]), []byte(`{"ociVersion":"1.0.2","solaris":{},"windows":null}`))
	for _, data := range inputs {
		var f specFile
		if err := lazyjson.Unmarshal(data, &f); err != nil {
			t.Errorf("lazyjson.Unmarshal(%s) into specFile: %v", data, err)
		}
	}
}

// TestStateDecodesWithoutEncodingJSON: what start, kill and delete
// decode of a state.json gorunc writes (its head, the spec's summary)
// goes through lazyjson; a field added to either that lazyjson leaves
// fails it.
func TestStateDecodesWithoutEncodingJSON(t *testing.T) {
	uid := 1000
	for _, cg := range []cgroup.State{
		{Version: 1, Paths: map[string]string{"freezer": "/sys/fs/cgroup/freezer/c1", "memory": "/sys/fs/cgroup/memory/c1"}, Created: []string{"/sys/fs/cgroup/freezer/c1"}},
		{Version: 2, Paths: map[string]string{"": "/sys/fs/cgroup/user.slice/c1"}, Root: "/sys/fs/cgroup", Systemd: "user.slice:gorunc:c1", SystemdUser: &uid},
	} {
		data, err := json.Marshal(&record{
			recordHead: recordHead{ID: "c1", Bundle: "/b", Rootfs: "/b/rootfs", Created: time.Now(), Owner: "root", InitPid: 42, InitStart: 7, Cgroup: cg},
			Spec: &specs.Spec{Version: "1.3.0", Process: &specs.Process{Args: []string{"sh"}},
				Hooks:       &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true", Args: []string{"true"}, Timeout: new(int)}}},
				Annotations: map[string]string{"io.kubernetes.cri.container-type": "container"},
				Linux:       &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		rest, spec, err := cutMember(data, "spec")
		if err != nil {
			t.Fatal(err)
		}
		if err := lazyjson.Unmarshal(rest, &recordHead{}); err != nil {
			t.Errorf("lazyjson.Unmarshal(%s) into recordHead: %v", rest, err)
		}
		if err := lazyjson.Unmarshal(spec, &specSummary{}); err != nil {
			t.Errorf("lazyjson.Unmarshal(%s) into specSummary: %v", spec, err)
		}
	}
}

// TestExecSpecAsSent: exec-init decodes, from the container's stored
// bytes and the process sent beside them (setExecSpec), the spec it
// decoded when exec encoded the whole spec; and execSpec's copy from the
// stored bytes is the copy encoding orig gives, orig untouched.
func TestExecSpecAsSent(t *testing.T) {
	full := DefaultSpec(false, false)
	full.Process.Env = nil
	full.Process.ApparmorProfile = "p"
	full.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Nice: 3}
	full.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}}
	full.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1"}
	full.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true"}}}
	raw, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	procFile := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(procFile, []byte(`{"args":["ps"],"cwd":"/tmp","env":["A=1"],"user":{"uid":5,"gid":6}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []ExecOptions{
		{Args: []string{"sh", "-c", "x && y"}, Env: []string{"B=2"}, Cwd: "/root", User: "7:8", Tty: true},
		{Args: []string{"true"}},
		{ProcessFile: procFile},
	} {
		orig, err := decodeSpec(raw)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := json.Marshal(orig)
		fromRaw, err := execSpec(orig, raw, o)
		if err != nil {
			t.Fatal(err)
		}
		copied, err := execSpec(orig, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromRaw, copied) {
			t.Errorf("%+v: execSpec from the stored bytes = %+v\nfrom orig encoded: %+v", o, fromRaw, copied)
		}
		if after, _ := json.Marshal(orig); string(after) != string(before) {
			t.Errorf("%+v: execSpec changed orig: %s\nwas %s", o, after, before)
		}
		var cfg initConfig
		if err := cfg.setExecSpec(fromRaw, raw); err != nil {
			t.Fatal(err)
		}
		wire, err := json.Marshal(&cfg)
		if err != nil {
			t.Fatal(err)
		}
		var sent initConfig
		if err := json.Unmarshal(wire, &sent); err != nil {
			t.Fatal(err)
		}
		got, err := sent.decodeSpec()
		if err != nil {
			t.Fatal(err)
		}
		whole, err := specJSON(nil, fromRaw)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeInitSpec(whole)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: exec-init decodes %+v\nwant %+v", o, got, want)
		}
	}
}

// TestBareLineAsEncoded: a message with only its type (the "ready" line
// the plan carries, create's go-ahead) goes out as the channel's encoder
// writes it, and any other through the encoder; these, the other
// messages init's constructor writes and the config exec-init receives
// decode through lazyjson.
func TestBareLineAsEncoded(t *testing.T) {
	types := []msgType{msgConfig, msgHooks, msgHooksDone, msgReady, msgSeccomp, msgSeccompAck, msgWarning, msgError}
	for _, m := range []message{
		{Type: msgWarning, Warning: []string{}}, {Type: msgError, Error: "x"}, {Type: msgConfig, Config: &initConfig{}},
		{Type: msgSeccomp, Fd: 4}, {Type: "a<b"}, {Type: "A"}, {},
	} {
		if line, ok := bareLine(m); ok {
			t.Errorf("bareLine(%+v) = %q, want the encoder's", m, line)
		}
		types = append(types, m.Type)
	}
	for _, typ := range types {
		var want strings.Builder
		var got bytes.Buffer
		if err := json.NewEncoder(&want).Encode(message{Type: typ}); err != nil {
			t.Fatal(err)
		}
		if err := newChannel(&got).send(message{Type: typ}); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("send(%q) wrote %q, the encoder writes %q", typ, got.String(), want.String())
		}
	}
	readyLine, ok := bareLine(message{Type: msgReady})
	if !ok {
		t.Fatal("the ready message is not bare")
	}
	// And the config every exec-init receives, seccomp program included.
	config, err := json.Marshal(message{Type: msgConfig, Config: &initConfig{
		ID: "c1", SpecJSON: json.RawMessage(`{"ociVersion":"1.3.0"}`), ProcessJSON: json.RawMessage(`{"args":["sh"]}`),
		FDs: fdTable{fdSync: 3, fdLog: 4}, State: specs.State{ID: "c1", Pid: 42, Annotations: map[string]string{"a": "b"}},
		Seccomp: &seccomp.Program{Instructions: []bpf.RawInstruction{{Op: 6, K: 0x7fff0000}}, Flags: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{readyLine, `{"type":"hooks"}`, `{"type":"warning","warnings":["a","b"]}`, `{"type":"error","error":"x: \"y\" \u003cz\u003e"}`, `{"type":"seccomp","fd":4}`, string(config)} {
		var want message
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		var got message
		if err := lazyjson.Unmarshal([]byte(line), &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("lazyjson.Unmarshal(%s) = %+v, %v; want %+v", line, got, err, want)
		}
	}
}
