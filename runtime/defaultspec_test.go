package runtime

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The namespace list in runc 1.5's order (specconv.Example then
// ToRootless): the cgroup namespace of a v2 host after mount, the user
// namespace last, no network namespace when rootless. `spec` output is
// compared byte for byte with runc's, so the order matters.
func TestDefaultSpecNamespaces(t *testing.T) {
	for _, tc := range []struct {
		rootless, cgroupNS bool
		want               []specs.LinuxNamespaceType
	}{
		{false, false, []specs.LinuxNamespaceType{"pid", "network", "ipc", "uts", "mount"}},
		{false, true, []specs.LinuxNamespaceType{"pid", "network", "ipc", "uts", "mount", "cgroup"}},
		{true, false, []specs.LinuxNamespaceType{"pid", "ipc", "uts", "mount", "user"}},
		{true, true, []specs.LinuxNamespaceType{"pid", "ipc", "uts", "mount", "cgroup", "user"}},
	} {
		var got []specs.LinuxNamespaceType
		for _, ns := range DefaultSpec(tc.rootless, tc.cgroupNS).Linux.Namespaces {
			got = append(got, ns.Type)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DefaultSpec(rootless %v, cgroupNS %v): namespaces %v, want %v", tc.rootless, tc.cgroupNS, got, tc.want)
		}
	}
}
