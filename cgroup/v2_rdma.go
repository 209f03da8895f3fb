package cgroup

import (
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV2Rdma writes one rdma.max line per device, "DEV hca_handle=N
// hca_object=M", with only the fields that are set
// (Documentation/admin-guide/cgroup-v2.rst, "RDMA").
func setV2Rdma(dir string, r *specs.LinuxResources) error {
	devs := make([]string, 0, len(r.Rdma))
	for d := range r.Rdma {
		devs = append(devs, d)
	}
	sort.Strings(devs)
	for _, d := range devs {
		if line := rdmaLine(d, r.Rdma[d]); line != "" {
			if err := writeFile(dir, "rdma.max", line); err != nil {
				return err
			}
		}
	}
	return nil
}

func rdmaLine(dev string, l specs.LinuxRdma) string {
	var parts []string
	if l.HcaHandles != nil {
		parts = append(parts, fmt.Sprintf("hca_handle=%d", *l.HcaHandles))
	}
	if l.HcaObjects != nil {
		parts = append(parts, fmt.Sprintf("hca_object=%d", *l.HcaObjects))
	}
	if len(parts) == 0 {
		return ""
	}
	return dev + " " + strings.Join(parts, " ")
}
