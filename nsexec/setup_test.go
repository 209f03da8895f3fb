//go:build setupharness

package nsexec

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runSetup runs prog in a child of the test binary (setup_harness.c), in
// new mount and UTS namespaces and chrooted into jail (a copy of the test
// binary goes there), and calls check with its pid and report line while
// the child waits. The jail is the child's "/": a path the interpreter
// failed to keep inside the program's root lands in the jail, never in
// the host's tree, whatever the code under test does.
func runSetup(t *testing.T, jail string, prog []byte, check func(pid int, report string), sources ...*os.File) {
	t.Helper()
	attr := &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWUTS, Chroot: jail}
	runSetupAs(t, attr, jail, "/setup.test", prog, check, sources...)
}

// runSetupAs runs the harness with attr, copied into dir and started as
// path (dir's copy as the child sees it). Only a program without paths
// in the container may run unchrooted (the pivot test's): a broken
// resolver would act on the host's tree.
func runSetupAs(t *testing.T, attr *syscall.SysProcAttr, dir, path string, prog []byte, check func(pid int, report string), sources ...*os.File) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: new mount and UTS namespaces")
	}
	f, err := os.CreateTemp(t.TempDir(), "prog")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(prog); err != nil {
		t.Fatal(err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "report"), os.NewFile(uintptr(fds[1]), "report (child)")
	defer ours.Close()
	bin, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "setup.test"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "-test.run=^$")
	cmd.Env = []string{"_GORUNC_SETUP_TEST=3:4"}
	// 3 the program, 4 the report, 5 on the sources.
	cmd.ExtraFiles = append([]*os.File{f, theirs}, sources...)
	cmd.SysProcAttr = attr
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ours.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(ours).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		<-done
		t.Fatalf("no report: %v (stderr %q)", err, stderr.String())
	}
	check(cmd.Process.Pid, strings.TrimSuffix(line, "\n"))
	ours.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("harness: %v (stderr %q)", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Error("harness still running 10 s after its report was read")
	}
}

func mustBytes(t *testing.T, p *SetupProgram) []byte {
	t.Helper()
	b, err := p.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSetupUTSAndLimits: the program's hostname, domainname and rlimit are
// the child's, in its own UTS namespace.
func TestSetupUTSAndLimits(t *testing.T) {
	jail := t.TempDir()
	p := NewSetupProgram("/")
	p.Hostname("setup-test")
	p.Domainname("setup-domain")
	p.Rlimit("RLIMIT_NOFILE", unix.RLIMIT_NOFILE, 100, 200)
	runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Fatalf("report %q", report)
		}
		for file, want := range map[string]string{"hostname": "setup-test", "domainname": "setup-domain"} {
			out, err := exec.Command("nsenter", "--uts=/proc/"+strconv.Itoa(pid)+"/ns/uts", "cat", "/proc/sys/kernel/"+file).Output()
			if err != nil {
				t.Fatalf("nsenter: %v", err)
			}
			if got := strings.TrimSpace(string(out)); got != want {
				t.Errorf("%s %q, want %q", file, got, want)
			}
		}
		limits, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
		if !strings.Contains(strings.Join(strings.Fields(string(limits)), " "), "Max open files 100 200 files") {
			t.Errorf("limits:\n%s", limits)
		}
	})
}

// TestSetupPathsStayInRoot: symlinks in the root's tree, absolute or
// climbing with "..", resolve inside the root, for mkdirs and for a
// mount's target; the host's tree is untouched.
func TestSetupPathsStayInRoot(t *testing.T) {
	jail := t.TempDir()
	root := filepath.Join(jail, "root")
	// "hostdir" names a directory of the jail (the child's "/") by its
	// absolute path, as a container's symlink may name one of the host's.
	for _, dir := range []string{"root/etc", "root/elsewhere", "elsewhere"} {
		if err := os.MkdirAll(filepath.Join(jail, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// dangling* name what does not exist yet: mkdirs makes their targets,
	// inside the root, as Go init does.
	for name, target := range map[string]string{"abs": "/", "up": "../../../../../..", "etcl": "/etc", "hostdir": "/elsewhere",
		"dangling": "/made5", "danglingup": "../../../made6", "chain": "dangling"} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	p := NewSetupProgram("/root")
	p.Mkdirs("abs/made1", 0o755)
	p.Mkdirs("up/made2/deeper", 0o700)
	p.Mkdirs("etcl/made3", 0o755)
	p.Mkdirs("hostdir/made4", 0o755)
	p.Mkdirs("chain/x", 0o755)
	p.Mkdirs("etc/../danglingup/y", 0o755)
	p.Mount("tmpfs", "up/mnt", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, MountOption{"size", "1m"}, MountOption{"mode", "0700"})
	runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Fatalf("report %q", report)
		}
		for _, dir := range []string{"made1", "made2/deeper", "etc/made3", "elsewhere/made4", "made5/x", "made6/y", "mnt"} {
			if st, err := os.Stat(filepath.Join(root, dir)); err != nil || !st.IsDir() {
				t.Errorf("%s not made inside the root: %v", dir, err)
			}
		}
		for _, escaped := range []string{"made1", "made2", "etc", "elsewhere/made4", "made5", "made6", "mnt"} {
			if _, err := os.Lstat(filepath.Join(jail, escaped)); err == nil {
				t.Errorf("%s made outside the root", escaped)
			}
		}
		if st, _ := os.Stat(filepath.Join(root, "made2/deeper")); st != nil && st.Mode().Perm() != 0o700 {
			t.Errorf("made2/deeper mode %v, want 0700", st.Mode().Perm())
		}
		// Mount points as the chrooted child sees them.
		info, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/mountinfo")
		var found string
		for _, l := range strings.Split(string(info), "\n") {
			if f := strings.Fields(l); len(f) > 5 && f[4] == "/root/mnt" {
				found = l
			}
		}
		if !strings.Contains(found, " - tmpfs ") || !strings.Contains(found, "nosuid") || !strings.Contains(found, "nodev") || !strings.Contains(found, "size=1024k") || !strings.Contains(found, "mode=700") {
			t.Errorf("tmpfs at /root/mnt in the child: %q", found)
		}
	})
	// Made in the child's mount namespace only.
	if info, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(info), filepath.Join(root, "mnt")) {
		t.Error("the tmpfs is in the test's own mount namespace")
	}
}

// TestSetupBind: a directory and a file of the host, opened by the caller
// (as the runtime opens mount sources), are bound read-only inside the
// root, the file onto an empty file made for it.
func TestSetupBind(t *testing.T) {
	jail := t.TempDir()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "marker"), []byte("from the host"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Detached clones, made in the test's mount namespace as the
	// runtime makes them in its own (a new namespace cannot clone them).
	clone := func(path string, flags int) *os.File {
		fd, err := unix.OpenTree(unix.AT_FDCWD, path, uint(unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|flags))
		if err != nil {
			t.Skipf("open_tree: %v", err)
		}
		return os.NewFile(uintptr(fd), path)
	}
	dir := clone(src, unix.AT_RECURSIVE)
	defer dir.Close()
	file := clone(filepath.Join(src, "marker"), 0)
	defer file.Close()
	if err := os.MkdirAll(filepath.Join(jail, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(jail, "root", "abs")); err != nil {
		t.Fatal(err)
	}
	p := NewSetupProgram("/root")
	p.Bind(5, "abs/data", true, MountAttr{Set: unix.MOUNT_ATTR_RDONLY})
	p.Bind(6, "abs/etc/marker", false, MountAttr{Set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID})
	runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Fatalf("report %q", report)
		}
		if st, err := os.Stat(filepath.Join(jail, "root/etc/marker")); err != nil || !st.Mode().IsRegular() {
			t.Errorf("the file bind's mount point: %v", err)
		}
		if _, err := os.Lstat(filepath.Join(jail, "data")); err == nil {
			t.Error("the directory bind's mount point was made outside the root")
		}
		info, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/mountinfo")
		for _, want := range []struct{ at, opt string }{{"/root/data", "ro"}, {"/root/etc/marker", "ro"}} {
			found := ""
			for _, l := range strings.Split(string(info), "\n") {
				if f := strings.Fields(l); len(f) > 5 && f[4] == want.at {
					found = l
				}
			}
			if f := strings.Fields(found); len(f) < 6 || !strings.Contains(","+f[5]+",", ","+want.opt+",") {
				t.Errorf("%s in the child: %q, want options with %s", want.at, found, want.opt)
			}
		}
		// The content is the host's, through the child's root.
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/root/root/data/marker")
		if string(data) != "from the host" {
			t.Errorf("through the bind: %q, %v", data, err)
		}
	}, dir, file)
}

// TestSetupMaskAndReadonly: masked files get the root's /dev/null, masked
// directories one shared read-only tmpfs, read-only paths a read-only
// nosuid, nodev, noexec bind; missing paths are skipped; a symlink among
// them resolves inside the root; a /dev/null that is not the null device
// fails the mask of a file.
func TestSetupMaskAndReadonly(t *testing.T) {
	jail := t.TempDir()
	root := filepath.Join(jail, "root")
	for _, dir := range []string{"proc/acpi", "proc/sys", "sys/firmware", "dev", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "proc/kcore"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/shadow"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(root, "dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	// An absolute symlink to a directory: masked inside the root.
	if err := os.Symlink("/etc", filepath.Join(root, "proc/escape")); err != nil {
		t.Fatal(err)
	}
	p := NewSetupProgram("/root")
	for _, m := range []string{"proc/kcore", "proc/acpi", "sys/firmware", "proc/missing", "proc/escape"} {
		p.Mask(m)
	}
	p.Readonly("proc/sys")
	p.Readonly("proc/nothing")
	runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Fatalf("report %q", report)
		}
		info, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/mountinfo")
		at := map[string][]string{}
		for _, l := range strings.Split(string(info), "\n") {
			if f := strings.Fields(l); len(f) > 9 {
				at[f[4]] = f
			}
		}
		check := func(point, fstype string, opts ...string) []string {
			f := at[point]
			if f == nil {
				t.Errorf("no mount at %s", point)
				return nil
			}
			sep := 6
			for sep < len(f) && f[sep] != "-" {
				sep++
			}
			if sep+1 >= len(f) || f[sep+1] != fstype {
				t.Errorf("%s: %v, want a %s", point, f, fstype)
			}
			for _, o := range opts {
				if !strings.Contains(","+f[5]+",", ","+o+",") {
					t.Errorf("%s: options %s, want %s", point, f[5], o)
				}
			}
			return f
		}
		check("/root/proc/kcore", rootFSType(t, root))
		acpi := check("/root/proc/acpi", "tmpfs", "ro")
		firmware := check("/root/sys/firmware", "tmpfs", "ro")
		check("/root/etc", "tmpfs", "ro")
		if acpi != nil && firmware != nil && acpi[2] != firmware[2] {
			t.Errorf("directory masks not shared: devices %s and %s", acpi[2], firmware[2])
		}
		check("/root/proc/sys", rootFSType(t, root), "ro", "nosuid", "nodev", "noexec")
		if _, ok := at["/root/proc/missing"]; ok {
			t.Error("a missing path was masked")
		}
		// Read through the child's root: the masked file is empty.
		if data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/root/root/proc/kcore"); err != nil || len(data) != 0 {
			t.Errorf("masked kcore reads %q, %v", data, err)
		}
	})
	// A /dev/null that is a plain file.
	os.Remove(filepath.Join(root, "dev/null"))
	if err := os.WriteFile(filepath.Join(root, "dev/null"), nil, 0o666); err != nil {
		t.Fatal(err)
	}
	q := NewSetupProgram("/root")
	q.Mask("proc/kcore")
	runSetup(t, jail, mustBytes(t, q), func(pid int, report string) {
		if want := "err 0 22 can't mask path proc/kcore: the container's /dev/null is invalid"; report != want {
			t.Errorf("report %q, want %q", report, want)
		}
	})
}

// TestSetupMknod: nodes made with their exact mode (whatever the umask)
// and owner, in the root even through a symlink; an existing node is left
// as it is; a bad node type is a malformed program. The /dev symlinks too.
func TestSetupMknod(t *testing.T) {
	jail := t.TempDir()
	root := filepath.Join(jail, "root")
	if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(root, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "dev/kept"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := NewSetupProgram("/root")
	p.Mknod("dev/null", unix.S_IFCHR|0o666, 1, 3, 0, 0)
	p.Mknod("abs/dev/fuse", unix.S_IFCHR|0o600, 10, 229, 1000, 1001)
	p.Mknod("dev/new/fifo", unix.S_IFIFO|0o640, 0, 0, 0, 0)
	p.Mknod("dev/kept", unix.S_IFCHR|0o666, 1, 5, 0, 0)
	p.Symlink("/proc/self/fd", "abs/dev/fd")
	p.Symlink("pts/ptmx", "dev/ptmx")
	p.Symlink("elsewhere", "dev/kept")
	old := unix.Umask(0o077) // the child inherits it
	defer unix.Umask(old)
	runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Fatalf("report %q", report)
		}
	})
	unix.Umask(old)
	for _, c := range []struct {
		path     string
		mode     uint32
		dev      uint64
		uid, gid uint32
	}{
		{"dev/null", unix.S_IFCHR | 0o666, unix.Mkdev(1, 3), 0, 0},
		{"dev/fuse", unix.S_IFCHR | 0o600, unix.Mkdev(10, 229), 1000, 1001},
		{"dev/new/fifo", unix.S_IFIFO | 0o640, 0, 0, 0},
		{"dev/kept", unix.S_IFREG | 0o600, 0, 0, 0},
	} {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(root, c.path), &st); err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if st.Mode != c.mode || st.Rdev != c.dev || st.Uid != c.uid || st.Gid != c.gid {
			t.Errorf("%s: mode %o rdev %d:%d owner %d:%d, want %o %d:%d %d:%d", c.path, st.Mode,
				unix.Major(st.Rdev), unix.Minor(st.Rdev), st.Uid, st.Gid, c.mode, unix.Major(c.dev), unix.Minor(c.dev), c.uid, c.gid)
		}
	}
	if _, err := os.Lstat(filepath.Join(jail, "dev/fuse")); err == nil {
		t.Error("dev/fuse made outside the root")
	}
	for path, want := range map[string]string{"dev/fd": "/proc/self/fd", "dev/ptmx": "pts/ptmx"} {
		if got, err := os.Readlink(filepath.Join(root, path)); err != nil || got != want {
			t.Errorf("%s -> %q, %v; want -> %q", path, got, err, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(jail, "dev/fd")); err == nil {
		t.Error("dev/fd made outside the root")
	}
	q := NewSetupProgram("/root")
	q.Mknod("dev/sock", unix.S_IFSOCK|0o666, 0, 0, 0, 0)
	runSetup(t, jail, mustBytes(t, q), func(pid int, report string) {
		if want := "err 0 22 setup: malformed program"; report != want {
			t.Errorf("report %q, want %q", report, want)
		}
	})
}

// TestSetupSysctl: a sysctl is written through a procfs of the process's
// own (kernel.hostname: the child's own UTS namespace), never the root's
// proc/sys; a name that climbs fails the step, in runc's words.
func TestSetupSysctl(t *testing.T) {
	jail := t.TempDir()
	root := filepath.Join(jail, "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	p := NewSetupProgram("/root")
	p.Mount("proc", "proc", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	p.Sysctl("kernel.hostname", "via-sysctl")
	runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Fatalf("report %q", report)
		}
		out, err := exec.Command("nsenter", "--uts=/proc/"+strconv.Itoa(pid)+"/ns/uts", "cat", "/proc/sys/kernel/hostname").Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != "via-sysctl" {
			t.Errorf("hostname %q, %v", got, err)
		}
	})
	fake := filepath.Join(jail, "fake")
	if err := os.MkdirAll(filepath.Join(fake, "proc/sys/kernel"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fake, "proc/sys/kernel/hostname"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ root, key, want string }{
		// The root's proc/sys is never looked at: the write goes to
		// a procfs of init's own.
		{"/fake", "kernel.hostname", "ok"},
		{"/root", "kernel..hostname", "err 0 22 sysctl kernel..hostname: not a sysctl name"},
		{"/root", "...etc.passwd", "err 0 22 sysctl ...etc.passwd: not a sysctl name"},
		{"/root", "kernel/hostname", "err 0 22 sysctl kernel/hostname: not a sysctl name"},
		{"/root", "net.nosuch", "err 0 2 linux.sysctl net.nosuch=x: unsafe procfs detected: openat2 fsmount:fscontext:proc/./sys/net/nosuch"},
		// "x" is no number: refused by the write, nothing changes.
		{"/root", "kernel.shmmax", "err 0 22 linux.sysctl kernel.shmmax=x: write fsmount:fscontext:proc/./sys/kernel/shmmax"},
	} {
		q := NewSetupProgram(c.root)
		q.Sysctl(c.key, "x")
		runSetup(t, jail, mustBytes(t, q), func(pid int, report string) {
			if report != c.want {
				t.Errorf("%s in %s: report %q, want %q", c.key, c.root, report, c.want)
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(fake, "proc/sys/kernel/hostname")); len(data) != 0 {
		t.Errorf("the fake proc's file was written: %q", data)
	}
}

// TestSetupIdentity: user, groups, the five capability sets, umask and
// no_new_privs end as a process's status says; an ambient capability
// outside the inheritable set is refused and reported, the program still
// succeeds (runc warns). The process stays non-dumpable (its /proc files
// root's), whatever fs.suid_dumpable made of the id change: only a host
// with fs.suid_dumpable=1 (the cgroup v2 VM tier sets it for this test)
// tells the difference.
func TestSetupIdentity(t *testing.T) {
	const chown, netBind, kill = 0, 10, 5
	last, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skip(err)
	}
	lastCap, _ := strconv.Atoi(strings.TrimSpace(string(last)))
	umask := uint32(0o027)
	p := NewSetupProgram("/")
	p.Identity(Identity{
		UID: 1000, GID: 1001, Groups: []uint32{10, 20}, Umask: &umask, NoNewPrivileges: true,
		Caps: &CapSets{
			Bounding: 1<<chown | 1<<netBind | 1<<kill, Effective: 1 << netBind, Permitted: 1<<netBind | 1<<kill,
			Inheritable: 1 << netBind, Ambient: 1<<netBind | 1<<kill, Last: uint32(lastCap),
			AmbientNames: []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"},
		},
	})
	runSetup(t, t.TempDir(), mustBytes(t, p), func(pid int, report string) {
		if want := "ok ambient-refused=20"; report != want {
			t.Errorf("report %q, want %q (CAP_KILL is not inheritable)", report, want)
		}
		var st unix.Stat_t
		if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/environ", &st); err != nil {
			t.Error(err)
		} else if st.Uid != 0 {
			s, _ := os.ReadFile("/proc/sys/fs/suid_dumpable")
			t.Errorf("dumpable after the user switch (its /proc files uid %d's, fs.suid_dumpable %q), want not", st.Uid, s)
		}
		status, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		got := map[string]string{}
		for _, l := range strings.Split(string(status), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok {
				got[k] = strings.Join(strings.Fields(v), " ")
			}
		}
		for k, want := range map[string]string{
			"Uid": "1000 1000 1000 1000", "Gid": "1001 1001 1001 1001", "Groups": "10 20",
			"CapBnd": "0000000000000421", "CapEff": "0000000000000400", "CapPrm": "0000000000000420",
			"CapInh": "0000000000000400", "CapAmb": "0000000000000400", "NoNewPrivs": "1", "Umask": "0027",
		} {
			if got[k] != want {
				t.Errorf("%s: %q, want %q", k, got[k], want)
			}
		}
	})
}

// rootFSType is the type of the filesystem dir is on, as mountinfo names it.
func rootFSType(t *testing.T, dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	switch st.Type {
	case unix.EXT4_SUPER_MAGIC:
		return "ext4"
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	case unix.XFS_SUPER_MAGIC:
		return "xfs"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlay"
	}
	t.Skipf("filesystem type %#x of %s not known to the test", st.Type, dir)
	return ""
}

// TestSetupFailures: a failing step stops the program with its index,
// errno and words; a malformed program is refused before any step.
func TestSetupFailures(t *testing.T) {
	jail := t.TempDir()
	root := filepath.Join(jail, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop", filepath.Join(root, "loop")); err != nil {
		t.Fatal(err)
	}
	p := NewSetupProgram("/root")
	p.Hostname("first")
	p.Mkdirs("file/x", 0o755)
	p.Hostname("never")
	bad := mustBytes(t, NewSetupProgram("/root"))
	cases := []struct {
		name string
		prog []byte
		want string
	}{
		{"enotdir", mustBytes(t, p), "err 1 20 mkdir file/x"},
		{"truncated", bad[:len(bad)-2], "err -1 22 setup: malformed program"},
		{"trailing", append(append([]byte{}, bad...), 0), "err -1 22 setup: malformed program"},
		{"magic", append([]byte("XXXX"), bad[4:]...), "err -1 22 setup: malformed program"},
		{"loop", func() []byte { q := NewSetupProgram("/root"); q.Mkdirs("loop/x", 0o755); return mustBytes(t, q) }(), "err 0 40 mkdir loop/x"},
		{"fstype", func() []byte { q := NewSetupProgram("/root"); q.Mount("nosuchfs", "m", 0); return mustBytes(t, q) }(), "err 0 19 fsopen nosuchfs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runSetup(t, jail, c.prog, func(pid int, report string) {
				if report != c.want {
					t.Errorf("report %q, want %q", report, c.want)
				}
			})
		})
	}
	if _, err := NewSetupProgram("/root\x00").Bytes(); err == nil {
		t.Error("a NUL in a string was encoded")
	}
}
