#!/usr/bin/env bash
# Builds the CRI tier's tools once into the gitignored build/cri-tools/bin
# (kept between runs: nothing is rebuilt when the binary is there):
#   crictl  - go install sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0
#   critest - `go test -c` of cmd/critest from the same module, downloaded
#             with `go mod download` and copied to build/cri-tools/src
#   ginkgo  - the ginkgo CLI of the version cri-tools requires: critest
#             -parallel N runs `ginkgo --nodes=N` from PATH
# Usage: tests/e2e/cri/tools.sh DIR (the build/cri-tools directory)
set -euo pipefail
CRI_TOOLS_VERSION=v1.37.0
dir=$(mkdir -p "$1" && cd "$1" && pwd)
bin=$dir/bin
mkdir -p "$bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-auto}

if [ ! -x "$bin/crictl" ]; then
	echo "# building crictl $CRI_TOOLS_VERSION"
	GOBIN=$bin go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRI_TOOLS_VERSION"
fi
if [ ! -x "$bin/critest" ] || [ ! -x "$bin/ginkgo" ]; then
	if [ ! -f "$dir/src/go.mod" ]; then
		echo "# downloading sigs.k8s.io/cri-tools@$CRI_TOOLS_VERSION"
		mod=$(cd "$dir" && go mod download -json "sigs.k8s.io/cri-tools@$CRI_TOOLS_VERSION" | jq -r .Dir)
		rm -rf "$dir/src.tmp" && cp -r "$mod" "$dir/src.tmp" && chmod -R u+w "$dir/src.tmp" && mv "$dir/src.tmp" "$dir/src"
	fi
	echo "# building critest and ginkgo"
	(cd "$dir/src" && go test -c -o "$bin/critest" ./cmd/critest && go build -o "$bin/ginkgo" github.com/onsi/ginkgo/v2/ginkgo)
fi
