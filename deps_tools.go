//go:build tools

// This file pins the project's dependencies in go.mod and go.sum while the
// packages that use them are being written; it is never built.
package tools

import (
	_ "github.com/cilium/ebpf"
	_ "github.com/cilium/ebpf/asm"
	_ "github.com/containerd/console"
	_ "github.com/cyphar/filepath-securejoin"
	_ "github.com/moby/sys/mountinfo"
	_ "github.com/opencontainers/runtime-spec/specs-go"
	_ "github.com/syndtr/gocapability/capability"
	_ "golang.org/x/net/bpf"
	_ "golang.org/x/sys/unix"
)
