package seccomp

import (
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/docker-default-amd64.oci.json")

// ociProfileFile is Docker's default profile as Docker hands it to a runtime
// (an OCI linux.seccomp for a default container on amd64), for tests that
// run a real container under it (tests/integration). It is generated from
// moby-default.json by dockerDefault; this test keeps it from drifting.
const ociProfileFile = "testdata/docker-default-amd64.oci.json"

func TestDockerDefaultOCIFileUpToDate(t *testing.T) {
	want, err := json.MarshalIndent(dockerDefault(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile(ociProfileFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(ociProfileFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s is stale: go test ./seccomp -run OCIFileUpToDate -update", ociProfileFile)
	}
}
