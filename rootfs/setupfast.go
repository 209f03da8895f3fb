package rootfs

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/nsexec"
)

// CompileSetup appends to p what Prepare, PivotRoot and Finalize do for
// cfg, as steps of the C setup program (nsexec/setup.c), and returns ""; or
// says why cfg needs Go init. It reads the config only: what the rootfs
// holds is decided by the steps in init (a rootfs changed between this
// and init's run would otherwise turn a refusal into a failed create).
// Each refusal keeps Go init for what the program does not yet do with
// Go's behaviour; it never skips a part of the config.
//
// cgroups is init's cgroup per /proc/<pid>/cgroup line
// (cgroup.ProcHierarchies), what a "cgroup" mount binds. around adds the
// caller's steps where Go init's setupRootfs has its own; a refusal of
// theirs is CompileSetup's.
func CompileSetup(cfg *Config, p *nsexec.SetupProgram, pre func(i int) int, cgroups map[string]string, around Around) string {
	switch {
	case cfg.HostMountNS || cfg.NoPivot:
		return "no mount namespace, or --no-pivot"
	case cfg.BindDevices:
		return "devices bound (user namespace)"
	case cfg.UserNS != nil:
		return "user namespace"
	}
	// rslave by default; a shared root (containerd's CRI asks rshared
	// for a Bidirectional mount) makes step_root make the rootfs's
	// parent mount and its bind private, as Prepare does.
	prepare := prepareRootFlags(cfg.Propagation)
	if prepare&^(unix.MS_SLAVE|unix.MS_PRIVATE|unix.MS_SHARED|unix.MS_REC) != 0 {
		return "rootfsPropagation " + cfg.Propagation
	}
	p.Root(uint32(prepare))
	for i, m := range cfg.Mounts {
		why := ""
		if m.Type == "cgroup" {
			why = compileCgroup(i, m, p, cfg, cgroups)
		} else {
			why = compileMount(i, m, p, pre)
		}
		if why != "" {
			return fmt.Sprintf("mounts[%d] (%s on %s): %s", i, m.Type, m.Destination, why)
		}
	}
	dev := needsDevSetup(cfg.Mounts)
	if dev {
		given := map[string]bool{}
		for _, d := range cfg.Devices {
			if why := compileDevice(d, p); why != "" {
				return why
			}
			given[filepath.Clean(d.Path)] = true
		}
		for _, d := range defaultDevices() {
			if !given[d.Path] {
				if why := compileDevice(d, p); why != "" {
					return why
				}
			}
		}
		for _, l := range devSymlinks {
			p.Symlink(l[0], "/dev/"+l[1])
		}
		p.Relink("pts/ptmx", "/dev/ptmx")
	}
	p.Debugf("init: rootfs %s prepared: %d mounts, %d devices", cfg.Rootfs, len(cfg.Mounts), len(cfg.Devices))
	if why := around.BeforePivot(); why != "" {
		return why
	}
	prop := propagationOptions()[cfg.Propagation]
	p.Pivot(cfg.Propagation, uint32(prop), dev)
	p.Debugf("init: pivot_root into %s", cfg.Rootfs)
	if why := around.AfterPivot(); why != "" {
		return why
	}
	seen := map[string]bool{}
	for _, m := range cfg.MaskedPaths {
		if !seen[m] {
			p.Mask(m)
			seen[m] = true
		}
	}
	for _, r := range cfg.ReadonlyPaths {
		p.Readonly(r)
	}
	if cfg.Readonly {
		p.RootReadonly()
	}
	return ""
}

// Around are a caller's steps at two points of CompileSetup's, where Go
// init's setupRootfs runs its own: BeforePivot once the mounts and devices
// are made (the hooks), AfterPivot between pivot_root and the masked paths
// (the terminal, the sysctls). Each returns a refusal, or "".
type Around struct {
	BeforePivot, AfterPivot func() string
}

func compileMount(i int, m specs.Mount, p *nsexec.SetupProgram, pre func(i int) int) string {
	o := parseMountOptions(m.Options)
	if m.Type == "bind" || m.Type == "rbind" {
		o.flags |= unix.MS_BIND
		if m.Type == "rbind" {
			o.flags |= unix.MS_REC
		}
	}
	context := fmt.Sprintf("mounts[%d] (%s on %s)", i, m.Type, m.Destination)
	if o.isBind() {
		switch {
		case isIDMapped(m, o):
			return "an idmapped bind"
		case o.copyUp:
			return "tmpcopyup on a bind"
		case len(o.propagation) > 16:
			return "more propagation options than the program takes"
		}
		p.ProcCheck(context, false)
		p.BindPath(bindSpec(m.Source, filepath.Clean(m.Destination), pre(i), o))
		return ""
	}
	if m.Type != "proc" && m.Type != "sysfs" && m.Type != "tmpfs" && m.Type != "devpts" && m.Type != "mqueue" {
		return "type not covered"
	}
	p.ProcCheck(context, m.Type == "proc")
	return compileFS(m, o, p, false)
}

// bindSpec is mountBind of source on target with the options o (pre: the
// runtime's clone of the source, 0 without).
func bindSpec(source, target string, pre int, o mountOptions) nsexec.BindSpec {
	b := nsexec.BindSpec{Source: source, Target: target, Pre: pre, Recursive: o.isRecursive()}
	if f := o.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT); f != 0 || o.cleared != 0 {
		b.Remount, b.Flags, b.Cleared = true, uint32(f), uint32(o.cleared)
	}
	b.Propagation = propagationFlags(o)
	b.Attrs = recursiveAttrs(o)
	return b
}

// compileFS is mountFS of m (its type covered) with the options o, its
// /proc check armed by the caller; hold adds nsexec.MountHold.
func compileFS(m specs.Mount, o mountOptions, p *nsexec.SetupProgram, hold bool) string {
	switch {
	case o.flags&^fsMountFlags != 0 || o.flags&unix.MS_REC != 0:
		return "flags not covered"
	case isIDMapped(m, o) || (hold && len(o.propagation) > 0) || len(o.propagation) > 8:
		return "options not covered"
	case o.flags&unix.MS_RDONLY != 0 && (m.Type == "tmpfs" || filepath.Clean(m.Destination) == "/dev"):
		return "read-only tmpfs (made read-only late)"
	case strings.Contains(o.dataString(), `"`):
		return "quoted option"
	}
	dest := filepath.Clean(m.Destination)
	var flags uint32
	switch m.Type {
	case "proc", "sysfs":
		flags = nsexec.MountOrdinaryDir
	case "tmpfs":
		flags = nsexec.MountTakeMode
	}
	if hold || len(o.propagation) > 0 {
		flags |= nsexec.MountHold
	}
	if o.copyUp && m.Type == "tmpfs" {
		// podman adds tmpcopyup to its tmpfs mounts (mountFS ignores
		// it on other types).
		flags |= nsexec.MountCopyUp
	}
	var opts []nsexec.MountOption
	if m.Source != "" {
		opts = append(opts, nsexec.MountOption{Key: "source", Value: m.Source})
	}
	for _, sb := range sbFlagNames {
		if o.flags&sb.flag != 0 {
			opts = append(opts, nsexec.MountOption{Key: sb.name})
		}
	}
	for _, opt := range strings.Split(o.dataString(), ",") {
		if opt == "" {
			continue
		}
		key, value, _ := strings.Cut(opt, "=")
		if strings.Contains(opt, "=") && value == "" {
			return "empty option value"
		}
		opts = append(opts, nsexec.MountOption{Key: key, Value: value})
	}
	p.MountRecursive(m.Type, dest, uint32(mountAttrs(o.flags)), flags, recursiveAttrs(o), opts...)
	if len(o.propagation) > 0 {
		// Last, on the mount itself, as settle's propagate: Docker
		// adds "rprivate" to every --tmpfs.
		p.Propagate(m.Destination, propagationFlags(o))
	}
	return ""
}

// NeedsInitCgroups says whether the program for mounts depends on init's
// own cgroups (CompileSetup's cgroups): a "cgroup" mount on a v1 host,
// which binds init's cgroup of each hierarchy (or mounts each hierarchy in
// init's cgroup namespace). On a unified host it is a fresh cgroup2. An
// unknown host counts as v1 (compileCgroup then says why).
func NeedsInitCgroups(mounts []specs.Mount) bool {
	for _, m := range mounts {
		if m.Type == "cgroup" {
			unified, err := unifiedHost()
			return err != nil || !unified
		}
	}
	return false
}

// unifiedHost says whether the host's /sys/fs/cgroup is cgroup v2 alone.
func unifiedHost() (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(hostCgroupRoot, &st); err != nil {
		return false, fmt.Errorf("statfs %s: %w", hostCgroupRoot, err)
	}
	return st.Type == unix.CGROUP2_SUPER_MAGIC, nil
}

// compileCgroup is mountCgroup: on a unified host a cgroup2 mount, else a
// tmpfs with each v1 hierarchy (and hybrid's unified one) under it, bound
// from init's own cgroup, or mounted fresh in a cgroup namespace of its
// own; symlinks for co-mounted controllers; the tmpfs read-only last.
func compileCgroup(i int, m specs.Mount, p *nsexec.SetupProgram, cfg *Config, cgroups map[string]string) string {
	o := parseMountOptions(m.Options)
	switch {
	case o.copyUp || o.attr != (unix.MountAttr{}) || o.isBind() || len(o.propagation) > 8:
		return "options not covered"
	case cgroups == nil:
		return "init's cgroups not known"
	}
	dest := filepath.Clean(m.Destination)
	p.ProcCheck(fmt.Sprintf("mounts[%d] (%s on %s)", i, m.Type, m.Destination), false)
	unified, err := unifiedHost()
	if err != nil {
		return err.Error()
	}
	if unified {
		// Go init binds the host's cgroup2 where the kernel refuses
		// the mount (EPERM, EBUSY): a user namespace, which the
		// program does not cover.
		return compileFS(specs.Mount{Destination: dest, Type: "cgroup2", Source: "cgroup2"}, o, p, false)
	}
	hs, err := hostHierarchiesOf(cgroups)
	if err != nil {
		return err.Error()
	}
	tmpfs := cgroupTmpfs(o)
	// Held for the remount that makes it read-only and the propagation
	// at the end, as Go init's through its handle: not looked up again
	// by name. (podman's cgroup mount is rprivate.)
	readonly := o.flags&unix.MS_RDONLY != 0
	if why := compileFS(specs.Mount{Destination: dest, Type: "tmpfs", Source: "tmpfs"}, tmpfs, p, readonly || len(o.propagation) > 0); why != "" {
		return why
	}
	for _, h := range hs {
		sub := filepath.Join(dest, h.name)
		if cfg.NewCgroupNS {
			if why := compileFS(specs.Mount{Destination: sub, Type: h.fstype, Source: h.fstype}, hierarchyMount(o, h), p, false); why != "" {
				return "cgroup hierarchy " + h.name + ": " + why
			}
		} else {
			p.BindPath(bindSpec(h.source, sub, 0, hierarchyBind(o)))
		}
		for _, c := range comountNames(h.name) {
			p.Symlink(h.name, filepath.Join(dest, c))
		}
	}
	if readonly {
		p.Remount(dest, uint32(o.flags&^unix.MS_REC))
	}
	if len(o.propagation) > 0 {
		p.Propagate(m.Destination, propagationFlags(o))
	}
	return ""
}

func compileDevice(d specs.LinuxDevice, p *nsexec.SetupProgram) string {
	t, err := deviceType(d.Type)
	if err != nil {
		return err.Error()
	}
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(*d.FileMode) & 0o7777
	}
	var uid, gid uint32
	if d.UID != nil {
		uid = *d.UID
	}
	if d.GID != nil {
		gid = *d.GID
	}
	p.Mknod(d.Path, t|perm, uint32(d.Major), uint32(d.Minor), uid, gid)
	return ""
}

// propagationFlags is o's propagation types, in order, as the program
// takes them.
func propagationFlags(o mountOptions) []uint32 {
	var props []uint32
	for _, v := range o.propagation {
		props = append(props, uint32(v))
	}
	return props
}

// recursiveAttrs is o's recursive options (rro, rnosuid, ...) as the
// program takes them.
func recursiveAttrs(o mountOptions) nsexec.Recursive {
	return nsexec.Recursive{Set: o.attr.Attr_set, Clear: o.attr.Attr_clr}
}
