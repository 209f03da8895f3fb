package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/gorunc/gorunc/nsexec"
)

// LoadSpec reads and validates bundle/config.json. Every error names the
// file or field and the reason, and nothing has been created yet.
func LoadSpec(bundle string) (*specs.Spec, error) {
	spec, _, err := loadConfig(bundle)
	return spec, err
}

// loadConfig is LoadSpec that also returns config.json's bytes, which
// create stores and sends to init instead of encoding the spec again
// (specjson.go).
func loadConfig(bundle string) (*specs.Spec, json.RawMessage, error) {
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, errors.Unwrap(err))
	}
	spec, err := decodeSpec(data)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", path, describeJSONError(data, err))
	}
	if err := validateSpec(spec, bundle); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return spec, data, nil
}

// describeJSONError turns encoding/json's byte offset into a line and
// column, which is what a person editing config.json needs.
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Errorf("line %d, column %d: %s", line, col, syn.Error())
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return fmt.Errorf("line %d, column %d: field %s: cannot use a JSON %s as %s", line, col, typ.Field, typ.Value, typ.Type)
	}
	return err
}

func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	// encoding/json's Offset is just past the offending byte: report
	// that byte's own (1-based) position.
	if offset > 0 {
		offset--
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func validateSpec(s *specs.Spec, bundle string) error {
	if err := validateVersion(s.Version); err != nil {
		return err
	}
	if s.Root == nil || s.Root.Path == "" {
		return errors.New("root.path is required")
	}
	rootfs := RootfsPath(s, bundle)
	if fi, err := os.Stat(rootfs); err != nil {
		return fmt.Errorf("root.path %s: %w", rootfs, errors.Unwrap(err))
	} else if !fi.IsDir() {
		return fmt.Errorf("root.path %s: not a directory", rootfs)
	}
	if s.Process != nil {
		if err := validateProcess(s.Process); err != nil {
			return err
		}
	}
	if s.Linux == nil {
		return errors.New("linux section is required on Linux")
	}
	if err := nsexec.Validate(s.Linux.Namespaces); err != nil {
		return err
	}
	if err := nsexec.ValidateJoin(s.Linux.Namespaces, s.Linux.UIDMappings, s.Linux.GIDMappings); err != nil {
		return err
	}
	if err := validateIDMappings(s.Linux); err != nil {
		return err
	}
	if err := validateLabels(s.Process, s.Linux); err != nil {
		return err
	}
	if err := validateSysctl(s.Linux); err != nil {
		return err
	}
	// runc's validator: there is no UTS namespace of the container's
	// own to set them in (gorunc used to skip them silently).
	if s.Hostname != "" && !nsexec.Has(s.Linux.Namespaces, specs.UTSNamespace) {
		return errors.New("unable to set hostname without a private UTS namespace")
	}
	if s.Domainname != "" && !nsexec.Has(s.Linux.Namespaces, specs.UTSNamespace) {
		return errors.New("unable to set domainname without a private UTS namespace")
	}
	if s.Linux.TimeOffsets != nil && !nsexec.Has(s.Linux.Namespaces, specs.TimeNamespace) {
		// runc's validator: the offsets would apply to nothing.
		return errors.New("time namespace offsets specified, but time namespace isn't enabled in the config")
	}
	if err := validateIntelRdt(s.Linux); err != nil {
		return err
	}
	if _, err := parseMemoryPolicy(s.Linux); err != nil {
		return err
	}
	if err := validatePersonality(s.Linux); err != nil {
		return err
	}
	if err := validateHooks(s.Hooks); err != nil {
		return err
	}
	if strings.Contains("/"+s.Linux.CgroupsPath+"/", "/../") {
		return fmt.Errorf("linux.cgroupsPath %q: must not contain \"..\"", s.Linux.CgroupsPath)
	}
	return nil
}

// validateVersion accepts any 1.x ociVersion: minor versions only add
// fields, which encoding/json ignores or fills.
func validateVersion(v string) error {
	if v == "" {
		return errors.New("ociVersion is required")
	}
	major, _, _ := strings.Cut(v, ".")
	if major != "1" {
		return fmt.Errorf("ociVersion %q is not supported (gorunc supports 1.x)", v)
	}
	return nil
}

// RootfsPath is root.path resolved against the bundle.
func RootfsPath(s *specs.Spec, bundle string) string {
	if filepath.IsAbs(s.Root.Path) {
		return filepath.Clean(s.Root.Path)
	}
	return filepath.Join(bundle, s.Root.Path)
}

func validateProcess(p *specs.Process) error {
	if len(p.Args) == 0 {
		return errors.New("process.args must not be empty")
	}
	if p.Cwd == "" || !filepath.IsAbs(p.Cwd) {
		return fmt.Errorf("process.cwd %q must be an absolute path", p.Cwd)
	}
	for i, rl := range p.Rlimits {
		if _, ok := rlimitTypes()[rl.Type]; !ok {
			return fmt.Errorf("process.rlimits[%d]: unknown type %q", i, rl.Type)
		}
		if rl.Soft > rl.Hard {
			return fmt.Errorf("process.rlimits[%d] %s: soft limit %d is above hard limit %d", i, rl.Type, rl.Soft, rl.Hard)
		}
	}
	return validateProcSched(p)
}

func validateHooks(h *specs.Hooks) error {
	if h == nil {
		return nil
	}
	lists := []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart}, {"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer}, {"startContainer", h.StartContainer},
		{"poststart", h.Poststart}, {"poststop", h.Poststop},
	}
	for _, l := range lists {
		for i, hook := range l.hooks {
			if !filepath.IsAbs(hook.Path) {
				return fmt.Errorf("hooks.%s[%d].path %q must be absolute", l.name, i, hook.Path)
			}
			if hook.Timeout != nil && *hook.Timeout <= 0 {
				return fmt.Errorf("hooks.%s[%d].timeout %d must be positive", l.name, i, *hook.Timeout)
			}
		}
	}
	return nil
}

// validateIDMappings: mappings only make sense with a new user namespace;
// ranges must not overlap on either side, and the container's root must be
// mapped or nothing in the container could own its files.
func validateIDMappings(l *specs.Linux) error {
	userns := false
	for _, ns := range l.Namespaces {
		if ns.Type == specs.UserNamespace && ns.Path == "" {
			userns = true
		}
	}
	if !userns {
		if len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0 {
			return errors.New("linux.uidMappings/gidMappings are set but no new user namespace is requested")
		}
		return nil
	}
	for _, m := range []struct {
		name string
		ms   []specs.LinuxIDMapping
	}{{"uidMappings", l.UIDMappings}, {"gidMappings", l.GIDMappings}} {
		if len(m.ms) == 0 {
			return fmt.Errorf("linux.%s: required with a new user namespace", m.name)
		}
		rootMapped := false
		for i, a := range m.ms {
			if a.Size == 0 {
				return fmt.Errorf("linux.%s[%d]: size is 0", m.name, i)
			}
			if a.ContainerID == 0 {
				rootMapped = true
			}
			for j := i + 1; j < len(m.ms); j++ {
				b := m.ms[j]
				if overlap(a.ContainerID, a.Size, b.ContainerID, b.Size) || overlap(a.HostID, a.Size, b.HostID, b.Size) {
					return fmt.Errorf("linux.%s[%d] and [%d] overlap", m.name, i, j)
				}
			}
		}
		if !rootMapped {
			return fmt.Errorf("linux.%s: the container's root (id 0) is not mapped", m.name)
		}
	}
	return nil
}

func overlap(a, an, b, bn uint32) bool {
	return uint64(a) < uint64(b)+uint64(bn) && uint64(b) < uint64(a)+uint64(an)
}

// validateSysctl accepts only keys the kernel namespaces, and only when the
// container has a namespace of that type of its own: a key written in the
// runtime's own namespace would change the host. runc's validator (1.5,
// libcontainer/configs/validate sysctl) is the contract for the rule and
// the wording. Like runc, "host" means the namespace gorunc itself runs in
// (compared by device and inode with /proc/self/ns/TYPE), not the initial
// one. runc checks a joined path only for the network namespace; gorunc
// checks ipc and uts paths the same way, since writing kernel.shm* or
// kernel.domainname there changes the host just as much.
func validateSysctl(l *specs.Linux) error {
	keys := make([]string, 0, len(l.Sysctl))
	for k := range l.Sysctl {
		keys = append(keys, k)
	}
	// Sorted, so that a config with several bad keys always gets the same
	// answer.
	sort.Strings(keys)
	for _, raw := range keys {
		key := sysctlDots(raw)
		switch {
		case ipcSysctl(key):
			own, err := ownNamespace(l.Namespaces, specs.IPCNamespace)
			if err != nil {
				return fmt.Errorf("invalid ipcns path: %w", err)
			}
			if !own {
				return fmt.Errorf("sysctl %q is not allowed in the hosts ipc namespace", key)
			}
		case strings.HasPrefix(key, "net."):
			own, err := ownNamespace(l.Namespaces, specs.NetworkNamespace)
			if err != nil {
				return fmt.Errorf("invalid netns path: %w", err)
			}
			if !own {
				return fmt.Errorf("sysctl %q not allowed in host network namespace", key)
			}
		case key == "kernel.hostname" && nsexec.Has(l.Namespaces, specs.UTSNamespace):
			// Namespaced, but the OCI hostname field owns it.
			return fmt.Errorf("sysctl %q is not allowed as it conflicts with the OCI %q field", key, "hostname")
		case key == "kernel.domainname":
			own, err := ownNamespace(l.Namespaces, specs.UTSNamespace)
			if err != nil {
				return fmt.Errorf("invalid utsns path: %w", err)
			}
			if !own {
				return fmt.Errorf("sysctl %q is not in a separate kernel namespace", key)
			}
		default:
			return fmt.Errorf("sysctl %q is not in a separate kernel namespace", key)
		}
	}
	return nil
}

// ipcSysctl reports whether key belongs to the ipc namespace
// (ipc_namespaces(7)).
func ipcSysctl(key string) bool {
	switch key {
	case "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced":
		return true
	}
	return strings.HasPrefix(key, "fs.mqueue.")
}

// sysctlDots turns a key written with '/' separators (sysctl.d(5):
// "net/ipv4/conf/eth0.100/rp_filter") into the dotted form, where a dot
// inside a component is written as '/' ("net.ipv4.conf.eth0/100.rp_filter"),
// as runc does before it validates. A key whose first separator is a dot is
// already in that form.
func sysctlDots(key string) string {
	i := strings.IndexAny(key, "./")
	if i < 0 || key[i] == '.' {
		return key
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, key)
}

// ownNamespace reports whether linux.namespaces gives the container a
// namespace of type t other than gorunc's own: a new one, or a path that is
// not the namespace this process is in. A path that cannot be stat'ed is an
// error (the namespace would fail to join later anyway).
func ownNamespace(nss []specs.LinuxNamespace, t specs.LinuxNamespaceType) (bool, error) {
	for _, ns := range nss {
		if ns.Type != t {
			continue
		}
		if ns.Path == "" {
			return true, nil
		}
		self := "/proc/self/ns/" + nsexec.ProcName(t)
		mine, err := os.Stat(self)
		if err != nil {
			return false, err
		}
		joined, err := os.Stat(ns.Path)
		if err != nil {
			return false, err
		}
		return !os.SameFile(mine, joined), nil
	}
	return false, nil
}

// HookNames lists the hook kinds gorunc accepts, for `features`.
func HookNames() []string {
	return []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}
}
