package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultMounts are runc's `runc spec` mounts.
func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRootFullSetup(t *testing.T) {
	requireRoot(t)
	rootfs := buildRootfs(t)
	host := t.TempDir()
	writeFile(t, filepath.Join(host, "ro/hello"), "hello")
	writeFile(t, filepath.Join(host, "file"), "filecontent")
	writeFile(t, filepath.Join(host, "escape/marker"), "bindsrc")
	for _, d := range []string{"flags"} {
		if err := os.MkdirAll(filepath.Join(host, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// /rec binds the host's cgroup tree (a tmpfs with submounts) to check
	// that rro reaches the submounts; it is a copy in the child's namespace.
	// /escape in the image points at a host directory: the bind must land
	// on rootfs/<outside>, never on <outside> itself (CVE-2021-30465).
	outside := filepath.Join(host, "outside")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(rootfs, "escape")); err != nil {
		t.Fatal(err)
	}
	mode600 := os.FileMode(0o600)
	uid := uint32(1000)
	cfg := Config{
		Rootfs:   rootfs,
		Readonly: true,
		Mounts: append(defaultMounts(),
			specs.Mount{Destination: "/data-ro", Type: "bind", Source: filepath.Join(host, "ro"), Options: []string{"rbind", "ro"}},
			specs.Mount{Destination: "/etc/hostfile", Type: "bind", Source: filepath.Join(host, "file"), Options: []string{"bind"}},
			specs.Mount{Destination: "/escape", Type: "bind", Source: filepath.Join(host, "escape"), Options: []string{"bind"}},
			specs.Mount{Destination: "/proc/uptime", Type: "bind", Source: filepath.Join(host, "file"), Options: []string{"bind", "ro"}},
			specs.Mount{Destination: "/rec", Type: "bind", Source: hostCgroupRoot, Options: []string{"rbind", "rro", "rnosuid"}},
			specs.Mount{Destination: "/flags", Type: "none", Source: filepath.Join(host, "flags"), Options: []string{"bind", "ro", "nosuid", "nodev", "noexec", "rprivate"}},
		),
		Devices: []specs.LinuxDevice{
			{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: &mode600, UID: &uid, GID: &uid},
			{Path: "/dev/net/tun", Type: "c", Major: 10, Minor: 200},
			{Path: "/dev/myfifo", Type: "p"},
		},
		MaskedPaths:   []string{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware", "/proc/does-not-exist"},
		ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/does/not/exist"},
	}
	devStat := `stat -c '%F %t:%T %a %u:%g'`
	checks := [][2]string{
		{"dev null", `[ "$(` + devStat + ` /dev/null)" = "character special file 1:3 666 0:0" ]`},
		{"default devices", `for d in zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do n=${d%%:*}; mm=${d#*:}; ` +
			`[ "$(` + devStat + ` /dev/$n)" = "character special file $(printf %x ${mm%:*}):$(printf %x ${mm#*:}) 666 0:0" ] || { echo $n; exit 1; }; done`},
		{"fuse mode owner", `[ "$(` + devStat + ` /dev/fuse)" = "character special file a:e5 600 1000:1000" ]`},
		{"tun in new dir", `[ "$(` + devStat + ` /dev/net/tun)" = "character special file a:c8 666 0:0" ]`},
		{"fifo", `test -p /dev/myfifo`},
		{"dev symlinks", `[ "$(readlink /dev/fd)" = /proc/self/fd ] && [ "$(readlink /dev/stdin)" = /proc/self/fd/0 ] && ` +
			`[ "$(readlink /dev/stdout)" = /proc/self/fd/1 ] && [ "$(readlink /dev/stderr)" = /proc/self/fd/2 ] && ` +
			`[ "$(readlink /dev/core)" = /proc/kcore ] && [ "$(readlink /dev/ptmx)" = pts/ptmx ]`},
		{"devpts newinstance", `test -c /dev/pts/ptmx && [ "$(stat -c %a /dev/pts/ptmx)" = 666 ]`},
		{"dev tmpfs mode", `[ "$(stat -c %a /dev)" = 755 ]`},
		{"proc is new pid ns", `[ "$(cat /proc/1/comm)" = sh ] || [ "$(cat /proc/1/comm)" = busybox ]`},
		{"sysfs ro", `grep -q ' /sys ro,nosuid,nodev,noexec' /proc/self/mountinfo`},
		{"cgroup v1 binds ro", `test -e /sys/fs/cgroup/memory/memory.limit_in_bytes && ` +
			`grep -q ' /sys/fs/cgroup/memory ro,nosuid,nodev,noexec' /proc/self/mountinfo && ` +
			`grep -q ' /sys/fs/cgroup ro,nosuid,nodev,noexec' /proc/self/mountinfo`},
		{"masked file empty", `[ "$(wc -c < /proc/timer_list)" -eq 0 ] && [ "$(wc -c < /proc/keys)" -eq 0 ] && grep -q " /proc/keys " /proc/self/mountinfo`},
		{"masked dir empty ro", `[ -z "$(ls -A /sys/firmware)" ] && ! touch /sys/firmware/x`},
		{"readonly path", `! echo gorunc > /proc/sys/kernel/domainname && grep -q ' /proc/sys ro,nosuid,nodev,noexec' /proc/self/mountinfo`},
		{"readonly root", `! touch /newfile && awk '$5 == "/" { split($6, o, ","); if (o[1] != "ro") exit 1 }' /proc/self/mountinfo`},
		{"ro bind", `[ "$(cat /data-ro/hello)" = hello ] && ! touch /data-ro/x`},
		{"file bind", `[ "$(cat /etc/hostfile)" = filecontent ]`},
		{"lxcfs-style /proc file bind", `[ "$(cat /proc/uptime)" = filecontent ]`},
		{"symlink destination stays inside", `[ "$(cat ` + outside + `/marker)" = bindsrc ]`},
		{"recursive rro", `grep -q ' /rec ro,nosuid' /proc/self/mountinfo && grep -q ' /rec/memory ro,nosuid' /proc/self/mountinfo`},
		{"bind flags", `grep -q ' /flags ro,nosuid,nodev,noexec' /proc/self/mountinfo`},
		{"old root gone", `! test -e /usr && ! test -e ` + rootfs},
	}
	res := runInContainer(t, cfg, checkScript(checks))
	requireChecks(t, res, checks)

	if entries, err := os.ReadDir(outside); err != nil || len(entries) != 0 {
		t.Errorf("host %s touched: %v %v", outside, entries, err)
	}
	if fi, err := os.Lstat(filepath.Join(rootfs, outside)); err != nil || !fi.IsDir() {
		t.Errorf("mount point not created inside the rootfs at %s: %v", filepath.Join(rootfs, outside), err)
	}
}

func TestRootPropagation(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		prop  string
		noPiv bool
		want  string // optional-field tag of / inside, "" for none
	}{
		{"", false, ""},
		{"rslave", false, ""},
		{"private", false, ""},
		{"rprivate", false, ""},
		{"shared", false, "shared:"},
		{"rshared", false, "shared:"},
		{"unbindable", false, "unbindable"},
		{"runbindable", false, "unbindable"},
		{"", true, ""},
		{"rshared", true, "shared:"},
	}
	for _, tt := range tests {
		t.Run(tt.prop+map[bool]string{true: "-nopivot", false: ""}[tt.noPiv], func(t *testing.T) {
			cfg := Config{Rootfs: buildRootfs(t), Propagation: tt.prop, NoPivot: tt.noPiv, Mounts: defaultMounts()[:2]}
			// Prints the optional fields of the / line: fields 7.. up to "-".
			script := `awk '$5 == "/" { s = ""; for (i = 7; $i != "-"; i++) s = s $i " "; print "TAGS[" s "]" }' /proc/self/mountinfo; ` +
				`test -x /bin/busybox && ! test -e /usr && [ "$(stat -c %t:%T /dev/null)" = 1:3 ]`
			res := runInContainer(t, cfg, script)
			if res.code != 0 {
				t.Fatalf("child exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			tags := between(res.stdout, "TAGS[", "]")
			switch {
			case tt.want == "" && tags != "":
				t.Errorf("/ has tags %q, want none", tags)
			case tt.want != "" && !strings.Contains(tags, tt.want):
				t.Errorf("/ has tags %q, want %q", tags, tt.want)
			}
		})
	}
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return "<missing>"
	}
	before, _, _ := strings.Cut(after, end)
	return strings.TrimSpace(before)
}

func TestRootBindDevices(t *testing.T) {
	requireRoot(t)
	cfg := Config{
		Rootfs:      buildRootfs(t),
		BindDevices: true,
		Mounts:      defaultMounts()[:3],
		Devices:     []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}},
	}
	checks := [][2]string{
		{"null is host node", `[ "$(stat -c '%F %t:%T %a %u:%g' /dev/null)" = "character special file 1:3 666 0:0" ] && grep -q ' /dev/null ' /proc/self/mountinfo`},
		{"fuse is host node", `[ "$(stat -c '%F %t:%T %a' /dev/fuse)" = "character special file a:e5 600" ]`},
		{"null works", `echo x > /dev/null`},
	}
	requireChecks(t, runInContainer(t, cfg, checkScript(checks)), checks)
}

func TestRootSetupErrors(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		name   string
		mutate func(c *Config, host string)
		want   string
	}{
		{"relative destination", func(c *Config, _ string) {
			c.Mounts = append(defaultMounts()[:1], specs.Mount{Destination: "foo", Type: "tmpfs", Source: "tmpfs"})
		}, `mounts[1].destination "foo" is not absolute`},
		{"missing bind source", func(c *Config, host string) {
			c.Mounts = []specs.Mount{{Destination: "/x", Type: "bind", Source: filepath.Join(host, "nope")}}
		}, `mounts[0] (bind on /x): bind source: `},
		{"unknown filesystem", func(c *Config, _ string) {
			c.Mounts = []specs.Mount{{Destination: "/x", Type: "nosuchfs", Source: "none"}}
		}, `mounts[0] (nosuchfs on /x): mount none on /x: no such device`},
		{"bad propagation", func(c *Config, _ string) { c.Propagation = "sideways" }, `linux.rootfsPropagation "sideways"`},
		{"proc on a symlink", func(c *Config, _ string) {
			if err := os.Symlink("/tmp", filepath.Join(c.Rootfs, "proc")); err != nil {
				t.Fatal(err)
			}
			c.Mounts = defaultMounts()[:1]
		}, `mounts[0] (proc on /proc): filesystem "proc" must be mounted on ordinary directory: /proc is not a directory`},
		{"tmpfs inside /proc", func(c *Config, _ string) {
			c.Mounts = append(defaultMounts()[:1], specs.Mount{Destination: "/proc/sys", Type: "tmpfs", Source: "tmpfs"})
		}, `mounts[1] (tmpfs on /proc/sys): /proc/sys cannot be mounted because it is inside /proc`},
		{"bind non-proc on /proc", func(c *Config, host string) {
			c.Mounts = []specs.Mount{{Destination: "/proc", Type: "bind", Source: host}}
		}, `mounts[0] (bind on /proc): /proc cannot be mounted because it is not of type proc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Rootfs: buildRootfs(t)}
			tt.mutate(&cfg, t.TempDir())
			res := runInContainer(t, cfg, "echo REACHED")
			if res.code != childExitSetup || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("child exit %d, stderr %q; want exit %d and %q", res.code, res.stderr, childExitSetup, tt.want)
			}
			if strings.Contains(res.stdout, "REACHED") {
				t.Errorf("container ran despite the setup error")
			}
		})
	}
}

func TestRootCgroupMountWithCgroupNS(t *testing.T) {
	requireRoot(t)
	var st unix.Statfs_t
	if err := unix.Statfs(hostCgroupRoot, &st); err != nil || st.Type == unix.CGROUP2_SUPER_MAGIC {
		t.Skip("needs a v1 or hybrid cgroup host")
	}
	cfg := Config{Rootfs: buildRootfs(t), NewCgroupNS: true, Mounts: defaultMounts()}
	fstype := func(mp, want string) string {
		return `awk '$5 == "` + mp + `" { for (i = 7; $i != "-"; i++) ; if ($(i+1) != "` + want + `") exit 1; split($6, o, ","); if (o[1] != "ro") exit 1; n++ } END { exit n != 1 }' /proc/self/mountinfo`
	}
	checks := [][2]string{
		{"tmpfs ro", fstype("/sys/fs/cgroup", "tmpfs")},
		{"memory is a cgroup mount", fstype("/sys/fs/cgroup/memory", "cgroup") + ` && test -e /sys/fs/cgroup/memory/memory.limit_in_bytes`},
		{"systemd named hierarchy", fstype("/sys/fs/cgroup/systemd", "cgroup")},
		{"unified is cgroup2", fstype("/sys/fs/cgroup/unified", "cgroup2")},
	}
	requireChecks(t, runInContainer(t, cfg, checkScript(checks)), checks)
}
