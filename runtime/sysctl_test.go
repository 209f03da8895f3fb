package runtime

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestValidateSysctl: the rule and the wording of runc 1.5's validator
// (compared with runc 1.5.1), plus joined host ipc/uts
// namespaces, which runc lets through and gorunc refuses.
func TestValidateSysctl(t *testing.T) {
	ns := func(typ specs.LinuxNamespaceType, path string) specs.LinuxNamespace {
		return specs.LinuxNamespace{Type: typ, Path: path}
	}
	cases := []struct {
		name string
		nss  []specs.LinuxNamespace
		key  string
		want string // "" = accepted
	}{
		{"net, new netns", []specs.LinuxNamespace{ns(specs.NetworkNamespace, "")}, "net.ipv4.ip_forward", ""},
		{"net, no netns", nil, "net.ipv4.ip_forward", `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
		{"net, joined own netns", []specs.LinuxNamespace{ns(specs.NetworkNamespace, "/proc/self/ns/net")}, "net.ipv4.ip_forward", `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
		{"net with slashes, joined own netns", []specs.LinuxNamespace{ns(specs.NetworkNamespace, "/proc/self/ns/net")}, "net/ipv4/ip_forward", `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
		{"net, netns path missing", []specs.LinuxNamespace{ns(specs.NetworkNamespace, "/nonexistent")}, "net.ipv4.ip_forward", "invalid netns path: stat /nonexistent: no such file or directory"},
		{"ipc, new ipcns", []specs.LinuxNamespace{ns(specs.IPCNamespace, "")}, "kernel.shmmni", ""},
		{"mqueue, new ipcns", []specs.LinuxNamespace{ns(specs.IPCNamespace, "")}, "fs.mqueue.msg_max", ""},
		{"ipc, no ipcns", nil, "kernel.shmmni", `sysctl "kernel.shmmni" is not allowed in the hosts ipc namespace`},
		{"ipc, joined own ipcns", []specs.LinuxNamespace{ns(specs.IPCNamespace, "/proc/self/ns/ipc")}, "kernel.sem", `sysctl "kernel.sem" is not allowed in the hosts ipc namespace`},
		{"ipc, ipcns path missing", []specs.LinuxNamespace{ns(specs.IPCNamespace, "/nonexistent")}, "kernel.sem", "invalid ipcns path: stat /nonexistent: no such file or directory"},
		{"domainname, new utsns", []specs.LinuxNamespace{ns(specs.UTSNamespace, "")}, "kernel.domainname", ""},
		{"domainname, no utsns", nil, "kernel.domainname", `sysctl "kernel.domainname" is not in a separate kernel namespace`},
		{"domainname, joined own utsns", []specs.LinuxNamespace{ns(specs.UTSNamespace, "/proc/self/ns/uts")}, "kernel.domainname", `sysctl "kernel.domainname" is not in a separate kernel namespace`},
		{"hostname, new utsns", []specs.LinuxNamespace{ns(specs.UTSNamespace, "")}, "kernel.hostname", `sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field`},
		{"hostname, no utsns", nil, "kernel.hostname", `sysctl "kernel.hostname" is not in a separate kernel namespace`},
		{"not namespaced, even with a user namespace", []specs.LinuxNamespace{ns(specs.UserNamespace, "")}, "vm.swappiness", `sysctl "vm.swappiness" is not in a separate kernel namespace`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := validateSysctl(&specs.Linux{Namespaces: c.nss, Sysctl: map[string]string{c.key: "1"}})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestSysctlDots(t *testing.T) {
	for in, want := range map[string]string{
		"net.ipv4.ip_forward":              "net.ipv4.ip_forward",
		"net/ipv4/ip_forward":              "net.ipv4.ip_forward",
		"net/ipv4/conf/eno2.100/rp_filter": "net.ipv4.conf.eno2/100.rp_filter",
		"net.ipv4.conf.eno2/100.rp_filter": "net.ipv4.conf.eno2/100.rp_filter",
		"kernel":                           "kernel",
	} {
		if got := sysctlDots(in); got != want {
			t.Errorf("sysctlDots(%q) = %q, want %q", in, got, want)
		}
	}
}
