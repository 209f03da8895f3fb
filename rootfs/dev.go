package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultDevices are the devices runtime-spec config-linux.md#default-devices
// requires. /dev/console is the terminal's, set up by init, and /dev/ptmx is
// a symlink (below).
func defaultDevices() []specs.LinuxDevice {
	mode := os.FileMode(0o666)
	zero := uint32(0)
	dev := func(name string, major, minor int64) specs.LinuxDevice {
		return specs.LinuxDevice{Path: "/dev/" + name, Type: "c", Major: major, Minor: minor, FileMode: &mode, UID: &zero, GID: &zero}
	}
	return []specs.LinuxDevice{
		dev("null", 1, 3), dev("zero", 1, 5), dev("full", 1, 7),
		dev("random", 1, 8), dev("urandom", 1, 9), dev("tty", 5, 0),
	}
}

// devSymlinks are the links every /dev has (runc's setupDevSymlinks, the
// spec's /dev/ptmx -> pts/ptmx for a devpts newinstance).
var devSymlinks = [][2]string{
	{"/proc/self/fd", "fd"},
	{"/proc/self/fd/0", "stdin"},
	{"/proc/self/fd/1", "stdout"},
	{"/proc/self/fd/2", "stderr"},
	{"/proc/kcore", "core"},
}

// needsDevSetup is false when /dev is a bind mount: then /dev is someone
// else's directory and nothing is created in it (runc's needsSetupDev).
func needsDevSetup(mounts []specs.Mount) bool {
	for _, m := range mounts {
		if filepath.Clean(m.Destination) != "/dev" {
			continue
		}
		if m.Type == "bind" || parseMountOptions(m.Options).isBind() {
			return false
		}
	}
	return true
}

// setupDev creates linux.devices, the default devices not overridden by
// them, the /dev symlinks and /dev/ptmx.
func (r *root) setupDev(cfg *Config) error {
	given := map[string]bool{}
	for i, d := range cfg.Devices {
		if err := r.createDevice(d, cfg.BindDevices); err != nil {
			return fmt.Errorf("linux.devices[%d] %s: %w", i, d.Path, err)
		}
		given[filepath.Clean(d.Path)] = true
	}
	for _, d := range defaultDevices() {
		if given[d.Path] {
			continue
		}
		if err := r.createDevice(d, cfg.BindDevices); err != nil {
			return fmt.Errorf("default device %s: %w", d.Path, err)
		}
	}
	dir, err := r.mkdirAll("/dev")
	if err != nil {
		return err
	}
	defer dir.Close()
	for _, l := range devSymlinks {
		if err := unix.Symlinkat(l[0], int(dir.Fd()), l[1]); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink /dev/%s: %w", l[1], err)
		}
	}
	// The devpts instance mounted with newinstance has its own ptmx; the
	// /dev/ptmx node (if any) would open the host's instance.
	if err := unix.Unlinkat(int(dir.Fd()), "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove /dev/ptmx: %w", err)
	}
	if err := unix.Symlinkat("pts/ptmx", int(dir.Fd()), "ptmx"); err != nil {
		return fmt.Errorf("symlink /dev/ptmx: %w", err)
	}
	return nil
}

// DevicePaths lists the container paths of every device node gorunc makes:
// the default devices, then the config's (CRIU must be told they are not
// the container's own files).
func DevicePaths(devices []specs.LinuxDevice) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range append(defaultDevices(), devices...) {
		if p := filepath.Clean(d.Path); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
