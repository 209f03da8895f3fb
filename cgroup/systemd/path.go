// Package systemd speaks to systemd for the cgroup package's systemd driver
// (`gorunc --systemd-cgroup`): the "slice:prefix:name" form of
// linux.cgroupsPath and the unit it names, the org.systemd.property.*
// annotations, the conversions systemd's unit properties need (cpusets as
// bitmasks, device rules as DeviceAllow), and a D-Bus connection that
// starts, changes and stops transient units and waits for their jobs.
//
// The contract is runc 1.5's (libcontainer/specconv/systemd.go and the
// opencontainers/cgroups systemd package). Nothing here touches cgroupfs:
// package cgroup writes the files.
package systemd

import (
	"fmt"
	"strings"
)

const (
	// DefaultSlice holds a container whose cgroupsPath is empty or names
	// no slice, as runc (system.slice for root).
	DefaultSlice = "system.slice"
	// DefaultUserSlice is the rootless one, in the user's own systemd
	// (runc: user.slice, i.e. /user.slice/user-UID.slice/user@UID.service/user.slice).
	DefaultUserSlice = "user.slice"
	// DefaultPrefix names the scope of a container whose cgroupsPath is
	// empty: gorunc-<id>.scope. runc says "runc"; clients that care
	// (containerd, Docker, podman, CRI-O) always pass their own
	// "slice:prefix:name", so only direct CLI users see this one, and
	// for them `systemctl status gorunc-<id>.scope` says which runtime
	// made it.
	DefaultPrefix = "gorunc"
)

// Path is a parsed systemd cgroupsPath.
type Path struct {
	// Slice is the parent slice unit ("system.slice", "a-b.slice").
	Slice string
	// Prefix and Name make the unit: Prefix-Name.scope, or Name itself
	// when Name ends in ".slice".
	Prefix string
	Name   string
}

// ParsePath parses linux.cgroupsPath for the systemd driver: empty means
// slice:DefaultPrefix:id, where slice is DefaultSlice, or DefaultUserSlice
// for the user's systemd; otherwise exactly three fields separated by ':'
// (runc: "system.slice:docker:1234"). An empty slice field means the
// default slice, as runc.
func ParsePath(cgroupsPath, id string, user bool) (Path, error) {
	slice := DefaultSlice
	if user {
		slice = DefaultUserSlice
	}
	if cgroupsPath == "" {
		return Path{Slice: slice, Prefix: DefaultPrefix, Name: id}, nil
	}
	parts := strings.Split(cgroupsPath, ":")
	if len(parts) != 3 {
		// runc's words (libcontainer/specconv), which clients may match.
		return Path{}, fmt.Errorf("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got %q instead", cgroupsPath)
	}
	p := Path{Slice: parts[0], Prefix: parts[1], Name: parts[2]}
	if p.Slice == "" {
		p.Slice = slice
	}
	if p.Name == "" {
		return Path{}, fmt.Errorf("linux.cgroupsPath %q: the name (third field) is empty", cgroupsPath)
	}
	if strings.Contains(p.Name, "/") || strings.Contains(p.Prefix, "/") {
		return Path{}, fmt.Errorf("linux.cgroupsPath %q: a unit name cannot contain \"/\"", cgroupsPath)
	}
	if _, err := ExpandSlice(p.Slice); err != nil {
		return Path{}, fmt.Errorf("linux.cgroupsPath %q: %w", cgroupsPath, err)
	}
	return p, nil
}

// Unit is the unit systemd makes for the container: a scope, unless the
// name asks for a slice (runc's getUnitName).
func (p Path) Unit() string {
	if strings.HasSuffix(p.Name, ".slice") {
		return p.Name
	}
	return p.Prefix + "-" + p.Name + ".scope"
}

// IsSlice reports whether the unit is a slice rather than a scope.
func (p Path) IsSlice() bool { return strings.HasSuffix(p.Unit(), ".slice") }

// CgroupPath is the unit's cgroup relative to the cgroup2 root:
// /system.slice/gorunc-x.scope, /a.slice/a-b.slice/docker-1.scope.
func (p Path) CgroupPath() (string, error) {
	dir, err := ExpandSlice(p.Slice)
	if err != nil {
		return "", err
	}
	if dir == "/" {
		return "/" + p.Unit(), nil
	}
	return dir + "/" + p.Unit(), nil
}

// ExpandSlice turns a slice name into its cgroup path: systemd nests
// slices by the dashes of their names, so a-b-c.slice lives in
// /a.slice/a-b.slice/a-b-c.slice, and -.slice is the root (systemd.slice(5)).
func ExpandSlice(slice string) (string, error) {
	const suffix = ".slice"
	base, ok := strings.CutSuffix(slice, suffix)
	if !ok || base == "" || strings.Contains(slice, "/") {
		return "", fmt.Errorf("invalid slice name: %s", slice)
	}
	if base == "-" {
		return "/", nil
	}
	var path, prefix strings.Builder
	for _, part := range strings.Split(base, "-") {
		// "a--b.slice", "-a.slice" and "a-.slice" have empty parts.
		if part == "" {
			return "", fmt.Errorf("invalid slice name: %s", slice)
		}
		prefix.WriteString(part)
		path.WriteString("/" + prefix.String() + suffix)
		prefix.WriteString("-")
	}
	return path.String(), nil
}
