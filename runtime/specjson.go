package runtime

import (
	"encoding/json"
	"fmt"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/internal/lazyjson"
)

// The first use of a type by encoding/json, to decode or to encode, builds
// its field list and an encoder for every field, and so for every type the
// type reaches: for specs.Spec some 60 struct types and 280 fields, about
// 150 KiB of caches and 90 heap page faults (10-20 us each on a
// Firecracker VM; docs/performance.md "Page faults: encoding/json on the
// hot path"), whatever the config holds. So the hot path decodes with
// lazyjson, which looks only at the types a document reaches, and falls
// back to encoding/json for what it leaves (internal/lazyjson); and
// create decodes config.json once, into a type without the
// other platforms' sections (specFile), the spec goes to state.json and to
// init as config.json's own bytes, never re-encoded, and init decodes into
// a type with only the fields it reads (initSpec). No type the hot path
// hands encoding/json reaches specs.Spec itself.

// specFile is specs.Spec without the sections of other platforms, each
// kept as its raw bytes only to notice that it is there: a config.json
// with one of them is decoded into specs.Spec as a whole (decodeSpec).
// Its other fields are specs.Spec's, with the same names, types and tags
// (TestSpecFileMirrorsSpec), so what it accepts and how is the same.
type specFile struct {
	specCommon
	Linux   *specs.Linux    `json:"linux,omitempty"`
	Solaris json.RawMessage `json:"solaris,omitempty"`
	Windows json.RawMessage `json:"windows,omitempty"`
	VM      json.RawMessage `json:"vm,omitempty"`
	ZOS     json.RawMessage `json:"zos,omitempty"`
	FreeBSD json.RawMessage `json:"freebsd,omitempty"`
}

// specCommon is what specFile and initSpec both keep of specs.Spec, which
// encoding/json sees as their own fields (embedded).
type specCommon struct {
	Version     string            `json:"ociVersion"`
	Process     *specs.Process    `json:"process,omitempty"`
	Root        *specs.Root       `json:"root,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	Domainname  string            `json:"domainname,omitempty"`
	Mounts      []specs.Mount     `json:"mounts,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// spec is the specs.Spec of c and linux.
func (c *specCommon) spec(linux *specs.Linux) *specs.Spec {
	return &specs.Spec{
		Version: c.Version, Process: c.Process, Root: c.Root,
		Hostname: c.Hostname, Domainname: c.Domainname, Mounts: c.Mounts,
		Hooks: c.Hooks, Annotations: c.Annotations, Linux: linux,
	}
}

// decodeSpec is json.Unmarshal of data into a specs.Spec: the same spec,
// or the same error. lazyjson decodes the configs clients write looking
// only at the types they reach, without encoding/json's tables; what it
// leaves, encoding/json decodes into specFile. Only a config with another
// platform's section, or one encoding/json refuses, pays for specs.Spec's
// whole type graph: the second decode is what says what the error is, in
// specs.Spec's terms.
func decodeSpec(data []byte) (*specs.Spec, error) {
	f, err := lazyjson.Decode[specFile](data)
	if err == nil && f.Solaris == nil && f.Windows == nil && f.VM == nil && f.ZOS == nil && f.FreeBSD == nil {
		return f.spec(f.Linux), nil
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// sameSpec returns raw, config.json's bytes, if spec is still what they
// decode to, else nil. Create rewrites some of the spec before it stores
// it (relative mount destinations and bind sources made absolute: rootfs.
// AbsDestinations, absMountSources); decoding again, from caches already
// built, costs less than a list of who changes what, which would go stale.
func sameSpec(raw json.RawMessage, spec *specs.Spec) json.RawMessage {
	if raw == nil {
		return nil
	}
	if s, err := decodeSpec(raw); err != nil || !reflect.DeepEqual(s, spec) {
		return nil
	}
	return raw
}

// specJSON is the spec as init and state.json get it: raw, config.json's
// bytes when spec is still what they decode to, else spec encoded.
func specJSON(raw json.RawMessage, spec *specs.Spec) (json.RawMessage, error) {
	if raw != nil {
		return raw, nil
	}
	if spec == nil {
		// What encoding the nil pointer would give, without its type.
		return json.RawMessage("null"), nil
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encode spec: %w", err)
	}
	return data, nil
}

// initSpec is the spec as init (and exec-init) decode it: only what they
// read. The parent has decoded and validated the same bytes whole
// (decodeSpec), so a field init skips was accepted there; init leaves
// linux.resources (but for the cpu set its scheduler error names),
// netDevices, seccomp (compiled by the parent, sent as initConfig.Seccomp)
// and intelRdt, which only the parent uses, and the other platforms'
// sections. TestInitSpecMirrorsSpec keeps the rest specs.Spec's.
type initSpec struct {
	specCommon
	Linux *initLinux `json:"linux,omitempty"`
}

type initLinux struct {
	UIDMappings       []specs.LinuxIDMapping           `json:"uidMappings,omitempty"`
	GIDMappings       []specs.LinuxIDMapping           `json:"gidMappings,omitempty"`
	Sysctl            map[string]string                `json:"sysctl,omitempty"`
	Resources         *initResources                   `json:"resources,omitempty"`
	CgroupsPath       string                           `json:"cgroupsPath,omitempty"`
	Namespaces        []specs.LinuxNamespace           `json:"namespaces,omitempty"`
	Devices           []specs.LinuxDevice              `json:"devices,omitempty"`
	RootfsPropagation string                           `json:"rootfsPropagation,omitempty"`
	MaskedPaths       []string                         `json:"maskedPaths,omitempty"`
	ReadonlyPaths     []string                         `json:"readonlyPaths,omitempty"`
	MountLabel        string                           `json:"mountLabel,omitempty"`
	MemoryPolicy      *specs.LinuxMemoryPolicy         `json:"memoryPolicy,omitempty"`
	Personality       *specs.LinuxPersonality          `json:"personality,omitempty"`
	TimeOffsets       map[string]specs.LinuxTimeOffset `json:"timeOffsets,omitempty"`
}

type initResources struct {
	CPU *specs.LinuxCPU `json:"cpu,omitempty"`
}

// decodeSpec is the spec init was sent: decodeInitSpec's, with exec's
// process in place of the container's when there is one (setExecSpec).
func (cfg *initConfig) decodeSpec() (*specs.Spec, error) {
	s, err := decodeInitSpec(cfg.SpecJSON)
	if err != nil || cfg.ProcessJSON == nil {
		return s, err
	}
	if s.Process, err = lazyjson.Decode[specs.Process](cfg.ProcessJSON); err != nil {
		return nil, fmt.Errorf("decode process: %w", err)
	}
	return s, nil
}

// decodeInitSpec decodes the spec init was sent into a specs.Spec that
// has what initSpec keeps, nil or empty elsewhere.
func decodeInitSpec(data []byte) (*specs.Spec, error) {
	f, err := lazyjson.Decode[initSpec](data)
	if err != nil {
		return nil, fmt.Errorf("decode spec: %w", err)
	}
	s := f.spec(nil)
	if l := f.Linux; l != nil {
		s.Linux = &specs.Linux{
			UIDMappings: l.UIDMappings, GIDMappings: l.GIDMappings, Sysctl: l.Sysctl,
			CgroupsPath: l.CgroupsPath, Namespaces: l.Namespaces, Devices: l.Devices,
			RootfsPropagation: l.RootfsPropagation, MaskedPaths: l.MaskedPaths,
			ReadonlyPaths: l.ReadonlyPaths, MountLabel: l.MountLabel,
			MemoryPolicy: l.MemoryPolicy, Personality: l.Personality, TimeOffsets: l.TimeOffsets,
		}
		if l.Resources != nil {
			s.Linux.Resources = &specs.LinuxResources{CPU: l.Resources.CPU}
		}
	}
	return s, nil
}
