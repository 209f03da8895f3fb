package cgroup

import (
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV2Unified writes linux.resources.unified verbatim, keys in sorted
// order so that a run is reproducible. Set calls it after the mapped
// values, so a unified key overrides the field that maps to the same file.
func setV2Unified(dir string, r *specs.LinuxResources) error {
	keys := make([]string, 0, len(r.Unified))
	for k := range r.Unified {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := validateUnifiedKey(k); err != nil {
			return err
		}
		if err := writeFile(dir, k, r.Unified[k]); err != nil {
			return err
		}
	}
	return nil
}
