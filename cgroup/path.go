package cgroup

import (
	"fmt"
	"path"
	"strings"
)

// ValidatePath rejects a linux.cgroupsPath that could leave the hierarchy.
func ValidatePath(cgroupsPath string) error {
	for _, part := range strings.Split(cgroupsPath, "/") {
		if part == ".." {
			return fmt.Errorf("linux.cgroupsPath: %q must not contain \"..\"", cgroupsPath)
		}
	}
	return nil
}

// ResolvePath turns linux.cgroupsPath into a path from the hierarchy root.
// own is the caller's own cgroup in that hierarchy (from /proc/self/cgroup;
// passed in so that this function stays pure).
//
//   - absolute cgroupsPath: taken from the hierarchy root as is;
//   - relative cgroupsPath: under own on v1; on v2 under own's PARENT, as
//     runc's fs2 does: the "no internal processes" rule
//     (Documentation/admin-guide/cgroup-v2.rst) forbids enabling controllers
//     for children of a cgroup that has processes, and the caller's own
//     cgroup has one (the caller);
//   - empty cgroupsPath: name, placed like a relative path.
func ResolvePath(cgroupsPath, name, own string, version int) (string, error) {
	if err := ValidatePath(cgroupsPath); err != nil {
		return "", err
	}
	if strings.HasPrefix(cgroupsPath, "/") {
		return path.Clean(cgroupsPath), nil
	}
	leaf := cgroupsPath
	if leaf == "" {
		if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
			return "", fmt.Errorf("linux.cgroupsPath is empty and the default name %q is not a single path element", name)
		}
		leaf = name
	}
	base := path.Clean("/" + own)
	if version == 2 {
		base = path.Dir(base)
	}
	return path.Join(base, leaf), nil
}
