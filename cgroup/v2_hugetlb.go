package cgroup

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV2Hugetlb writes hugetlb.<size>.max and, where the kernel has it
// (5.11+), the reservation limit hugetlb.<size>.rsvd.max, which the spec
// prefers ("Default to reservation limits if supported").
func setV2Hugetlb(dir string, r *specs.LinuxResources) error {
	for _, h := range r.HugepageLimits {
		v := strconv.FormatUint(h.Limit, 10)
		if err := writeFile(dir, "hugetlb."+h.Pagesize+".max", v); err != nil {
			return err
		}
		if rsvd := "hugetlb." + h.Pagesize + ".rsvd.max"; fileExists(dir, rsvd) {
			if err := writeFile(dir, rsvd, v); err != nil {
				return err
			}
		}
	}
	return nil
}
