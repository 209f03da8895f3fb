package cgroup

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV1Devices writes "a" to devices.deny, then each rule in config order to
// devices.allow or devices.deny. Nothing is prepended or reordered: the
// rules are the container's, and the conformance suite compares
// devices.list with them (Documentation/admin-guide/cgroup-v1/devices.rst).
func setV1Devices(dir string, r *specs.LinuxResources) error {
	for _, w := range v1DeviceWrites(r.Devices) {
		if err := writeFile(dir, w.file, w.data); err != nil {
			return err
		}
	}
	return nil
}

type fileWrite struct{ file, data string }

// v1DeviceWrites is the exact sequence of writes for a rule list.
func v1DeviceWrites(rules []specs.LinuxDeviceCgroup) []fileWrite {
	writes := []fileWrite{{"devices.deny", "a"}}
	for _, d := range rules {
		file := "devices.deny"
		if d.Allow {
			file = "devices.allow"
		}
		writes = append(writes, fileWrite{file, deviceRuleString(d)})
	}
	return writes
}

// deviceRuleString formats a rule as "TYPE MAJOR:MINOR ACCESS"; an unset
// type is "a", an unset (or negative) number "*", unset access "rwm";
// letters other than r, w, m are dropped (deviceAccess).
func deviceRuleString(d specs.LinuxDeviceCgroup) string {
	typ := d.Type
	if typ == "" {
		typ = "a"
	}
	num := func(p *int64) string {
		if p == nil || *p < 0 {
			return "*"
		}
		return fmt.Sprint(*p)
	}
	access := deviceAccess(d.Access)
	if access == "" {
		access = "rwm"
	}
	return fmt.Sprintf("%s %s:%s %s", typ, num(d.Major), num(d.Minor), access)
}
