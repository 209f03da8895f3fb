package rootfs

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// recursiveOption is an "r"-prefixed option (rro, rnosuid, ...) that
// applies to a mount and all its submounts through mount_setattr(2) with
// AT_RECURSIVE, which plain mount(2) flags cannot do.
type recursiveOption struct {
	clear bool
	attr  uint64
	atime bool // an atime mode: the whole MOUNT_ATTR__ATIME field is replaced
}

// recursiveOptions is read-only, the same set runc accepts.
var recursiveOptions = sync.OnceValue(func() map[string]recursiveOption {
	return map[string]recursiveOption{
		"rro":            {false, unix.MOUNT_ATTR_RDONLY, false},
		"rrw":            {true, unix.MOUNT_ATTR_RDONLY, false},
		"rnosuid":        {false, unix.MOUNT_ATTR_NOSUID, false},
		"rsuid":          {true, unix.MOUNT_ATTR_NOSUID, false},
		"rnodev":         {false, unix.MOUNT_ATTR_NODEV, false},
		"rdev":           {true, unix.MOUNT_ATTR_NODEV, false},
		"rnoexec":        {false, unix.MOUNT_ATTR_NOEXEC, false},
		"rexec":          {true, unix.MOUNT_ATTR_NOEXEC, false},
		"rnodiratime":    {false, unix.MOUNT_ATTR_NODIRATIME, false},
		"rdiratime":      {true, unix.MOUNT_ATTR_NODIRATIME, false},
		"rrelatime":      {false, unix.MOUNT_ATTR_RELATIME, true},
		"rnorelatime":    {true, unix.MOUNT_ATTR_RELATIME, true},
		"rnoatime":       {false, unix.MOUNT_ATTR_NOATIME, true},
		"ratime":         {true, unix.MOUNT_ATTR_NOATIME, true},
		"rstrictatime":   {false, unix.MOUNT_ATTR_STRICTATIME, true},
		"rnostrictatime": {true, unix.MOUNT_ATTR_STRICTATIME, true},
		"rnosymfollow":   {false, unix.MOUNT_ATTR_NOSYMFOLLOW, false},
		"rsymfollow":     {true, unix.MOUNT_ATTR_NOSYMFOLLOW, false},
	}
})

// addRecursive records opt in o; it reports false for other options.
func (o *mountOptions) addRecursive(opt string) bool {
	r, ok := recursiveOptions()[opt]
	if !ok {
		return false
	}
	switch {
	case r.atime && !r.clear:
		// mount_setattr(2): an atime mode is set by clearing the field
		// and setting the mode (MOUNT_ATTR_RELATIME is 0).
		o.attr.Attr_clr |= unix.MOUNT_ATTR__ATIME
		o.attr.Attr_set = o.attr.Attr_set&^unix.MOUNT_ATTR__ATIME | r.attr
	case r.atime:
		// Leaving an atime mode means falling back to the default.
		o.attr.Attr_clr |= unix.MOUNT_ATTR__ATIME
		o.attr.Attr_set &^= unix.MOUNT_ATTR__ATIME
	case r.clear:
		o.attr.Attr_clr |= r.attr
		o.attr.Attr_set &^= r.attr
	default:
		o.attr.Attr_set |= r.attr
		o.attr.Attr_clr &^= r.attr
	}
	return true
}

// setRecursive applies the recursive options to the mount mnt refers to
// and every mount below it.
func setRecursive(mnt *os.File, dest string, o mountOptions) error {
	if o.attr.Attr_set == 0 && o.attr.Attr_clr == 0 {
		return nil
	}
	if err := setAttr(mnt, o.attr, true); err != nil {
		return fmt.Errorf("mount_setattr %s (set %#x, clear %#x): %w", dest, o.attr.Attr_set, o.attr.Attr_clr, err)
	}
	return nil
}
