package systemd

import (
	"fmt"
	"sort"
	"strings"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// deviceAllowEntry is one element of DeviceAllow, D-Bus type a(ss).
type deviceAllowEntry struct {
	Path  string
	Perms string
}

// wildcard is an unset or negative major/minor.
const wildcard = -1

type deviceKey struct {
	typ          byte // 'b' or 'c'
	major, minor int64
}

// DeviceProperties turns linux.resources.devices into DevicePolicy and
// DeviceAllow, so that systemd's own device program (which it attaches to
// the unit's cgroup and re-attaches on daemon-reload) agrees with the one
// gorunc attaches; the kernel allows an access only when every attached
// program allows it. As runc (opencontainers/cgroups devices/systemd.go):
//
//   - the rules are replayed as v1's devices cgroup would apply them: a
//     rule of type "a" resets the list (allow: allow everything; deny: deny
//     everything), other rules add or remove access of one
//     type/major/minor;
//   - a list that ends allowing everything is DevicePolicy=auto with no
//     DeviceAllow; one that allows everything but some devices cannot be
//     said to systemd (it has no deny list) and becomes a deny-all, with
//     a warning: gorunc's program holds the exact rules anyway;
//   - otherwise DevicePolicy=strict and one DeviceAllow per device:
//     /dev/char/M:m, char-M for every minor, char-* for every device of a
//     type; a rule for every major with one minor cannot be said and is
//     skipped with a warning.
//
// systemd 240 or later is assumed for "char-M" (Debian 10 has 241).
func DeviceProperties(rules []specs.LinuxDeviceCgroup) (props []sdbus.Property, warnings []string, err error) {
	allowAll := false
	perms := map[deviceKey]string{}
	for i, r := range rules {
		access := normAccess(r.Access)
		if r.Type == "" || r.Type == "a" {
			allowAll = r.Allow
			perms = map[deviceKey]string{}
			continue
		}
		if r.Type != "b" && r.Type != "c" {
			return nil, nil, fmt.Errorf("linux.resources.devices[%d]: type %q: want a, b or c", i, r.Type)
		}
		k := deviceKey{typ: r.Type[0], major: num(r.Major), minor: num(r.Minor)}
		// An allow in an allow-all list and a deny in a deny-all list
		// remove an exception; the others add one.
		if r.Allow == allowAll {
			if left := removeAccess(perms[k], access); left == "" {
				delete(perms, k)
			} else {
				perms[k] = left
			}
		} else {
			perms[k] = addAccess(perms[k], access)
		}
	}
	if allowAll {
		props = []sdbus.Property{prop("DevicePolicy", "auto"), prop("DeviceAllow", []deviceAllowEntry{})}
		if len(perms) > 0 {
			props = []sdbus.Property{prop("DevicePolicy", "strict"), prop("DeviceAllow", []deviceAllowEntry{})}
			warnings = append(warnings, "systemd has no device deny list: its DeviceAllow denies every device (gorunc's own device program holds the configured rules)")
		}
		return props, warnings, nil
	}
	keys := make([]deviceKey, 0, len(perms))
	for k := range perms {
		keys = append(keys, k)
	}
	// runc's order (its emulator sorts by major, minor, type), so that
	// systemctl show lists DeviceAllow as for runc's units.
	sort.Slice(keys, func(a, b int) bool {
		x, y := keys[a], keys[b]
		if x.major != y.major {
			return x.major < y.major
		}
		if x.minor != y.minor {
			return x.minor < y.minor
		}
		return x.typ < y.typ
	})
	allow := []deviceAllowEntry{}
	for _, k := range keys {
		group := map[byte]string{'b': "block-", 'c': "char-"}[k.typ]
		var path string
		switch {
		case k.major == wildcard && k.minor == wildcard:
			path = group + "*"
		case k.major == wildcard:
			warnings = append(warnings, fmt.Sprintf("systemd has no device rule for every major with minor %d (%c *:%d %s): left to gorunc's device program", k.minor, k.typ, k.minor, perms[k]))
			continue
		case k.minor == wildcard:
			path = fmt.Sprintf("%s%d", group, k.major)
		default:
			path = fmt.Sprintf("/dev/%s/%d:%d", map[byte]string{'b': "block", 'c': "char"}[k.typ], k.major, k.minor)
		}
		allow = append(allow, deviceAllowEntry{Path: path, Perms: perms[k]})
	}
	// The empty DeviceAllow first resets what an earlier
	// SetUnitProperties gave (systemd appends to the list otherwise).
	return []sdbus.Property{
		prop("DevicePolicy", "strict"),
		prop("DeviceAllow", []deviceAllowEntry{}),
		prop("DeviceAllow", allow),
	}, warnings, nil
}

func num(p *int64) int64 {
	if p == nil || *p < 0 {
		return wildcard
	}
	return *p
}

// normAccess keeps r, w and m in that order; empty means all three.
func normAccess(s string) string {
	if s == "" {
		return "rwm"
	}
	return addAccess("", s)
}

func addAccess(have, more string) string {
	var b strings.Builder
	for _, c := range "rwm" {
		if strings.ContainsRune(have, c) || strings.ContainsRune(more, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func removeAccess(have, less string) string {
	var b strings.Builder
	for _, c := range "rwm" {
		if strings.ContainsRune(have, c) && !strings.ContainsRune(less, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func prop(name string, v any) sdbus.Property {
	return sdbus.Property{Name: name, Value: dbus.MakeVariant(v)}
}
