//go:build tools

// Package conformance only pins the runtime-tools validation suite and its
// dependencies; run.sh builds the programs straight from the module cache.
package conformance

import (
	_ "github.com/opencontainers/runtime-tools/cgroups"
	_ "github.com/opencontainers/runtime-tools/cmd/runtimetest/mount"
	_ "github.com/opencontainers/runtime-tools/generate"
	_ "github.com/opencontainers/runtime-tools/generate/seccomp"
	_ "github.com/opencontainers/runtime-tools/specerror"
	_ "github.com/opencontainers/runtime-tools/validation/util"
)
