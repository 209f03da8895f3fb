package cgroup

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV1Memory writes memory.limit_in_bytes, memory.memsw.limit_in_bytes,
// memory.soft_limit_in_bytes, memory.swappiness and memory.oom_control
// (Documentation/admin-guide/cgroup-v1/memory.rst). kernel and kernelTCP
// are ignored: kernel memory limits are gone since Linux 5.16 and the spec
// deprecates them.
func setV1Memory(dir string, r *specs.LinuxResources) error {
	mem := r.Memory
	if err := setV1MemoryAndSwap(dir, mem); err != nil {
		return err
	}
	if mem.Reservation != nil {
		if err := writeFile(dir, "memory.soft_limit_in_bytes", strconv.FormatInt(*mem.Reservation, 10)); err != nil {
			return err
		}
	}
	if mem.Swappiness != nil {
		if err := writeFile(dir, "memory.swappiness", strconv.FormatUint(*mem.Swappiness, 10)); err != nil {
			return err
		}
	}
	if mem.DisableOOMKiller != nil && *mem.DisableOOMKiller {
		if err := writeFile(dir, "memory.oom_control", "1"); err != nil {
			return err
		}
	}
	return nil
}

// setV1MemoryAndSwap orders the two writes: the kernel requires
// memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every moment, so
// when memsw grows beyond the current limit it must be written first, and
// when it shrinks the limit must go first.
func setV1MemoryAndSwap(dir string, mem *specs.LinuxMemory) error {
	writeLimit := func() error {
		if mem.Limit == nil {
			return nil
		}
		return writeFile(dir, "memory.limit_in_bytes", strconv.FormatInt(*mem.Limit, 10))
	}
	if mem.Swap == nil || *mem.Swap == 0 {
		return writeLimit()
	}
	writeSwap := func() error {
		return writeFile(dir, "memory.memsw.limit_in_bytes", strconv.FormatInt(*mem.Swap, 10))
	}
	cur, err := readUint(dir, "memory.limit_in_bytes")
	if err != nil {
		return err
	}
	if *mem.Swap == -1 || uint64(*mem.Swap) > cur {
		if err := writeSwap(); err != nil {
			return err
		}
		return writeLimit()
	}
	if err := writeLimit(); err != nil {
		return err
	}
	return writeSwap()
}
