package runtime

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultDeviceRules are appended after the config's own device rules, as
// runc does (libcontainer/specconv AllowedDevices): whatever the config
// denies, a container can always use the devices every process expects
// (the OCI default devices, config-linux.md "Default Devices", and its
// ptys). Appended, never prepended: the config's rules keep their order,
// and the last matching rule wins.
func defaultDeviceRules() []specs.LinuxDeviceCgroup {
	i := func(v int64) *int64 { return &v }
	c := func(major, minor *int64, access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: major, Minor: minor, Access: access}
	}
	return []specs.LinuxDeviceCgroup{
		// mknod of any node; using it still needs a rule of its own.
		c(nil, nil, "m"),
		{Allow: true, Type: "b", Access: "m"},
		c(i(1), i(3), "rwm"),    // /dev/null
		c(i(1), i(5), "rwm"),    // /dev/zero
		c(i(1), i(7), "rwm"),    // /dev/full
		c(i(1), i(8), "rwm"),    // /dev/random
		c(i(1), i(9), "rwm"),    // /dev/urandom
		c(i(5), i(0), "rwm"),    // /dev/tty
		c(i(5), i(2), "rwm"),    // /dev/ptmx
		c(i(136), nil, "rwm"),   // /dev/pts/*
		c(i(10), i(200), "rwm"), // /dev/net/tun, as runc
	}
}

// cgroupResources is linux.resources as written to the cgroup: the
// config's device rules, then the defaults. A device the config creates
// (linux.devices) gets no rule of its own, as with runc: its access is what
// the config's rules say, so Docker's `--device /dev/x:/dev/y:r` (a node
// and an "r" rule) stays read-only, and a deny-all config keeps the node
// unusable.
func cgroupResources(spec *specs.Spec) *specs.LinuxResources {
	r := *spec.Linux.Resources
	devs := append([]specs.LinuxDeviceCgroup{}, r.Devices...)
	r.Devices = append(devs, defaultDeviceRules()...)
	return &r
}
