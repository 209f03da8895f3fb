package cgroup

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks linux.resources for the given cgroup version before
// anything is created. Each error is one line naming the OCI field, the
// offending value and the cgroup file it would have been written to.
func Validate(r *specs.LinuxResources, version int) error {
	if r == nil {
		return nil
	}
	if version != 1 && version != 2 {
		return fmt.Errorf("cgroup version %d: want 1 or 2", version)
	}
	checks := []func(*specs.LinuxResources, int) error{validateCPU, validateMemory, validateUnified, validateDevices}
	for _, check := range checks {
		if err := check(r, version); err != nil {
			return err
		}
	}
	return nil
}

// pick returns the v1 or the v2 name of a file, for messages.
func pick(version int, v1, v2 string) string {
	if version == 2 {
		return v2
	}
	return v1
}

func validateCPU(r *specs.LinuxResources, version int) error {
	c := r.CPU
	if c == nil {
		return nil
	}
	if c.Shares != nil && *c.Shares != 0 && (*c.Shares < 2 || *c.Shares > 262144) {
		return fmt.Errorf("linux.resources.cpu.shares: %d is out of range [2, 262144] (%s)", *c.Shares, pick(version, "cpu.shares", "cpu.weight"))
	}
	quotaSet := c.Quota != nil && *c.Quota != 0
	if c.Quota != nil && *c.Quota < 0 && *c.Quota != -1 {
		return fmt.Errorf("linux.resources.cpu.quota: %d is invalid, want a positive number of microseconds or -1 for no limit (%s)", *c.Quota, pick(version, "cpu.cfs_quota_us", "cpu.max"))
	}
	if quotaSet && c.Period != nil && *c.Period == 0 {
		return fmt.Errorf("linux.resources.cpu.period: 0 is invalid when cpu.quota is set, want microseconds in [1000, 1000000] (%s)", pick(version, "cpu.cfs_period_us", "cpu.max"))
	}
	if version == 2 && (c.RealtimeRuntime != nil || c.RealtimePeriod != nil) {
		return fmt.Errorf("linux.resources.cpu.realtimeRuntime/realtimePeriod: set, but cgroup v2 has no realtime bandwidth files (cpu.rt_runtime_us is cgroup v1 only)")
	}
	if version == 2 && c.Idle != nil && *c.Idle != 0 && *c.Idle != 1 {
		return fmt.Errorf("linux.resources.cpu.idle: %d is invalid, want 0 or 1 (cpu.idle)", *c.Idle)
	}
	return nil
}

func validateMemory(r *specs.LinuxResources, version int) error {
	m := r.Memory
	if m == nil {
		return nil
	}
	limitFile := pick(version, "memory.limit_in_bytes", "memory.max")
	swapFile := pick(version, "memory.memsw.limit_in_bytes", "memory.swap.max")
	if m.Limit != nil && *m.Limit <= 0 && *m.Limit != -1 {
		return fmt.Errorf("linux.resources.memory.limit: %d is invalid, want a positive number of bytes or -1 for no limit (%s)", *m.Limit, limitFile)
	}
	if m.Swap != nil && *m.Swap < -1 {
		return fmt.Errorf("linux.resources.memory.swap: %d is invalid, want a positive number of bytes or -1 for no limit (%s)", *m.Swap, swapFile)
	}
	if m.Swap != nil && *m.Swap > 0 {
		if m.Limit == nil || *m.Limit == -1 {
			return fmt.Errorf("linux.resources.memory.swap: %d needs memory.limit to be set, because swap is memory+swap (%s)", *m.Swap, swapFile)
		}
		if *m.Swap < *m.Limit {
			return fmt.Errorf("linux.resources.memory.swap: %d is less than memory.limit %d, but swap is memory+swap and must be >= limit (%s)", *m.Swap, *m.Limit, swapFile)
		}
	}
	if version == 2 && m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		return fmt.Errorf("linux.resources.memory.disableOOMKiller: true is not supported on cgroup v2 (memory.oom_control is cgroup v1 only)")
	}
	return nil
}

func validateUnified(r *specs.LinuxResources, version int) error {
	if len(r.Unified) == 0 {
		return nil
	}
	if version != 2 {
		// runc's words (opencontainers/cgroups ErrV1NoUnified), also on
		// a hybrid host, whose cgroup2 hierarchy has no controllers;
		// then the field, as every config error here names it.
		return errors.New("invalid configuration: cannot use unified on cgroup v1 (linux.resources.unified holds cgroup v2 files)")
	}
	keys := make([]string, 0, len(r.Unified))
	for k := range r.Unified {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := validateUnifiedKey(k); err != nil {
			return err
		}
	}
	return nil
}

func validateUnifiedKey(k string) error {
	ctrl, file, ok := strings.Cut(k, ".")
	switch {
	case strings.Contains(k, "/") || strings.Contains(k, ".."):
		return fmt.Errorf("linux.resources.unified: key %q must be a file name, without \"/\" or \"..\"", k)
	case !ok || ctrl == "" || file == "":
		return fmt.Errorf("linux.resources.unified: key %q is not of the form <controller>.<file>", k)
	}
	if v2, isV1 := v1FileNames()[k]; isV1 {
		return fmt.Errorf("linux.resources.unified: key %q is a cgroup v1 file; on cgroup v2 use %s", k, v2)
	}
	return nil
}

func validateDevices(r *specs.LinuxResources, _ int) error {
	for i, d := range r.Devices {
		switch d.Type {
		case "", "a", "b", "c":
		default:
			return fmt.Errorf("linux.resources.devices[%d].type: %q is invalid, want a, b or c", i, d.Type)
		}
		// runc's specconv refuses an empty access in these words and
		// keeps only the r, w and m of any other ("rwa" is "rw").
		if d.Access == "" {
			return fmt.Errorf("device access at %d field cannot be empty", i)
		}
		if deviceAccess(d.Access) == "" {
			return fmt.Errorf("linux.resources.devices[%d].access: %q has none of the letters r, w, m", i, d.Access)
		}
	}
	return nil
}

// deviceAccess is the r, w and m of a device rule's access, in that order,
// any other letter dropped as runc does (opencontainers/cgroups devices
// config Permissions keeps only these three).
func deviceAccess(access string) string {
	var b strings.Builder
	for _, c := range "rwm" {
		if strings.ContainsRune(access, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// v1FileNames maps cgroup v1 file names that people write on v2 hosts to
// their v2 counterparts (the seed's Common Error 4: "file names differ").
var v1FileNames = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"memory.limit_in_bytes":       "memory.max",
		"memory.soft_limit_in_bytes":  "memory.low",
		"memory.memsw.limit_in_bytes": "memory.swap.max",
		"memory.usage_in_bytes":       "memory.current",
		"memory.oom_control":          "memory.events (there is no switch to disable the OOM killer)",
		"cpu.cfs_quota_us":            "cpu.max",
		"cpu.cfs_period_us":           "cpu.max",
		"cpu.shares":                  "cpu.weight",
		"blkio.weight":                "io.weight",
		"freezer.state":               "cgroup.freeze",
	}
})
