package integration

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestMain removes what the package's containers left in the shared rootfs
// (ROOTFS): the runtimes create the destination of a bind mount when the
// image lacks it (runc does too), so tests that bind to /b, /t or /run/x
// leave empty mount points behind in build/rootfs, and the next test sees
// them. Only new empty directories and empty files are removed, deepest
// first, each with one remove(2): never a recursive delete, so a mount
// left behind by a failed test (EBUSY) or anything with content is
// reported instead of descended into.
func TestMain(m *testing.M) {
	rootfs := os.Getenv("ROOTFS")
	var before map[string]bool
	if rootfs != "" {
		before = treeOf(rootfs)
	}
	code := m.Run()
	if before != nil {
		if kept := removeNew(rootfs, before); len(kept) > 0 {
			fmt.Fprintf(os.Stderr, "integration: left in %s (not empty or busy, not removed): %v\n", rootfs, kept)
		}
	}
	os.Exit(code)
}

// treeOf lists every path under root, root itself included. /proc, /sys
// and /dev of a busybox rootfs are empty mount points, so this is small.
func treeOf(root string) map[string]bool {
	paths := map[string]bool{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			paths[p] = true
		}
		return nil
	})
	return paths
}

// removeNew removes the paths under root that are not in before, deepest
// first, and returns those it could not remove.
func removeNew(root string, before map[string]bool) []string {
	var added []string
	for p := range treeOf(root) {
		if !before[p] {
			added = append(added, p)
		}
	}
	// Reverse lexical order puts a directory after everything in it.
	sort.Sort(sort.Reverse(sort.StringSlice(added)))
	var kept []string
	for _, p := range added {
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
			kept = append(kept, p)
			continue
		}
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			kept = append(kept, p)
		}
	}
	return kept
}
