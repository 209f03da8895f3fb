package cgroup

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setV2Devices enforces linux.resources.devices on v2, which has no
// devices.* files: a BPF_PROG_TYPE_CGROUP_DEVICE program is attached to the
// cgroup (Documentation/admin-guide/cgroup-v2.rst, "Device controller").
//
// It is attached with BPF_PROG_ATTACH and BPF_F_ALLOW_MULTI rather than as
// a bpf_link, which the kernel detaches when the last file descriptor to
// it closes, i.e. when this gorunc process exits, while a PROG_ATTACH
// attachment stays with the cgroup until detached or the cgroup is
// removed. A later Set attaches the new program first and then detaches
// the ones that were there, so the cgroup is never without a filter.
func setV2Devices(dir string, rules []specs.LinuxDeviceCgroup) error {
	insns, err := deviceFilter(rules)
	if err != nil {
		return err
	}
	prog, err := loadDeviceProgram(insns)
	if err != nil {
		return fmt.Errorf("load the device program for %s: %w", dir, err)
	}
	defer unix.Close(prog) // the attachment holds its own reference

	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer unix.Close(fd)

	old, err := attachedDevicePrograms(fd)
	if err != nil {
		return fmt.Errorf("query device programs of %s: %w", dir, err)
	}
	if err := attachDeviceProgram(fd, prog); err != nil {
		return fmt.Errorf("attach the device program to %s (a program attached without BPF_F_ALLOW_MULTI by someone else makes this fail): %w", dir, err)
	}
	var errs []error
	for _, id := range old {
		if err := detachDeviceProgram(fd, id); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("replace the device program of %s: %w", dir, err)
	}
	return nil
}

func detachDeviceProgram(cgroupFD int, id uint32) error {
	p, err := progFDByID(id)
	if err != nil {
		return fmt.Errorf("open old device program %d: %w", id, err)
	}
	defer unix.Close(p)
	if err := detachDeviceProgramFD(cgroupFD, p); err != nil {
		return fmt.Errorf("detach old device program %d: %w", id, err)
	}
	return nil
}
