package runtime

import (
	"bytes"
	"io"
	"testing"
)

// TestHookStdin: a hook reads the whole state from its stdin, whether it
// fits in a pipe (filled before the hook starts) or needs a memfd.
func TestHookStdin(t *testing.T) {
	for _, size := range []int{0, 1, 4096, 64 << 10, 64<<10 + 1, 1 << 20} {
		state := bytes.Repeat([]byte("s"), size)
		in, err := hookStdin(state)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		got, err := io.ReadAll(in)
		in.Close()
		if err != nil || !bytes.Equal(got, state) {
			t.Errorf("%d bytes: read %d bytes, %v", size, len(got), err)
		}
	}
}
