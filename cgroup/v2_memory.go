package cgroup

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV2Memory writes memory.max, memory.low and memory.swap.max
// (Documentation/admin-guide/cgroup-v2.rst, "Memory Interface Files").
func setV2Memory(dir string, r *specs.LinuxResources) error {
	m := r.Memory
	if m == nil {
		return nil
	}
	// v2 counts memory and swap separately, so unlike v1 the order of the
	// two writes does not matter.
	if m.Swap != nil {
		v, err := swapToV2(*m.Swap, m.Limit)
		if err != nil {
			return err
		}
		if v != "" {
			if err := writeFile(dir, "memory.swap.max", v); err != nil {
				return err
			}
		}
	}
	if m.Limit != nil {
		if err := writeFile(dir, "memory.max", limitString(*m.Limit)); err != nil {
			return err
		}
	}
	if m.Reservation != nil {
		if err := writeFile(dir, "memory.low", limitString(*m.Reservation)); err != nil {
			return err
		}
	}
	return nil
}

// swapToV2 converts OCI memory.swap, which is memory+swap as in v1's
// memory.memsw.limit_in_bytes, to v2's swap-only memory.swap.max. ""
// means leave the file alone (swap 0 is "unset", as in runc).
func swapToV2(swap int64, limit *int64) (string, error) {
	switch {
	case swap == -1:
		return "max", nil
	case swap == 0:
		return "", nil
	case limit == nil || *limit <= 0:
		return "", fmt.Errorf("linux.resources.memory.swap: %d needs memory.limit to be set (memory.swap.max)", swap)
	case swap < *limit:
		return "", fmt.Errorf("linux.resources.memory.swap: %d is less than memory.limit %d (memory.swap.max)", swap, *limit)
	}
	return strconv.FormatInt(swap-*limit, 10), nil
}

// limitString writes -1 (no limit) as the kernel's "max".
func limitString(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}
