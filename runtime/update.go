package runtime

import (
	"errors"
	"fmt"
	"reflect"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/cgroup"
)

// Update merges r into the container's linux.resources (only the fields r
// sets), writes the result to its cgroup and records it in the state, so
// that a later update starts from these values and state.json stays the
// truth. Device rules are rewritten only when r has some.
func (s Store) Update(id string, r *specs.LinuxResources) error {
	c, err := s.openFor("update", id, Status.CanUpdate, readWhole)
	if err != nil {
		return err
	}
	defer c.close()
	if c.rec.Spec == nil {
		return fmt.Errorf("update %s: state has no config", id)
	}
	if c.rec.Cgroup.Version == 0 {
		return fmt.Errorf("update %s: %w", id, cgroup.ErrNoCgroup)
	}
	if c.rec.Spec.Linux == nil {
		c.rec.Spec.Linux = &specs.Linux{}
	}
	r = unlimitedSwapWithMemory(r)
	merged := mergeResources(c.rec.Spec.Linux.Resources, r)
	if err := cgroup.Validate(merged, c.rec.Cgroup.Version); err != nil {
		return err
	}
	m, err := c.cgroup()
	if err != nil {
		return fmt.Errorf("update %s: %w", id, err)
	}
	if err := checkBeforeUpdate(m, c.rec.Cgroup.Version, merged, r); err != nil {
		return err
	}
	if err := m.Set(resourcesToWrite(c.rec.Spec, merged, r)); err != nil {
		return explainUpdate(id, c.rec.Cgroup.Version, r, err)
	}
	c.rec.Spec.Linux.Resources = merged
	if err := s.write(c.rec); err != nil {
		return fmt.Errorf("update %s: cgroup updated, but %w", id, err)
	}
	return nil
}

// unlimitedSwapWithMemory returns update with memory.swap -1 when it sets
// memory.limit to -1 and says nothing of swap, as runc's update does ("set
// both memory and swap to unlimited"): a kept memory+swap limit would be
// below the unlimited memory, which v1 refuses.
func unlimitedSwapWithMemory(update *specs.LinuxResources) *specs.LinuxResources {
	if update == nil || update.Memory == nil || update.Memory.Limit == nil || *update.Memory.Limit != -1 || update.Memory.Swap != nil {
		return update
	}
	u := *update
	mem := *update.Memory
	swap := int64(-1)
	mem.Swap = &swap
	u.Memory = &mem
	return &u
}

// resourcesToWrite is what Set gets: without device rules unless the
// update brings some, because on v1 rewriting them starts with "deny all"
// and on v2 replaces the eBPF program; with them, the defaults and the
// config's linux.devices are added as on create (cgroupResources).
func resourcesToWrite(spec *specs.Spec, merged, update *specs.LinuxResources) *specs.LinuxResources {
	if update == nil || len(update.Devices) == 0 {
		w := *merged
		w.Devices = nil
		return &w
	}
	linux := *spec.Linux
	linux.Resources = merged
	withDevices := *spec
	withDevices.Linux = &linux
	return cgroupResources(&withDevices)
}

// checkBeforeUpdate honours linux.resources.memory.checkBeforeUpdate:
// a new memory limit below the current usage is refused, rather than
// left to the kernel (which reclaims, then OOM-kills on v2).
func checkBeforeUpdate(m cgroup.Manager, version int, merged, update *specs.LinuxResources) error {
	if merged.Memory == nil || merged.Memory.CheckBeforeUpdate == nil || !*merged.Memory.CheckBeforeUpdate {
		return nil
	}
	if update == nil || update.Memory == nil || update.Memory.Limit == nil || *update.Memory.Limit <= 0 {
		return nil
	}
	st, err := m.Stats()
	if err != nil {
		return fmt.Errorf("linux.resources.memory.checkBeforeUpdate: read the current usage: %w", err)
	}
	limit := uint64(*update.Memory.Limit)
	if limit < st.Memory.Usage {
		file := "memory.usage_in_bytes"
		if version == 2 {
			file = "memory.current"
		}
		return fmt.Errorf("linux.resources.memory.limit: %d is below the current usage %d (%s), and memory.checkBeforeUpdate is set", limit, st.Memory.Usage, file)
	}
	return nil
}

// explainUpdate names the field when the kernel refuses a memory limit:
// v1 answers EBUSY when the usage is above the new limit and cannot be
// reclaimed.
func explainUpdate(id string, version int, update *specs.LinuxResources, err error) error {
	if errors.Is(err, unix.EBUSY) && version == 1 && update != nil && update.Memory != nil && update.Memory.Limit != nil {
		return fmt.Errorf("linux.resources.memory.limit: the kernel refused %d (memory.limit_in_bytes): the container uses more and it could not be reclaimed: %w", *update.Memory.Limit, err)
	}
	return fmt.Errorf("update %s: %w", id, err)
}

// mergeResources returns a copy of cur with every field that update sets
// replaced: pointers when non-nil, strings when non-empty, slices when
// non-empty (a list is replaced whole), maps key by key (unified). It
// walks the spec's types by reflection so that a field added to the spec
// is merged too instead of silently dropped.
func mergeResources(cur, update *specs.LinuxResources) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	if cur != nil {
		mergeValue(reflect.ValueOf(out).Elem(), reflect.ValueOf(cur).Elem())
	}
	if update != nil {
		mergeValue(reflect.ValueOf(out).Elem(), reflect.ValueOf(update).Elem())
	}
	return out
}

// mergeValue merges the struct src into the struct dst. Pointers to
// structs are merged recursively into fresh copies, so dst never shares
// memory with src.
func mergeValue(dst, src reflect.Value) {
	for i := 0; i < src.NumField(); i++ {
		s, d := src.Field(i), dst.Field(i)
		switch s.Kind() {
		case reflect.Pointer:
			if s.IsNil() {
				continue
			}
			n := reflect.New(s.Elem().Type())
			if !d.IsNil() {
				n.Elem().Set(d.Elem())
			}
			if s.Elem().Kind() == reflect.Struct {
				mergeValue(n.Elem(), s.Elem())
			} else {
				n.Elem().Set(s.Elem())
			}
			d.Set(n)
		case reflect.String:
			if s.Len() > 0 {
				d.Set(s)
			}
		case reflect.Slice:
			if s.Len() > 0 {
				d.Set(reflect.AppendSlice(reflect.MakeSlice(s.Type(), 0, s.Len()), s))
			}
		case reflect.Map:
			if s.Len() == 0 {
				continue
			}
			m := reflect.MakeMap(s.Type())
			for _, k := range d.MapKeys() {
				m.SetMapIndex(k, d.MapIndex(k))
			}
			for _, k := range s.MapKeys() {
				m.SetMapIndex(k, s.MapIndex(k))
			}
			d.Set(m)
		default:
			// Plain values (bools, numbers) in the spec's resource
			// structs are required fields of list entries, which are
			// replaced with their slice; a non-zero one is taken.
			if !s.IsZero() {
				d.Set(s)
			}
		}
	}
}
