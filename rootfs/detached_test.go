package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestFsMountBuildsDetached: each filesystem a container config mounts is
// built detached (fsopen/fsconfig/fsmount) with its flags, so that nothing
// after the mount needs the destination's name; and what fsconfig cannot
// take falls back to mount(2). The mounts are never attached: nothing
// changes in any mount namespace.
func TestFsMountBuildsDetached(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: fsopen(2) needs CAP_SYS_ADMIN")
	}
	if _, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC); err == unix.ENOSYS {
		t.Skip("no new mount API (Linux < 5.2): everything goes through mount(2)")
	}
	dir := t.TempDir()
	for _, d := range []string{"lower1", "lower2", "upper", "work"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	overlay := "lowerdir=" + filepath.Join(dir, "lower1") + ":" + filepath.Join(dir, "lower2") +
		",upperdir=" + filepath.Join(dir, "upper") + ",workdir=" + filepath.Join(dir, "work")
	longLower := "lowerdir=" + strings.Repeat(filepath.Join(dir, "lower1")+":", 300/len(dir)+1) + filepath.Join(dir, "lower2")
	tests := []struct {
		name, fstype, source string
		opts                 []string
		detached             bool
		statfs               int64 // ST_* flags the detached mount must have
	}{
		{"tmpfs with flags", "tmpfs", "tmpfs", []string{"ro", "nosuid", "nodev", "noexec", "mode=700", "size=1m"}, true,
			unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC},
		{"tmpfs noatime", "tmpfs", "tmpfs", []string{"noatime", "nodiratime"}, true, unix.ST_NOATIME | unix.ST_NODIRATIME},
		{"proc", "proc", "proc", []string{"nosuid", "noexec", "nodev"}, true, unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC},
		{"sysfs", "sysfs", "sysfs", []string{"nosuid", "noexec", "nodev", "ro"}, true, unix.ST_RDONLY | unix.ST_NOSUID},
		{"devpts", "devpts", "devpts", []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}, true, unix.ST_NOSUID},
		{"mqueue", "mqueue", "mqueue", []string{"nosuid", "noexec", "nodev"}, true, unix.ST_NODEV},
		{"cgroup2", "cgroup2", "cgroup2", []string{"nosuid", "nodev", "noexec", "relatime"}, true, unix.ST_NOEXEC},
		{"overlay", "overlay", "overlay", []string{overlay}, true, 0},
		// fsconfig takes at most 256 bytes per value.
		{"overlay lowerdir over 256 bytes", "overlay", "overlay", []string{longLower, "upperdir=" + filepath.Join(dir, "upper"), "workdir=" + filepath.Join(dir, "work")}, false, 0},
		{"flag only mount(2) takes", "tmpfs", "tmpfs", []string{"silent"}, false, 0},
		{"quoted option", "tmpfs", "tmpfs", []string{`context="a,b"`}, false, 0},
		{"unknown option", "tmpfs", "tmpfs", []string{"nosuchoption"}, false, 0},
		{"unknown filesystem", "nosuchfs", "none", nil, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mnt := fsMount(specs.Mount{Type: tc.fstype, Source: tc.source}, parseMountOptions(tc.opts))
			if mnt == nil {
				if tc.detached {
					t.Fatalf("%s %v: not built detached", tc.fstype, tc.opts)
				}
				return
			}
			defer mnt.Close()
			if !tc.detached {
				t.Fatalf("%s %v: built detached, want the mount(2) fallback", tc.fstype, tc.opts)
			}
			var st unix.Statfs_t
			if err := unix.Fstatfs(int(mnt.Fd()), &st); err != nil {
				t.Fatal(err)
			}
			if st.Flags&tc.statfs != tc.statfs {
				t.Errorf("statfs flags %#x, want %#x set", st.Flags, tc.statfs)
			}
		})
	}
}

// TestRemountAttr: mount_setattr(2) on a detached bind does what mount(2)
// with MS_REMOUNT|MS_BIND does: the settable flags are replaced, the atime
// mode is kept unless one is named, relatime is the default of a named one.
func TestRemountAttr(t *testing.T) {
	const settable = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
		unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW
	const atime = settable | unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME
	tests := []struct {
		name     string
		flags    uintptr
		set, clr uint64
	}{
		{"ro nosuid", unix.MS_RDONLY | unix.MS_NOSUID, unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID, settable},
		{"nodev noexec nosymfollow", unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSYMFOLLOW,
			unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW, settable},
		{"noatime", unix.MS_RDONLY | unix.MS_NOATIME, unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOATIME, atime},
		{"strictatime wins", unix.MS_NOATIME | unix.MS_STRICTATIME, unix.MOUNT_ATTR_STRICTATIME, atime},
		{"relatime", unix.MS_RELATIME, unix.MOUNT_ATTR_RELATIME, atime},
		{"nodiratime keeps relatime", unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME, atime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := remountAttr(tc.flags)
			if got.Attr_set != tc.set || got.Attr_clr != tc.clr {
				t.Errorf("remountAttr(%#x) = set %#x clear %#x, want set %#x clear %#x", tc.flags, got.Attr_set, got.Attr_clr, tc.set, tc.clr)
			}
		})
	}
}
