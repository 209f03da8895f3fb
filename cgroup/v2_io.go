package cgroup

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func isIOSet(b *specs.LinuxBlockIO) bool {
	return b != nil && (b.Weight != nil || len(b.WeightDevice) > 0 ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

// setV2IO writes the weight to io.bfq.weight when the BFQ scheduler
// provides it (same [1, 1000] scale as v1 blkio.weight), else to io.weight
// as "default N" after converting the scale; throttles become io.max lines
// "MAJ:MIN rbps=N" (Documentation/admin-guide/cgroup-v2.rst, "IO").
func setV2IO(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	if !isIOSet(b) {
		return nil
	}
	bfq := fileExists(dir, "io.bfq.weight")
	if b.Weight != nil && *b.Weight != 0 {
		var err error
		if bfq {
			err = writeFile(dir, "io.bfq.weight", strconv.Itoa(int(*b.Weight)))
		} else {
			err = writeFile(dir, "io.weight", fmt.Sprintf("default %d", blkioWeightToIOWeight(*b.Weight)))
		}
		if err != nil {
			return err
		}
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight == nil {
			continue
		}
		file, w := "io.weight", blkioWeightToIOWeight(*wd.Weight)
		if bfq {
			file, w = "io.bfq.weight", uint64(*wd.Weight)
		}
		if err := writeFile(dir, file, fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, w)); err != nil {
			return err
		}
	}
	throttles := []struct {
		key  string
		devs []specs.LinuxThrottleDevice
	}{
		{"rbps", b.ThrottleReadBpsDevice},
		{"wbps", b.ThrottleWriteBpsDevice},
		{"riops", b.ThrottleReadIOPSDevice},
		{"wiops", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for _, d := range t.devs {
			if err := writeFile(dir, "io.max", fmt.Sprintf("%d:%d %s=%d", d.Major, d.Minor, t.key, d.Rate)); err != nil {
				return err
			}
		}
	}
	return nil
}
