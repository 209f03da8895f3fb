package cgroup

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRemoveCreatedKeepsSiblings: a parent this manager made may by now
// hold another container's cgroup; destroying the first container removes
// its own leaf (and what is below it) but must leave the sibling, and the
// still-used parent, alone without failing.
func TestRemoveCreatedKeepsSiblings(t *testing.T) {
	root := t.TempDir()
	parent := filepath.Join(root, "pods")
	leaf := filepath.Join(parent, "c1")
	nested := filepath.Join(leaf, "inner")
	sibling := filepath.Join(parent, "c2")
	for _, d := range []string{nested, sibling} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := removeCreated(ops{}, []string{parent, leaf}, map[string]bool{leaf: true}); err != nil {
		t.Fatalf("removeCreated: %v", err)
	}
	if _, err := os.Stat(leaf); !os.IsNotExist(err) {
		t.Errorf("the container's own cgroup %s is still there", leaf)
	}
	if _, err := os.Stat(sibling); err != nil {
		t.Errorf("the sibling's cgroup was removed: %v", err)
	}
	// Once the sibling is gone, the same call removes the empty parent.
	os.Remove(sibling)
	if err := removeCreated(ops{}, []string{parent, leaf}, map[string]bool{leaf: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(parent); !os.IsNotExist(err) {
		t.Errorf("the empty parent it made is still there")
	}
}
