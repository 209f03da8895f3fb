package netdev

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidateAsRunc(t *testing.T) {
	cases := []struct {
		name     string
		devs     map[string]specs.LinuxNetDevice
		hasNetNS bool
		want     string
	}{
		{name: "none, host netns", hasNetNS: false},
		{name: "plain", devs: map[string]specs.LinuxNetDevice{"eth1": {}, "eth2": {Name: "ctr0"}}, hasNetNS: true},
		{name: "host netns", devs: map[string]specs.LinuxNetDevice{"eth1": {}}, want: "unable to move network devices without a NET namespace"},
		{name: "empty host name", devs: map[string]specs.LinuxNetDevice{"": {}}, hasNetNS: true, want: `invalid network device name ""`},
		{name: "space", devs: map[string]specs.LinuxNetDevice{"eth 1": {}}, hasNetNS: true, want: `invalid network device name "eth 1"`},
		{name: "dot new name", devs: map[string]specs.LinuxNetDevice{"eth1": {Name: "."}}, hasNetNS: true, want: `invalid network device name "."`},
		// runc checks > IFNAMSIZ: 16 bytes pass here, the kernel refuses.
		{name: "16 bytes pass as in runc", devs: map[string]specs.LinuxNetDevice{"eth1": {Name: "abcdefghijklmnop"}}, hasNetNS: true},
		{name: "17 bytes", devs: map[string]specs.LinuxNetDevice{"eth1": {Name: "abcdefghijklmnopq"}}, hasNetNS: true, want: `invalid network device name "abcdefghijklmnopq"`},
		{name: "first bad one by name order", devs: map[string]specs.LinuxNetDevice{"b/": {}, "a/": {}}, hasNetNS: true, want: `invalid network device name "a/"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(c.devs, c.hasNetNS)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("Validate: %q, want %q", got, c.want)
			}
		})
	}
}
