package integration

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// featureDifferences are the keys of `features` that gorunc reports and
// runc 1.5.1 does not, or the reverse, on purpose; each says why
// (docs/spec-conformance.md, "features").
var featureDifferences = map[string]string{
	"annotations/io.github.seccomp.libseccomp.version": "gorunc compiles seccomp filters itself and links no libseccomp",
	"annotations/org.opencontainers.runc.commit":       "runc's own names; gorunc reports org.gorunc.commit",
	"annotations/org.opencontainers.runc.version":      "runc's own names; gorunc reports org.gorunc.version",
	"annotations/org.gorunc.commit":                    "gorunc's commit, in place of runc's org.opencontainers.runc.commit",
	"annotations/org.gorunc.version":                   "gorunc's version, in place of runc's org.opencontainers.runc.version",
	"linux/intelRdt/monitoring":                        "gorunc refuses linux.intelRdt (enabled false), so it supports neither monitoring",
	"linux/intelRdt/schemata":                          "nor schemata",
}

// bothFeatures is gorunc's and runc 1.5.1's `features` output (skipped
// without runc 1.5).
func bothFeatures(t *testing.T) (gorunc, runc string) {
	t.Helper()
	bin, why := runc15()
	if bin == "" {
		t.Skip(why)
	}
	dir := t.TempDir()
	g := runBinary(t, dir, os.Getenv("GORUNC"), "features")
	r := runBinary(t, dir, bin, "features")
	if g.code != 0 || r.code != 0 {
		t.Fatalf("features: gorunc exit %d (%s), runc exit %d (%s)", g.code, g.stderr, r.code, r.stderr)
	}
	return g.stdout, r.stdout
}

// featureKeys flattens a features document into the paths of its object
// keys ("linux/cgroup/v2"); arrays are values, not keys.
func featureKeys(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("features is not a JSON object: %v: %s", err, data)
	}
	keys := map[string]bool{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			p := prefix + k
			keys[p] = true
			if sub, ok := v.(map[string]any); ok {
				walk(p+"/", sub)
			}
		}
	}
	walk("", doc)
	return keys
}

// TestFeaturesKeysAsRunc: `gorunc features` has the same keys as runc
// 1.5.1's, field by field, except the documented differences (each with
// its reason, and each still a difference).
func TestFeaturesKeysAsRunc(t *testing.T) {
	g, r := bothFeatures(t)
	gk, rk := featureKeys(t, []byte(g)), featureKeys(t, []byte(r))
	all := map[string]bool{}
	for k := range gk {
		all[k] = true
	}
	for k := range rk {
		all[k] = true
	}
	for k := range featureDifferences {
		all[k] = true
	}
	var sorted []string
	for k := range all {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		why, deliberate := featureDifferences[k]
		switch {
		case deliberate && gk[k] == rk[k]:
			t.Errorf("%s: listed as a difference (%s), but gorunc and runc now agree: remove it from featureDifferences", k, why)
		case !deliberate && gk[k] && !rk[k]:
			t.Errorf("gorunc reports %s, runc 1.5.1 does not", k)
		case !deliberate && !gk[k] && rk[k]:
			t.Errorf("runc 1.5.1 reports %s, gorunc does not", k)
		}
	}
}

// featureLists are the lists of `features` in which gorunc must name
// everything runc 1.5.1 names. Not compared: capabilities (the names the
// capability library knows), seccomp archs (gorunc's filter compiler
// covers fewer than libseccomp: amd64, arm64 and their compat arches) and
// seccomp flags (probed from the kernel by each).
var featureLists = []string{"hooks", "mountOptions", "linux/namespaces", "linux/memoryPolicy/modes",
	"linux/memoryPolicy/flags", "linux/seccomp/actions", "linux/seccomp/operators"}

// featureList reads the list at path ("a/b/c") of a features document.
func featureList(t *testing.T, data, path string) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range strings.Split(path, "/") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, x := range list {
		out[x.(string)] = true
	}
	return out
}

// TestFeaturesListsAsRunc: each list names at least what runc 1.5.1's does.
func TestFeaturesListsAsRunc(t *testing.T) {
	g, r := bothFeatures(t)
	for _, path := range featureLists {
		have := featureList(t, g, path)
		for name := range featureList(t, r, path) {
			if !have[name] {
				t.Errorf("%s: runc 1.5.1 lists %s, gorunc does not", path, name)
			}
		}
	}
}

// TestIntelRdtRefusedAsRunc: features says intelRdt is not enabled, and a
// config with linux.intelRdt is refused, as runc 1.5.1 refuses it on a
// host without resctrl (gorunc used to run it and ignore the field).
func TestIntelRdtRefusedAsRunc(t *testing.T) {
	if _, err := os.Stat("/sys/fs/resctrl/info"); err == nil {
		t.Skip("this host has resctrl mounted: runc would apply linux.intelRdt, gorunc refuses it in its own words")
	}
	asRunc(t, nil, func(t *testing.T, e *env) {
		e.spec.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "gorunc-test"}
		e.writeSpec()
		r := e.run("run", "--bundle", e.bundle, "rdt")
		if r.code != 1 || !strings.Contains(r.stderr, "intelRdt is specified in config, but Intel RDT is not enabled") {
			t.Errorf("exit %d, stderr %q: want runc's refusal", r.code, r.stderr)
		}
		if out := e.must("list", "-q"); strings.TrimSpace(out) != "" {
			t.Errorf("left behind: %q", out)
		}
	})
}
