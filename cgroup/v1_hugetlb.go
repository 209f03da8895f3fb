package cgroup

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV1Hugetlb writes hugetlb.<size>.limit_in_bytes and, where the kernel
// has it, hugetlb.<size>.rsvd.limit_in_bytes
// (Documentation/admin-guide/cgroup-v1/hugetlb.rst).
func setV1Hugetlb(dir string, r *specs.LinuxResources) error {
	for _, h := range r.HugepageLimits {
		v := strconv.FormatUint(h.Limit, 10)
		if err := writeFile(dir, "hugetlb."+h.Pagesize+".limit_in_bytes", v); err != nil {
			return err
		}
		if rsvd := "hugetlb." + h.Pagesize + ".rsvd.limit_in_bytes"; fileExists(dir, rsvd) {
			if err := writeFile(dir, rsvd, v); err != nil {
				return err
			}
		}
	}
	return nil
}
