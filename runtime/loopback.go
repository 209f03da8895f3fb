package runtime

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// newNetNS says whether init made a network namespace of its own (listed
// without a path), the case where runc brings up its loopback device
// (specconv adds a "loopback" network only for such a namespace; a joined
// one is left as it is).
func newNetNS(nss []specs.LinuxNamespace) bool {
	for _, ns := range nss {
		if ns.Type == specs.NetworkNamespace {
			return ns.Path == ""
		}
	}
	return false
}

// loopbackUp sets lo up in init's network namespace, where the kernel
// creates it down: a container whose processes talk over 127.0.0.1 works
// under runc without any network setup, and must under gorunc. One ioctl
// on a socket in the namespace, no netlink.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("set lo up: socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: SIOCGIFFLAGS: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: SIOCSIFFLAGS: %w", err)
	}
	return nil
}
