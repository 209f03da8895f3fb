package rootfs

import (
	"reflect"
	"sort"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    []string
		flags   uintptr
		cleared uintptr
		prop    []uintptr
		data    string
	}{
		{"empty", nil, 0, 0, nil, ""},
		{"ro nosuid", []string{"ro", "nosuid", "nodev", "noexec"}, unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, 0, nil, ""},
		{"rw after ro clears", []string{"ro", "rw"}, 0, unix.MS_RDONLY, nil, ""},
		{"ro after rw sets", []string{"rw", "ro"}, unix.MS_RDONLY, 0, nil, ""},
		{"suid dev exec clear", []string{"nosuid", "suid", "dev", "exec"}, 0, unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, nil, ""},
		{"rbind", []string{"rbind"}, unix.MS_BIND | unix.MS_REC, 0, nil, ""},
		{"bind", []string{"bind"}, unix.MS_BIND, 0, nil, ""},
		{"atime", []string{"relatime", "norelatime", "strictatime", "noatime"}, unix.MS_STRICTATIME | unix.MS_NOATIME, unix.MS_RELATIME, nil, ""},
		{"nostrictatime", []string{"strictatime", "nostrictatime"}, 0, unix.MS_STRICTATIME, nil, ""},
		{"sync dirsync remount mand", []string{"sync", "dirsync", "remount", "mand"}, unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_REMOUNT | unix.MS_MANDLOCK, 0, nil, ""},
		{"nomand", []string{"mand", "nomand"}, 0, unix.MS_MANDLOCK, nil, ""},
		// Before symfollow was known it was passed as filesystem data.
		{"symfollow clears", []string{"nosymfollow", "symfollow"}, 0, unix.MS_NOSYMFOLLOW, nil, ""},
		{"propagation in order", []string{"rprivate", "shared", "rslave", "unbindable", "runbindable", "private", "slave", "rshared"},
			0, 0, []uintptr{
				unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED, unix.MS_SLAVE | unix.MS_REC, unix.MS_UNBINDABLE,
				unix.MS_UNBINDABLE | unix.MS_REC, unix.MS_PRIVATE, unix.MS_SLAVE, unix.MS_SHARED | unix.MS_REC,
			}, ""},
		{"data kept in order", []string{"nosuid", "mode=755", "size=65536k", "newinstance", "ptmxmode=0666", "gid=5"},
			unix.MS_NOSUID, 0, nil, "mode=755,size=65536k,newinstance,ptmxmode=0666,gid=5"},
		{"unknown option is data", []string{"frobnicate"}, 0, 0, nil, "frobnicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := parseMountOptions(tt.opts)
			if o.flags != tt.flags {
				t.Errorf("flags = %#x, want %#x", o.flags, tt.flags)
			}
			if o.cleared != tt.cleared {
				t.Errorf("cleared = %#x, want %#x", o.cleared, tt.cleared)
			}
			if !reflect.DeepEqual(o.propagation, tt.prop) {
				t.Errorf("propagation = %#x, want %#x", o.propagation, tt.prop)
			}
			if got := o.dataString(); got != tt.data {
				t.Errorf("data = %q, want %q", got, tt.data)
			}
		})
	}
}

func TestTmpcopyupIsNotMountData(t *testing.T) {
	o := parseMountOptions([]string{"nosuid", "tmpcopyup", "mode=755"})
	if !o.copyUp || o.dataString() != "mode=755" {
		t.Errorf("copyUp %v, data %q; want true and only mode=755 for the kernel", o.copyUp, o.dataString())
	}
}

func TestMountOptionsListsEveryTableEntry(t *testing.T) {
	got := MountOptions()
	if !sort.StringsAreSorted(got) {
		t.Errorf("MountOptions() not sorted: %v", got)
	}
	if n := len(flagOptions()) + len(propagationOptions()) + len(recursiveOptions()) + len(extensionOptions); len(got) != n {
		t.Errorf("MountOptions() has %d names, tables have %d", len(got), n)
	}
	want := []string{"ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "relatime", "norelatime",
		"strictatime", "nostrictatime", "noatime", "sync", "dirsync", "remount", "mand", "nomand", "bind", "rbind",
		"shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable",
		"rro", "rnosuid", "rnoexec", "rnodev", "rnosymfollow", "ratime"}
	have := map[string]bool{}
	for _, n := range got {
		have[n] = true
	}
	for _, n := range want {
		if !have[n] {
			t.Errorf("MountOptions() lacks %q", n)
		}
	}
}

func TestPrepareRootFlags(t *testing.T) {
	tests := []struct {
		prop string
		want uintptr
	}{
		{"", unix.MS_SLAVE | unix.MS_REC},
		{"rslave", unix.MS_SLAVE | unix.MS_REC},
		{"private", unix.MS_PRIVATE},
		{"rshared", unix.MS_SHARED | unix.MS_REC},
		{"unbindable", unix.MS_SLAVE | unix.MS_REC},
		{"runbindable", unix.MS_SLAVE | unix.MS_REC},
	}
	for _, tt := range tests {
		if got := prepareRootFlags(tt.prop); got != tt.want {
			t.Errorf("prepareRootFlags(%q) = %#x, want %#x", tt.prop, got, tt.want)
		}
	}
}

func TestParseRecursiveOptions(t *testing.T) {
	tests := []struct {
		opts     []string
		set, clr uint64
	}{
		{[]string{"rro", "rnosuid"}, unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID, 0},
		{[]string{"rro", "rrw"}, 0, unix.MOUNT_ATTR_RDONLY},
		{[]string{"rnoatime"}, unix.MOUNT_ATTR_NOATIME, unix.MOUNT_ATTR__ATIME},
		{[]string{"rnoatime", "rstrictatime"}, unix.MOUNT_ATTR_STRICTATIME, unix.MOUNT_ATTR__ATIME},
		{[]string{"rrelatime"}, 0, unix.MOUNT_ATTR__ATIME},
		{[]string{"rnosymfollow", "rdev"}, unix.MOUNT_ATTR_NOSYMFOLLOW, unix.MOUNT_ATTR_NODEV},
	}
	for _, tt := range tests {
		o := parseMountOptions(tt.opts)
		if o.attr.Attr_set != tt.set || o.attr.Attr_clr != tt.clr {
			t.Errorf("%v: set %#x clr %#x, want %#x %#x", tt.opts, o.attr.Attr_set, o.attr.Attr_clr, tt.set, tt.clr)
		}
		if o.flags != 0 || len(o.data) != 0 {
			t.Errorf("%v: leaked into flags %#x / data %v", tt.opts, o.flags, o.data)
		}
	}
}

// TestIdmapOptions: "idmap" and "ridmap" are runc's options, not the
// filesystem's, and runc does not list them in features' mountOptions.
func TestIdmapOptions(t *testing.T) {
	for _, tt := range []struct {
		opts []string
		want idmapOption
	}{
		{[]string{"bind"}, noIDMapOption},
		{[]string{"bind", "idmap"}, idmapTop},
		{[]string{"rbind", "ridmap"}, idmapRecursive},
	} {
		o := parseMountOptions(tt.opts)
		if o.idmap != tt.want || len(o.data) != 0 {
			t.Errorf("%v: idmap %d, data %q; want %d and no data", tt.opts, o.idmap, o.data, tt.want)
		}
	}
	for _, n := range MountOptions() {
		if _, ok := idmapOptions()[n]; ok {
			t.Errorf("MountOptions lists %q; runc 1.5 reports it as linux.mountExtensions.idmap only", n)
		}
	}
}
