package cgroup

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV1Blkio writes blkio.weight and blkio.weight_device, or with the BFQ
// scheduler (kernels without CFQ, 5.0+) blkio.bfq.weight and
// blkio.bfq.weight_device; then blkio.leaf_weight and the blkio.throttle.*
// files (Documentation/admin-guide/cgroup-v1/blkio-controller.rst). The
// pair is chosen as runc 1.5 does (opencontainers/cgroups fs/blkio.go):
// CFQ's when blkio.weight exists, BFQ's otherwise.
func setV1Blkio(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	weightFile, deviceFile := "blkio.weight", "blkio.weight_device"
	if !fileExists(dir, weightFile) {
		weightFile, deviceFile = "blkio.bfq.weight", "blkio.bfq.weight_device"
	}
	if b.Weight != nil && *b.Weight != 0 {
		if !fileExists(dir, weightFile) {
			return fmt.Errorf("linux.resources.blockIO.weight: %d cannot be set: %s has neither blkio.weight nor blkio.bfq.weight (no CFQ or BFQ I/O scheduler on this kernel)", *b.Weight, dir)
		}
		if err := writeFile(dir, weightFile, strconv.Itoa(int(*b.Weight))); err != nil {
			return err
		}
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		if err := writeFile(dir, "blkio.leaf_weight", strconv.Itoa(int(*b.LeafWeight))); err != nil {
			return err
		}
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight != nil {
			if err := writeFile(dir, deviceFile, fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.Weight)); err != nil {
				return err
			}
		}
		if wd.LeafWeight != nil {
			if err := writeFile(dir, "blkio.leaf_weight_device", fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.LeafWeight)); err != nil {
				return err
			}
		}
	}
	throttles := []struct {
		file string
		devs []specs.LinuxThrottleDevice
	}{
		{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for _, d := range t.devs {
			if err := writeFile(dir, t.file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate)); err != nil {
				return err
			}
		}
	}
	return nil
}
