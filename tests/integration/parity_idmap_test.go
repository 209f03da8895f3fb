package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Idmapped mounts (mounts[].uidMappings/gidMappings, "idmap", "ridmap"),
// ported from runc 1.5.1's tests/integration/idmap.bats: the same config
// runs on gorunc and on runc 1.5.1, and both must show the owners runc's
// tests expect (stat inside the container), or fail with runc's reason.

// idmapSources is the bats setup(): sources whose files have known owners,
// and mnt-subtree, which gets submounts (see idmapCase.subtree).
func idmapSources(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	owners := map[string][2]int{
		"source-1/foo.txt": {0, 0}, "source-2/foo.txt": {1, 1},
		"source-multi1/foo.txt": {100, 211}, "source-multi1/bar.txt": {101, 222}, "source-multi1/baz.txt": {102, 233},
		"source-multi2/foo.txt": {200, 211}, "source-multi2/bar.txt": {201, 222}, "source-multi2/baz.txt": {202, 233},
		"source-multi3/foo.txt": {5000528, 6000491}, "source-multi3/bar.txt": {5000133, 6000337}, "source-multi3/baz.txt": {5000999, 6000444},
		"mnt-subtree/foo.txt": {100, 211}, "mnt-subtree/bar.txt": {200, 222}, "mnt-subtree/baz.txt": {300, 233},
	}
	for _, d := range []string{"source-1", "source-2", "source-multi1", "source-multi2", "source-multi3", "mnt-subtree/multi1", "mnt-subtree/multi2"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, o := range owners {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, o[0], o[1]); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func idmaps(triples ...uint32) []specs.LinuxIDMapping {
	var m []specs.LinuxIDMapping
	for i := 0; i+2 < len(triples); i += 3 {
		m = append(m, specs.LinuxIDMapping{ContainerID: triples[i], HostID: triples[i+1], Size: triples[i+2]})
	}
	return m
}

// idmapMount is the bats setup_idmap_single_mount: source-NAME on
// /tmp/mount-DEST.
func idmapMount(dir, name, dest string, uid, gid []specs.LinuxIDMapping) specs.Mount {
	return specs.Mount{
		Source: filepath.Join(dir, "source-"+name), Destination: "/tmp/mount-" + dest,
		Options: []string{"bind"}, UIDMappings: uid, GIDMappings: gid,
	}
}

// basicMap is the bats setup_idmap_basic_mount mapping, and the
// container's in the [userns] cases.
var basicMap = idmaps(0, 100000, 65536)

// subtreeUID and subtreeGID are the mappings of the bats mnt-subtree cases.
var subtreeUID, subtreeGID = idmaps(100, 101000, 3, 200, 102000, 3, 300, 103000, 3), idmaps(210, 101100, 10, 220, 102200, 10, 230, 103300, 10)

func subtreeMount(dir string, opts ...string) specs.Mount {
	return specs.Mount{Source: filepath.Join(dir, "mnt-subtree"), Destination: "/tmp/mount-tree", Options: append([]string{"rbind"}, opts...)}
}

// subtreeFiles is what the mnt-subtree cases stat.
const subtreeFiles = "/tmp/mount-tree/foo.txt /tmp/mount-tree/bar.txt /tmp/mount-tree/baz.txt " +
	"/tmp/mount-tree/multi1/foo.txt /tmp/mount-tree/multi1/bar.txt /tmp/mount-tree/multi1/baz.txt " +
	"/tmp/mount-tree/multi2/foo.txt /tmp/mount-tree/multi2/bar.txt /tmp/mount-tree/multi2/baz.txt"

type idmapCase struct {
	name   string
	userns bool
	// subtree runs the runtime in a private mount namespace where
	// source-multi1 and source-multi2 are bound on mnt-subtree/multi1
	// and multi2 (the bats setup_host_bind_mount), so that the
	// mnt-subtree source has submounts.
	subtree bool
	// setup is more shell run in that namespace before the runtime.
	setup  func(dir string) string
	mounts func(dir string) []specs.Mount
	script string
	// want are substrings of the output; fail means the process must
	// fail.
	want []string
	fail bool
	// nofile, when set, is the container's RLIMIT_NOFILE: the mount
	// sources must not leak into it.
	nofile uint64
}

func TestIdmapMountsAsRunc(t *testing.T) {
	overflow := "=" + readTrim(t, "/proc/sys/kernel/overflowuid") + "=" + readTrim(t, "/proc/sys/kernel/overflowgid") + "="
	simple := func(dir string) []specs.Mount { return []specs.Mount{idmapMount(dir, "1", "1", basicMap, basicMap)} }
	multi := func(m1u, m1g, m2u, m2g, m3u, m3g []specs.LinuxIDMapping) func(string) []specs.Mount {
		return func(dir string) []specs.Mount {
			return []specs.Mount{idmapMount(dir, "multi1", "multi1", m1u, m1g), idmapMount(dir, "multi2", "multi2", m2u, m2g), idmapMount(dir, "multi3", "multi3", m3u, m3g)}
		}
	}
	multiFiles := "stat -c =%n:%u=%g= /tmp/mount-multi1/foo.txt /tmp/mount-multi1/bar.txt /tmp/mount-multi1/baz.txt " +
		"/tmp/mount-multi2/foo.txt /tmp/mount-multi2/bar.txt /tmp/mount-multi2/baz.txt " +
		"/tmp/mount-multi3/foo.txt /tmp/mount-multi3/bar.txt /tmp/mount-multi3/baz.txt"
	multiWant := []string{"/tmp/mount-multi1/foo.txt:1100=1911=", "/tmp/mount-multi1/bar.txt:1101=1922=", "/tmp/mount-multi1/baz.txt:1102=1933=",
		"/tmp/mount-multi2/foo.txt:2200=2911=", "/tmp/mount-multi2/bar.txt:2201=2922=", "/tmp/mount-multi2/baz.txt:2202=2933=",
		"/tmp/mount-multi3/foo.txt:3528=3491=", "/tmp/mount-multi3/bar.txt:3133=3337=", "/tmp/mount-multi3/baz.txt:3999=3444="}
	sameMounts := func(dir string) []specs.Mount {
		return []specs.Mount{idmapMount(dir, "multi1", "multi1", idmaps(100, 100000, 100), idmaps(200, 100000, 100)),
			idmapMount(dir, "multi1", "multi1-alt", idmaps(100, 101000, 100), idmaps(200, 102000, 100))}
	}
	sameFiles := "stat -c =%n:%u=%g= /tmp/mount-multi1/foo.txt /tmp/mount-multi1/bar.txt /tmp/mount-multi1/baz.txt " +
		"/tmp/mount-multi1-alt/foo.txt /tmp/mount-multi1-alt/bar.txt /tmp/mount-multi1-alt/baz.txt"
	complicated := func(uidBase, gidBase uint32) func(string) []specs.Mount {
		return func(dir string) []specs.Mount {
			m := idmapMount(dir, "multi1", "multi1", idmaps(100, uidBase+1000, 1, 101, uidBase+2000, 1, 102, uidBase+3000, 1),
				idmaps(210, gidBase+1100, 10, 220, gidBase+2200, 10, 230, gidBase+3300, 10))
			return []specs.Mount{m}
		}
	}
	complicatedWant := []string{"/tmp/mount-multi1/foo.txt:1000=1101=", "/tmp/mount-multi1/bar.txt:2000=2202=", "/tmp/mount-multi1/baz.txt:3000=3303="}
	withMaps := func(m specs.Mount) specs.Mount { m.UIDMappings, m.GIDMappings = subtreeUID, subtreeGID; return m }
	topOnly := func(top ...string) []string {
		want := append([]string{}, top...)
		for _, f := range []string{"multi1/foo", "multi1/bar", "multi1/baz", "multi2/foo", "multi2/bar", "multi2/baz"} {
			want = append(want, "/tmp/mount-tree/"+f+".txt:"+overflow[1:])
		}
		return want
	}
	subtreeUserns := []string{"/tmp/mount-tree/foo.txt:1000=1101=", "/tmp/mount-tree/bar.txt:2000=2202=", "/tmp/mount-tree/baz.txt:3000=3303="}
	subtreeHost := []string{"/tmp/mount-tree/foo.txt:101000=101101=", "/tmp/mount-tree/bar.txt:102000=102202=", "/tmp/mount-tree/baz.txt:103000=103303="}
	unmappedChildren := []string{"/tmp/mount-tree/multi1/foo.txt:100=211=", "/tmp/mount-tree/multi1/bar.txt:101=222=", "/tmp/mount-tree/multi1/baz.txt:102=233=",
		"/tmp/mount-tree/multi2/foo.txt:200=211=", "/tmp/mount-tree/multi2/bar.txt:201=222=", "/tmp/mount-tree/multi2/baz.txt:202=233="}
	implied := []string{"/tmp/mount-tree/foo.txt:100=211=", "/tmp/mount-tree/bar.txt:200=222=", "/tmp/mount-tree/baz.txt:300=233="}

	cases := []idmapCase{
		{name: "mount source fds are cleaned up", userns: true, mounts: func(dir string) []specs.Mount {
			var ms []specs.Mount
			for i := 1; i <= 10; i++ {
				ms = append(ms, idmapMount(dir, "1", fmt.Sprint("1", i), basicMap, basicMap), idmapMount(dir, "2", fmt.Sprint("2", i), basicMap, basicMap))
			}
			return ms
		}, script: "stat -c =%u=%g= /tmp/mount-11/foo.txt", want: []string{"=0=0="}, nofile: 20},
		{name: "simple userns", userns: true, mounts: simple, script: "stat -c =%u=%g= /tmp/mount-1/foo.txt", want: []string{"=0=0="}},
		{name: "simple no userns", mounts: simple, script: "stat -c =%u=%g= /tmp/mount-1/foo.txt", want: []string{"=100000=100000="}},
		{name: "write userns", userns: true, mounts: simple, script: "touch /tmp/mount-1/bar && stat -c =%u=%g= /tmp/mount-1/bar", want: []string{"=0=0="}},
		// The writer (host root) is unmapped in the mount's mapping.
		{name: "write no userns", mounts: simple, script: "touch /tmp/mount-1/bar && stat -c =%u=%g= /tmp/mount-1/bar", fail: true, want: []string{"Value too large for defined data type"}},
		{name: "propagation flag userns", userns: true, mounts: func(dir string) []specs.Mount {
			m := idmapMount(dir, "1", "1", basicMap, basicMap)
			m.Options = append(m.Options, "shared")
			return []specs.Mount{m}
		}, script: "grep ' /tmp/mount-1 ' /proc/self/mountinfo", want: []string{"idmapped shared:"}},
		{name: "relative destination userns", userns: true, mounts: func(dir string) []specs.Mount {
			m := idmapMount(dir, "1", "1", basicMap, basicMap)
			m.Destination = "tmp/mount-1"
			return []specs.Mount{m}
		}, script: "stat -c =%u=%g= /tmp/mount-1/foo.txt", want: []string{"=0=0="}},
		{name: "with bind mount userns", userns: true, mounts: func(dir string) []specs.Mount {
			return []specs.Mount{idmapMount(dir, "1", "1", basicMap, basicMap), idmapMount(dir, "1", "bind-1", nil, nil)}
		}, script: "stat -c =%n:%u=%g= /tmp/mount-1/foo.txt /tmp/mount-bind-1/foo.txt",
			want: []string{"=/tmp/mount-1/foo.txt:0=0=", "=/tmp/mount-bind-1/foo.txt:" + overflow[1:]}},
		{name: "with bind mount no userns", mounts: func(dir string) []specs.Mount {
			return []specs.Mount{idmapMount(dir, "1", "1", basicMap, basicMap), idmapMount(dir, "1", "bind-1", nil, nil)}
		}, script: "stat -c =%n:%u=%g= /tmp/mount-1/foo.txt /tmp/mount-bind-1/foo.txt",
			want: []string{"=/tmp/mount-1/foo.txt:100000=100000=", "=/tmp/mount-bind-1/foo.txt:0=0="}},
		{name: "two idmap mounts with two bind mounts userns", userns: true, mounts: func(dir string) []specs.Mount {
			return []specs.Mount{idmapMount(dir, "1", "1", basicMap, basicMap), idmapMount(dir, "1", "bind-1", nil, nil),
				idmapMount(dir, "2", "bind-2", nil, nil), idmapMount(dir, "2", "2", basicMap, basicMap)}
		}, script: "stat -c =%n:%u=%g= /tmp/mount-1/foo.txt /tmp/mount-2/foo.txt",
			want: []string{"=/tmp/mount-1/foo.txt:0=0=", "=/tmp/mount-2/foo.txt:1=1="}},
		{name: "same source different mappings userns", userns: true, mounts: sameMounts, script: sameFiles,
			want: []string{"/tmp/mount-multi1/foo.txt:0=11=", "/tmp/mount-multi1/bar.txt:1=22=", "/tmp/mount-multi1/baz.txt:2=33=",
				"/tmp/mount-multi1-alt/foo.txt:1000=2011=", "/tmp/mount-multi1-alt/bar.txt:1001=2022=", "/tmp/mount-multi1-alt/baz.txt:1002=2033="}},
		{name: "same source different mappings no userns", mounts: sameMounts, script: sameFiles,
			want: []string{"/tmp/mount-multi1/foo.txt:100000=100011=", "/tmp/mount-multi1/bar.txt:100001=100022=", "/tmp/mount-multi1/baz.txt:100002=100033=",
				"/tmp/mount-multi1-alt/foo.txt:101000=102011=", "/tmp/mount-multi1-alt/bar.txt:101001=102022=", "/tmp/mount-multi1-alt/baz.txt:101002=102033="}},
		{name: "multiple mounts different mappings userns", userns: true, script: multiFiles, want: multiWant,
			mounts: multi(idmaps(100, 101100, 3), idmaps(200, 101900, 50), idmaps(200, 102200, 3), idmaps(200, 102900, 100), idmaps(5000000, 103000, 1000), idmaps(6000000, 103000, 500))},
		{name: "multiple mounts different mappings no userns", script: multiFiles, want: multiWant,
			mounts: multi(idmaps(100, 1100, 3), idmaps(200, 1900, 50), idmaps(200, 2200, 3), idmaps(200, 2900, 100), idmaps(5000000, 3000, 1000), idmaps(6000000, 3000, 500))},
		{name: "complicated mapping userns", userns: true, mounts: complicated(100000, 100000), want: complicatedWant,
			script: "stat -c =%n:%u=%g= /tmp/mount-multi1/foo.txt /tmp/mount-multi1/bar.txt /tmp/mount-multi1/baz.txt"},
		{name: "complicated mapping no userns", mounts: complicated(0, 0), want: complicatedWant,
			script: "stat -c =%n:%u=%g= /tmp/mount-multi1/foo.txt /tmp/mount-multi1/bar.txt /tmp/mount-multi1/baz.txt"},
		{name: "non-recursive idmap userns", userns: true, subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{withMaps(subtreeMount(dir))} }, want: topOnly(subtreeUserns...)},
		{name: "non-recursive idmap no userns", subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{withMaps(subtreeMount(dir))} }, want: append(subtreeHost, unmappedChildren...)},
		{name: "idmap flag userns", userns: true, subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{withMaps(subtreeMount(dir, "idmap"))} }, want: topOnly(subtreeUserns...)},
		{name: "idmap flag no userns", subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{withMaps(subtreeMount(dir, "idmap"))} }, want: append(subtreeHost, unmappedChildren...)},
		{name: "ridmap flag userns", userns: true, subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{withMaps(subtreeMount(dir, "ridmap"))} },
			want: append(subtreeUserns, "/tmp/mount-tree/multi1/foo.txt:1000=1101=", "/tmp/mount-tree/multi1/bar.txt:1001=2202=", "/tmp/mount-tree/multi1/baz.txt:1002=3303=",
				"/tmp/mount-tree/multi2/foo.txt:2000=1101=", "/tmp/mount-tree/multi2/bar.txt:2001=2202=", "/tmp/mount-tree/multi2/baz.txt:2002=3303=")},
		{name: "ridmap flag no userns", subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{withMaps(subtreeMount(dir, "ridmap"))} },
			want: append(subtreeHost, "/tmp/mount-tree/multi1/foo.txt:101000=101101=", "/tmp/mount-tree/multi1/bar.txt:101001=102202=", "/tmp/mount-tree/multi1/baz.txt:101002=103303=",
				"/tmp/mount-tree/multi2/foo.txt:102000=101101=", "/tmp/mount-tree/multi2/bar.txt:102001=102202=", "/tmp/mount-tree/multi2/baz.txt:102002=103303=")},
		{name: "idmap flag implied mapping userns", userns: true, subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{subtreeMount(dir, "idmap")} }, want: topOnly(implied...)},
		{name: "ridmap flag implied mapping userns", userns: true, subtree: true, script: "stat -c =%n:%u=%g= " + subtreeFiles,
			mounts: func(dir string) []specs.Mount { return []specs.Mount{subtreeMount(dir, "ridmap")} },
			want: append(implied, "/tmp/mount-tree/multi1/foo.txt:100=211=", "/tmp/mount-tree/multi1/bar.txt:101=222=", "/tmp/mount-tree/multi1/baz.txt:102=233=",
				"/tmp/mount-tree/multi2/foo.txt:200=211=", "/tmp/mount-tree/multi2/bar.txt:201=222=", "/tmp/mount-tree/multi2/baz.txt:202=233=")},
		// Not in runc's tests: a bind source on tmpfs, which the kernel
		// idmaps since Linux 6.3.
		{name: "tmpfs source no userns", subtree: true, mounts: simple, script: "stat -c =%u=%g= /tmp/mount-1/tmpfs.txt", want: []string{"=100000=100000="},
			setup: func(dir string) string {
				src := filepath.Join(dir, "source-1")
				return fmt.Sprintf("mount -t tmpfs tmpfs %q && touch %q/tmpfs.txt", src, src)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asRunc(t, []string{"sh", "-c", c.script}, func(t *testing.T, e *env) {
				dir := idmapSources(t)
				idmapSpec(e, c.userns, c.mounts(dir))
				if c.nofile != 0 {
					e.spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: c.nofile, Hard: c.nofile}}
				}
				e.writeSpec()
				r := e.runIdmap(c, dir, "run", "--bundle", e.bundle, "idmap")
				checkIdmapRun(t, c, r)
			})
		})
	}
}

// TestIdmapMountJoinedUsernsAsRunc is the bats "idmap flag, implied
// mapping, userns join": "idmap" without mappings in a container that
// joins another's user namespace idmaps with that namespace.
func TestIdmapMountJoinedUsernsAsRunc(t *testing.T) {
	asRunc(t, []string{"sleep", "1000"}, func(t *testing.T, e *env) {
		idmapSpec(e, true, nil)
		e.writeSpec()
		e.must("run", "-d", "--bundle", e.bundle, "target")
		pid := e.state("target").Pid
		dir := idmapSources(t)
		c := idmapCase{subtree: true, want: []string{"/tmp/mount-tree/foo.txt:100=211=", "/tmp/mount-tree/bar.txt:200=222=", "/tmp/mount-tree/baz.txt:300=233="}}
		for i, ns := range e.spec.Linux.Namespaces {
			if ns.Type == specs.UserNamespace {
				e.spec.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/user", pid)
			}
		}
		e.spec.Linux.UIDMappings, e.spec.Linux.GIDMappings = nil, nil
		e.spec.Linux.CgroupsPath = e.cgroupsPath + "-joiner"
		e.spec.Mounts = append(e.spec.Mounts, subtreeMount(dir, "idmap"))
		e.spec.Process.Args = []string{"sh", "-c", "stat -c =%n:%u=%g= " + subtreeFiles}
		e.writeSpec()
		checkIdmapRun(t, c, e.runIdmap(c, dir, "run", "--bundle", e.bundle, "joiner"))
	})
}

func TestIdmapMountErrorsAsRunc(t *testing.T) {
	cases := []struct {
		name   string
		userns bool
		mount  func(dir string) specs.Mount
		want   string
	}{
		{name: "mappings on tmpfs", mount: func(string) specs.Mount {
			return specs.Mount{Destination: "/tmp/m", Type: "tmpfs", Source: "tmpfs", UIDMappings: basicMap, GIDMappings: basicMap}
		}, want: "id-mapped mounts are only supported for bind-mounts"},
		{name: "idmap option on tmpfs", userns: true, mount: func(string) specs.Mount {
			return specs.Mount{Destination: "/tmp/m", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"}}
		}, want: "id-mapped mounts are only supported for bind-mounts"},
		{name: "uid mappings only", mount: func(dir string) specs.Mount { return idmapMount(dir, "1", "1", basicMap, nil) },
			want: "id-mapped mounts must have both uid and gid mappings specified"},
		{name: "empty uid mappings", mount: func(dir string) specs.Mount { return idmapMount(dir, "1", "1", []specs.LinuxIDMapping{}, basicMap) },
			want: "id-mapped mounts must have both uid and gid mappings specified"},
		{name: "idmap option without user namespace", mount: func(dir string) specs.Mount {
			m := idmapMount(dir, "1", "1", nil, nil)
			m.Options = append(m.Options, "idmap")
			return m
		}, want: "id-mapped mounts must have both uid and gid mappings specified"},
		{name: "procfs cannot be idmapped", mount: func(string) specs.Mount {
			return specs.Mount{Source: "/proc/sys", Destination: "/tmp/m", Options: []string{"bind"}, UIDMappings: basicMap, GIDMappings: basicMap}
		}, want: "failed to set MOUNT_ATTR_IDMAP on /proc/sys: invalid argument (maybe the filesystem used doesn't support idmap mounts on this kernel?)"},
		{name: "missing source", mount: func(dir string) specs.Mount { return idmapMount(dir, "none", "1", basicMap, basicMap) },
			want: "open_tree(OPEN_TREE_CLONE) %s/source-none: no such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asRunc(t, []string{"true"}, func(t *testing.T, e *env) {
				dir := idmapSources(t)
				idmapSpec(e, c.userns, []specs.Mount{c.mount(dir)})
				e.writeSpec()
				r := e.run("run", "--bundle", e.bundle, "bad")
				want := c.want
				if strings.Contains(want, "%s") {
					want = fmt.Sprintf(want, dir)
				}
				if e.bin == os.Getenv("GORUNC") {
					assertOneLineError(t, r, want)
				} else if r.code != 1 || !strings.Contains(r.stderr, want) {
					t.Errorf("exit %d, stderr %q: want 1 and %q", r.code, r.stderr, want)
				}
				if exists(filepath.Join(e.root, "bad")) {
					t.Errorf("state of the failed container left in %s", e.root)
				}
			})
		})
	}
}

// idmapSpec gives e.spec a tmpfs on /tmp (the mount points are made in
// it, not in the shared rootfs), the bats user namespace when userns, and
// mounts.
func idmapSpec(e *env, userns bool, mounts []specs.Mount) {
	e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=1777"}})
	e.spec.Mounts = append(e.spec.Mounts, mounts...)
	if userns {
		e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		e.spec.Linux.UIDMappings, e.spec.Linux.GIDMappings = basicMap, basicMap
	}
}

// runIdmap runs the runtime with args, for c.subtree (or c.setup) in a
// private mount namespace of its own (unshare(1)) where the bats's host
// bind mounts are made: never in the test's own mount namespace.
func (e *env) runIdmap(c idmapCase, dir string, args ...string) result {
	e.t.Helper()
	if !c.subtree {
		return e.run(args...)
	}
	setup := fmt.Sprintf("mount --bind %q %q && mount --bind %q %q",
		filepath.Join(dir, "source-multi1"), filepath.Join(dir, "mnt-subtree/multi1"),
		filepath.Join(dir, "source-multi2"), filepath.Join(dir, "mnt-subtree/multi2"))
	if c.setup != nil {
		setup += " && " + c.setup(dir)
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		e.t.Skip("needs unshare(1) to bind the sources' submounts in a private mount namespace")
	}
	wrapper := filepath.Join(e.t.TempDir(), "in-private-mntns")
	script := fmt.Sprintf("#!/bin/sh\nexec unshare --mount --propagation private /bin/sh -c '%s && exec \"$0\" \"$@\"' %q \"$@\"\n", setup, e.bin)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		e.t.Fatal(err)
	}
	real := e.bin
	e.bin = wrapper
	defer func() { e.bin = real }()
	return e.run(args...)
}

func checkIdmapRun(t *testing.T, c idmapCase, r result) {
	t.Helper()
	out := r.stdout + r.stderr
	if c.fail && r.code == 0 {
		t.Errorf("run succeeded, want the process to fail: %s", out)
	}
	if !c.fail && r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, out)
	}
	for _, w := range c.want {
		if !strings.Contains(out, w) {
			t.Errorf("output %q lacks %q", out, w)
		}
	}
}
