package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/runtime"
)

// updateFlags are `runc update`'s flags, kept as the strings given: ""
// means not given, as in runc, which sets only the flags that are set.
type updateFlags struct {
	resources                          string
	memory, memoryReservation, memSwap string
	kernelMemory, kernelMemoryTCP      string
	cpuShares, cpuQuota, cpuPeriod     string
	cpuBurst, cpuIdle                  string
	cpuRtRuntime, cpuRtPeriod          string
	cpusetCpus, cpusetMems             string
	pidsLimit, blkioWeight             string
	l3CacheSchema, memBwSchema         string
}

// kernelMemoryWarning is runc 1.5's: kernel memory limits are gone from
// Linux 5.16 and deprecated in the spec, so the values are parsed (a bad
// one is still an error) and dropped.
const kernelMemoryWarning = "Kernel memory settings are ignored and will be removed"

// cmdUpdate: `update [flags] ID`. --resources FILE|- gives a JSON
// linux.resources ("-": stdin, as containerd's newer shims pass it); as in
// runc, the other resource flags are then ignored.
func cmdUpdate(g *globals, args []string) (int, error) {
	id, r, err := parseUpdate(args, os.Stdin)
	if err != nil {
		return 1, err
	}
	if r.Memory != nil && (r.Memory.Kernel != nil || r.Memory.KernelTCP != nil) {
		g.store().Warn(kernelMemoryWarning)
		r.Memory.Kernel, r.Memory.KernelTCP = nil, nil
	}
	return 0, g.store().Update(id, r)
}

// parseUpdate turns the arguments into the id and the resources to merge.
func parseUpdate(args []string, stdin io.Reader) (string, *specs.LinuxResources, error) {
	var u updateFlags
	fs := newFlags("update")
	fs.String(&u.resources, "resources", "r")
	fs.String(&u.blkioWeight, "blkio-weight")
	fs.String(&u.cpuPeriod, "cpu-period")
	fs.String(&u.cpuQuota, "cpu-quota")
	fs.String(&u.cpuBurst, "cpu-burst")
	fs.String(&u.cpuShares, "cpu-share")
	fs.String(&u.cpuRtPeriod, "cpu-rt-period")
	fs.String(&u.cpuRtRuntime, "cpu-rt-runtime")
	fs.String(&u.cpusetCpus, "cpuset-cpus")
	fs.String(&u.cpusetMems, "cpuset-mems")
	fs.String(&u.kernelMemory, "kernel-memory")
	fs.String(&u.kernelMemoryTCP, "kernel-memory-tcp")
	fs.String(&u.memory, "memory")
	fs.String(&u.cpuIdle, "cpu-idle")
	fs.String(&u.memoryReservation, "memory-reservation")
	fs.String(&u.memSwap, "memory-swap")
	fs.String(&u.pidsLimit, "pids-limit")
	fs.String(&u.l3CacheSchema, "l3-cache-schema")
	fs.String(&u.memBwSchema, "mem-bw-schema")
	pos, err := fs.Parse(args, -1)
	if err != nil {
		return "", nil, err
	}
	id, err := needID("update", pos)
	if err != nil {
		return "", nil, err
	}
	r := &specs.LinuxResources{}
	if u.resources != "" {
		if r, err = readResources(u.resources, stdin); err != nil {
			return "", nil, err
		}
	} else if err := u.apply(r); err != nil {
		return "", nil, err
	}
	if r.CPU != nil && r.CPU.Idle != nil && r.CPU.Shares == nil {
		// runc 1.5 sets the shares to 0 (not written) with the idle
		// flag: the kernel refuses cpu.shares/cpu.weight while the
		// group is idle, and the stored shares would be written first.
		r.CPU.Shares = new(uint64)
	}
	if err := checkRDT(u.l3CacheSchema, u.memBwSchema); err != nil {
		return "", nil, err
	}
	return id, r, nil
}

// checkRDT answers the Intel RDT flags as runc 1.5 does: "not enabled"
// when the host's resctrl lacks the feature (or there is no resctrl), and
// otherwise that the container has no RDT group to update, which is true
// of every gorunc container (linux.intelRdt is not applied).
func checkRDT(l3CacheSchema, memBwSchema string) error {
	if l3CacheSchema == "" && memBwSchema == "" {
		return nil
	}
	root := runtime.ResctrlRoot()
	has := func(feature string) bool {
		_, err := os.Stat(filepath.Join(root, "info", feature))
		return root != "" && err == nil
	}
	if l3CacheSchema != "" && !has("L3") {
		return errors.New("Intel RDT/CAT: l3 cache schema is not enabled")
	}
	if memBwSchema != "" && !has("MB") {
		return errors.New("Intel RDT/MBA: memory bandwidth schema is not enabled")
	}
	return errors.New("updating a non-existent Intel RDT configuration is not supported")
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

// apply sets the fields of r that the flags give, parsed as runc 1.5
// parses them, with its words for a bad value.
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
	if u.blkioWeight != "" {
		w, err := parseIntFlag("blkio-weight", u.blkioWeight)
		if err != nil {
			return err
		}
		if w < 0 || w > math.MaxUint16 {
			// runc converts with uint16(w), which wraps around.
			return fmt.Errorf("invalid value for blkio-weight: %d does not fit linux.resources.blockIO.weight (16 bits)", w)
		}
		if w != 0 {
			w16 := uint16(w)
			r.BlockIO = &specs.LinuxBlockIO{Weight: &w16}
		}
	}
	if u.cpusetCpus != "" {
		cpu().Cpus = u.cpusetCpus
	}
	if u.cpusetMems != "" {
		cpu().Mems = u.cpusetMems
	}
	if u.cpuIdle != "" {
		v, err := strconv.ParseInt(u.cpuIdle, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid value for cpu-idle: %w", err)
		}
		cpu().Idle = &v
	}
	for _, f := range []struct {
		name, val string
		dst       func() **uint64
	}{
		{"cpu-burst", u.cpuBurst, func() **uint64 { return &cpu().Burst }},
		{"cpu-period", u.cpuPeriod, func() **uint64 { return &cpu().Period }},
		{"cpu-rt-period", u.cpuRtPeriod, func() **uint64 { return &cpu().RealtimePeriod }},
		{"cpu-share", u.cpuShares, func() **uint64 { return &cpu().Shares }},
	} {
		if f.val == "" {
			continue
		}
		v, err := strconv.ParseUint(f.val, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %w", f.name, err)
		}
		*f.dst() = &v
	}
	for _, f := range []struct {
		name, val string
		dst       func() **int64
	}{
		{"cpu-quota", u.cpuQuota, func() **int64 { return &cpu().Quota }},
		{"cpu-rt-runtime", u.cpuRtRuntime, func() **int64 { return &cpu().RealtimeRuntime }},
	} {
		if f.val == "" {
			continue
		}
		v, err := strconv.ParseInt(f.val, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %w", f.name, err)
		}
		*f.dst() = &v
	}
	for _, f := range []struct {
		name, val string
		dst       func() **int64
	}{
		{"memory", u.memory, func() **int64 { return &mem().Limit }},
		{"memory-swap", u.memSwap, func() **int64 { return &mem().Swap }},
		{"kernel-memory", u.kernelMemory, func() **int64 { return &mem().Kernel }},
		{"kernel-memory-tcp", u.kernelMemoryTCP, func() **int64 { return &mem().KernelTCP }},
		{"memory-reservation", u.memoryReservation, func() **int64 { return &mem().Reservation }},
	} {
		if f.val == "" {
			continue
		}
		v := int64(-1)
		if f.val != "-1" {
			var err error
			if v, err = ramInBytes(f.val); err != nil {
				return fmt.Errorf("invalid value for %s: %w", f.name, err)
			}
		}
		*f.dst() = &v
	}
	if u.pidsLimit != "" {
		v, err := parseIntFlag("pids-limit", u.pidsLimit)
		if err != nil {
			return err
		}
		r.Pids = &specs.LinuxPids{Limit: &v}
	}
	return nil
}

// parseIntFlag parses the value of one of runc's integer flags (urfave/cli
// IntFlag, parsed by Go's flag package: base prefixes 0x, 0o, 0b allowed),
// with the flag package's words for a bad one.
func parseIntFlag(name, s string) (int64, error) {
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		why := "parse error"
		if errors.Is(err, strconv.ErrRange) {
			why = "value out of range"
		}
		return 0, fmt.Errorf("invalid value %q for flag -%s: %s", s, name, why)
	}
	return v, nil
}

// ramInBytes parses a size as docker/go-units' RAMInBytes (v0.5.0, runc
// 1.5's): a decimal number, an optional space, an optional unit k, m, g,
// t or p (powers of 1024, any case) followed by "b" or "ib", or "b" alone;
// with its error words.
func ramInBytes(s string) (int64, error) {
	sep := strings.LastIndexAny(s, "0123456789. ")
	if sep == -1 {
		return -1, fmt.Errorf("invalid size: '%s'", s)
	}
	num, sfx := s[:sep+1], s[sep+1:]
	if s[sep] == ' ' {
		num = s[:sep]
	}
	size, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return -1, err
	}
	if size < 0 {
		return -1, fmt.Errorf("invalid size: '%s'", s)
	}
	if sfx == "" {
		return int64(size), nil
	}
	badSuffix := fmt.Errorf("invalid suffix: '%s'", sfx)
	if len(sfx) > 3 {
		return -1, badSuffix
	}
	sfx = strings.ToLower(sfx)
	badSuffix = fmt.Errorf("invalid suffix: '%s'", sfx)
	if sfx == "b" {
		return int64(size), nil
	}
	shift := strings.IndexByte("kmgtp", sfx[0])
	if shift < 0 || (len(sfx) == 2 && sfx[1] != 'b') || (len(sfx) == 3 && sfx[1:] != "ib") {
		return -1, badSuffix
	}
	return int64(size * float64(uint64(1)<<(10*(shift+1)))), nil
}
