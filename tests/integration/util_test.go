package integration

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
)

func itoa(n int) string { return strconv.Itoa(n) }

func statOwner(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d %o", st.Uid, st.Gid, fi.Mode().Perm())
}

// newEnvBin is the gorunc binary under test (GORUNC).
func newEnvBin(t *testing.T) string {
	t.Helper()
	return os.Getenv("GORUNC")
}
