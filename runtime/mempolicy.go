package runtime

// linux.memoryPolicy (runtime-spec 1.3): the NUMA memory policy of the
// container's processes, set with set_mempolicy(2) by init and exec-init
// on the thread that execs; the policy is a thread attribute that execve
// keeps and fork copies. Validation and words are runc 1.5.1's
// (specconv, then validate): an unknown mode or flag, a bad node list,
// then the node count each mode needs.

import (
	"fmt"
	"sort"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mpolModes and mpolFlags are include/uapi/linux/mempolicy.h's values.
var mpolModes = sync.OnceValue(func() map[specs.MemoryPolicyModeType]int {
	return map[specs.MemoryPolicyModeType]int{
		specs.MpolDefault:            0,
		specs.MpolPreferred:          1,
		specs.MpolBind:               2,
		specs.MpolInterleave:         3,
		specs.MpolLocal:              4,
		specs.MpolPreferredMany:      5,
		specs.MpolWeightedInterleave: 6,
	}
})

var mpolFlags = sync.OnceValue(func() map[specs.MemoryPolicyFlagType]int {
	return map[specs.MemoryPolicyFlagType]int{
		specs.MpolFStaticNodes:   1 << 15,
		specs.MpolFRelativeNodes: 1 << 14,
		specs.MpolFNumaBalancing: 1 << 13,
	}
})

// memPolicy is set_mempolicy(2)'s arguments.
type memPolicy struct {
	mode  int // mode | flags
	nodes *unix.CPUSet
}

// parseMemoryPolicy converts and checks linux.memoryPolicy; nil when
// there is none. runc checks the node count per mode itself (the kernel
// would say EINVAL): none for MPOL_DEFAULT and MPOL_LOCAL, at least one
// for every mode but MPOL_PREFERRED (whose empty set means local). The
// rest (flags that do not go together, a node the machine lacks) is left
// to the kernel, as runc does.
func parseMemoryPolicy(l *specs.Linux) (*memPolicy, error) {
	if l == nil || l.MemoryPolicy == nil {
		return nil, nil
	}
	mp := l.MemoryPolicy
	mode, ok := mpolModes()[mp.Mode]
	if !ok {
		return nil, fmt.Errorf("invalid memory policy mode %q", mp.Mode)
	}
	nodes, err := parseCPUList(mp.Nodes)
	if err != nil {
		return nil, fmt.Errorf("invalid memory policy nodes %q: %w", mp.Nodes, err)
	}
	flags := 0
	for _, f := range mp.Flags {
		v, ok := mpolFlags()[f]
		if !ok {
			return nil, fmt.Errorf("invalid memory policy flag %q", f)
		}
		flags |= v
	}
	n := 0
	if nodes != nil {
		n = nodes.Count()
	}
	switch mp.Mode {
	case specs.MpolDefault, specs.MpolLocal:
		if n != 0 {
			return nil, fmt.Errorf("memory policy mode requires 0 nodes but got %d", n)
		}
	case specs.MpolPreferred:
	default:
		if n == 0 {
			return nil, fmt.Errorf("memory policy mode requires at least one node but got 0")
		}
	}
	if nodes == nil {
		nodes = new(unix.CPUSet)
	}
	return &memPolicy{mode: mode | flags, nodes: nodes}, nil
}

// applyMemoryPolicy sets linux.memoryPolicy on the calling thread.
func applyMemoryPolicy(l *specs.Linux) error {
	mp, err := parseMemoryPolicy(l)
	if err != nil || mp == nil {
		return err
	}
	if err := unix.SetMemPolicy(mp.mode, mp.nodes); err != nil {
		return fmt.Errorf("set_mempolicy: %w", err)
	}
	return nil
}

// MemoryPolicyModes and MemoryPolicyFlags are the names gorunc applies,
// for `features` (sorted, as runc lists them).
func MemoryPolicyModes() []string { return sortedNames(mpolModes()) }
func MemoryPolicyFlags() []string { return sortedNames(mpolFlags()) }

func sortedNames[K ~string](m map[K]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}
