package seccomp

import (
	"fmt"
	"os"
	"testing"
)

// childEnv switches the test binary into a child that loads a filter
// (load_test.go): a filter cannot be removed, so it must not be
// loaded into the test process itself.
const childEnv = "GORUNC_SECCOMP_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := runChild(mode); err != nil {
			fmt.Fprintf(os.Stderr, "child %s: %v\n", mode, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
