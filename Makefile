# gorunc: `make demo` and `make test` set up a fresh machine (see README).
SHELL := /bin/bash
GO      ?= go
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.commit=$(VERSION)
# Non-test sources only: editing a test must not relink the binaries.
GOFILES := $(shell find . -name '*.go' -not -name '*_test.go' -not -path './build/*' -not -path './tests/*') go.mod go.sum
BUILD   := build
# runc 1.5.1, the reference the tests compare gorunc with (runc's behaviour
# is the contract; Debian's runc is 1.1.5). Built once, with seccomp.
RUNC_REF := $(CURDIR)/$(BUILD)/tools/runc-1.5.1

.PHONY: all build man install uninstall demo test unit integration vm vm-systemd vm-systemd-v1 deps clean bench conformance e2e-podman e2e-containerd e2e-cri stress stress-ci race bench-vm

all: build

build: bin/gorunc bin/cgroup-tool

# Static: no dynamic loader at start, which `gorunc init` pays for every
# container. cgo only for nsexec/nsenter.c, the constructor `gorunc exec`
# needs to join mount and user namespaces before the Go runtime starts;
# netgo/osusergo keep libc's user and host lookups out (glibc's NSS dlopens). Measured cost of cgo itself
# (perf stat -r 1000 `gorunc --version`): 1.16 -> 1.30 ms, +0.1 ms task-clock.
# musl, not glibc (issue 18, docs/performance.md "musl, session 6"): fewer
# page faults and system calls at every start, a smaller binary. `make
# CC=gcc` builds against static glibc as before.
ifeq ($(origin CC),default)
CC := musl-gcc
endif
# Go 1.26's Green Tea GC (its default) keeps each small-object span's mark
# bits at the span's end: a span's first allocation writes a second page.
# gorunc's commands never collect (a create allocates ~270 KiB), and each
# fresh page costs ~20-50 us on this host: without it a create writes ~85
# fewer pages (docs/performance.md, "Green Tea GC off", session 21).
GOEXP := GOEXPERIMENT=nogreenteagc
bin/gorunc: $(GOFILES) $(wildcard nsexec/*.c nsexec/*.h) cmd/gorunc/VERSION $(BUILD)/gorunc-init
	@command -v $(CC) >/dev/null || scripts/install-deps.sh build
	$(install-init)
	$(GOEXP) CC=$(CC) CGO_ENABLED=1 $(GO) build -trimpath -tags netgo,osusergo -ldflags "$(LDFLAGS) $(INIT_LDFLAGS) -linkmode external -extldflags -static" -o $@ ./cmd/gorunc

# gorunc-init (cmd/gorunc-init): nsexec's C code alone, the ~140 KiB binary
# a container's init runs as when its setup is a program, instead of
# gorunc's 6 MiB (docs/performance.md, "init as a binary of its own"). It
# sits beside gorunc as gorunc-init-<first 16 hex digits of its SHA-256>,
# the name gorunc is linked with (nsexec.initName): a gorunc starts only
# the init built from its own C code; without one it starts itself.
INIT_SRCS := cmd/gorunc-init/main.c $(filter-out nsexec/setup_harness.c nsexec/cli.c,$(wildcard nsexec/*.c))
$(BUILD)/gorunc-init: $(INIT_SRCS) $(wildcard nsexec/*.h)
	@command -v $(CC) >/dev/null || scripts/install-deps.sh build
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Werror -s -DGORUNC_INIT_BINARY -o $@ $(INIT_SRCS)
INIT_NAME = gorunc-init-$(shell sha256sum $(BUILD)/gorunc-init | cut -c1-16)
INIT_LDFLAGS = -X github.com/gorunc/gorunc/nsexec.initName=$(INIT_NAME)
# drop-other-inits DIR: removes the gorunc-init-* of other builds from DIR.
drop-other-inits = ls $(1)/gorunc-init-* 2>/dev/null | grep -vx '$(1)/$(INIT_NAME)' | xargs -r rm -f
define install-init
	@$(call drop-other-inits,bin)
	install -D -m 0755 $(BUILD)/gorunc-init bin/$(INIT_NAME)
endef

# gorunc with its fault points armed by _GORUNC_TEST_FAULT (runtime/
# fault_inject.go), for the crash tests of `make integration` only: the
# production binary has no fault points.
bin/gorunc-fault: $(GOFILES) $(wildcard nsexec/*.c nsexec/*.h) cmd/gorunc/VERSION $(BUILD)/gorunc-init
	@command -v $(CC) >/dev/null || scripts/install-deps.sh build
	$(install-init)
	$(GOEXP) CC=$(CC) CGO_ENABLED=1 $(GO) build -trimpath -tags netgo,osusergo,faultinject -ldflags "$(LDFLAGS) $(INIT_LDFLAGS) -linkmode external -extldflags -static" -o $@ ./cmd/gorunc

bin/cgroup-tool: $(GOFILES)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $@ ./cmd/cgroup-tool

# Man pages and bash completion, rendered from cmd/gorunc/cli's table.
man:
	$(GO) run ./cmd/gorunc-gen -man $(BUILD)/man -bash $(BUILD)/completion/gorunc

# `make install` (PREFIX=/usr/local, DESTDIR for packagers): the binaries,
# man pages and bash completion; `make uninstall` removes exactly those.
PREFIX  ?= /usr/local
BINDIR  := $(DESTDIR)$(PREFIX)/bin
MANDIR  := $(DESTDIR)$(PREFIX)/share/man/man8
COMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
install: build man
	install -d $(BINDIR) $(MANDIR) $(COMPDIR)
	$(call drop-other-inits,$(BINDIR))
	install -m 0755 bin/gorunc bin/$(INIT_NAME) bin/cgroup-tool $(BINDIR)/
	install -m 0644 $(BUILD)/man/*.8 $(MANDIR)/
	install -m 0644 $(BUILD)/completion/gorunc $(COMPDIR)/gorunc

uninstall:
	rm -f $(BINDIR)/gorunc $(BINDIR)/gorunc-init-* $(BINDIR)/cgroup-tool $(COMPDIR)/gorunc
	rm -f $(MANDIR)/gorunc.8 $(MANDIR)/gorunc-*.8

$(BUILD)/rootfs/bin/busybox: scripts/mkbundle.sh
	scripts/install-deps.sh demo
	rm -rf $(BUILD)/rootfs
	scripts/mkbundle.sh $(BUILD)/rootfs

# The demo bundle: demo/config.json (resources: 50 MiB memory, half a CPU,
# 20 pids) over a busybox rootfs in the gitignored build/ folder.
demo: build $(BUILD)/rootfs/bin/busybox
	rm -rf $(BUILD)/demo && mkdir -p $(BUILD)/demo
	cp demo/config.json demo/show-limits.sh $(BUILD)/demo/
	ln -s ../rootfs $(BUILD)/demo/rootfs
	bin/gorunc run --bundle $(BUILD)/demo gorunc-demo-$$$$

deps:
	scripts/install-deps.sh test

# go install outside this module; libseccomp-dev and pkg-config come with
# the test packages.
$(RUNC_REF):
	scripts/install-deps.sh test
	mkdir -p $(@D)/gobin
	GOBIN=$(@D)/gobin CGO_ENABLED=1 $(GO) install -tags seccomp github.com/opencontainers/runc@v1.5.1
	mv $(@D)/gobin/runc $@

# The same runc without the seccomp tag (no libseccomp; cgo stays: runc's
# nsenter is C), for `make bench RUNC_NOSECCOMP=1`: issue 18 compares both.
RUNC_NOSECCOMP_REF := $(CURDIR)/$(BUILD)/tools/runc-1.5.1-noseccomp
$(RUNC_NOSECCOMP_REF):
	mkdir -p $(@D)/gobin-noseccomp
	GOBIN=$(@D)/gobin-noseccomp CGO_ENABLED=1 $(GO) install github.com/opencontainers/runc@v1.5.1
	mv $(@D)/gobin-noseccomp/runc $@

# Every tier: unit (fake cgroupfs, parsers), host integration (root, v1
# hybrid cgroups here), stress, the cgroup v2 VM, the OCI runtime-tools
# suite and the clients (podman, containerd, CRI, Docker). Each tier runs
# even when an earlier one failed; each one's wall time is printed, and a
# summary at the end (scripts/tiers.sh).
# Two lanes at once: the tiers that run containers on this host, one after
# the other, and the VM tiers (qemu; they share only the built binaries with
# the host's). `make test SERIAL=1` runs every tier one after the other.
# The VM tiers' --timeout values are hang guards with room for a VM that
# shares the two cores with the host lane (TCG: 2-4x slower then).
TIERS_HOST := unit integration stress-ci race conformance e2e-podman e2e-containerd e2e-cri e2e-docker
TIERS_VM := vm vm-systemd vm-systemd-v1
TIERS := $(TIERS_HOST) $(TIERS_VM)
test: deps build bin/gorunc-fault $(BUILD)/rootfs/bin/busybox $(RUNC_REF)
	MAKE="$(MAKE)" scripts/tiers.sh $(if $(SERIAL),"$(TIERS)","$(TIERS_HOST)" "$(TIERS_VM)")

unit:
	$(GO) vet ./...
	scripts/check-install.sh
	$(GO) test -count=1 ./cgroup/... ./rootfs/... ./seccomp/... ./nsexec/... ./runtime/... ./cmd/... ./netdev/... ./userns/... ./runlog/... ./internal/... ./tests/bench/
	@# nsenter.c and stage2.c again, linked as bin/gorunc is (musl, static).
	@command -v $(CC) >/dev/null || scripts/install-deps.sh build
	@# setupharness: the setup program's test harness (nsexec/setup_harness.c).
	CC=$(CC) CGO_ENABLED=1 $(GO) test -count=1 -tags netgo,osusergo,setupharness -ldflags "-linkmode external -extldflags -static" ./nsexec/

integration: build bin/gorunc-fault $(BUILD)/rootfs/bin/busybox $(RUNC_REF)
	GORUNC=$(CURDIR)/bin/gorunc GORUNC_FAULT=$(CURDIR)/bin/gorunc-fault ROOTFS=$(CURDIR)/$(BUILD)/rootfs RUNC_REF=$(RUNC_REF) $(GO) test -count=1 -timeout 40m -v ./tests/integration/ 2>&1 | tee $(BUILD)/integration.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic)' ; \
	  rc=$${PIPESTATUS[0]}; [ $$rc = 0 ] || grep -E -- '--- FAIL|_test\.go:[0-9]+:|^panic:' $(BUILD)/integration.log | head -80; exit $$rc

# The cgroup v2 tier: a qemu VM (TCG) with Debian's cloud kernel, booted
# from an initramfs holding busybox, gorunc, cgroup-tool and the cgroup
# package's test binary (tests/vm/README.md).
vm: build
	CGO_ENABLED=0 $(GO) test -c -o $(BUILD)/cgroup.test ./cgroup
	CGO_ENABLED=0 $(GO) test -c -o $(BUILD)/runtime.test ./runtime
	CC=$(CC) CGO_ENABLED=1 $(GO) test -c -tags netgo,osusergo,setupharness -ldflags "-linkmode external -extldflags -static" -o $(BUILD)/nsexec.test ./nsexec
	CGO_ENABLED=0 $(GO) build -o $(BUILD)/recvtty ./tests/vm/recvtty
	tests/vm/run.sh --timeout 1200 --module dummy --add bin/gorunc:/usr/bin/gorunc --add bin/$(INIT_NAME):/usr/bin/$(INIT_NAME) \
	  --add bin/cgroup-tool:/usr/bin/cgroup-tool --add $(BUILD)/cgroup.test:/usr/bin/cgroup.test \
	  --add $(BUILD)/runtime.test:/usr/bin/runtime.test --add $(BUILD)/nsexec.test:/usr/bin/nsexec.test \
	  $(VM_CRIU) --add tests/vm/payloads:/payloads -- /payloads/all.sh

# Checkpoint/restore in the VM (payloads/gorunc-criu.sh), when the host has
# Debian's criu: criu, GNU tar (criu archives a tmpfs with it; busybox's
# lacks its flags), the sock_diag modules criu probes before a dump and
# nf_tables (its kernel feature detection fails without), recvtty (the
# console socket of the terminal scenario) and runc 1.5.1 to run the same
# steps beside gorunc.
VM_CRIU = $(if $(wildcard /usr/sbin/criu),--add /usr/sbin/criu --add /usr/bin/tar --add $(BUILD)/recvtty:/usr/bin/recvtty \
  $(foreach m,unix_diag inet_diag tcp_diag udp_diag netlink_diag af_packet_diag nf_tables,--module $(m)) \
  $(if $(wildcard $(RUNC_REF)),--add $(RUNC_REF):/usr/bin/runc))

# The systemd tier (issue 16): Debian 12 with systemd as PID 1, dbus and
# cgroup v2, booted by the same kernel from a root image built once from
# Debian's packages (mmdebstrap, cached by package list); payloads/NN-*.sh
# drive gorunc directly, through containerd and through podman
# (tests/vm-systemd/README.md).
vm-systemd: deps build $(BUILD)/rootfs/bin/busybox $(RUNC_REF)
	tests/vm-systemd/run.sh --timeout 1800 --add bin/gorunc:/vmtest/bin/gorunc --add bin/$(INIT_NAME):/vmtest/bin/$(INIT_NAME) \
	  --add bin/cgroup-tool:/vmtest/bin/cgroup-tool --add $(BUILD)/rootfs:/vmtest/rootfs \
	  --add $(RUNC_REF):/vmtest/bin/runc-1.5.1 \
	  --add tests/vm-systemd/payloads:/vmtest/payloads -- /vmtest/payloads/all.sh $(VMSYSTEMD_SECTIONS)

# The same VM booted on cgroup v1 (systemd.unified_cgroup_hierarchy=0, what
# RHEL 8 and older distributions run): the systemd driver over the v1
# controllers, side by side with runc 1.5 (payloads/27-systemd-v1.sh).
vm-systemd-v1: deps build $(BUILD)/rootfs/bin/busybox $(RUNC_REF)
	tests/vm-systemd/run.sh --timeout 800 --append systemd.unified_cgroup_hierarchy=0 \
	  --add bin/gorunc:/vmtest/bin/gorunc --add bin/$(INIT_NAME):/vmtest/bin/$(INIT_NAME) --add $(BUILD)/rootfs:/vmtest/rootfs \
	  --add $(RUNC_REF):/vmtest/bin/runc-1.5.1 \
	  --add tests/vm-systemd/payloads:/vmtest/payloads -- /vmtest/payloads/all.sh 27-systemd-v1

# gorunc vs runc (Debian's 1.1.5 and 1.5.1) vs crun side by side (not
# pass/fail): tables, CSV and PNG in the gitignored bench-results/. `make
# bench N=10` for a quicker run; RUNC_NOSECCOMP=1 adds runc 1.5.1 built
# without the seccomp tag; BENCH_FLAGS passes harness flags (e.g.
# `-scenarios single,many -many 100`; `-cpuset-anchor` holds a cpuset
# cgroup for the run, as a host running containers has one).
bench: N ?= 50
bench: build $(BUILD)/rootfs/bin/busybox $(RUNC_REF) $(if $(RUNC_NOSECCOMP),$(RUNC_NOSECCOMP_REF))
	tests/bench/deps.sh
	$(GO) run ./tests/bench -n $(N) -gorunc bin/gorunc -rootfs $(BUILD)/rootfs -out bench-results \
	  -runc-ref $(RUNC_REF) $(if $(RUNC_NOSECCOMP),-runc-noseccomp $(RUNC_NOSECCOMP_REF)) $(BENCH_FLAGS)
	@echo "seccomp: compile time of Docker's default profile (amd64, x86, x32):"
	@$(GO) test -run '^$$' -bench CompileDockerDefault -benchtime 300x ./seccomp | grep ^Benchmark

# The same harness in the cgroup v2 VM (tests/vm): static build, gorunc,
# Debian's runc, runc 1.5.1 and crun (run.sh copies their libraries), the
# rootfs; N=10 rounds, no RSS rows (no GNU time there), no PNG, 100 created
# containers instead of 1000 (bench.sh). QEMU TCG distorts absolute times:
# read the ratios. The table is printed on the console. 3 GiB: runc 1.5.1's
# 100 created inits (each ~10 MiB and a memfd copy of its binary) outgrew 2.
bench-vm: N ?= 10
bench-vm: build $(BUILD)/rootfs/bin/busybox $(RUNC_REF)
	tests/bench/deps.sh
	CGO_ENABLED=0 $(GO) build -o $(BUILD)/bench ./tests/bench
	tests/vm/run.sh --timeout 1500 --mem 3072 --add $(BUILD)/bench:/usr/bin/bench --add bin/gorunc:/usr/bin/gorunc --add bin/$(INIT_NAME):/usr/bin/$(INIT_NAME) \
	  --add /usr/sbin/runc:/usr/sbin/runc --add $(RUNC_REF):/usr/bin/runc-1.5.1 --add /usr/bin/crun:/usr/bin/crun \
	  --add $(BUILD)/rootfs:/bench/rootfs \
	  --add tests/vm/payloads/bench.sh:/payloads/bench.sh -- /payloads/bench.sh $(N) $(VERSION) $(BENCH_VM_FLAGS)

# OCI runtime-tools v0.9.0 validation suite, gorunc and runc side by side;
# fails when a test in tests/conformance/expected-pass.txt regresses
# (docs/spec-conformance.md). TAP in build/conformance/<runtime>/.
conformance: build
	GORUNC=$(CURDIR)/bin/gorunc tests/conformance/run.sh

# podman 4.3 + conmon (Debian) drive bin/gorunc as root: private storage,
# containers.conf, mount namespace and a cgroup parent inside the caller's
# own cgroup; TAP on stdout (tests/e2e/podman/run.sh).
e2e-podman: deps build
	GORUNC=$(CURDIR)/bin/gorunc tests/e2e/podman/run.sh

# containerd 1.6 (Debian) and its runc v2 shim drive bin/gorunc through ctr:
# a private containerd in a private mount namespace, a locally built busybox
# OCI image, relative cgroupsPath under the caller's own cgroup; TAP on
# stdout (tests/e2e/containerd/run.sh). ~7 s here.
e2e-containerd: deps build
	GORUNC=$(CURDIR)/bin/gorunc timeout -k 10 600 tests/e2e/containerd/run.sh

# Kubernetes' path: crictl and critest (cri-tools v1.37.0, built once into
# build/cri-tools) talk CRI to a private containerd 1.6 whose runc v2 shim
# calls bin/gorunc, and runc for reference, in private pid, mount, network,
# IPC, UTS and cgroup namespaces; fails when gorunc fails a critest spec
# runc passes. TAP on stdout, wall time at the end (tests/e2e/cri/README.md).
e2e-cri: deps build $(RUNC_REF)
	GORUNC=$(CURDIR)/bin/gorunc RUNC=$(RUNC_REF) timeout -k 10 1500 tests/e2e/cri/run.sh

# Docker Engine 20.10 (Debian's docker.io) drives bin/gorunc, and runc for
# reference, through containerd's runc v2 shim: a private dockerd and
# containerd (daemon.json "runtimes"/"default-runtime" as in the README) in
# private pid, mount, network, IPC and UTS namespaces, cgroups under the
# caller's own; a busybox image built and `docker load`ed, no registry. TAP
# on stdout, wall time at the end (tests/e2e/docker/README.md). ~35 s here.
.PHONY: e2e-docker
e2e-docker: deps build $(RUNC_REF)
	GORUNC=$(CURDIR)/bin/gorunc RUNC=$(RUNC_REF) timeout -k 10 600 tests/e2e/docker/run.sh

# Load (tests/stress): N create/start/exec/kill/delete lifecycles, 8 at a
# time, terminal and not, with and without limits, then zero leaked
# processes, state dirs, cgroups, mounts and caller fds; concurrent
# operations on one id. `make stress N=2000` is the long run; `make test`
# runs stress-ci (N=200, ~3 s here).
stress: N ?= 2000
stress: build $(BUILD)/rootfs/bin/busybox
	GORUNC=$(CURDIR)/bin/gorunc ROOTFS=$(CURDIR)/$(BUILD)/rootfs STRESS_N=$(N) $(GO) test -count=1 -v -timeout 60m ./tests/stress/

stress-ci:
	$(MAKE) stress N=200

# gorunc built with Go's race detector, for the race tier only: -race needs
# glibc (libc6-dev, a test package), so it is a dynamic binary.
bin/gorunc-race: $(GOFILES) $(wildcard nsexec/*.c nsexec/*.h) cmd/gorunc/VERSION
	CGO_ENABLED=1 $(GO) build -race -tags netgo,osusergo -ldflags "-X main.commit=$(VERSION)" -o $@ ./cmd/gorunc

# The race tier: the runtime's goroutines (create's v1 cgroup made beside
# the spawn, the watch on init, run's signal registration) under the race
# detector, whose gorunc exits 66 after a race and so fails the test that
# ran it: 24 stress lifecycles, 8 at a time, the same in a shared created
# parent cgroup, and the integration tests of create's cgroup and failure
# paths (~2.5 min beside the VM lane; the race detector slows gorunc 5-10x).
race: deps bin/gorunc-race $(BUILD)/rootfs/bin/busybox $(RUNC_REF)
	GORUNC=$(CURDIR)/bin/gorunc-race ROOTFS=$(CURDIR)/$(BUILD)/rootfs STRESS_N=24 $(GO) test -count=1 -timeout 20m \
	  -run 'TestStressLifecycles|TestStressSharedCreatedParent' ./tests/stress/
	GORUNC=$(CURDIR)/bin/gorunc-race ROOTFS=$(CURDIR)/$(BUILD)/rootfs RUNC_REF=$(RUNC_REF) $(GO) test -count=1 -timeout 20m \
	  -run 'TestBadConfig|TestLifecycle|TestDeviceCgroup|TestFrozenCgroupRefused|TestCreateFrozenMidway|TestNonEmptyCgroupRefusedAsRunc|TestRunForwardsSignalsDuringCreate' ./tests/integration/

clean:
	rm -rf bin $(BUILD)
