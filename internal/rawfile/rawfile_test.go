package rawfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReadWhole: the whole file whatever the buffer's size (smaller,
// exact, larger, none), in the buffer given when it fits; os.ReadFile's
// error type for a missing file. And a single-record procfs file, which
// the kernel hands out whole.
func TestReadWhole(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 511, 512, 513, 5000} {
		content := bytes.Repeat([]byte("x"), size)
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, bufSize := range []int{0, 1, 512, 8192} {
			buf := make([]byte, 7, bufSize+7)[:bufSize]
			got, err := ReadWhole(p, buf)
			if err != nil || !bytes.Equal(got, content) {
				t.Errorf("file of %d, buffer of %d: %d bytes, %v", size, bufSize, len(got), err)
			}
			if size < bufSize && &got[:1][0] != &buf[:1][0] {
				t.Errorf("file of %d, buffer of %d: not read into the buffer", size, bufSize)
			}
		}
	}
	want, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	var buf [512]byte
	if got, err := ReadWhole("/proc/self/stat", buf[:]); err != nil || len(got) == 0 || !bytes.Equal(got[:bytes.IndexByte(got, ')')], want[:bytes.IndexByte(want, ')')]) {
		t.Errorf("/proc/self/stat: %q, %v", got, err)
	}
	var pe *os.PathError
	if _, err := ReadWhole(filepath.Join(dir, "missing"), nil); !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want an *os.PathError for ENOENT", err)
	}
}
