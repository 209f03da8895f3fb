package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestNetDevicesRefusedAsRunc: linux.netDevices that cannot be moved fail
// create with runc 1.5's words, exit 1, and leave nothing behind: a device
// that does not exist (found only once init exists, so init and its cgroup
// are undone), a config without a network namespace, and names the kernel
// would refuse. No device is needed. Before this change gorunc ignored
// netDevices and ran all of these.
func TestNetDevicesRefusedAsRunc(t *testing.T) {
	noNet := func(s *specs.Spec) {
		var keep []specs.LinuxNamespace
		for _, ns := range s.Linux.Namespaces {
			if ns.Type != specs.NetworkNamespace {
				keep = append(keep, ns)
			}
		}
		s.Linux.Namespaces = keep
	}
	cases := []struct {
		name string
		devs map[string]specs.LinuxNetDevice
		edit func(*specs.Spec)
		want []string
	}{
		{name: "missing device", devs: map[string]specs.LinuxNetDevice{"nosuchdev0": {Name: "ctr0"}},
			want: []string{"unable to start container process: error creating network interfaces: move netDevice nosuchdev0 to namespace /proc/", "/ns/net: link not found for interface nosuchdev0 on runtime namespace: Link not found"}},
		{name: "no network namespace", devs: map[string]specs.LinuxNetDevice{"lo": {}}, edit: noNet,
			want: []string{"unable to move network devices without a NET namespace"}},
		{name: "slash in host name", devs: map[string]specs.LinuxNetDevice{"a/b": {}},
			want: []string{`invalid network device name "a/b"`}},
		{name: "colon in new name", devs: map[string]specs.LinuxNetDevice{"lo": {Name: "x:y"}},
			want: []string{`invalid network device name "x:y"`}},
		{name: "dot", devs: map[string]specs.LinuxNetDevice{"..": {}},
			want: []string{`invalid network device name ".."`}},
		{name: "too long", devs: map[string]specs.LinuxNetDevice{"lo": {Name: "abcdefghijklmnopq"}},
			want: []string{`invalid network device name "abcdefghijklmnopq"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asRunc(t, []string{"true"}, func(t *testing.T, e *env) {
				e.spec.Linux.NetDevices = c.devs
				if c.edit != nil {
					c.edit(e.spec)
				}
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "nd")
				if e.bin == os.Getenv("GORUNC") {
					assertOneLineError(t, r, c.want[0])
				} else if r.code != 1 {
					t.Errorf("exit %d, want 1: %s", r.code, r.stderr)
				}
				for _, w := range c.want {
					if msg := runcMessage(r.stderr); !strings.Contains(msg, w) {
						t.Errorf("error %q lacks %q", msg, w)
					}
				}
				if left, _ := os.ReadDir(e.root); len(left) > 0 {
					t.Errorf("state left in %s: %v", e.root, left)
				}
			})
		})
	}
}

// TestNetDevicesMoveAsRunc moves a veth end, renamed and with an IPv4 and
// an IPv6 address, into the container, in a network namespace of the
// test's own (unshare -n) so the host's devices are never touched. The
// container's view (`ip link`, `ip addr` through busybox) must be runc
// 1.5's: lo up (runc brings up the loopback of a new network namespace),
// the device under its new name, up, with both addresses; the runtime's
// namespace no longer has it. After the container is gone the kernel
// destroys the virtual device with the namespace, peer included, for both
// runtimes. Before this change gorunc left the device where it was and lo
// down.
func TestNetDevicesMoveAsRunc(t *testing.T) {
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s on the host", tool)
		}
	}
	if out, err := exec.Command("unshare", "-n", "ip", "link", "add", "probe0", "type", "veth", "peer", "name", "probe1").CombinedOutput(); err != nil {
		t.Skipf("the host kernel cannot make a veth pair (needs it as the device to move): %v: %s", err, out)
	}
	views := map[string]string{}
	asRunc(t, []string{"sleep", "100"}, func(t *testing.T, e *env) {
		e.spec.Linux.NetDevices = map[string]specs.LinuxNetDevice{"vt0": {Name: "ctr0"}}
		e.writeSpec()
		// The container's view through exec; the runtime namespace's
		// while it runs and after delete, once the kernel has cleaned
		// up the dead namespace (asynchronously: polled up to 5 s).
		script := `set -e
ip link add vt0 type veth peer name vt1
ip addr add 10.9.9.1/24 dev vt0
ip addr add fd00:9::1/64 dev vt0 nodad
"$0" --root "$1" run -d --bundle "$2" nd </dev/null >/dev/null 2>&1
"$0" --root "$1" exec nd sh -c 'ip -o link; ip -o addr'
echo "--- while"
ip -o link
"$0" --root "$1" delete -f nd
echo "--- after"
i=0; while ip link show vt1 >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
ip -o link`
		out, err := exec.Command("unshare", "-n", "sh", "-c", script, e.bin, e.root, e.bundle).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		inside, rest, _ := strings.Cut(string(out), "--- while")
		while, after, _ := strings.Cut(rest, "--- after")
		view := normalizeIPOutput(inside)
		for _, want := range []string{
			"lo: <LOOPBACK,UP,LOWER_UP>",
			"ctr0@ifN: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>",
			"ctr0 inet 10.9.9.1/24 brd 10.9.9.255 scope global ctr0",
			"ctr0 inet6 fd00:9::1/64 scope global",
		} {
			if !strings.Contains(view, want) {
				t.Errorf("container view lacks %q:\n%s", want, view)
			}
		}
		if strings.Contains(view, "vt0") {
			t.Errorf("the device kept its host name in the container:\n%s", view)
		}
		if strings.Contains(while, "vt0") || !strings.Contains(while, "vt1") {
			t.Errorf("while the container runs the runtime's namespace should have vt1 only:\n%s", while)
		}
		if strings.Contains(after, "vt1") || strings.Contains(after, "ctr0") {
			t.Errorf("the veth pair outlived the container's namespace:\n%s", after)
		}
		views[e.bin] = view
	})
	if g, r := views[os.Getenv("GORUNC")], views[os.Getenv("RUNC_REF")]; g != "" && r != "" && g != r {
		t.Errorf("container views differ\ngorunc:\n%s\nrunc 1.5:\n%s", g, r)
	}
}

// TestLoopbackUpAsRunc: in a network namespace it creates, runc 1.5 sets
// lo up (specconv's "loopback" network), so 127.0.0.1 works in a container
// without any network setup; one it joins is left alone. Before this
// change gorunc left lo down.
func TestLoopbackUpAsRunc(t *testing.T) {
	asRunc(t, []string{"ip", "-o", "link", "show", "lo"}, func(t *testing.T, e *env) {
		e.writeSpec()
		out := e.must("run", "--bundle", e.bundle, "lo")
		if !strings.Contains(out, "<LOOPBACK,UP,LOWER_UP>") {
			t.Errorf("lo in a new network namespace: %q, want it up", out)
		}
	})
}

var (
	macRE     = regexp.MustCompile(`([0-9a-f]{2}:){5}[0-9a-f]{2}`)
	ifIndexRE = regexp.MustCompile(`(?m)^\d+: `)
	peerRE    = regexp.MustCompile(`@if\d+`)
	spaceRE   = regexp.MustCompile(`[ \t\\]+`)
)

// normalizeIPOutput drops what differs between two runs of the same
// config: interface indexes, MAC addresses, busybox's line continuations.
func normalizeIPOutput(s string) string {
	s = macRE.ReplaceAllString(s, "MAC")
	s = ifIndexRE.ReplaceAllString(s, "")
	s = peerRE.ReplaceAllString(s, "@ifN")
	return spaceRE.ReplaceAllString(s, " ")
}

// TestNetDevicesFeatureAsRunc: `features` reports linux.netDevices as
// runc 1.5 does. Before this change gorunc left the field out.
func TestNetDevicesFeatureAsRunc(t *testing.T) {
	asRunc(t, nil, func(t *testing.T, e *env) {
		var f struct {
			Linux struct {
				NetDevices *struct {
					Enabled *bool `json:"enabled"`
				} `json:"netDevices"`
			} `json:"linux"`
		}
		if err := json.Unmarshal([]byte(e.must("features")), &f); err != nil {
			t.Fatal(err)
		}
		if nd := f.Linux.NetDevices; nd == nil || nd.Enabled == nil || !*nd.Enabled {
			t.Errorf("features: linux.netDevices %+v, want enabled true", nd)
		}
	})
}
