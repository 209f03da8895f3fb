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
// config's device rules, then the defaults, then an allow rule for each
// device the config creates (linux.devices), which would be useless
// otherwise.
func cgroupResources(spec *specs.Spec) *specs.LinuxResources {
	r := *spec.Linux.Resources
	devs := append([]specs.LinuxDeviceCgroup{}, r.Devices...)
	devs = append(devs, defaultDeviceRules()...)
	for _, d := range spec.Linux.Devices {
		typ := d.Type
		switch typ {
		case "p":
			// A fifo is no device: the device cgroup has no rule
			// type for it and needs none.
			continue
		case "u":
			// "u" (unbuffered character device) is "c" to the kernel.
			typ = "c"
		}
		major, minor := d.Major, d.Minor
		devs = append(devs, specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: &major, Minor: &minor, Access: "rwm"})
	}
	r.Devices = devs
	return &r
}
