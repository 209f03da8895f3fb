// Package netdev moves host network devices into a container's network
// namespace: runtime-spec 1.2's linux.netDevices, a map from a device's
// name in the runtime's namespace to its name in the container's.
//
// It follows runc 1.5 (libcontainer/network_linux.go devChangeNetNamespace,
// configs/validate netdevices): the device is set down, its permanent
// global addresses are read, it is moved and renamed in one RTM_NEWLINK
// (so a new name taken in the runtime's namespace cannot get in the way),
// the addresses are added back in the container's namespace, where the
// kernel dropped them, and the device is set up. Nothing is done on
// delete, as runc does nothing: when the container's network namespace
// dies the kernel moves physical devices back to the initial namespace
// (under their current name, or devN when that is taken) and destroys
// virtual ones (dummy, veth, ...) — runtime-spec config-linux.md,
// "Namespace lifecycle and container termination".
package netdev

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Features is what `gorunc features` reports (linux.netDevices).
func Features() *features.NetDevices {
	yes := true
	return &features.NetDevices{Enabled: &yes}
}

// Validate checks linux.netDevices as runc 1.5 does, in its words;
// hasNetNS says whether linux.namespaces has a network namespace (new or
// joined by path): without one the devices would be moved nowhere.
func Validate(devs map[string]specs.LinuxNetDevice, hasNetNS bool) error {
	if len(devs) == 0 {
		return nil
	}
	if !hasNetNS {
		return errors.New("unable to move network devices without a NET namespace")
	}
	for _, name := range names(devs) {
		if !validName(name) {
			return fmt.Errorf("invalid network device name %q", name)
		}
		if n := devs[name].Name; n != "" && !validName(n) {
			return fmt.Errorf("invalid network device name %q", n)
		}
	}
	return nil
}

// validName is runc's devValidName (after the kernel's dev_valid_name).
// Like runc's, it lets a name of exactly IFNAMSIZ (16) bytes through,
// which the kernel then refuses (ERANGE) when the device is moved.
func validName(name string) bool {
	if name == "" || len(name) > unix.IFNAMSIZ || name == "." || name == ".." {
		return false
	}
	return !strings.ContainsAny(name, "/: ")
}

// names are the map's keys in order, so devices move in a stable order
// and the first bad one reported is always the same.
func names(devs map[string]specs.LinuxNetDevice) []string {
	out := make([]string, 0, len(devs))
	for n := range devs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// MoveAll moves every device into the network namespace at nsPath
// (/proc/PID/ns/net of the container's init). It stops at the first
// failure: the devices moved before it go back when the namespace dies
// with the failed container (runc relies on the same).
func MoveAll(devs map[string]specs.LinuxNetDevice, nsPath string, debugf func(string, ...any)) error {
	for _, name := range names(devs) {
		if err := move(name, devs[name].Name, nsPath, debugf); err != nil {
			return fmt.Errorf("move netDevice %s to namespace %s: %w", name, nsPath, err)
		}
	}
	return nil
}

func move(name, newName, nsPath string, debugf func(string, ...any)) error {
	if newName == "" {
		newName = name
	}
	debugf("attaching network device %s as %s to network namespace %s", name, newName, nsPath)
	link, err := netlink.LinkByName(name)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("link not found for interface %s on runtime namespace: %w", name, err)
	}
	// Down first, so nothing on the runtime's side uses it mid-move.
	if err := netlink.LinkSetDown(link); err != nil {
		return fmt.Errorf("fail to set link down: %w", err)
	}
	addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("fail to get ip addresses: %w", err)
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("could not get network namespace from path %s for network device %s : %w", nsPath, name, err)
	}
	defer ns.Close()
	if err := moveAndRename(link.Attrs().Index, newName, ns); err != nil {
		return fmt.Errorf("fail to move network device %s to network namespace %s: %w", name, nsPath, err)
	}
	// NETLINK_ROUTE only: by default the library also opens XFRM and
	// NETFILTER sockets, which fail (EPROTONOSUPPORT) where xfrm_user is
	// not loaded (runc 1.5.1 fails there: the VM tier measured it).
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket in namespace %s: %w", nsPath, err)
	}
	defer h.Close()
	moved, err := h.LinkByName(newName)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("link not found for interface %s on namespace %s : %w", newName, nsPath, err)
	}
	for _, a := range addrs {
		// As runc: only addresses the user configured (permanent) and
		// of global scope mean the same in another namespace.
		if a.Flags&unix.IFA_F_PERMANENT == 0 || a.Scope != unix.RT_SCOPE_UNIVERSE {
			debugf("skipping address %s of network device %s: not permanent with global scope", a.IPNet, name)
			continue
		}
		if err := h.AddrAdd(moved, &netlink.Addr{IPNet: a.IPNet}); err != nil {
			return fmt.Errorf("fail to set up address %s on namespace %s: %w", a.IPNet, nsPath, err)
		}
	}
	if err := h.LinkSetUp(moved); err != nil {
		return fmt.Errorf("fail to set up interface %s on namespace %s: %w", newName, nsPath, err)
	}
	return nil
}

// moveAndRename is one RTM_NEWLINK that sets IFLA_IFNAME and
// IFLA_NET_NS_FD together: the kernel renames the device as it enters the
// namespace, so the new name need only be free there.
func moveAndRename(index int, newName string, ns netns.NsHandle) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(newName)))
	req.AddData(nl.NewRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(ns))))
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil
	}
	return err
}
