package lazyjson

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// inner is embedded unexported, as runtime-spec's linuxBlockIODevice is.
type inner struct {
	Major int64 `json:"major"`
	Minor int64 `json:"minor"`
}

// common is embedded exported, as runtime's specCommon is.
type common struct {
	Name string `json:"name,omitempty"`
}

// sample covers every kind the package decodes and every one it leaves.
type sample struct {
	common
	inner
	Weight   *uint16           `json:"weight,omitempty"`
	Count    int8              `json:"count"`
	Big      uint64            `json:"big"`
	Neg      int64             `json:"neg"`
	Flag     *bool             `json:"flag"`
	Mode     *uint32           `json:"mode"`
	Args     []string          `json:"args"`
	Env      []string          `json:"env,omitempty"`
	Nested   []sample          `json:"nested"`
	Ptrs     []*sample         `json:"ptrs"`
	Labels   map[string]string `json:"labels"`
	ByKey    map[kind]*sample  `json:"byKey"`
	Kind     kind              `json:"kind"`
	Raw      json.RawMessage   `json:"raw"`
	RawPtr   *json.RawMessage  `json:"rawPtr"`
	Skipped  string            `json:"-"`
	Dash     string            `json:"-,"`
	NoTag    string
	unexp    string           //nolint:unused // encoding/json skips it, and so must this
	Iface    any              `json:"iface"`
	Float    float64          `json:"float"`
	Bytes    []byte           `json:"bytes"`
	Array    [2]int           `json:"array"`
	Time     *time.Time       `json:"time"`
	When     time.Time        `json:"when"`
	Text     textOnly         `json:"text"`
	Texts    map[textOnly]int `json:"texts"`
	DeepPtr  **int            `json:"deepPtr"`
	Uint8s   []uint8          `json:"uint8s"`
	Settings map[string]any   `json:"settings"`
}

type kind string

// textOnly decodes itself from text, which is left to encoding/json.
type textOnly string

func (t *textOnly) UnmarshalText(b []byte) error { *t = textOnly("T" + string(b)); return nil }

// withString has a ",string" field: the whole struct is left.
type withString struct {
	N int `json:"n,string"`
}

// withEmbeddedPtr embeds a pointer: left.
type withEmbeddedPtr struct {
	*common
	X int `json:"x"`
}

// collide has two fields of one name: left (encoding/json drops both).
type collide struct {
	common
	Name string `json:"name"`
}

// decoded is what a case must get: all of it decoded here, or all of it
// left to encoding/json.
type decoded int

const (
	here decoded = iota
	left
)

// cases are seeds for FuzzUnmarshal and, each, a check of where it goes.
var cases = []struct {
	name string
	in   string
	want decoded
}{
	{"empty object", `{}`, here},
	{"null top level", `null`, here},
	{"spaces", " \t\r\n{ \"count\" : 1 , \"args\" : [ \"a\" , \"b\" ] } \n", here},
	{"embedded fields", `{"name":"x","major":1,"minor":-2}`, here},
	{"pointers", `{"weight":10,"flag":false,"mode":420,"deepPtr":7}`, here},
	{"limits", `{"count":-128,"big":18446744073709551615,"neg":-9223372036854775808}`, here},
	{"nulls", `{"weight":null,"args":null,"labels":null,"nested":null,"flag":null,"count":null,"kind":null,"rawPtr":null,"time":null,"iface":null}`, here},
	{"empty containers", `{"args":[],"labels":{},"nested":[],"byKey":{}}`, here},
	{"nested", `{"nested":[{"count":1,"nested":[{"args":["x"]}]},{}],"ptrs":[null,{"count":2}]}`, here},
	{"maps", `{"labels":{"a":"1","b":"","a":"3"},"byKey":{"k":{"count":3},"n":null}}`, here},
	{"escapes", `{"name":"\"q\" \\ \/ \b\f\n\r\t \u0026\u003c\u003e \u00e9 \u0000 é 日本"}`, here},
	{"unknown members skipped", `{"other":{"a":[1,2.5e-3,-0.0,true,false,null,"s\u0041"],"b":{}},"count":1,"zzz":[]}`, here},
	{"raw", `{"raw":{"a": [1, 2]},"rawPtr":"x"}`, here},
	{"raw null", `{"raw":null}`, here},
	{"raw number", `{"raw":-1.5e3}`, here},
	{"dash name", `{"-":"d","NoTag":"n"}`, here},
	{"uint8 array", `{"uint8s":[1,2,255]}`, here},
	{"tag minus ignored", `{"Skipped":"s"}`, here},
	{"unexported ignored", `{"unexp":"u"}`, here},
	{"empty input", ``, left},
	{"trailing garbage", `{} x`, left},
	{"two values", `{}{}`, left},
	{"unterminated", `{"count":1`, left},
	{"trailing comma", `{"count":1,}`, left},
	{"bad literal", `{"flag":tru}`, left},
	{"literal suffix", `{"flag":truex}`, left},
	{"leading zero", `{"count":01}`, left},
	{"minus alone", `{"count":-}`, left},
	{"fraction into int", `{"count":1.0}`, left},
	{"exponent into int", `{"big":1e3}`, left},
	{"overflow int8", `{"count":128}`, left},
	{"overflow uint64", `{"big":18446744073709551616}`, left},
	{"negative uint", `{"big":-1}`, left},
	{"negative zero uint", `{"big":-0}`, left},
	{"string into int", `{"count":"1"}`, left},
	{"number into string", `{"name":1}`, left},
	{"bool into string", `{"name":true}`, left},
	{"object into slice", `{"args":{}}`, left},
	{"array into map", `{"labels":[]}`, left},
	{"case-folded key", `{"Count":1}`, left},
	{"case-folded embedded key", `{"NAME":"x"}`, left},
	{"escaped key", `{"c\u006funt":1}`, left},
	{"non-ascii key", `{"cöunt":1}`, left},
	{"key folded by Unicode (ſ is s)", `{"argſ":["a"]}`, left},
	{"duplicate member", `{"count":1,"count":2}`, left},
	{"duplicate merged by encoding/json", `{"nested":[{"count":1}],"nested":[{"args":["a"]}]}`, left},
	{"duplicate object member", `{"nested":[{"count":1,"count":1}]}`, left},
	{"surrogate escape", `{"name":"\ud83d\ude00"}`, left},
	{"lone surrogate", `{"name":"\ud800"}`, left},
	{"invalid utf-8", "{\"name\":\"\xff\"}", left},
	{"control character", "{\"name\":\"a\nb\"}", left},
	{"bad escape", `{"name":"\x"}`, left},
	{"short unicode escape", `{"name":"\u12"}`, left},
	{"interface", `{"iface":1}`, left},
	{"interface map", `{"settings":{"a":1}}`, left},
	{"float", `{"float":1}`, left},
	{"base64 bytes", `{"bytes":"AQI="}`, left},
	{"array kind", `{"array":[1,2]}`, left},
	{"UnmarshalJSON", `{"time":"2024-01-01T00:00:00Z","when":"2025-02-03T04:05:06.7+01:00"}`, here},
	{"UnmarshalJSON null", `{"time":null,"when":null}`, here},
	{"UnmarshalJSON error", `{"when":"yesterday"}`, left},
	{"UnmarshalJSON wrong type", `{"when":5}`, left},
	{"UnmarshalText", `{"text":"x"}`, left},
	{"UnmarshalText null", `{"text":null}`, here},
	{"UnmarshalText key", `{"texts":{"a":1}}`, left},
	{"bad number in skipped", `{"other":1.}`, left},
	{"bad exponent in skipped", `{"other":1e}`, left},
	{"deep", strings.Repeat(`{"nested":[`, 150) + strings.Repeat(`]}`, 150), left},
	{"array top level", `[]`, left},
}

func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := compare(t, []byte(c.in), func() any { return new(sample) })
			if got != c.want {
				t.Errorf("%q: decoded %v, want %v", c.in, where(got), where(c.want))
			}
		})
	}
}

func where(d decoded) string {
	if d == here {
		return "here"
	}
	return "left to encoding/json"
}

// compare decodes data both ways into fresh values from newV and fails
// t unless lazyjson's answer is encoding/json's or ErrUnsupported.
func compare(t *testing.T, data []byte, newV func() any) decoded {
	t.Helper()
	want := newV()
	wantErr := json.Unmarshal(data, want)
	got := newV()
	err := Unmarshal(data, got)
	switch {
	case errors.Is(err, ErrUnsupported):
		return left
	case err != nil:
		t.Fatalf("%q: error %v, want nil or ErrUnsupported", data, err)
	case wantErr != nil:
		t.Fatalf("%q: decoded what encoding/json refuses (%v): %+v", data, wantErr, got)
	case !reflect.DeepEqual(got, want):
		t.Fatalf("%q: decoded\n %#v\nencoding/json:\n %#v", data, got, want)
	}
	return here
}

// TestUnmarshalLeavesTypes: types whose fields this package does not
// name as encoding/json does are left whole.
func TestUnmarshalLeavesTypes(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		newV func() any
	}{
		{"string option", `{"n":"1"}`, func() any { return new(withString) }},
		{"embedded pointer", `{"name":"a","x":1}`, func() any { return new(withEmbeddedPtr) }},
		{"colliding names", `{"name":"a"}`, func() any { return new(collide) }},
		{"not zero", `{"count":1}`, func() any { return &sample{Count: 2} }},
		{"not a pointer", `{}`, func() any { return sample{} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := c.newV()
			if err := Unmarshal([]byte(c.in), v); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Unmarshal(%s) = %v, want ErrUnsupported", c.in, err)
			}
		})
	}
}

// specCases are configs in the shapes clients write: each must be decoded
// here, and to what encoding/json decodes.
var specCases = []string{
	// runc spec's (and gorunc spec's) default, rootless variant's
	// mappings, and what containerd's CRI adds: Go's HTML escapes,
	// annotations, resources, seccomp, devices with null majors.
	`{"ociVersion":"1.2.1","process":{"terminal":true,"user":{"uid":0,"gid":0,"additionalGids":[1,2],"umask":18},"args":["sh","-c","a \u0026\u0026 b \u003e c"],"env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm"],"cwd":"/","capabilities":{"bounding":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"effective":["CAP_AUDIT_WRITE"],"permitted":["CAP_KILL"]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true,"oomScoreAdj":-998,"apparmorProfile":"cri-containerd.apparmor.d"},"root":{"path":"rootfs","readonly":true},"hostname":"runc","mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},{"destination":"/etc/hosts","type":"bind","source":"/var/lib/x/hosts","options":["rbind","rprivate","rw"],"uidMappings":[{"containerID":0,"hostID":1000,"size":1}]}],"hooks":{"prestart":[{"path":"/usr/bin/hook","args":["hook","prestart"],"env":["A=1"],"timeout":5}],"createRuntime":[{"path":"/bin/true"}]},"annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-id":"abc"},"linux":{"uidMappings":[{"containerID":0,"hostID":1000,"size":65536}],"gidMappings":[{"containerID":0,"hostID":1000,"size":65536}],"sysctl":{"net.ipv4.ip_unprivileged_port_start":"0"},"resources":{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"},{"allow":true,"type":"c","major":null,"minor":null,"access":"m"}],"memory":{"limit":67108864,"swap":67108864,"reservation":0,"disableOOMKiller":false},"cpu":{"shares":2,"quota":50000,"period":100000,"cpus":"0-1","mems":"0"},"pids":{"limit":32},"blockIO":{"weight":100,"weightDevice":[{"major":8,"minor":0,"weight":200}],"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}]},"hugepageLimits":[{"pageSize":"2MB","limit":0}],"unified":{"memory.high":"max"}},"cgroupsPath":"kubepods-besteffort.slice:cri-containerd:abc","namespaces":[{"type":"pid"},{"type":"network","path":"/var/run/netns/cni-1"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}],"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"flags":["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],"syscalls":[{"names":["accept","read"],"action":"SCMP_ACT_ALLOW"},{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4294967295,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},{"names":["clone"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":0,"value":2114060288,"op":"SCMP_CMP_MASKED_EQ"}]}]},"maskedPaths":["/proc/acpi","/proc/kcore"],"readonlyPaths":["/proc/bus","/proc/sys"],"mountLabel":"","devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0}],"rootfsPropagation":"rslave","timeOffsets":{"monotonic":{"secs":1,"nanosecs":2}},"personality":{"domain":"LINUX32"},"netDevices":{"eth1":{"name":"ctr1"}},"intelRdt":{"closID":"x","schemata":["L3:0=f"]},"memoryPolicy":{"mode":"MPOL_BIND","nodes":"0","flags":["MPOL_F_STATIC_NODES"]}}}`,
	// Docker's: an empty process.user.additionalGids, a cgroup path, a
	// linux section with a null resources member.
	`{"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0,"additionalGids":[]},"args":["true"],"cwd":"/","consoleSize":{"height":24,"width":80},"scheduler":{"policy":"SCHED_OTHER","nice":-5},"ioPriority":{"class":"IOPRIO_CLASS_BE","priority":4}},"root":{"path":"/var/lib/docker/overlay2/x/merged"},"linux":{"resources":null,"cgroupsPath":"system.slice:docker:abc"}}`,
}

func TestUnmarshalDecodesSpecs(t *testing.T) {
	for i, in := range specCases {
		if got := compare(t, []byte(in), func() any { return new(specs.Spec) }); got != here {
			t.Errorf("spec case %d: left to encoding/json, want decoded here", i)
		}
	}
}

// FuzzUnmarshal: whatever the bytes, Unmarshal decodes what
// encoding/json decodes, to the same value, or leaves it.
//
//	go test -run '^$' -fuzz FuzzUnmarshal -fuzztime 60s ./internal/lazyjson
func FuzzUnmarshal(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c.in), false)
	}
	for _, in := range specCases {
		f.Add([]byte(in), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, spec bool) {
		if spec {
			compare(t, data, func() any { return new(specs.Spec) })
			return
		}
		compare(t, data, func() any { return new(sample) })
	})
}

// TestFieldTablesShareASlab: the field tables of the struct types one
// decode meets are cut from one allocation (a config's 26 types, 84 fields
// here), not one each: each distinct size is a fresh span, and its first
// object fresh pages (docs/performance.md, "Green Tea GC off").
func TestFieldTablesShareASlab(t *testing.T) {
	type inner struct {
		A, B string
		C    []int
	}
	type outer struct {
		X    inner
		Y    *inner
		Z    map[string]inner
		N    int
		M, O string
	}
	data := []byte(`{"X":{"A":"a","C":[1]},"Y":{"B":"b"},"Z":{"k":{"A":"c"}},"N":1,"M":"m"}`)
	var v outer
	d := newDecoder(data)
	if _, err := d.value(d.space(0), reflect.ValueOf(&v).Elem(), 0); err != nil {
		t.Fatal(err)
	}
	if v.X.A != "a" || v.Y.B != "b" || v.Z["k"].A != "c" || v.N != 1 {
		t.Fatalf("decoded %+v", v)
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(d.slab[:cap(d.slab)])))
	end := base + uintptr(cap(d.slab))*unsafe.Sizeof(field{})
	tables := 0
	for typ, ti := range d.types {
		if len(ti.fields) == 0 {
			continue
		}
		tables++
		if p := uintptr(unsafe.Pointer(&ti.fields[0])); p < base || p >= end {
			t.Errorf("%v's field table is an allocation of its own", typ)
		}
	}
	if tables != 2 {
		t.Fatalf("%d field tables, want 2 (inner, outer)", tables)
	}
}
