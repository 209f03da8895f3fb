package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// updateFlags are `runc update`'s flags, kept as the strings given: ""
// means not given, as in runc, which sets only the flags that are set.
type updateFlags struct {
	resources                          string
	memory, memoryReservation, memSwap string
	kernelMemory, kernelMemoryTCP      string
	cpuShares, cpuQuota, cpuPeriod     string
	cpuRtRuntime, cpuRtPeriod          string
	cpusetCpus, cpusetMems             string
	pidsLimit, blkioWeight             string
	l3CacheSchema, memBwSchema         string
}

// cmdUpdate: `update [flags] ID`. --resources FILE|- gives a JSON
// linux.resources ("-": stdin, as containerd's newer shims pass it); the
// other flags are applied on top of it. runc ignores them when
// --resources is given; applying them instead loses nothing.
func cmdUpdate(g *globals, args []string) (int, error) {
	id, r, uf, err := parseUpdate(args, os.Stdin)
	if err != nil {
		return 1, err
	}
	if uf.kernelMemory != "" || uf.kernelMemoryTCP != "" {
		// runc 1.1+ accepts and ignores these: kernel memory limits
		// are gone from Linux 5.16 and deprecated in the spec.
		g.log.Debugf("update %s: --kernel-memory/--kernel-memory-tcp ignored (kernel memory limits are not supported)", id)
	}
	return 0, g.store().Update(id, r)
}

// parseUpdate turns the arguments into the id and the resources to merge.
func parseUpdate(args []string, stdin io.Reader) (string, *specs.LinuxResources, *updateFlags, error) {
	var u updateFlags
	fs := newFlags("update")
	fs.String(&u.resources, "resources", "r")
	fs.String(&u.memory, "memory")
	fs.String(&u.memoryReservation, "memory-reservation")
	fs.String(&u.memSwap, "memory-swap")
	fs.String(&u.kernelMemory, "kernel-memory")
	fs.String(&u.kernelMemoryTCP, "kernel-memory-tcp")
	fs.String(&u.cpuShares, "cpu-share", "cpu-shares")
	fs.String(&u.cpuQuota, "cpu-quota")
	fs.String(&u.cpuPeriod, "cpu-period")
	fs.String(&u.cpuRtRuntime, "cpu-rt-runtime")
	fs.String(&u.cpuRtPeriod, "cpu-rt-period")
	fs.String(&u.cpusetCpus, "cpuset-cpus")
	fs.String(&u.cpusetMems, "cpuset-mems")
	fs.String(&u.pidsLimit, "pids-limit")
	fs.String(&u.blkioWeight, "blkio-weight")
	fs.String(&u.l3CacheSchema, "l3-cache-schema")
	fs.String(&u.memBwSchema, "mem-bw-schema")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return "", nil, nil, err
	}
	id, err := needID("update", pos)
	if err != nil {
		return "", nil, nil, err
	}
	if u.l3CacheSchema != "" || u.memBwSchema != "" {
		return "", nil, nil, fmt.Errorf("update: --l3-cache-schema/--mem-bw-schema: Intel RDT (resctrl) is not supported by gorunc")
	}
	r := &specs.LinuxResources{}
	if u.resources != "" {
		if r, err = readResources(u.resources, stdin); err != nil {
			return "", nil, nil, err
		}
	}
	if err := u.apply(r); err != nil {
		return "", nil, nil, err
	}
	return id, r, &u, nil
}

func readResources(src string, stdin io.Reader) (*specs.LinuxResources, error) {
	var data []byte
	var err error
	if src == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(src)
	}
	if err != nil {
		return nil, fmt.Errorf("update: --resources %s: %w", src, err)
	}
	r := &specs.LinuxResources{}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("update: --resources %s: not a JSON linux.resources object: %w", src, err)
	}
	return r, nil
}

// apply sets the fields of r that the flags give.
func (u *updateFlags) apply(r *specs.LinuxResources) error {
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	for _, f := range []struct {
		name, val string
		dst       func() **int64
	}{
		{"memory", u.memory, func() **int64 { return &mem().Limit }},
		{"memory-reservation", u.memoryReservation, func() **int64 { return &mem().Reservation }},
		{"memory-swap", u.memSwap, func() **int64 { return &mem().Swap }},
	} {
		if f.val == "" {
			continue
		}
		v, err := parseBytes(f.name, f.val)
		if err != nil {
			return err
		}
		*f.dst() = &v
	}
	for _, f := range []struct {
		name, val string
		dst       func() **uint64
	}{
		{"cpu-share", u.cpuShares, func() **uint64 { return &cpu().Shares }},
		{"cpu-period", u.cpuPeriod, func() **uint64 { return &cpu().Period }},
		{"cpu-rt-period", u.cpuRtPeriod, func() **uint64 { return &cpu().RealtimePeriod }},
	} {
		if f.val == "" {
			continue
		}
		v, err := strconv.ParseUint(f.val, 10, 64)
		if err != nil {
			return fmt.Errorf("update: --%s %q: not a non-negative integer", f.name, f.val)
		}
		*f.dst() = &v
	}
	for _, f := range []struct {
		name, val string
		dst       func() **int64
	}{
		{"cpu-quota", u.cpuQuota, func() **int64 { return &cpu().Quota }},
		{"cpu-rt-runtime", u.cpuRtRuntime, func() **int64 { return &cpu().RealtimeRuntime }},
		{"pids-limit", u.pidsLimit, func() **int64 {
			if r.Pids == nil {
				r.Pids = &specs.LinuxPids{}
			}
			return &r.Pids.Limit
		}},
	} {
		if f.val == "" {
			continue
		}
		v, err := strconv.ParseInt(f.val, 10, 64)
		if err != nil {
			return fmt.Errorf("update: --%s %q: not an integer", f.name, f.val)
		}
		*f.dst() = &v
	}
	if u.cpusetCpus != "" {
		cpu().Cpus = u.cpusetCpus
	}
	if u.cpusetMems != "" {
		cpu().Mems = u.cpusetMems
	}
	if u.blkioWeight != "" {
		w, err := strconv.ParseUint(u.blkioWeight, 10, 16)
		if err != nil || w < 10 || w > 1000 {
			return fmt.Errorf("update: --blkio-weight %q: want an integer from 10 to 1000", u.blkioWeight)
		}
		if r.BlockIO == nil {
			r.BlockIO = &specs.LinuxBlockIO{}
		}
		w16 := uint16(w)
		r.BlockIO.Weight = &w16
	}
	return nil
}

// sizeRE is docker/go-units' RAMInBytes syntax, which runc uses for its
// memory flags: a number, an optional binary unit, optional "i" and "b".
var sizeRE = regexp.MustCompile(`^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$`)

// parseBytes parses "-1" (no limit) or a size such as 64m (64 MiB).
func parseBytes(flag, s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("update: --%s %q: not a size, want bytes with an optional unit (k, m, g, t, p), e.g. 64m, or -1", flag, s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("update: --%s %q: not a size: %w", flag, s, err)
	}
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}[strings.ToLower(m[2])]
	return int64(n * mult), nil
}
