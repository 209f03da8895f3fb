#!/usr/bin/env bash
# Installs what `make bench` needs from Debian's packages (the list lives in
# scripts/install-deps.sh, mode "bench"). Idempotent.
set -euo pipefail
exec "$(dirname "$0")/../../scripts/install-deps.sh" bench
