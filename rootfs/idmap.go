package rootfs

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Idmapped mounts (runtime-spec 1.2 mounts[].uidMappings/gidMappings, and
// runc's "idmap"/"ridmap" options), as runc 1.5 makes them: the bind
// source is cloned (open_tree(2) OPEN_TREE_CLONE, AT_RECURSIVE for rbind)
// and the clone given MOUNT_ATTR_IDMAP (mount_setattr(2), Linux 5.12) with
// a user namespace holding the mappings; init then attaches the clone
// like any other bind (mountBind), flags and propagation included.
//
// The kernel only idmaps a mount for a caller privileged over the
// filesystem's own user namespace (fs/namespace.c build_mount_idmapped:
// the host's, for a host filesystem), so init, inside the container's
// user namespace, cannot: the runtime builds the clones before it starts
// init (OpenIDMapped) and hands them over as the "mount fds" are
// (Config.Sources). runc builds them at init's request, from inside the
// container's mount namespace; the one difference is that a source
// another mount of the same config provides is not found here.
//
// The user namespace is one made for the mappings (a process stopped
// before it runs anything, as runc's userns.Handles): the mount's own
// mappings, or for "idmap"/"ridmap" without mappings the container's,
// whose namespace is not created yet; the same mappings map the same ids.
// A container that joins a user namespace by path idmaps with that one.

// UserNS is the container's user namespace, for "idmap" and "ridmap"
// without mappings of their own.
type UserNS struct {
	// Path is the namespace joined (linux.namespaces), "" for a new one.
	Path string
	// UIDMappings and GIDMappings are linux.uidMappings/gidMappings.
	UIDMappings, GIDMappings []specs.LinuxIDMapping
}

// idmapOption is what the "idmap" and "ridmap" options ask.
type idmapOption int

const (
	noIDMapOption idmapOption = iota
	// idmapTop ("idmap") idmaps the mount itself, not its submounts.
	idmapTop
	// idmapRecursive ("ridmap") idmaps the submounts of an rbind too.
	idmapRecursive
)

// idmapOptions is read-only: runc's "complex" mount options, which it
// does not list in `features` mountOptions (they are reported as
// linux.mountExtensions.idmap).
var idmapOptions = sync.OnceValue(func() map[string]idmapOption {
	return map[string]idmapOption{"idmap": idmapTop, "ridmap": idmapRecursive}
})

// idmapping is how one mount is idmapped.
type idmapping struct {
	// usernsPath is a namespace to idmap with; else uid and gid are
	// the mappings to make one with.
	usernsPath string
	uid, gid   []specs.LinuxIDMapping
	recursive  bool
}

// idmapOf returns how m is idmapped, nil when it is not (runc's specconv:
// mappings of the mount, or "idmap"/"ridmap", which without mappings take
// the container's user namespace). The mount's options are o.
func idmapOf(m specs.Mount, o mountOptions, userns *UserNS) *idmapping {
	if m.UIDMappings == nil && m.GIDMappings == nil && o.idmap == noIDMapOption {
		return nil
	}
	im := &idmapping{uid: m.UIDMappings, gid: m.GIDMappings, recursive: o.idmap == idmapRecursive}
	if im.uid == nil && im.gid == nil && userns != nil {
		if userns.Path != "" {
			im.usernsPath = userns.Path
		} else {
			im.uid, im.gid = userns.UIDMappings, userns.GIDMappings
		}
	}
	return im
}

// isIDMapped reports whether m asks to be idmapped, whatever the
// container's user namespace.
func isIDMapped(m specs.Mount, o mountOptions) bool {
	return idmapOf(m, o, nil) != nil
}

// validateIDMaps checks the idmapped mounts, with runc's reasons
// (libcontainer/configs/validate checkIDMapMounts).
func validateIDMaps(cfg *Config) error {
	for i, m := range cfg.Mounts {
		o := parseMountOptions(m.Options)
		im := idmapOf(m, o, cfg.UserNS)
		if im == nil {
			continue
		}
		var why string
		switch {
		case !o.isBind() && m.Type != "bind" && m.Type != "rbind":
			why = "id-mapped mounts are only supported for bind-mounts"
		case im.usernsPath == "" && (len(im.uid) == 0 || len(im.gid) == 0):
			why = "id-mapped mounts must have both uid and gid mappings specified"
		default:
			continue
		}
		return invalidMount(i, m, o, why)
	}
	return nil
}

// invalidMount is runc's "invalid mount" error, naming the mount by index
// (runc prints its internal struct); a bind is named "bind" whatever its
// type, as runc does.
func invalidMount(i int, m specs.Mount, o mountOptions, why string) error {
	kind := m.Type
	if o.isBind() {
		kind = "bind"
	}
	return fmt.Errorf("invalid mount mounts[%d] (%s on %s): %s", i, kind, m.Destination, why)
}

// OpenIDMapped builds the idmapped clone of the source of every idmapped
// mount of cfg (Validate first), by index of cfg.Mounts, nil for the
// others; nil when there is none. The caller closes them. It runs in the
// runtime, as the host's root, before init starts.
func OpenIDMapped(cfg *Config, newUserNS NewUserNS) ([]*os.File, error) {
	var trees []*os.File
	ns := usernsCache{make: newUserNS}
	defer ns.close()
	for i, m := range cfg.Mounts {
		o := parseMountOptions(m.Options)
		im := idmapOf(m, o, cfg.UserNS)
		if im == nil {
			continue
		}
		if os.Geteuid() != 0 {
			closeAll(trees)
			return nil, invalidMount(i, m, o, "id-mapped mounts are not supported for rootless containers")
		}
		tree, err := idmapTree(m, o, im, &ns)
		if err != nil {
			closeAll(trees)
			return nil, fmt.Errorf("mounts[%d] (%s on %s): %w", i, m.Type, m.Destination, err)
		}
		if trees == nil {
			trees = make([]*os.File, len(cfg.Mounts))
		}
		trees[i] = tree
	}
	return trees, nil
}

// idmapTree clones m's source and idmaps the clone (runc's mountFd, with
// its wording).
func idmapTree(m specs.Mount, o mountOptions, im *idmapping, ns *usernsCache) (*os.File, error) {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	if o.isRecursive() || m.Type == "rbind" {
		flags |= unix.AT_RECURSIVE
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, m.Source, uint(flags))
	if err != nil {
		return nil, &os.PathError{Op: "open_tree(OPEN_TREE_CLONE)", Path: m.Source, Err: err}
	}
	tree := os.NewFile(uintptr(fd), m.Source)
	userns, err := ns.get(im, m.Source)
	if err != nil {
		tree.Close()
		return nil, err
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns.Fd())}
	if err := setAttr(tree, attr, im.recursive); err != nil {
		tree.Close()
		hint := ""
		if errors.Is(err, unix.EINVAL) {
			hint = " (maybe the filesystem used doesn't support idmap mounts on this kernel?)"
		}
		return nil, fmt.Errorf("failed to set MOUNT_ATTR_IDMAP on %s: %w%s", m.Source, err, hint)
	}
	return tree, nil
}

// NewUserNS makes a user namespace with the given mappings and returns a
// handle on it (nsexec.NewUserNS).
type NewUserNS func(uid, gid []specs.LinuxIDMapping) (*os.File, error)

// usernsCache holds one user namespace per set of mappings (or path), for
// the idmapped mounts of one container (runc's userns.Handles): making
// one costs a fork and an exec.
type usernsCache struct {
	make NewUserNS
	ns   map[string]*os.File
}

func (c *usernsCache) close() {
	for _, f := range c.ns {
		f.Close()
	}
}

// get returns the user namespace im idmaps with; the cache keeps it.
func (c *usernsCache) get(im *idmapping, source string) (*os.File, error) {
	key := "path=" + im.usernsPath
	if im.usernsPath == "" {
		key = "uid=" + mappingsKey(im.uid) + ";gid=" + mappingsKey(im.gid)
	}
	if f, ok := c.ns[key]; ok {
		return f, nil
	}
	var f *os.File
	var err error
	if im.usernsPath != "" {
		if f, err = os.Open(im.usernsPath); err != nil {
			return nil, fmt.Errorf("failed to open existing userns for %s id-mapping: %w", source, err)
		}
	} else if f, err = c.make(im.uid, im.gid); err != nil {
		return nil, fmt.Errorf("failed to create userns for %s id-mapping: %w", source, err)
	}
	if c.ns == nil {
		c.ns = map[string]*os.File{}
	}
	c.ns[key] = f
	return f, nil
}

func mappingsKey(ms []specs.LinuxIDMapping) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = fmt.Sprintf("%d:%d:%d", m.ContainerID, m.HostID, m.Size)
	}
	return strings.Join(s, ",")
}
