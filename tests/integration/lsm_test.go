package integration

import (
	"os"
	"strings"
	"testing"
)

// TestLSMLabelsNotIgnored: an AppArmor profile or an SELinux label in the
// config promises a confined process. gorunc used to accept them and run
// the process unconfined; as runc 1.5.1 it now applies the AppArmor
// profile (the kernel refuses it where AppArmor is off, and so the
// container fails) and refuses SELinux labels it cannot apply. runc 1.5.1
// on this host (no AppArmor, no SELinux) prints, for the same bundles:
// "unable to apply apparmor profile: apparmor failed to apply profile:
// write fsmount:fscontext:proc/thread-self/attr/exec: invalid argument"
// and "selinux label is specified in config, but selinux is disabled or
// not supported".
func TestLSMLabelsNotIgnored(t *testing.T) {
	if data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil && strings.HasPrefix(string(data), "Y") {
		t.Skip("AppArmor is enabled here: the refusal this test checks needs a host without it")
	}
	if _, err := os.Stat("/sys/fs/selinux/enforce"); err == nil {
		t.Skip("SELinux is enabled here: the refusal this test checks needs a host without it")
	}
	const (
		apparmor = "unable to apply apparmor profile"
		selinux  = "selinux label is specified in config, but selinux is disabled or not supported"
	)
	t.Run("config", func(t *testing.T) {
		for _, c := range []struct {
			name string
			edit func(e *env)
			want string
		}{
			{"process.apparmorProfile", func(e *env) { e.spec.Process.ApparmorProfile = "docker-default" }, apparmor},
			{"process.selinuxLabel", func(e *env) { e.spec.Process.SelinuxLabel = "system_u:system_r:container_t:s0" }, selinux},
			{"linux.mountLabel", func(e *env) { e.spec.Linux.MountLabel = "system_u:object_r:container_file_t:s0" }, selinux},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, "true")
				c.edit(e)
				e.writeSpec()
				for _, cmd := range [][]string{{"run", "--bundle", e.bundle, "lsm"}, {"create", "--bundle", e.bundle, "lsm"}} {
					r := e.run(cmd...)
					assertOneLineError(t, r, c.want)
					if _, err := os.Stat(e.root + "/lsm"); err == nil {
						t.Errorf("%s: state of lsm left behind", cmd[0])
					}
				}
			})
		}
	})
	t.Run("exec", func(t *testing.T) {
		e := newEnv(t, "sleep", "100")
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "lsmx")
		for _, c := range []struct {
			flag, value, want string
		}{
			{"--apparmor", "docker-default", apparmor},
			{"--process-label", "system_u:system_r:container_t:s0", selinux},
		} {
			r := e.run("exec", c.flag, c.value, "lsmx", "echo", "unconfined")
			assertExecError(t, r, c.want)
			if strings.Contains(r.stdout, "unconfined") {
				t.Errorf("exec %s ran the process: %q", c.flag, r.stdout)
			}
		}
		// Without a label the container still runs exec'd processes.
		if out := e.must("exec", "lsmx", "echo", "ok"); out != "ok\n" {
			t.Errorf("plain exec: %q", out)
		}
	})
}
