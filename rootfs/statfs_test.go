package rootfs

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestStatfsMountFlags: statfs(2)'s ST_* bits read as MS_* flags. ST_RELATIME
// (0x1000) and ST_NOSYMFOLLOW (0x2000) are not the MS_* values: read as
// they were, a relatime source looked strictatime, and the locked-flags
// retry of a bind in a user namespace asked for an atime it could not have
// (EPERM).
func TestStatfsMountFlags(t *testing.T) {
	tests := []struct {
		st   int64
		want uintptr
		name string
	}{
		{unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_RELATIME, unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_RELATIME, "MS_RDONLY|MS_NOSUID|MS_RELATIME"},
		{unix.ST_NODEV | unix.ST_NOEXEC | unix.ST_NOATIME, unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME, "MS_NODEV|MS_NOEXEC|MS_NOATIME"},
		{unix.ST_NODIRATIME, unix.MS_NODIRATIME | unix.MS_STRICTATIME, "MS_NODIRATIME|MS_STRICTATIME"},
		{0x2000 | unix.ST_RELATIME, unix.MS_NOSYMFOLLOW | unix.MS_RELATIME, "MS_NOSYMFOLLOW|MS_RELATIME"},
	}
	for _, tt := range tests {
		got := statfsMountFlags(unix.Statfs_t{Flags: tt.st})
		if got != tt.want {
			t.Errorf("statfs flags %#x: got %s, want %s", tt.st, flagNames(got), flagNames(tt.want))
		}
		if n := flagNames(got); n != tt.name {
			t.Errorf("flagNames(%#x) = %q, want %q", got, n, tt.name)
		}
	}
}
