package integration

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSeccomp(t *testing.T) {
	eacces := uint(13)
	cases := []struct {
		name     string
		nnp      bool
		syscalls []specs.LinuxSyscall
		script   string
		wantOut  string
		wantCode int
	}{
		{
			name: "errno rule, no_new_privs", nnp: true,
			syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eacces}},
			script:   "mkdir /tmp/x 2>&1; echo rc=$?", wantOut: "Permission denied",
		},
		{
			name: "errno rule, without no_new_privs", nnp: false,
			syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eacces}},
			script:   "mkdir /tmp/x 2>&1; echo rc=$?", wantOut: "Permission denied",
		},
		{
			name: "kill rule", nnp: true,
			syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActKillProcess}},
			script:   "mkdir /tmp/x", wantCode: 128 + 31,
		},
		{
			name: "args filter matches only the given value", nnp: true,
			// kill(2) with signal 0 passes, with SIGUSR1 (10) is refused.
			syscalls: []specs.LinuxSyscall{{Names: []string{"kill"}, Action: specs.ActErrno, ErrnoRet: &eacces,
				Args: []specs.LinuxSeccompArg{{Index: 1, Value: 10, Op: specs.OpEqualTo}}}},
			script: "trap '' USR1; kill -0 $$ && echo sig0-ok; kill -USR1 $$ 2>&1", wantOut: "sig0-ok", wantCode: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", c.script)
			e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
			e.spec.Process.NoNewPrivileges = c.nnp
			e.spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: c.syscalls}
			e.writeSpec()
			r := e.run("run", "--bundle", e.bundle, "sc")
			if r.code != c.wantCode {
				t.Fatalf("exit %d, want %d (stdout %q stderr %q)", r.code, c.wantCode, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, c.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", r.stdout, c.wantOut)
			}
			if c.name == "args filter matches only the given value" && !strings.Contains(r.stdout, "Permission denied") {
				t.Errorf("kill -USR1 was not refused: %q", r.stdout)
			}
		})
	}
}

func TestSeccompBadProfile(t *testing.T) {
	e := newEnv(t, "true")
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"}
	e.writeSpec()
	assertOneLineError(t, e.run("run", "--bundle", e.bundle, "bad"), "SCMP_ACT_FOO")
}

// TestSeccompDockerDefault: Docker's default profile (as Docker hands it to
// a runtime for a default container, seccomp/testdata) loads, a busybox
// shell works under it, and what it leaves out (unshare without
// CAP_SYS_ADMIN) is refused.
func TestSeccompDockerDefault(t *testing.T) {
	data, err := os.ReadFile("../../seccomp/testdata/docker-default-amd64.oci.json")
	if err != nil {
		t.Fatal(err)
	}
	var profile specs.LinuxSeccomp
	if err := json.Unmarshal(data, &profile); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "sh", "-c", "grep Seccomp: /proc/self/status; echo hi | cat; ls / >/dev/null && echo ls-ok; "+
		"ps >/dev/null && echo ps-ok; mkdir /tmp/d && echo mkdir-ok; unshare -u true 2>&1 || echo unshare-refused")
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"})
	e.spec.Process.NoNewPrivileges = true
	e.spec.Linux.Seccomp = &profile
	e.writeSpec()
	r := e.run("run", "--bundle", e.bundle, "docker")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Seccomp:\t2", "hi", "ls-ok", "ps-ok", "mkdir-ok", "unshare-refused"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output %q lacks %q", r.stdout, want)
		}
	}
}
