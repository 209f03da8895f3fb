package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setupProbe prints what init's setup leaves the process: identity,
// capabilities, seccomp, limits, cwd, environment, hostname, oom_score_adj,
// sysctls, the network links, the terminal, what is under /var, the mount
// table (without its ids, device numbers and peer group numbers, which
// differ from one container to the next) and the nodes under /dev and /sys/fs/cgroup;
// it writes only to the container's own /dev (the rootfs is shared).
const setupProbe = `grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp|Seccomp_filters|Cpus_allowed_list):' /proc/self/status
echo "cwd $(pwd) umask $(umask) host $(hostname) oom_score_adj $(cat /proc/self/oom_score_adj)"; id; env | sort; ulimit -a
cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmni
ip -o link | cut -d' ' -f2,3
[ -t 0 ] && { tty; stty size; stty -a | tail -n +2; }
find /var | sort | while read -r f; do stat -c '%n %A %u %g %s %t:%T' "$f"; done; cat /var/d/f /var/h 2>&1; readlink /var/l
cut -d' ' -f4- /proc/self/mountinfo | sed -E 's/(shared|master|propagate_from):[0-9]+/\1:N/g'
for f in /dev/* /dev/pts/* /sys/fs/cgroup /sys/fs/cgroup/*; do stat -c '%n %A %u %g %t:%T' "$f"; done
touch /sys/fs/cgroup/x 2>&1; mkdir /dev/d 2>&1 && rmdir /dev/d; true`

// TestSetupProgramMatchesGoInit: for configs the setup program covers
// (Go init's debug line says which init ran), the container's process
// sees the same identity, limits, environment, mounts and device nodes as
// with Go init (GORUNC_INIT=go), config by config.
func TestSetupProgramMatchesGoInit(t *testing.T) {
	uid1000 := func(s *specs.Spec) {
		s.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{5, 7}}
		s.Process.Cwd = "/tmp"
	}
	umask := uint32(0o027)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, hooked := copyUpTree(t), t.TempDir()
	cases := []struct {
		name string
		edit func(s *specs.Spec)
	}{
		{"base", func(s *specs.Spec) {}},
		{"joined-pod-namespaces", func(s *specs.Spec) {
			// A pod sandbox's namespaces, as containerd's CRI has a
			// pod's containers join them; one sandbox per run, so
			// that what one init does there cannot hide what the
			// other does not.
			pod := "/proc/" + itoa(holdNS(t, []string{"net", "ipc", "uts"}, "--net", "--ipc", "--uts")) + "/ns/"
			for i, ns := range s.Linux.Namespaces {
				switch ns.Type {
				case specs.NetworkNamespace:
					s.Linux.Namespaces[i].Path = pod + "net"
				case specs.IPCNamespace:
					s.Linux.Namespaces[i].Path = pod + "ipc"
				case specs.UTSNamespace:
					s.Linux.Namespaces[i].Path = pod + "uts"
				}
			}
			s.Linux.Sysctl = map[string]string{"net.ipv4.ping_group_range": "0 7"}
		}},
		{"gorunc-spec", func(s *specs.Spec) {
			// gorunc spec's mounts, masks and read-only root.
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
				specs.Mount{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
				specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}})
			s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "/proc/acpi", "/proc/timer_list", "/sys/firmware", "/proc/scsi")
			s.Root.Readonly = true
		}},
		{"cgroupns-rw", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev"}})
		}},
		{"seccomp-before-user", func(s *specs.Spec) {
			uid1000(s)
			s.Process.User.Umask = &umask
			s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_KILL"}, Effective: []string{"CAP_KILL"}, Permitted: []string{"CAP_KILL"}}
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno}}}
		}},
		{"nnp-seccomp-rlimits", func(s *specs.Spec) {
			uid1000(s)
			s.Process.NoNewPrivileges = true
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 256, Hard: 512}, {Type: "RLIMIT_NPROC", Soft: 100, Hard: 100}}
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno}}}
		}},
		{"oom-score-adj", func(s *specs.Spec) {
			// Docker's, containerd's CRI's and podman's configs
			// all set it; raising needs no CAP_SYS_RESOURCE.
			uid1000(s)
			adj := 500
			s.Process.OOMScoreAdj = &adj
		}},
		{"docker-sysctls", func(s *specs.Spec) {
			// Docker 20.10's, on every container with its own
			// network; an IPC one besides.
			s.Linux.Sysctl = map[string]string{
				"net.ipv4.ip_unprivileged_port_start": "0",
				"net.ipv4.ping_group_range":           "0 2147483647",
				"kernel.shmmni":                       "1024",
			}
		}},
		{"tmpfs-propagation", func(s *specs.Spec) {
			// Docker's --tmpfs options (it adds rprivate), and the
			// other propagation types.
			// On directories the rootfs has: a mount point the
			// first run made would give the second's tmpfs its mode.
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"noexec", "nosuid", "nodev", "rprivate", "size=1m"}},
				specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"shared"}},
				specs.Mount{Destination: "/var", Type: "tmpfs", Source: "tmpfs", Options: []string{"runbindable"}},
				specs.Mount{Destination: "/root", Type: "tmpfs", Source: "tmpfs", Options: []string{"shared", "slave"}})
		}},
		{"rshared-root", func(s *specs.Spec) {
			// containerd's CRI for a Bidirectional mount: / and
			// the new mounts shared (peer groups of the container's
			// own namespace); the rootfs's parent made private for
			// pivot_root.
			s.Linux.RootfsPropagation = "rshared"
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"rshared"}})
		}},
		{"shared-root", func(s *specs.Spec) { s.Linux.RootfsPropagation = "shared" }},
		{"podman-sys-and-cgroup", func(s *specs.Spec) {
			// podman's /sys and /sys/fs/cgroup are rprivate, which
			// a new mount under the rslave root is anyway: the
			// cgroup mount gets one that shows.
			for i, m := range s.Mounts {
				if m.Type == "sysfs" {
					s.Mounts[i].Options = []string{"rprivate", "nosuid", "noexec", "nodev", "ro"}
				}
			}
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"rprivate", "runbindable", "nosuid", "noexec", "nodev", "relatime", "ro"}})
		}},
		{"tmpcopyup", func(s *specs.Spec) {
			// podman's tmpfs mounts copy up what they cover: here
			// a bind of a tree made for the test.
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/var", Type: "bind", Source: tree, Options: []string{"bind"}},
				specs.Mount{Destination: "/var", Type: "tmpfs", Source: "tmpfs", Options: []string{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}})
		}},
		{"recursive-options", func(s *specs.Spec) {
			// Kubernetes' recursiveReadOnly and Docker's
			// read-only-recursive binds use rro.
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"rro", "rnoexec", "rstrictatime"}},
				specs.Mount{Destination: "/var", Type: "bind", Source: tree, Options: []string{"rbind", "rro", "rnosuid"}})
		}},
		{"runtime-hooks", func(s *specs.Spec) {
			// Run by the runtime once the mounts are made, before
			// pivot_root: what they write into a bound directory
			// is in the container's /var (the same directory for
			// both runs: its path is in the mount table).
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/var", Type: "bind", Source: hooked, Options: []string{"bind"}})
			s.Hooks = &specs.Hooks{
				Prestart:      []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo prestart > " + hooked + "/h"}}},
				CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo createRuntime >> " + hooked + "/h; chmod 640 " + hooked + "/h"}}},
			}
		}},
		{"terminal", func(s *specs.Spec) {
			// A foreground run's pty, which the runtime proxies
			// (ONLCR cleared), owned by the process's user.
			uid1000(s)
			s.Process.Terminal = true
			s.Process.ConsoleSize = &specs.Box{Height: 33, Width: 101}
		}},
		{"binds-and-tmpfs", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/mnt/ro", Type: "bind", Source: dir, Options: []string{"rbind", "ro", "nosuid"}},
				specs.Mount{Destination: "/mnt/file", Type: "bind", Source: filepath.Join(dir, "f"), Options: []string{"bind"}},
				specs.Mount{Destination: "/mnt/t", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=1700", "size=1m", "nodev"}})
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/zero2", Type: "c", Major: 1, Minor: 5}}
		}},
	}
	ids := regexp.MustCompile(`gorunc-it-\d+-\d+`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog, goInit := underBothInits(t, []string{"sh", "-c", setupProbe}, c.edit, func(e *env, goInit bool) string {
				return ids.ReplaceAllString(runDebugged(t, e, goInit, "init runs a setup program"), "CG")
			})
			if prog != goInit {
				t.Errorf("the setup program's process differs from Go init's:\n%s", lineDiff(goInit, prog))
			}
		})
	}
}

// TestSetupProgramFailsAsGoInit: where init's setup fails, the setup
// program's failure is Go init's: the same exit code and the same words on
// stderr (runc's, which clients match). Where this host lets a step work
// (oom_score_adj lowered with CAP_SYS_RESOURCE), both must.
func TestSetupProgramFailsAsGoInit(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *specs.Spec)
	}{
		{"oom-score-adj-lowered", func(s *specs.Spec) {
			// Lowering needs CAP_SYS_RESOURCE, which this host's
			// root lacks: EACCES, "permission denied".
			adj := -1000
			s.Process.OOMScoreAdj = &adj
		}},
		{"sysctl-missing", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.ipv4.nosuch": "1"} }},
		{"sysctl-refused-value", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_unprivileged_port_start": "notanumber", "net.ipv4.ping_group_range": "0 1"}
		}},
		{"terminal-without-devpts", func(s *specs.Spec) {
			s.Process.Terminal = true
			mounts := s.Mounts[:0]
			for _, m := range s.Mounts {
				if m.Type != "devpts" {
					mounts = append(mounts, m)
				}
			}
			s.Mounts = mounts
		}},
		{"failing-createRuntime-hook", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo refused >&2; exit 3"}}}}
		}},
		{"rlimit-above-hard", func(s *specs.Spec) {
			// Raising a hard limit needs CAP_SYS_RESOURCE, which
			// this host's root lacks: Go init's words, not the
			// program's "setrlimit 7".
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1 << 30, Hard: 1 << 30}}
		}},
		{"no-such-program", func(s *specs.Spec) { s.Process.Args = []string{"nosuchprogram"} }},
		{"cwd-is-a-file", func(s *specs.Spec) { s.Process.Cwd = "/bin/busybox" }},
		{"apparmor-profile", func(s *specs.Spec) {
			// Docker's on a host with AppArmor; where the kernel
			// has none (this host), writing attr/exec fails: runc
			// 1.5.1 says the same words.
			s.Process.ApparmorProfile = "docker-default"
		}},
	}
	ids := regexp.MustCompile(`gorunc-it-\d+-\d+`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog, goInit := underBothInits(t, []string{"true"}, c.edit, func(e *env, goInit bool) string {
				log := filepath.Join(t.TempDir(), "log")
				r := e.run("--debug", "--log", log, "run", "--bundle", e.bundle, "f")
				// Each failure is the program's own, not Go
				// init's after a refusal.
				data, _ := os.ReadFile(log)
				if want := "init runs a setup program"; !goInit && !strings.Contains(string(data), want) {
					t.Errorf("debug log has no %q:\n%s", want, data)
				}
				return fmt.Sprintf("exit %d: %s", r.code, ids.ReplaceAllString(r.stderr, "CG"))
			})
			if prog != goInit {
				t.Errorf("the setup program's outcome differs from Go init's:\nprogram: %s\nGo init: %s", prog, goInit)
			}
		})
	}
}

// underBothInits runs a container of args with edit applied to its spec
// under each init, the setup program's (the default) and Go init
// (GORUNC_INIT=go), and returns what outcome says of each.
func underBothInits(t *testing.T, args []string, edit func(*specs.Spec), outcome func(e *env, goInit bool) string) (prog, goInit string) {
	t.Helper()
	var out [2]string
	for i, bin := range []string{"", goInitWrapper(t)} {
		e := newEnv(t, args...)
		if bin != "" {
			e.bin = bin
		}
		edit(e.spec)
		e.writeSpec()
		out[i] = outcome(e, bin != "")
	}
	return out[0], out[1]
}

// TestRuntimeAsUserNamespaceRoot: rootless podman calls the runtime as
// uid 0 of its own user namespace, with no user namespace in the config.
// The setup program's mknod of /dev/null failed there ("mknod /dev/null:
// operation not permitted", every rootless podman container of the VM
// tier); Go init binds the host's node instead, so such a runtime keeps Go
// init. Fails on e95bffb with that error, checked.
func TestRuntimeAsUserNamespaceRoot(t *testing.T) {
	e := newEnv(t, "sh", "-c", "ls -l /dev/null")
	e.spec.Linux.CgroupsPath, e.spec.Linux.Resources = "", nil
	// sysfs needs the network namespace's owner, which unshare -r is
	// not for this one.
	var mounts []specs.Mount
	for _, m := range e.spec.Mounts {
		if m.Type != "sysfs" {
			mounts = append(mounts, m)
		}
	}
	e.spec.Mounts = mounts
	e.spec.Linux.Namespaces = withoutNamespace(e.spec.Linux.Namespaces, specs.NetworkNamespace)
	e.writeSpec()
	log := filepath.Join(t.TempDir(), "log")
	cmd := exec.Command("unshare", "-U", "-r", "-m", "--propagation", "private",
		e.bin, "--root", t.TempDir(), "--debug", "--log", log, "run", "--bundle", e.bundle, "uns")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1,   3") {
		t.Fatalf("run as uid 0 of a user namespace: %v: %s", err, out)
	}
	if data, _ := os.ReadFile(log); !strings.Contains(string(data), "Go init (rootless)") {
		t.Errorf("debug log has no \"Go init (rootless)\":\n%s", data)
	}
}

// copyUpTree is a directory for a tmpcopyup test: a subdirectory with a
// setgid file owned by 1000:1001, a symlink and a fifo, each with its
// own mode.
func copyUpTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o751); err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return os.Mkdir(filepath.Join(dir, "d"), 0o710) },
		func() error { return os.WriteFile(filepath.Join(dir, "d", "f"), []byte("copied\n"), 0o640) },
		func() error { return os.Chown(filepath.Join(dir, "d", "f"), 1000, 1001) },
		func() error { return syscall.Chmod(filepath.Join(dir, "d", "f"), 0o2640) },
		func() error { return os.Symlink("d/f", filepath.Join(dir, "l")) },
		func() error { return syscall.Mkfifo(filepath.Join(dir, "p"), 0o600) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goInitWrapper is a script that runs $GORUNC with GORUNC_INIT=go.
func goInitWrapper(t *testing.T) string {
	bin := os.Getenv("GORUNC")
	if bin == "" {
		t.Skip("GORUNC must name the binary (run `make integration`)")
	}
	w := filepath.Join(t.TempDir(), "gorunc-goinit")
	if err := os.WriteFile(w, []byte("#!/bin/sh\nGORUNC_INIT=go exec "+bin+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestCreatedInitHoldsNoLogPipe: with --debug, init (the setup program's
// or Go's) closes its end of the log pipe before it waits on the exec
// fifo: create's relay ends at that EOF, and an init that kept it would
// make every create wait for the relay's bound (2 s).
func TestCreatedInitHoldsNoLogPipe(t *testing.T) {
	for _, bin := range []string{"", goInitWrapper(t)} {
		e := newEnv(t, "true")
		if bin != "" {
			e.bin = bin
		}
		e.writeSpec()
		log := filepath.Join(t.TempDir(), "log")
		if r := e.run("--debug", "--log", log, "create", "--bundle", e.bundle, "c"); r.code != 0 {
			t.Fatalf("create (GORUNC_INIT=go: %v): exit %d: %s", bin != "", r.code, r.stderr)
		}
		dir := "/proc/" + strconv.Itoa(e.state("c").Pid) + "/fd"
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, ent := range ents {
			if n, _ := strconv.Atoi(ent.Name()); n <= 2 {
				continue
			}
			if l, _ := os.Readlink(filepath.Join(dir, ent.Name())); strings.HasPrefix(l, "pipe:") {
				t.Errorf("GORUNC_INIT=go: %v: created init holds fd %s -> %s", bin != "", ent.Name(), l)
			}
		}
		e.run("delete", "--force", "c")
	}
}

// TestSetupProgramCompiledOnce: create compiles init's program once, before
// the spawn, also where it binds init's own v1 cgroups (a cgroup mount
// without a cgroup namespace on a v1 host): for the cgroups the v1 driver
// will place init in, checked once init has joined them. The program
// compiled early must be the one init would get after the spawn: with
// namespaces init unshares itself (cgroup on a v1 host, time), a
// startContainer hook and a terminal's fds, the process sees what Go init
// gives it, its own cgroups included. Fails on 02ae1f2 (compiled after the
// spawn always) and, for the cgroup mount on a v1 host, on 961cc3e.
func TestSetupProgramCompiledOnce(t *testing.T) {
	cgroupMountWant := "compiled before the spawn, for the v1 cgroups init will join"
	if isCgroup2("/sys/fs/cgroup") {
		cgroupMountWant = "compiled before the spawn"
	}
	noCgroupMount := func(s *specs.Spec) {
		mounts := s.Mounts[:0]
		for _, m := range s.Mounts {
			if m.Type != "cgroup" && m.Type != "cgroup2" {
				mounts = append(mounts, m)
			}
		}
		s.Mounts = mounts
	}
	cases := []struct {
		name string
		edit func(s *specs.Spec)
		want string
	}{
		{"no-cgroup-mount", noCgroupMount, "compiled before the spawn"},
		{"deferred-namespaces-hook", func(s *specs.Spec) {
			noCgroupMount(s)
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace}, specs.LinuxNamespace{Type: specs.TimeNamespace})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 86400}}
			s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}}}
		}, "compiled before the spawn"},
		{"cgroup-mount", func(s *specs.Spec) {
			// runc spec's: sysfs, then cgroup on it, no cgroup namespace.
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
				specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}})
		}, cgroupMountWant},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			probe := []string{"sh", "-c", setupProbe + "; cat /proc/self/cgroup; head -1 /proc/uptime | cut -d. -f1 | awk '{print ($1 > 80000)}'"}
			prog, goInit := underBothInits(t, probe, c.edit, func(e *env, goInit bool) string {
				return regexp.MustCompile(`gorunc-it-\d+-\d+`).ReplaceAllString(runDebugged(t, e, goInit, c.want), "CG")
			})
			if prog != goInit {
				t.Errorf("the setup program's process differs from Go init's:\n%s", lineDiff(goInit, prog))
			}
		})
	}
}

// runDebugged runs e's bundle in the foreground with --debug and returns
// its stdout; the run must exit 0 and its debug log say want (Go init's
// line under GORUNC_INIT=go).
func runDebugged(t *testing.T, e *env, goInit bool, want string) string {
	t.Helper()
	log := filepath.Join(t.TempDir(), "log")
	r := e.run("--debug", "--log", log, "run", "--bundle", e.bundle, "p")
	if r.code != 0 {
		t.Fatalf("run (GORUNC_INIT=go: %v): exit %d: %s", goInit, r.code, r.stderr)
	}
	if goInit {
		want = "Go init (GORUNC_INIT=go)"
	}
	if data, _ := os.ReadFile(log); !strings.Contains(string(data), want) {
		t.Fatalf("debug log has no %q:\n%s", want, data)
	}
	return r.stdout
}
