package runtime

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadSpec: config.json validation never panics, whatever the bytes.
// It runs what create runs before it makes anything: LoadSpec (JSON
// decoding with line:column errors, validateSpec), then the rootfs, cgroup
// and resource checks of validateCreate, the seccomp compiler and the id
// check. Only failures are expected, as errors.
//
//	go test -run '^$' -fuzz FuzzLoadSpec -fuzztime 60s ./runtime
func FuzzLoadSpec(f *testing.F) {
	good, err := json.Marshal(DefaultSpec(false, false))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "c1")
	for _, seed := range []string{
		``, `{`, `null`, `[]`, `{"ociVersion":"2.0.0"}`, `{"ociVersion":"1.0.2"}`,
		`{"ociVersion":"1.0.2","root":{"path":""},"process":{"args":["sh"],"cwd":"/"}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"rel"},"linux":{}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"mounts":[{"destination":"rel"}],"linux":{}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"nope"}]}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"uidMappings":[{"containerID":0,"hostID":1000,"size":4294967295},{"containerID":1,"hostID":0,"size":4294967295}]}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"cgroupsPath":"../x","resources":{"cpu":{"period":0,"shares":1},"memory":{"limit":-5},"pids":{"limit":0},"unified":{"../memory.max":"1"}}}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"hooks":{"prestart":[{"path":"rel"}]},"linux":{"sysctl":{"":"","net.":"1"}}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":9,"value":1,"op":"SCMP_CMP_EQ"}]}]}}}`,
		`{"ociVersion":"1.0.2","root":{"path":"rootfs"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_KILL","syscalls":[{"names":[""],"action":"SCMP_ACT_TRACE"}]},"devices":[{"path":"/","type":"x"}]}}`,
	} {
		f.Add([]byte(seed), "c1")
	}
	f.Add(good, "../x")
	f.Add(good, "")
	// One bundle per fuzzing process (inputs run one at a time in each):
	// a temp dir per input costs more than the validation.
	bundle := f.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, id string) {
		if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ValidateID(id)
		spec, err := LoadSpec(bundle)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		if spec == nil || spec.Linux == nil || spec.Root == nil {
			t.Fatalf("LoadSpec accepted %q but returned an incomplete spec", data)
		}
		if err := validateCreate(spec, bundle, CreateOptions{ID: id, Bundle: bundle}); err != nil {
			return
		}
		compileSeccomp(spec)
		absMountSources(spec, bundle)
		if spec.Linux.Resources != nil { // as Create: only then
			cgroupResources(spec)
		}
	})
}
