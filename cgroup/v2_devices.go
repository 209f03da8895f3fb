package cgroup

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setV2Devices enforces linux.resources.devices on v2, which has no
// devices.* files: a BPF_PROG_TYPE_CGROUP_DEVICE program is attached to the
// cgroup (Documentation/admin-guide/cgroup-v2.rst, "Device controller").
//
// It is attached with BPF_PROG_ATTACH and BPF_F_ALLOW_MULTI rather than
// through link.AttachCgroup: that prefers a bpf_link, which the kernel
// detaches when the last file descriptor to it closes, i.e. when this
// gorunc process exits, while a PROG_ATTACH attachment stays with the
// cgroup until detached or the cgroup is removed. A later Set attaches the
// new program first and then detaches the ones that were there, so the
// cgroup is never without a filter.
func setV2Devices(dir string, rules []specs.LinuxDeviceCgroup) error {
	insns, err := deviceFilter(rules)
	if err != nil {
		return err
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.CGroupDevice,
		Instructions: insns,
		License:      "Apache-2.0",
	})
	if err != nil {
		return fmt.Errorf("load the device program for %s: %w", dir, err)
	}
	defer prog.Close() // the attachment holds its own reference

	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer unix.Close(fd)

	old, err := attachedDevicePrograms(fd)
	if err != nil {
		return fmt.Errorf("query device programs of %s: %w", dir, err)
	}
	err = link.RawAttachProgram(link.RawAttachProgramOptions{
		Target:  fd,
		Program: prog,
		Attach:  ebpf.AttachCGroupDevice,
		Flags:   unix.BPF_F_ALLOW_MULTI,
	})
	if err != nil {
		return fmt.Errorf("attach the device program to %s (a program attached without BPF_F_ALLOW_MULTI by someone else makes this fail): %w", dir, err)
	}
	var errs []error
	for _, p := range old {
		if err := detachDeviceProgram(fd, p); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("replace the device program of %s: %w", dir, err)
	}
	return nil
}

func attachedDevicePrograms(fd int) ([]ebpf.ProgramID, error) {
	res, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return nil, err
	}
	ids := make([]ebpf.ProgramID, 0, len(res.Programs))
	for _, p := range res.Programs {
		ids = append(ids, p.ID)
	}
	return ids, nil
}

func detachDeviceProgram(fd int, id ebpf.ProgramID) error {
	p, err := ebpf.NewProgramFromID(id)
	if err != nil {
		return fmt.Errorf("open old device program %d: %w", id, err)
	}
	defer p.Close()
	err = link.RawDetachProgram(link.RawDetachProgramOptions{Target: fd, Program: p, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return fmt.Errorf("detach old device program %d: %w", id, err)
	}
	return nil
}
