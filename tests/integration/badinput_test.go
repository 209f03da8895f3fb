package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Each bad input: exit 1, exactly one line "gorunc: ..." naming the field
// and the reason, and nothing created (the env cleanup asserts an empty
// state root; noCgroup asserts no cgroup directory for the id).
func TestBadConfig(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	cases := []struct {
		name   string
		mutate func(s *specs.Spec)
		raw    string // config.json text instead of the spec
		want   string
	}{
		{name: "malformed json", raw: "{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": {\"path\": }\n}", want: "line 3, column"},
		{name: "wrong json type", raw: `{"ociVersion": "1.0.0", "process": {"args": "sh"}}`, want: "process.args"},
		{name: "unknown major version", mutate: func(s *specs.Spec) { s.Version = "2.0.0" }, want: `ociVersion "2.0.0" is not supported`},
		{name: "missing root.path", mutate: func(s *specs.Spec) { s.Root = nil }, want: "root.path is required"},
		{name: "rootfs not a directory", mutate: func(s *specs.Spec) { s.Root.Path = "/etc/hostname" }, want: "not a directory"},
		{name: "rootfs missing", mutate: func(s *specs.Spec) { s.Root.Path = "/nonexistent-rootfs" }, want: "root.path /nonexistent-rootfs"},
		// A relative destination is accepted with a warning, as by runc
		// (TestRelativeMountDestinationAsRunc); an empty one is not.
		{name: "empty mount destination", mutate: func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "", Type: "tmpfs", Source: "tmpfs"})
		}, want: "not absolute"},
		{name: "duplicate namespace", mutate: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.PIDNamespace})
		}, want: `namespace type "pid" listed twice`},
		{name: "unknown namespace", mutate: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "foo"})
		}, want: `unknown namespace type "foo"`},
		{name: "cpu shares 1", mutate: func(s *specs.Spec) {
			s.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1)}}
		}, want: "cpu.shares"},
		{name: "cpu period 0", mutate: func(s *specs.Spec) {
			s.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(0)}}
		}, want: "cpu.period"},
		{name: "memory limit 0", mutate: func(s *specs.Spec) {
			s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(0)}}
		}, want: "memory.limit"},
		{name: "unified file outside the cgroup", mutate: func(s *specs.Spec) {
			s.Linux.Resources = &specs.LinuxResources{Unified: map[string]string{"../memory.max": "1"}}
		}, want: "linux.resources.unified"},
		{name: "cgroupsPath with ..", mutate: func(s *specs.Spec) { s.Linux.CgroupsPath = "a/../../b" }, want: "linux.cgroupsPath"},
		{name: "hook with relative path", mutate: func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: "bin/true"}}}
		}, want: "hooks.poststop[0].path"},
		{name: "unknown rlimit", mutate: func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_FOO", Soft: 1, Hard: 1}}
		}, want: `unknown type "RLIMIT_FOO"`},
		{name: "relative cwd", mutate: func(s *specs.Spec) { s.Process.Cwd = "tmp" }, want: "process.cwd"},
		{name: "uid mappings without user namespace", mutate: func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
		}, want: "no new user namespace"},
		{name: "overlapping uid mappings", mutate: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 10}, {ContainerID: 5, HostID: 200000, Size: 10}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 10}}
		}, want: "overlap"},
		{name: "unmapped root", mutate: func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 1, HostID: 100000, Size: 10}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 10}}
		}, want: "root (id 0) is not mapped"},
		{name: "host sysctl", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "10"} }, want: `sysctl "vm.swappiness" is not in a separate kernel namespace`},
		{name: "missing executable", mutate: func(s *specs.Spec) { s.Process.Args = []string{"no-such-binary"} }, want: "executable file not found"},
		// Failures only the kernel can find, after the cgroup, namespaces
		// and mounts exist: everything made so far must be undone.
		{name: "cpuset beyond the host (kernel refuses)", mutate: func(s *specs.Spec) {
			s.Linux.Resources = &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "99"}}
		}, want: "cpuset.cpus"},
		{name: "unknown namespaced sysctl (fails in init)", mutate: func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.no.such.key": "1"} }, want: "net.no.such.key"},
		{name: "mount of an unknown filesystem type (fails in init)", mutate: func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Type: "nosuchfs", Source: "none"})
		}, want: "/mnt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "true")
			if c.mutate != nil {
				c.mutate(e.spec)
			}
			e.writeSpec()
			if c.raw != "" {
				os.WriteFile(filepath.Join(e.bundle, "config.json"), []byte(c.raw), 0o644)
			}
			for _, cmd := range []string{"create", "run"} {
				r := e.run(cmd, "--bundle", e.bundle, "bad")
				assertOneLineError(t, r, c.want)
				noCgroup(t, strings.Split(e.spec.Linux.CgroupsPath, "/")[0])
			}
		})
	}
}

func TestBadCLI(t *testing.T) {
	long := strings.Repeat("a", 1024)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"id with ..", []string{"create", "../x"}, "invalid container id"},
		{"id with slash", []string{"create", "a/b"}, "invalid container id"},
		{"empty id", []string{"create", ""}, "container id is empty"},
		{"id 1 KiB long", []string{"create", long}, "longer than"},
		{"kill of missing, before its signal", []string{"kill", "nope", "SIGFOO"}, "container does not exist"},
		{"preserve fds beyond open", []string{"create", "--preserve-fds", "50", "pf"}, "is not open"},
		{"state of missing", []string{"state", "missing"}, "does not exist"},
		{"unknown flag", []string{"create", "--frob", "x"}, "unknown flag --frob"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.writeSpec()
			args := c.args
			if args[0] == "create" {
				args = append([]string{"create", "--bundle", e.bundle}, args[1:]...)
			}
			assertOneLineError(t, e.run(args...), c.want)
		})
	}
}

func assertOneLineError(t *testing.T, r result, want string) {
	t.Helper()
	assertErrorLine(t, r, 1, "gorunc: ", want)
}

// assertErrorLine: exit code, and stderr one line starting with prefix
// and naming want.
func assertErrorLine(t *testing.T, r result, code int, prefix, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], prefix) {
		t.Errorf("stderr is not one '%s' line: %q", prefix, r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not mention %q", r.stderr, want)
	}
}

// noCgroup asserts that no cgroup directory named name exists under this
// process's own cgroup in any v1 hierarchy (where a relative cgroupsPath
// puts it).
func noCgroup(t *testing.T, name string) {
	t.Helper()
	for _, h := range v1Hierarchies(t) {
		if dir := filepath.Join(h.own, name); exists(dir) {
			t.Errorf("cgroup %s left behind", dir)
		}
	}
}

// exists says whether path names anything.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
