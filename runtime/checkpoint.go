package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/checkpoint-restore/go-criu/v8/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/gorunc/gorunc/rootfs"
)

// descriptorsFile records what init's fds 0-2 were at the checkpoint
// ("pipe:[123]", "/dev/null"), so restore can hand the new stdio to the
// pipes among them; runc's name, so images move between the two.
const descriptorsFile = "descriptors.json"

// Checkpoint saves a running (or paused) container with CRIU. Unless
// --leave-running or --pre-dump, CRIU kills the container's processes and
// the container is deleted, as runc destroys it: `state` then says it does
// not exist, and restore makes it anew from the images.
func (s Store) Checkpoint(id string, o CriuOptions) error {
	c, err := s.openFor("checkpoint", id, Status.CanCheckpoint, readWhole)
	if err != nil {
		return err
	}
	defer c.close()
	set, err := o.settings()
	if err != nil {
		return err
	}
	version, err := criuVersion()
	if err != nil {
		return err
	}
	if set.cgMode, err = criuCgMode(o.ManageCgroupsMode); err != nil {
		return err
	}
	if err := c.dump(o, set, version); err != nil {
		return err
	}
	if o.LeaveRunning || o.PreDump {
		return nil
	}
	return c.destroy()
}

func (c *Container) dump(o CriuOptions, set *criuSettings, version int) error {
	const logFile = "dump.log"
	spec := c.rec.Spec
	opts := o.baseOpts(set, logFile)
	closeDirs, logDir, err := openDirs(set.imageDir, o.WorkPath, opts)
	if err != nil {
		return err
	}
	defer closeDirs()
	opts.Root = &c.rec.Rootfs
	opts.Pid = new(int32(c.rec.InitPid))
	opts.LeaveRunning = new(o.LeaveRunning)
	opts.TcpSkipInFlight = new(o.TCPSkipInFlight)
	opts.LinkRemap = new(o.LinkRemap)
	criuConfigFile(spec, opts)
	// A namespace the config joins by path is not the container's to
	// dump: it is declared external, and restore joins it again.
	for _, ns := range spec.Linux.Namespaces {
		if ns.Path == "" || (ns.Type != specs.NetworkNamespace && ns.Type != specs.PIDNamespace) {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(ns.Path, &st); err != nil {
			return fmt.Errorf("namespace %s: %w", ns.Path, err)
		}
		name := criuNsName(ns.Type)
		opts.External = append(opts.External, fmt.Sprintf("%s[%d]:%s", name, st.Ino, criuNsKey(name)))
	}
	if m, err := c.cgroup(); err == nil {
		// CRIU freezes the tree with the cgroup freezer when told
		// where (v2's since CRIU 3.14), with ptrace otherwise.
		dir := m.Path("freezer")
		if m.State().Version == 2 {
			dir = ""
			if version >= 31400 {
				dir = m.Path("")
			}
		}
		if dir != "" {
			opts.FreezeCgroup = &dir
		}
	}
	opts.Ps = set.pageServer
	if set.parent != "" {
		opts.ParentImg = &set.parent
		opts.TrackMem = new(true)
	}
	typ := rpc.CriuReqType_DUMP
	if o.PreDump {
		if err := checkCriuFeatures(&rpc.CriuFeatures{MemTrack: new(true)}); err != nil {
			return err
		}
		typ = rpc.CriuReqType_PRE_DUMP
	}
	if o.LazyPages {
		if err := checkCriuFeatures(&rpc.CriuFeatures{LazyPages: new(true)}); err != nil {
			return err
		}
		if o.StatusFD >= 0 {
			fl, err := unix.FcntlInt(uintptr(o.StatusFD), unix.F_GETFL, 0)
			if err != nil {
				return fmt.Errorf("invalid --status-fd argument %d: %w", o.StatusFD, err)
			}
			if fl&(unix.O_WRONLY|unix.O_RDWR) == 0 {
				return fmt.Errorf("invalid --status-fd argument %d: not writable", o.StatusFD)
			}
		}
	}
	if !o.PreDump {
		if err := c.externalMounts(opts); err != nil {
			return err
		}
		if err := c.saveDescriptors(set.imageDir); err != nil {
			return err
		}
	}
	sw := swrk{notify: func(script string, _ int32, _ []int) error {
		if script == "status-ready" && o.StatusFD >= 0 {
			// The lazy-pages server is ready: tell whoever waits.
			unix.Write(o.StatusFD, []byte{0})
		}
		return nil
	}}
	if _, err := sw.run(&rpc.CriuReq{Type: &typ, Opts: opts}); err != nil {
		return criuError(err, logDir, logFile)
	}
	return nil
}

// criuError adds the first error line of criu's log, where runc prints
// the lines around it as warnings.
func criuError(err error, logDir, logFile string) error {
	path := filepath.Join(logDir, logFile)
	if line := criuLogError(logDir, logFile); line != "" {
		return fmt.Errorf("%w (%s: %s)", err, path, line)
	}
	return fmt.Errorf("%w (see %s)", err, path)
}

// externalMounts declares the mounts whose content is not the
// container's, as runc does: bind mounts and device nodes (by their path
// in the container, restore maps them to their source again), cgroup v1
// hierarchies bound from the host, and masked files (a bind of /dev/null).
func (c *Container) externalMounts(opts *rpc.CriuOpts) error {
	spec := c.rec.Spec
	for _, m := range c.externalBinds() {
		opts.ExtMnt = append(opts.ExtMnt, &rpc.ExtMountMap{Key: new(m.Destination), Val: new(m.Destination)})
	}
	for _, d := range rootfs.DevicePaths(spec.Linux.Devices) {
		opts.ExtMnt = append(opts.ExtMnt, &rpc.ExtMountMap{Key: new(d), Val: new(d)})
	}
	for _, p := range spec.Linux.MaskedPaths {
		fi, err := os.Stat(filepath.Join("/proc", strconv.Itoa(c.rec.InitPid), "root", p))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return err
		}
		if !fi.IsDir() {
			opts.ExtMnt = append(opts.ExtMnt, &rpc.ExtMountMap{Key: new(p), Val: new("/dev/null")})
		}
	}
	return nil
}

// externalBinds are the bind mounts CRIU must be told about, with the
// host source restore binds there again.
func (c *Container) externalBinds() []specs.Mount {
	spec := c.rec.Spec
	var out []specs.Mount
	cgroupNS := hasNamespace(spec, specs.CgroupNamespace)
	for _, m := range spec.Mounts {
		switch {
		case isBind(m):
			out = append(out, specs.Mount{Destination: cleanDest(m.Destination), Source: m.Source})
		case m.Type == "cgroup" && !cgroupNS:
			v1, err := c.cgroupV1Binds(cleanDest(m.Destination))
			if err == nil {
				out = append(out, v1...)
			}
		}
	}
	return out
}

// cgroupV1Binds are the per-hierarchy binds a "cgroup" mount is made of on
// a v1 host (rootfs/cgroupmount.go): DEST/NAME bound from the container's
// directory in that hierarchy. On v2 the mount is a real cgroup2 mount.
func (c *Container) cgroupV1Binds(dest string) ([]specs.Mount, error) {
	m, err := c.cgroup()
	if err != nil || m.State().Version != 1 {
		return nil, err
	}
	var out []specs.Mount
	seen := map[string]bool{}
	for _, dir := range m.State().Paths {
		rel, ok := strings.CutPrefix(dir, "/sys/fs/cgroup/")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rel, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, specs.Mount{Destination: filepath.Join(dest, name), Source: dir})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Destination < out[j].Destination })
	return out, nil
}

func cleanDest(d string) string { return filepath.Clean("/" + d) }

func hasNamespace(spec *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// criuNsName is the kernel's name of a namespace (/proc/PID/ns/NAME).
func criuNsName(t specs.LinuxNamespaceType) string {
	switch t {
	case specs.NetworkNamespace:
		return "net"
	case specs.MountNamespace:
		return "mnt"
	}
	return string(t)
}

// criuNsKey is the key runc gives CRIU for an external namespace
// ("extRootNetNS"); restore must use the same.
func criuNsKey(name string) string {
	return "extRoot" + string(name[0]-'a'+'A') + name[1:] + "NS"
}

// saveDescriptors writes what init's stdio is, for restore.
func (c *Container) saveDescriptors(imageDir string) error {
	var fds []string
	for i := 0; i < 3; i++ {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", c.rec.InitPid, i))
		if err != nil {
			l = ""
		}
		fds = append(fds, l)
	}
	data, err := json.Marshal(fds)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(imageDir, descriptorsFile), data, 0o600)
}
