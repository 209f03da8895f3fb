package rootfs

import (
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// flagOption is one mount(8)-style option that maps to a mount(2) flag.
// clear means the option removes the flag (e.g. "suid" clears MS_NOSUID).
type flagOption struct {
	clear bool
	flag  uintptr
}

// flagOptions is read-only: the option names of mount(8) and
// runtime-spec config.md#mounts that become mount(2) flags. "bind" and
// "rbind" are here too: the OCI spec lets a bind mount be said by option
// with any (or no) type.
var flagOptions = sync.OnceValue(func() map[string]flagOption {
	return map[string]flagOption{
		"async":         {true, unix.MS_SYNCHRONOUS},
		"atime":         {true, unix.MS_NOATIME},
		"bind":          {false, unix.MS_BIND},
		"defaults":      {false, 0},
		"dev":           {true, unix.MS_NODEV},
		"diratime":      {true, unix.MS_NODIRATIME},
		"dirsync":       {false, unix.MS_DIRSYNC},
		"exec":          {true, unix.MS_NOEXEC},
		"iversion":      {false, unix.MS_I_VERSION},
		"lazytime":      {false, unix.MS_LAZYTIME},
		"loud":          {true, unix.MS_SILENT},
		"mand":          {false, unix.MS_MANDLOCK},
		"noatime":       {false, unix.MS_NOATIME},
		"nodev":         {false, unix.MS_NODEV},
		"nodiratime":    {false, unix.MS_NODIRATIME},
		"noexec":        {false, unix.MS_NOEXEC},
		"noiversion":    {true, unix.MS_I_VERSION},
		"nolazytime":    {true, unix.MS_LAZYTIME},
		"nomand":        {true, unix.MS_MANDLOCK},
		"norelatime":    {true, unix.MS_RELATIME},
		"nostrictatime": {true, unix.MS_STRICTATIME},
		"nosuid":        {false, unix.MS_NOSUID},
		"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
		"rbind":         {false, unix.MS_BIND | unix.MS_REC},
		"relatime":      {false, unix.MS_RELATIME},
		"remount":       {false, unix.MS_REMOUNT},
		"ro":            {false, unix.MS_RDONLY},
		"rw":            {true, unix.MS_RDONLY},
		"silent":        {false, unix.MS_SILENT},
		"strictatime":   {false, unix.MS_STRICTATIME},
		"suid":          {true, unix.MS_NOSUID},
		"symfollow":     {true, unix.MS_NOSYMFOLLOW},
		"sync":          {false, unix.MS_SYNCHRONOUS},
	}
})

// propagationOptions is read-only: the propagation types of
// Documentation/filesystems/sharedsubtree.rst, as mount options and as
// linux.rootfsPropagation values.
var propagationOptions = sync.OnceValue(func() map[string]uintptr {
	return map[string]uintptr{
		"private":     unix.MS_PRIVATE,
		"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
		"shared":      unix.MS_SHARED,
		"rshared":     unix.MS_SHARED | unix.MS_REC,
		"slave":       unix.MS_SLAVE,
		"rslave":      unix.MS_SLAVE | unix.MS_REC,
		"unbindable":  unix.MS_UNBINDABLE,
		"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	}
})

// tmpcopyup is runc's extension option (not mount(8)'s): see copyUp.
const tmpcopyup = "tmpcopyup"

// extensionOptions are options gorunc handles itself rather than the kernel.
var extensionOptions = []string{tmpcopyup}

// mountOptions is one mount's options split the way mount(2) wants them.
type mountOptions struct {
	// flags are the mount(2) flags to set.
	flags uintptr
	// cleared are the flags an option explicitly asked to clear ("rw",
	// "suid", ...), so they are not carried over from a bind source.
	cleared uintptr
	// propagation is applied, in order, after the mount exists: mount(2)
	// rejects propagation flags mixed with others.
	propagation []uintptr
	// attr holds the recursive (r-prefixed) options for mount_setattr(2).
	attr unix.MountAttr
	// data are the options the filesystem parses itself (mode=, size=,
	// newinstance, ...), and any option unknown here, as runc does.
	data []string
	// copyUp is runc's "tmpcopyup": a tmpfs starts with a copy of what
	// the directory it covers held (podman sets it on its tmpfs mounts).
	copyUp bool
	// idmap is runc's "idmap" or "ridmap" (see idmapOf).
	idmap idmapOption
}

func (o mountOptions) isBind() bool { return o.flags&unix.MS_BIND != 0 }

func (o mountOptions) isRecursive() bool { return o.flags&unix.MS_REC != 0 }

func (o mountOptions) dataString() string { return strings.Join(o.data, ",") }

// parseMountOptions never fails: an option unknown here is the
// filesystem's to judge, passed in the data string.
func parseMountOptions(opts []string) mountOptions {
	var o mountOptions
	for _, opt := range opts {
		if f, ok := flagOptions()[opt]; ok {
			if f.clear {
				o.flags &^= f.flag
				o.cleared |= f.flag
			} else {
				o.flags |= f.flag
				o.cleared &^= f.flag
			}
			continue
		}
		if p, ok := propagationOptions()[opt]; ok {
			o.propagation = append(o.propagation, p)
			continue
		}
		if o.addRecursive(opt) {
			continue
		}
		if m, ok := idmapOptions()[opt]; ok {
			o.idmap = m
			continue
		}
		if opt == tmpcopyup {
			o.copyUp = true
			continue
		}
		o.data = append(o.data, opt)
	}
	return o
}

// MountOptions lists every mount option understood as a flag, a recursive
// attribute or a propagation type, sorted, for the `features` command.
func MountOptions() []string {
	names := make([]string, 0, len(flagOptions())+len(propagationOptions())+len(recursiveOptions()))
	for n := range flagOptions() {
		names = append(names, n)
	}
	for n := range recursiveOptions() {
		names = append(names, n)
	}
	for n := range propagationOptions() {
		names = append(names, n)
	}
	names = append(names, extensionOptions...)
	sort.Strings(names)
	return names
}
