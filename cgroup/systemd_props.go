package cgroup

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	sdbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	sd "github.com/gorunc/gorunc/cgroup/systemd"
)

// Versions of systemd that first understood a property; older ones get
// the value in the cgroup file only (runc skips them the same way).
const (
	sdCPUQuotaPeriod = 242 // CPUQuotaPeriodUSec
	sdAllowedCPUs    = 244 // AllowedCPUs, AllowedMemoryNodes
	sdCPUIdle        = 252 // CPUWeight=0 meaning cpu.idle 1
)

// usecInfinity is systemd's "no limit" for a uint64 property
// (USEC_INFINITY, CGROUP_LIMIT_MAX).
const usecInfinity = uint64(math.MaxUint64)

func newProp(name string, v any) sdbus.Property {
	return sdbus.Property{Name: name, Value: dbus.MakeVariant(v)}
}

// sdResources converts linux.resources into the unit properties systemd
// understands on cgroup v2, as runc's genV2ResourcesProperties, or on v1
// as its genV1ResourcesProperties (MemoryLimit, CPUShares, BlockIOWeight,
// the rest alike; no unified on v1). systemd
// writes these into the unit's cgroup itself, and keeps them across a
// daemon-reload; gorunc then writes every file as the fs driver does.
//
// It returns r as the files must get it: a CPU quota that systemd rounds
// up to whole percent (CPUQuotaPerSecUSec has 10 ms steps) is rounded in
// the copy too, so the file and the property agree (runc does the same).
func sdResources(r *specs.LinuxResources, cgroupVersion, sdVersion int) ([]sdbus.Property, *specs.LinuxResources, []string, error) {
	v1 := cgroupVersion == 1
	var props []sdbus.Property
	var warnings []string
	out := *r
	if len(r.Devices) > 0 {
		p, w, err := sd.DeviceProperties(r.Devices)
		if err != nil {
			return nil, nil, nil, err
		}
		props, warnings = append(props, p...), append(warnings, w...)
	}
	if r.Memory != nil {
		p, err := sdMemory(r.Memory, v1)
		if err != nil {
			return nil, nil, nil, err
		}
		props = append(props, p...)
	}
	if c := r.CPU; c != nil {
		cpu := *c
		out.CPU = &cpu
		idle := !v1 && c.Idle != nil && *c.Idle == 1 && sdVersion >= sdCPUIdle
		if v1 && c.Shares != nil && *c.Shares != 0 {
			props = append(props, newProp("CPUShares", *c.Shares))
		} else if idle {
			// CPUWeight=0 is how systemd says cpu.idle 1.
			props = append(props, newProp("CPUWeight", uint64(0)))
		} else if c.Shares != nil && *c.Shares != 0 {
			props = append(props, newProp("CPUWeight", sharesToWeight(*c.Shares)))
		}
		var quota int64
		var period uint64
		if c.Quota != nil {
			quota = *c.Quota
		}
		if c.Period != nil {
			period = *c.Period
		}
		p, rounded := sdCPUQuota(quota, period, sdVersion)
		props = append(props, p...)
		if rounded != quota {
			cpu.Quota = &rounded
		}
		p, err := sdCpuset(c.Cpus, c.Mems, sdVersion)
		if err != nil {
			return nil, nil, nil, err
		}
		props = append(props, p...)
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		props = append(props, newProp("TasksMax", tasksMax(*r.Pids.Limit)))
	}
	if b := r.BlockIO; b != nil && b.Weight != nil && *b.Weight != 0 {
		if v1 {
			props = append(props, newProp("BlockIOWeight", uint64(*b.Weight)))
		} else {
			props = append(props, newProp("IOWeight", blkioWeightToIOWeight(*b.Weight)))
		}
	}
	p, err := sdUnified(r.Unified, sdVersion)
	if err != nil {
		return nil, nil, nil, err
	}
	return append(props, p...), &out, warnings, nil
}

// sdMemory: MemoryMax, MemoryLow and MemorySwapMax on v2; on v1 only
// MemoryLimit, as runc (the files have the reservation and memsw).
func sdMemory(m *specs.LinuxMemory, v1 bool) ([]sdbus.Property, error) {
	var limit, swap int64
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		swap = *m.Swap
	}
	if v1 {
		if limit == 0 {
			return nil, nil
		}
		return []sdbus.Property{newProp("MemoryLimit", sdLimit(limit))}, nil
	}
	var props []sdbus.Property
	if limit != 0 {
		props = append(props, newProp("MemoryMax", sdLimit(limit)))
	}
	if m.Reservation != nil && *m.Reservation != 0 {
		props = append(props, newProp("MemoryLow", sdLimit(*m.Reservation)))
	}
	switch {
	case limit == -1 && swap == 0:
		// v1 compatibility, as runc: memory unlimited and swap unset
		// means both unlimited.
		props = append(props, newProp("MemorySwapMax", usecInfinity))
	case swap != 0:
		v, err := swapToV2(swap, m.Limit)
		if err != nil {
			return nil, err
		}
		if v == "max" {
			props = append(props, newProp("MemorySwapMax", usecInfinity))
		} else if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			props = append(props, newProp("MemorySwapMax", n))
		}
	}
	return props, nil
}

// sdLimit is a byte limit for systemd: -1 (or any negative) is infinity.
func sdLimit(v int64) uint64 {
	if v < 0 {
		return usecInfinity
	}
	return uint64(v)
}

// tasksMax mirrors pidsMax: negative is no limit, 0 is 1 (systemd's
// TasksMax cannot be 0).
func tasksMax(limit int64) uint64 {
	switch {
	case limit < 0:
		return usecInfinity
	case limit == 0:
		return 1
	}
	return uint64(limit)
}

// sdCPUQuota is runc's addCPUQuota: CPUQuotaPeriodUSec when a period is
// set (systemd 242+); CPUQuotaPerSecUSec when a quota or period is set,
// infinity for a quota that is not positive. systemd keeps the quota as
// a whole percent of one CPU, so a quota worth a fraction of a percent is
// rounded up to the next 10 ms per second; the rounded quota is returned
// for the cgroup file.
func sdCPUQuota(quota int64, period uint64, sdVersion int) ([]sdbus.Property, int64) {
	var props []sdbus.Property
	if period != 0 && sdVersion >= sdCPUQuotaPeriod {
		props = append(props, newProp("CPUQuotaPeriodUSec", period))
	}
	if quota == 0 && period == 0 {
		return props, quota
	}
	perSec := usecInfinity
	if quota > 0 {
		if period == 0 {
			period = defaultCPUPeriod
		}
		perSec = uint64(quota) * 1000000 / period
		if perSec%10000 != 0 {
			perSec = (perSec/10000 + 1) * 10000
			quota = int64(perSec * period / 1000000)
		}
	}
	return append(props, newProp("CPUQuotaPerSecUSec", perSec)), quota
}

// sdCpuset: AllowedCPUs and AllowedMemoryNodes (systemd 244+) as bitmasks.
func sdCpuset(cpus, mems string, sdVersion int) ([]sdbus.Property, error) {
	if sdVersion < sdAllowedCPUs {
		return nil, nil
	}
	var props []sdbus.Property
	for _, x := range []struct{ field, prop, list string }{
		{"cpus", "AllowedCPUs", cpus},
		{"mems", "AllowedMemoryNodes", mems},
	} {
		if x.list == "" {
			continue
		}
		bits, err := sd.RangeToBits(x.list)
		if err != nil {
			return nil, fmt.Errorf("linux.resources.cpu.%s: %q: %w (%s)", x.field, x.list, err, x.prop)
		}
		props = append(props, newProp(x.prop, bits))
	}
	return props, nil
}

// sdUnified converts the linux.resources.unified keys systemd has a
// property for, as runc's unifiedResToSystemdProps; the others are left
// to the files. Keys are taken in sorted order for a stable property list.
func sdUnified(u map[string]string, sdVersion int) ([]sdbus.Property, error) {
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var props []sdbus.Property
	bad := func(k, v string, err error) error {
		return fmt.Errorf("linux.resources.unified[%q]: %q: %w", k, v, err)
	}
	for _, k := range keys {
		v := strings.TrimSpace(u[k])
		switch k {
		case "cpu.idle":
			if v == "1" && sdVersion >= sdCPUIdle {
				props = append(props, newProp("CPUWeight", uint64(0)))
			}
		case "cpu.weight":
			if strings.TrimSpace(u["cpu.idle"]) == "1" && sdVersion >= sdCPUIdle {
				continue // CPUWeight=0 says idle already
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, bad(k, v, err)
			}
			props = append(props, newProp("CPUWeight", n))
		case "cpu.max":
			f := strings.Fields(v)
			if len(f) < 1 || len(f) > 2 {
				return nil, bad(k, v, fmt.Errorf("want \"$MAX [$PERIOD]\""))
			}
			var quota int64
			period := uint64(defaultCPUPeriod)
			var err error
			if f[0] != "max" {
				if quota, err = strconv.ParseInt(f[0], 10, 64); err != nil {
					return nil, bad(k, v, err)
				}
			}
			if len(f) == 2 {
				if period, err = strconv.ParseUint(f[1], 10, 64); err != nil {
					return nil, bad(k, v, err)
				}
			}
			p, _ := sdCPUQuota(quota, period, sdVersion)
			props = append(props, p...)
		case "cpuset.cpus", "cpuset.mems":
			if sdVersion < sdAllowedCPUs {
				continue
			}
			bits, err := sd.RangeToBits(v)
			if err != nil {
				return nil, bad(k, v, err)
			}
			name := map[string]string{"cpuset.cpus": "AllowedCPUs", "cpuset.mems": "AllowedMemoryNodes"}[k]
			props = append(props, newProp(name, bits))
		case "memory.high", "memory.low", "memory.min", "memory.max", "memory.swap.max", "pids.max":
			n := usecInfinity
			if v != "max" {
				var err error
				if n, err = strconv.ParseUint(v, 10, 64); err != nil {
					return nil, bad(k, v, err)
				}
			}
			name := map[string]string{
				"memory.high": "MemoryHigh", "memory.low": "MemoryLow", "memory.min": "MemoryMin",
				"memory.max": "MemoryMax", "memory.swap.max": "MemorySwapMax", "pids.max": "TasksMax",
			}[k]
			props = append(props, newProp(name, n))
		}
	}
	return props, nil
}

// sdOOMPolicy is unified memory.oom.group as the unit's OOMPolicy, which
// systemd takes only when the unit starts (as runc).
func sdOOMPolicy(u map[string]string) ([]sdbus.Property, error) {
	v, ok := u["memory.oom.group"]
	if !ok {
		return nil, nil
	}
	switch strings.TrimSpace(v) {
	case "0":
		return []sdbus.Property{newProp("OOMPolicy", "continue")}, nil
	case "1":
		return []sdbus.Property{newProp("OOMPolicy", "kill")}, nil
	}
	return nil, fmt.Errorf("linux.resources.unified[\"memory.oom.group\"]: %q: want 0 or 1", v)
}
