package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// AbsDestinations makes relative mount destinations absolute, resolved
// against the container's "/", and returns a warning for each, in runc's
// words. runc 1.5 still accepts them for backward compatibility, with that
// deprecation warning (libcontainer/specconv, createLibcontainerMount), and
// mounts them relative to the rootfs; clients whose configs carry them
// ("tmp") must keep working. An empty destination is left for Validate.
func AbsDestinations(mounts []specs.Mount) []string {
	var warnings []string
	for i, m := range mounts {
		if m.Destination == "" || filepath.IsAbs(m.Destination) {
			continue
		}
		warnings = append(warnings, fmt.Sprintf("mount destination %s is not absolute. Support for non-absolute mount destinations will be removed in a future release.", m.Destination))
		mounts[i].Destination = filepath.Join("/", m.Destination)
	}
	return warnings
}

// Validate checks what can be checked before anything is created or
// mounted, so a bad config fails with an error naming the field.
func Validate(cfg *Config) error {
	if err := validateRoot(cfg.Rootfs); err != nil {
		return err
	}
	if err := validatePropagation(cfg); err != nil {
		return err
	}
	for i, m := range cfg.Mounts {
		if !filepath.IsAbs(m.Destination) {
			return fmt.Errorf("mounts[%d].destination %q is not absolute", i, m.Destination)
		}
	}
	if err := validateIDMaps(cfg); err != nil {
		return err
	}
	for i, d := range cfg.Devices {
		if !filepath.IsAbs(d.Path) {
			return fmt.Errorf("linux.devices[%d].path %q is not absolute", i, d.Path)
		}
		if filepath.Clean(d.Path) == "/" {
			return fmt.Errorf("linux.devices[%d].path %q is the root", i, d.Path)
		}
		switch d.Type {
		case "c", "b", "u", "p":
		default:
			return fmt.Errorf("linux.devices[%d].type %q must be one of c, b, u, p", i, d.Type)
		}
	}
	// Masks and read-only binds in the runtime's namespace would hide
	// the host's /proc files from the host (runc's wording).
	if cfg.HostMountNS && (len(cfg.MaskedPaths) > 0 || len(cfg.ReadonlyPaths) > 0) {
		return errors.New("unable to restrict sys entries without a private MNT namespace")
	}
	if err := validatePaths("linux.maskedPaths", cfg.MaskedPaths); err != nil {
		return err
	}
	return validatePaths("linux.readonlyPaths", cfg.ReadonlyPaths)
}

func validateRoot(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("root.path %q is not absolute", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("root.path %s: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("root.path %s: not a directory", path)
	}
	return nil
}

func validatePropagation(cfg *Config) error {
	if cfg.Propagation == "" {
		return nil
	}
	p, ok := propagationOptions()[cfg.Propagation]
	if !ok {
		return fmt.Errorf("linux.rootfsPropagation %q is not one of shared, slave, private, unbindable (or r-prefixed)", cfg.Propagation)
	}
	// Without pivot_root the host's mounts stay under the container's
	// root; a private root would keep them there forever (runc refuses
	// this too, libcontainer/specconv).
	if cfg.NoPivot && p&propagationOptions()["private"] != 0 {
		return fmt.Errorf("linux.rootfsPropagation %q is not safe without pivot_root", cfg.Propagation)
	}
	return nil
}

func validatePaths(field string, paths []string) error {
	for i, p := range paths {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("%s[%d] %q is not absolute", field, i, p)
		}
	}
	return nil
}
