package systemd

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDeviceProperties(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	denyAll := specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}
	allowAll := specs.LinuxDeviceCgroup{Allow: true, Access: "rwm"}
	c := func(allow bool, major, minor *int64, access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: allow, Type: "c", Major: major, Minor: minor, Access: access}
	}
	tests := []struct {
		name     string
		rules    []specs.LinuxDeviceCgroup
		policy   string
		allow    []deviceAllowEntry
		warnings int
	}{
		{name: "deny all, then a whitelist (runc's and Docker's default)",
			rules: []specs.LinuxDeviceCgroup{denyAll, c(true, nil, nil, "m"), {Allow: true, Type: "b", Access: "m"},
				c(true, i(1), i(3), "rwm"), c(true, i(136), nil, "rwm"), c(true, i(1), i(5), ""),
				{Allow: true, Type: "b", Major: i(7), Access: "r"}},
			// runc's order: by major, minor, then type.
			policy: "strict",
			allow: []deviceAllowEntry{{"block-*", "m"}, {"char-*", "m"}, {"/dev/char/1:3", "rwm"},
				{"/dev/char/1:5", "rwm"}, {"block-7", "r"}, {"char-136", "rwm"}}},
		{name: "allow then deny of the same device removes access",
			rules:  []specs.LinuxDeviceCgroup{denyAll, c(true, i(1), i(3), "rwm"), c(false, i(1), i(3), "w")},
			policy: "strict", allow: []deviceAllowEntry{{"/dev/char/1:3", "rm"}}},
		{name: "a later deny-all resets the list",
			rules:  []specs.LinuxDeviceCgroup{c(true, i(1), i(3), "rwm"), denyAll},
			policy: "strict", allow: []deviceAllowEntry{}},
		{name: "allow all", rules: []specs.LinuxDeviceCgroup{denyAll, allowAll}, policy: "auto"},
		{name: "allow all but one cannot be said: deny-all, warned",
			rules: []specs.LinuxDeviceCgroup{allowAll, c(false, i(1), i(3), "rwm")}, policy: "strict", warnings: 1},
		{name: "a wildcard major with a minor is skipped, warned",
			rules:  []specs.LinuxDeviceCgroup{denyAll, c(true, nil, i(3), "r"), c(true, i(1), i(3), "r")},
			policy: "strict", allow: []deviceAllowEntry{{"/dev/char/1:3", "r"}}, warnings: 1},
		{name: "block devices", rules: []specs.LinuxDeviceCgroup{denyAll, {Allow: true, Type: "b", Major: i(8), Minor: i(0), Access: "rw"}},
			policy: "strict", allow: []deviceAllowEntry{{"/dev/block/8:0", "rw"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props, warnings, err := DeviceProperties(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != tt.warnings {
				t.Errorf("warnings %q, want %d", warnings, tt.warnings)
			}
			if props[0].Name != "DevicePolicy" || props[0].Value.Value() != tt.policy {
				t.Errorf("first property %v, want DevicePolicy=%s", props[0], tt.policy)
			}
			// DeviceAllow=[] always comes first, to reset the list.
			if props[1].Name != "DeviceAllow" || len(props[1].Value.Value().([]deviceAllowEntry)) != 0 {
				t.Errorf("second property %v, want an empty DeviceAllow", props[1])
			}
			var allow []deviceAllowEntry
			if len(props) > 2 {
				allow = props[2].Value.Value().([]deviceAllowEntry)
			}
			if tt.allow != nil && !reflect.DeepEqual(allow, tt.allow) {
				t.Errorf("DeviceAllow %v, want %v", allow, tt.allow)
			}
			if tt.allow == nil && len(allow) != 0 {
				t.Errorf("DeviceAllow %v, want none", allow)
			}
		})
	}
	if _, _, err := DeviceProperties([]specs.LinuxDeviceCgroup{{Allow: true, Type: "x"}}); err == nil {
		t.Error("type x accepted")
	}
}
