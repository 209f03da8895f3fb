package integration

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestMountRaceSwap races what a runtime does to "the mount just made" the
// way a container process could through a shared volume (the class of
// CVE-2025-31133, 2025-52565, 2025-52881 and crun's CVE-2026-133553):
// while `gorunc run` mounts on /vol/a/<name>, a goroutine exchanges /vol/a
// (a directory) with /vol/b (a symlink elsewhere in the rootfs) as fast as
// renameat2(RENAME_EXCHANGE) allows. A runtime that mounts on one lookup of
// the destination and then reopens it by name for the rest can be sent,
// by the second lookup, to what /vol/b points at:
//
//   - tmpcopyup: the covered directory is copied into /canary/tmp, a
//     directory of the rootfs no mount covers, instead of into the tmpfs;
//   - a bind with "ro": the read-only remount lands on the container's
//     devpts (/dev/pts), a mount made earlier, instead of on the bind;
//   - proc on /vol/a: the check that the destination is no symlink and the
//     lookup that mounts are two, so procfs lands on /canary through /vol/b;
//   - a bind on /vol/a/sys: checked as outside /proc by one lookup, it is
//     mounted over /proc/sys through /vol/b -> /proc by the next.
//
// What the mount asked for must only ever happen to that mount. A run may
// fail while the destination moves, never act elsewhere. The window is a
// race, so this is a guard: before mounts were built detached gorunc lost
// it in a good share of 200 runs (see the commit).
func TestMountRaceSwap(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		link   string // what /vol/b points at
		mount  func(src string) specs.Mount
		escape func(t *testing.T, root string, r result) bool
	}{
		{
			name: "tmpcopyup",
			args: []string{"true"},
			link: "/canary",
			mount: func(string) specs.Mount {
				return specs.Mount{Destination: "/vol/a/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "tmpcopyup"}}
			},
			escape: func(t *testing.T, root string, _ result) bool {
				canary := filepath.Join(root, "canary", "tmp")
				ents, err := os.ReadDir(canary)
				if err != nil {
					t.Fatal(err)
				}
				for _, ent := range ents {
					if err := os.RemoveAll(filepath.Join(canary, ent.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
						t.Fatal(err)
					}
				}
				return len(ents) > 0
			},
		},
		{
			name: "bind-ro-remount",
			args: []string{"grep", " - devpts ", "/proc/self/mountinfo"},
			link: "/dev",
			mount: func(src string) specs.Mount {
				return specs.Mount{Destination: "/vol/a/pts", Type: "bind", Source: src, Options: []string{"bind", "ro"}}
			},
			escape: func(t *testing.T, _ string, r result) bool {
				f := strings.Fields(r.stdout)
				return r.code == 0 && (len(f) < 6 || !strings.HasPrefix(f[5], "rw,"))
			},
		},
		{
			name: "proc-on-symlink",
			args: []string{"cat", "/proc/self/mountinfo"},
			link: "/canary",
			mount: func(string) specs.Mount {
				return specs.Mount{Destination: "/vol/a", Type: "proc", Source: "proc"}
			},
			escape: func(t *testing.T, _ string, r result) bool {
				return strings.Contains(r.stdout, " /canary ")
			},
		},
		{
			name: "bind-into-proc",
			args: []string{"cat", "/proc/self/mountinfo"},
			link: "/proc",
			mount: func(src string) specs.Mount {
				return specs.Mount{Destination: "/vol/a/sys", Type: "bind", Source: src, Options: []string{"rbind"}}
			},
			escape: func(t *testing.T, _ string, r result) bool {
				for _, l := range strings.Split(r.stdout, "\n") {
					if f := strings.Fields(l); len(f) > 8 && f[4] == "/proc/sys" && !slices.Contains(f[6:], "proc") {
						return true
					}
				}
				return false
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.args...)
			root := ownRootfs(t, e)
			vol := filepath.Join(root, "vol")
			for _, d := range []string{filepath.Join(vol, "a", "tmp"), filepath.Join(vol, "a", "pts"), filepath.Join(root, "canary", "tmp")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(vol, "a", "tmp", "payload"), []byte("covered"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tc.link, filepath.Join(vol, "b")); err != nil {
				t.Fatal(err)
			}
			e.spec.Mounts = append(e.spec.Mounts, tc.mount(t.TempDir()))
			e.writeSpec()
			stop := swapLoop(t, filepath.Join(vol, "a"), filepath.Join(vol, "b"))
			const runs = 200
			deadline := time.Now().Add(60 * time.Second)
			var escapes, failed, n int
			for n = 0; n < runs && time.Now().Before(deadline); n++ {
				r := e.run("run", "--bundle", e.bundle, fmt.Sprintf("race%d", n))
				if r.code != 0 {
					failed++
					if failed <= 3 {
						t.Logf("run %d failed (allowed): %s", n, r.stderr)
					}
				}
				if tc.escape(t, root, r) {
					escapes++
				}
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d runs, %d failed while the destination moved, %d acted outside the mount just made", n, failed, escapes)
			if escapes > 0 {
				t.Errorf("%s acted outside the mount it made in %d of %d runs", tc.name, escapes, n)
			}
			if failed == n {
				t.Errorf("every run failed: no mount went through, so the test showed nothing")
			}
		})
	}
}

// swapLoop exchanges a and b until the returned stop is called.
func swapLoop(t *testing.T, a, b string) (stop func() error) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var swapErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
				swapErr = fmt.Errorf("renameat2 RENAME_EXCHANGE: %w", err)
				return
			}
		}
	}()
	var once sync.Once
	stop = func() error {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
		return swapErr
	}
	t.Cleanup(func() { stop() })
	return stop
}
