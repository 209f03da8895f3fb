//go:build setupharness

package nsexec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/moby/sys/user"
	"golang.org/x/sys/unix"
)

// TestSetupPivot: the root step binds the root onto itself and the pivot
// makes it the child's "/" with the old root gone: the child's mount
// table holds the bind alone, and a later step's path lands in the new
// root. Unchrooted (pivot_root refuses a root that is not a mount point),
// so the program has no other path than the one whose place is checked.
func TestSetupPivot(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "marker"), []byte("new root"), 0o644); err != nil {
		t.Fatal(err)
	}
	made := fmt.Sprintf("made-%d", os.Getpid())
	t.Cleanup(func() {
		if _, err := os.Lstat("/" + made); err == nil {
			os.Remove("/" + made)
			t.Errorf("/%s was made in the host's root", made)
		}
	})
	p := NewSetupProgram(root)
	p.Root(unix.MS_SLAVE | unix.MS_REC)
	p.Pivot("rprivate", unix.MS_PRIVATE|unix.MS_REC, false)
	p.Mkdirs(made, 0o755)
	attr := &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS}
	runSetupAs(t, attr, dir, filepath.Join(dir, "setup.test"), mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Errorf("report %q", report)
			return
		}
		proc := "/proc/" + strconv.Itoa(pid)
		if data, err := os.ReadFile(proc + "/root/marker"); err != nil || string(data) != "new root" {
			t.Errorf("child's /marker: %q, %v", data, err)
		}
		if _, err := os.Stat(filepath.Join(root, made)); err != nil {
			t.Errorf("the step after the pivot did not make %s in the new root: %v", made, err)
		}
		mi, err := os.ReadFile(proc + "/mountinfo")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(mi)), "\n")
		if len(lines) != 1 || strings.Fields(lines[0])[4] != "/" {
			t.Errorf("child's mounts after the pivot, want the root's bind alone:\n%s", mi)
		}
		if strings.Contains(lines[0], "shared:") || strings.Contains(lines[0], "master:") {
			t.Errorf("new / not private: %s", lines[0])
		}
		if data, err := os.ReadFile(proc + "/cwd/marker"); err != nil || string(data) != "new root" {
			t.Errorf("child's cwd is not the new root: marker %q, %v", data, err)
		}
	})
	// pivot_root refuses a root that is not a mount point (EINVAL, or
	// EBUSY when it is on the current root's mount): without the root
	// step the pivot fails, and says which root.
	q := NewSetupProgram(root)
	q.Pivot("", 0, false)
	runSetupAs(t, attr, dir, filepath.Join(dir, "setup.test"), mustBytes(t, q), func(pid int, report string) {
		want := []string{fmt.Sprintf("err 0 %d pivot_root %s", unix.EINVAL, root), fmt.Sprintf("err 0 %d pivot_root %s", unix.EBUSY, root)}
		if report != want[0] && report != want[1] {
			t.Errorf("report %q, want one of %q", report, want)
		}
	})
}

// TestSetupCwd: the cwd steps as enterCwd and setupProcess take them: a
// refused directory tried as root is retried as the user, a missing one
// fails, and with verify a directory reached through an fd from outside
// the root (CVE-2024-21626) is refused.
func TestSetupCwd(t *testing.T) {
	// The program's root is the jail, as "/" is the container's root
	// when these steps run (after the pivot).
	jail := t.TempDir()
	root := jail
	for _, d := range []string{"work", "mine", "proc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "mine"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(root, "mine"), 1000, 1000); err != nil {
		t.Fatal(err)
	}
	// An fd of a directory outside the child's root: the harness gets it
	// as fd 5.
	outside, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()
	last := lastCap(t)
	user := Identity{UID: 1000, GID: 1000, Groups: []uint32{}, Caps: &CapSets{Last: last}}
	// Root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, with what
	// the later user switch needs.
	const setgid, setuid, setpcap = 6, 7, 8
	ids := uint64(1<<setgid | 1<<setuid | 1<<setpcap)
	weakRoot := Identity{UID: 0, GID: 0, Groups: []uint32{}, Caps: &CapSets{Bounding: ids, Effective: ids, Permitted: ids, Last: last}}
	for _, c := range []struct {
		name   string
		build  func(p *SetupProgram)
		report string
		cwd    string
	}{
		{name: "as root", build: func(p *SetupProgram) {
			p.Cwd("/work", CwdTry|CwdVerify)
			p.Identity(user)
			p.Cwd("/missing-after-done", CwdAfter|CwdVerify)
		}, report: "ok", cwd: "/work"},
		{name: "refused to root, retried as the user", build: func(p *SetupProgram) {
			p.Identity(weakRoot)
			p.Cwd("/mine", CwdTry|CwdVerify)
			p.Identity(user)
			p.Cwd("/mine", CwdAfter|CwdVerify)
		}, report: "ok", cwd: "/mine"},
		{name: "refused to the user too", build: func(p *SetupProgram) {
			p.Identity(Identity{UID: 2000, GID: 2000, Groups: []uint32{}, Caps: &CapSets{Last: last}})
			p.Cwd("/mine", CwdTry|CwdVerify)
			p.Cwd("/mine", CwdAfter|CwdVerify)
		}, report: fmt.Sprintf("err 2 %d process.cwd /mine", unix.EACCES)},
		{name: "missing", build: func(p *SetupProgram) {
			p.Cwd("/nosuch", CwdTry|CwdVerify)
		}, report: fmt.Sprintf("err 0 %d process.cwd /nosuch", unix.ENOENT)},
		{name: "through a leaked fd, verified", build: func(p *SetupProgram) {
			p.Mount("proc", "proc", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
			p.Cwd("/proc/self/fd/5", CwdTry|CwdVerify)
		}, report: "err 1 0 process.cwd /proc/self/fd/5: resolves outside the container's root"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := NewSetupProgram("/")
			c.build(p)
			runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
				if report != c.report {
					t.Errorf("report %q, want %q", report, c.report)
					return
				}
				if c.cwd == "" {
					return
				}
				// The jail is the child's "/": its cwd reads as a
				// path there, outside the program's root.
				if cwd, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd"); err != nil || cwd != filepath.Join(root, c.cwd) {
					t.Errorf("cwd %q, %v, want %s", cwd, err, filepath.Join(root, c.cwd))
				}
			}, outside)
		})
	}
}

// TestSetupSessionKeyringLoopback: setsid, a new session keyring and lo
// up in a new network namespace, as Go init makes them.
func TestSetupSessionKeyringLoopback(t *testing.T) {
	jail := t.TempDir()
	name := fmt.Sprintf("_ses.setup-test-%d", os.Getpid())
	p := NewSetupProgram("/")
	p.Setsid()
	p.Keyring(name)
	p.Loopback()
	attr := &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWNET, Chroot: jail}
	runSetupAs(t, attr, jail, "/setup.test", mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Errorf("report %q", report)
			return
		}
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		// Fields after the command's closing parenthesis: state ppid
		// pgrp session.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if f[3] != strconv.Itoa(pid) {
			t.Errorf("session %s, want the child's own (%d)", f[3], pid)
		}
		keys, err := os.ReadFile("/proc/keys")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(keys), name) {
			t.Errorf("no keyring %s in /proc/keys", name)
		}
		if up, err := loUp(pid); err != nil || !up {
			t.Errorf("lo up in the child's network namespace: %v, %v", up, err)
		}
	})
}

// loUp reads lo's flags in pid's network namespace, from a thread that
// joins it and is then let go with its goroutine.
func loUp(pid int) (bool, error) {
	type result struct {
		up  bool
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread ends with the goroutine
		ns, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/net")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{err: err}
			return
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer unix.Close(fd)
		ifr, err := unix.NewIfreq("lo")
		if err != nil {
			done <- result{err: err}
			return
		}
		if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
			done <- result{err: err}
			return
		}
		done <- result{up: ifr.Uint16()&unix.IFF_UP != 0}
	}()
	r := <-done
	return r.up, r.err
}

// lastCap is the highest capability the kernel knows.
func lastCap(t *testing.T) uint32 {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skip(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return uint32(n)
}

// TestSetupPivotDevNull: after the pivot, stdio fds that are a /dev/null
// point at the container's own (a char device 1:3), as PivotRoot's
// reopenDevNull does; a dev/null that is not one fails the step.
func TestSetupPivotDevNull(t *testing.T) {
	for _, c := range []struct {
		name, report string
		node         func(path string) error
	}{
		{"the container's own", "ok", func(path string) error { return unix.Mknod(path, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))) }},
		{"a file", "err 1 0 can't reopen /dev/null: container's /dev/null is invalid", func(path string) error { return os.WriteFile(path, nil, 0o666) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "root")
			if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
				t.Fatal(err)
			}
			null := filepath.Join(root, "dev/null")
			if err := c.node(null); err != nil {
				t.Fatal(err)
			}
			var want unix.Stat_t
			if err := unix.Stat(null, &want); err != nil {
				t.Fatal(err)
			}
			p := NewSetupProgram(root)
			p.Root(unix.MS_SLAVE | unix.MS_REC)
			p.Pivot("", 0, true)
			attr := &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS}
			// The harness's stdin is the host's /dev/null (os/exec).
			runSetupAs(t, attr, dir, filepath.Join(dir, "setup.test"), mustBytes(t, p), func(pid int, report string) {
				if report != c.report {
					t.Errorf("report %q, want %q", report, c.report)
					return
				}
				if report != "ok" {
					return
				}
				var st unix.Stat_t
				if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/fd/0", &st); err != nil {
					t.Fatal(err)
				}
				if st.Ino != want.Ino || st.Dev != want.Dev {
					t.Errorf("stdin is %d:%d, want the container's dev/null %d:%d", st.Dev, st.Ino, want.Dev, want.Ino)
				}
			})
		})
	}
}

// TestSetupLookup: the program's path as lookPath finds it, after the
// user switch and in its words: the first executable candidate for the
// process's ids, a directory or a file without x for it skipped, a
// relative match refused, a name with a slash taken as it is if it can be
// executed.
func TestSetupLookup(t *testing.T) {
	jail := t.TempDir()
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{
		{"a/prog", 0o744}, // x for the owner (root) only
		{"b/prog", 0o755},
		{"c/prog", 0o755},
		{"rel/prog", 0o755},
	} {
		if err := os.MkdirAll(filepath.Join(jail, filepath.Dir(f.path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(jail, f.path), []byte("#!/bin/sh\n"), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(jail, "d/prog"), 0o755); err != nil {
		t.Fatal(err)
	}
	user := Identity{UID: 1000, GID: 1000, Groups: []uint32{}, Caps: &CapSets{Last: lastCap(t)}}
	for _, c := range []struct {
		name       string
		asUser     bool
		file       string
		search     bool
		candidates []string
		report     string
	}{
		{"root takes the first", false, "prog", true, []string{"/nosuch/prog", "/a/prog", "/b/prog"}, "ok argv0=/a/prog"},
		{"the user skips what it cannot execute and a directory", true, "prog", true, []string{"/a/prog", "/d/prog", "/c/prog"}, "ok argv0=/c/prog"},
		{"relative match", false, "prog", true, []string{"/nosuch/prog", "rel/prog", "/b/prog"}, `err 1 0 exec: "prog": cannot run executable found relative to current directory`},
		{"not found", false, "prog", true, []string{"/nosuch/prog", "/d/prog"}, `err 1 0 exec: "prog": executable file not found in $PATH`},
		{"no PATH", false, "prog", true, nil, `err 1 0 exec: "prog": executable file not found in $PATH`},
		{"with a slash", true, "/b/prog", false, nil, "ok argv0=/b/prog"},
		{"with a slash, not executable for the user", true, "/a/prog", false, nil, fmt.Sprintf(`err 1 %d exec: "/a/prog"`, unix.EACCES)},
		{"with a slash, a directory", false, "/d/prog", false, nil, fmt.Sprintf(`err 1 %d exec: "/d/prog"`, unix.EISDIR)},
		{"with a slash, missing", false, "/x/prog", false, nil, fmt.Sprintf(`err 1 %d exec: "/x/prog": stat /x/prog`, unix.ENOENT)},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := NewSetupProgram("/")
			if c.asUser {
				p.Identity(user)
			} else {
				p.Cwd("/", 0)
			}
			p.Lookup(c.file, c.search, c.candidates)
			runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
				if report != c.report {
					t.Errorf("report %q, want %q", report, c.report)
				}
			})
		})
	}
}

// TestSetupProcCheck: a mount whose destination is, or resolves through a
// symlink to, /proc or a path inside it is refused as checkProcDest does
// (CVE-2023-28642), on names before anything is made, in its words; procfs
// itself may go on /proc, and the files lxcfs emulates may be covered.
func TestSetupProcCheck(t *testing.T) {
	jail := t.TempDir()
	for _, l := range [][2]string{{"proc/sys", "evil"}, {"/proc", "up"}} {
		if err := os.Symlink(l[0], filepath.Join(jail, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, fstype, dest, report string
		proc                       bool
	}{
		{"procfs on /proc", "proc", "/proc2", "ok", true},
		{"tmpfs inside /proc through a symlink", "tmpfs", "/evil/kernel", "err 2 0 ctx: /proc/sys/kernel cannot be mounted because it is inside /proc", false},
		{"tmpfs over /proc through a symlink", "tmpfs", "/up", "err 2 0 ctx: /proc cannot be mounted because it is not of type proc", false},
		{"a missing path inside /proc", "tmpfs", "/up/nosuch/dir", "err 2 0 ctx: /proc/nosuch/dir cannot be mounted because it is inside /proc", false},
		{"an lxcfs file", "tmpfs", "/up/uptime", fmt.Sprintf("err 2 %d mkdir /up/uptime", unix.ENOTDIR), false},
		{"elsewhere", "tmpfs", "/tmp/x", "ok", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := NewSetupProgram("/")
			// The runtime's /proc, which the check reads fds' places
			// from (the jail has none of its own).
			p.Mount("proc", "/proc", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
			p.ProcCheck("ctx", c.proc)
			if c.dest == "/proc2" {
				// /proc itself is taken: the check is on the
				// place, so a second procfs goes on /proc again.
				c.dest = "/proc"
			}
			p.Mount(c.fstype, c.dest, unix.MOUNT_ATTR_NOSUID)
			runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
				if report != c.report {
					t.Errorf("report %q, want %q", report, c.report)
				}
			})
			if _, err := os.Stat(filepath.Join(jail, "proc/nosuch")); err == nil {
				t.Error("proc/nosuch was made")
			}
		})
	}
}

// TestSetupMountFlags: proc and sysfs go on an ordinary directory only (a
// symlink there fails in runc's words, whatever it points at), and a tmpfs
// over an existing directory takes its mode unless an option gives one.
func TestSetupMountFlags(t *testing.T) {
	jail := t.TempDir()
	if err := os.Symlink("/elsewhere", filepath.Join(jail, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(jail, "sticky"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(jail, "sticky"), os.ModeSticky|0o733); err != nil {
		t.Fatal(err)
	}
	attr := uint32(unix.MOUNT_ATTR_NOSUID)
	for _, c := range []struct {
		name   string
		build  func(p *SetupProgram)
		report string
		mode   os.FileMode // of /sticky in the child, 0: not checked
	}{
		{"proc on a symlink", func(p *SetupProgram) {
			p.Mount("proc", "/proc", attr) // the runtime's, for the check
			p.ProcCheck("mounts[0] (proc on /link)", true)
			p.MountWith("proc", "/link", attr, MountOrdinaryDir)
		}, `err 2 0 mounts[0] (proc on /link): filesystem "proc" must be mounted on ordinary directory: /link is not a directory (mode 0120777)`, 0},
		{"tmpfs takes the mode", func(p *SetupProgram) {
			p.MountWith("tmpfs", "/sticky", attr, MountTakeMode)
		}, "ok", os.ModeDir | os.ModeSticky | 0o733},
		{"an option's mode wins", func(p *SetupProgram) {
			p.MountWith("tmpfs", "/sticky", attr, MountTakeMode, MountOption{Key: "mode", Value: "0711"})
		}, "ok", os.ModeDir | 0o711},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := NewSetupProgram("/")
			c.build(p)
			runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
				if report != c.report {
					t.Errorf("report %q, want %q", report, c.report)
					return
				}
				if c.mode == 0 {
					return
				}
				fi, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/root/sticky")
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode() != c.mode {
					t.Errorf("mode %v, want %v", fi.Mode(), c.mode)
				}
			})
			if _, err := os.Lstat(filepath.Join(jail, "elsewhere")); err == nil {
				t.Error("the symlink's target was made")
			}
		})
	}
}

// TestSetupHome: HOME as runtime/procenv.go's passwdHome finds it, for
// files moby/sys/user parses with its quirks (a line without a number
// reads as uid 0, white space trimmed, a line too long for its scanner
// loses the whole file), each compared with the library's own answer.
func TestSetupHome(t *testing.T) {
	long := strings.Repeat("x", 70*1024)
	for _, c := range []struct {
		name, passwd string
		uid          uint32
	}{
		{"plain", "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n", 1000},
		{"root", "root:x:0:0:root:/root:/bin/sh\n", 0},
		{"no entry", "root:x:0:0:root:/root:/bin/sh\n", 7},
		{"a comment reads as uid 0", "# hi\nroot:x:0:0:root:/root:/bin/sh\n", 0},
		{"short line", "u:x:5\n", 5},
		{"spaces and CRLF", "  u:x:5:5::/h5 \r\n", 5},
		{"unicode space", "\u00a0u:x:5:5::/h5\u00a0\n", 5},
		{"wide unicode space", "u:x:5:5::/h5\u3000\u2028\n", 5},
		{"bad number", "u:x:5x:5::/nope:/bin/sh\nv:x:5:5::/yes:/bin/sh\n", 5},
		{"bad number is 0", "u:x:5x:5::/zero:/bin/sh\n", 0},
		{"signed", "u:x:+5:5::/plus:/bin/sh\n", 5},
		{"huge", "u:x:99999999999999999999:5::/huge:/bin/sh\n", 0},
		{"first of two", "a:x:5:5::/first:\nb:x:5:5::/second:\n", 5},
		{"line too long later", "u:x:5:5::/h5:/bin/sh\n" + long + "\n", 5},
		{"empty home", "u:x:5:5:::/bin/sh\n", 5},
		{"no newline at the end", "u:x:5:5::/h5:/bin/sh", 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			jail := t.TempDir()
			if err := os.MkdirAll(filepath.Join(jail, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(jail, "etc/passwd"), []byte(c.passwd), 0o644); err != nil {
				t.Fatal(err)
			}
			want := "/"
			users, err := user.ParsePasswdFilter(strings.NewReader(c.passwd), func(u user.User) bool { return u.Uid == int(c.uid) })
			if err == nil && len(users) > 0 {
				want = users[0].Home
			}
			p := NewSetupProgram("/")
			p.Home(c.uid)
			runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
				if report != "ok HOME="+want {
					t.Errorf("report %q, want HOME=%q", report, want)
				}
			})
		})
	}
	// Not a regular file, or missing: "/".
	for _, c := range []struct {
		name string
		make func(path string) error
	}{
		{"a fifo", func(path string) error { return unix.Mkfifo(path, 0o644) }},
		{"a directory", func(path string) error { return os.Mkdir(path, 0o755) }},
		{"missing", func(string) error { return nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			jail := t.TempDir()
			if err := os.MkdirAll(filepath.Join(jail, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := c.make(filepath.Join(jail, "etc/passwd")); err != nil {
				t.Fatal(err)
			}
			p := NewSetupProgram("/")
			p.Home(0)
			runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
				if report != "ok HOME=/" {
					t.Errorf("report %q, want HOME=/", report)
				}
			})
		})
	}
}

// TestSetupBindPath: binds as rootfs's mountBind makes them: the source
// cloned in the child (a directory or a file, the mount point made to
// match, a dangling symlink's target made inside the root), the runtime's
// clone used when the child cannot reach the source, the options' flags
// on the tree, a destination inside /proc refused.
func TestSetupBindPath(t *testing.T) {
	jail := t.TempDir()
	for _, d := range []string{"src", "proc"} {
		if err := os.MkdirAll(filepath.Join(jail, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"src/in-dir", "srcfile"} {
		if err := os.WriteFile(filepath.Join(jail, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/made/by/link", filepath.Join(jail, "dangling")); err != nil {
		t.Fatal(err)
	}
	// Outside the jail: only the runtime's clone reaches it.
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "outside"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, outside, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		t.Skipf("open_tree: %v", err)
	}
	clone := os.NewFile(uintptr(fd), "clone")
	defer clone.Close()
	const ms_RDONLY = 1
	for _, c := range []struct {
		name   string
		b      BindSpec
		report string
		check  func(t *testing.T, root string)
	}{
		{"directory", BindSpec{Source: "/src", Target: "/dst"}, "ok", func(t *testing.T, root string) {
			if data, err := os.ReadFile(filepath.Join(root, "dst/in-dir")); err != nil || string(data) != "src/in-dir" {
				t.Errorf("dst/in-dir: %q, %v", data, err)
			}
		}},
		{"file onto a dangling symlink", BindSpec{Source: "/srcfile", Target: "/dangling"}, "ok", func(t *testing.T, root string) {
			if data, err := os.ReadFile(filepath.Join(root, "made/by/link")); err != nil || string(data) != "srcfile" {
				t.Errorf("made/by/link: %q, %v", data, err)
			}
		}},
		{"read-only", BindSpec{Source: "/src", Target: "/ro", Remount: true, Flags: ms_RDONLY}, "ok", func(t *testing.T, root string) {
			if err := os.WriteFile(filepath.Join(root, "ro/new"), nil, 0o644); !errors.Is(err, unix.EROFS) {
				t.Errorf("write in the read-only bind: %v, want EROFS", err)
			}
		}},
		{"the runtime's clone", BindSpec{Source: "/nosuch", Target: "/pre", Pre: 5}, "ok", func(t *testing.T, root string) {
			if data, err := os.ReadFile(filepath.Join(root, "pre/outside")); err != nil || string(data) != "outside" {
				t.Errorf("pre/outside: %q, %v", data, err)
			}
		}},
		{"no source", BindSpec{Source: "/nosuch", Target: "/none"}, fmt.Sprintf("err 2 %d ctx: bind source: open_tree /nosuch", unix.ENOENT), nil},
		{"inside /proc", BindSpec{Source: "/src", Target: "/proc/sys"}, "err 2 0 ctx: /proc/sys cannot be mounted because it is inside /proc", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The jail is the program's root and the child's "/",
			// with a procfs the check reads fds' places from.
			p := NewSetupProgram("/")
			p.Mount("proc", "/proc", unix.MOUNT_ATTR_NOSUID)
			p.ProcCheck("ctx", false)
			p.BindPath(c.b)
			runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
				if report != c.report {
					t.Errorf("report %q, want %q", report, c.report)
					return
				}
				if c.check != nil {
					c.check(t, "/proc/"+strconv.Itoa(pid)+"/root")
				}
			}, clone)
		})
	}
}

// TestSetupRemountHeld: the remount step acts on the mount the held mount
// step made, not on what its name leads to by then: with a second tmpfs
// stacked on the same directory in between (as a swapped path would lead
// elsewhere), the first turns read-only and the second stays writable.
func TestSetupRemountHeld(t *testing.T) {
	jail := t.TempDir()
	if err := os.Mkdir(filepath.Join(jail, "cg"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := NewSetupProgram("/")
	p.MountWith("tmpfs", "/cg", unix.MOUNT_ATTR_NOSUID, MountTakeMode|MountHold, MountOption{Key: "size", Value: "1m"})
	p.Mkdirs("/cg/sub", 0o755)
	p.MountWith("tmpfs", "/cg", unix.MOUNT_ATTR_NOSUID, MountTakeMode, MountOption{Key: "size", Value: "2m"})
	p.Remount("/cg", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV)
	runSetup(t, jail, mustBytes(t, p), func(pid int, report string) {
		if report != "ok" {
			t.Fatalf("report %q", report)
		}
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/mountinfo")
		if err != nil {
			t.Fatal(err)
		}
		var opts []string
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 5 && f[4] == "/cg" {
				opts = append(opts, f[5]+" "+f[len(f)-1])
			}
		}
		want := []string{"ro,nosuid,nodev,relatime rw,size=1024k,mode=755", "rw,nosuid,relatime rw,size=2048k,mode=755"}
		if strings.Join(opts, "|") != strings.Join(want, "|") {
			t.Errorf("mounts on /cg (per-mount options, super options): %q, want %q", opts, want)
		}
	})
}
