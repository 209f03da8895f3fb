package cgroup

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setBlkio writes blkio.weight (or blkio.bfq.weight, which kernels without
// CFQ have instead), blkio.leaf_weight, blkio.weight_device and the
// blkio.throttle.* files (Documentation/admin-guide/cgroup-v1/blkio-controller.rst).
func (m *v1Manager) setBlkio(r *specs.LinuxResources) error {
	b := r.BlockIO
	if !isIOSet(b) && (b == nil || b.LeafWeight == nil) {
		return nil
	}
	dir, err := m.need("blkio", "linux.resources.blockIO")
	if err != nil {
		return err
	}
	weightFile := "blkio.weight"
	if !fileExists(dir, weightFile) && fileExists(dir, "blkio.bfq.weight") {
		weightFile = "blkio.bfq.weight"
	}
	hasWeight := fileExists(dir, weightFile)
	if b.Weight != nil && *b.Weight != 0 {
		if !hasWeight {
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
			file := "blkio.weight_device"
			if weightFile == "blkio.bfq.weight" {
				file = weightFile
			}
			if err := writeFile(dir, file, fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.Weight)); err != nil {
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
