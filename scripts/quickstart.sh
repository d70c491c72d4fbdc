#!/usr/bin/env bash
# From a fresh Debian 12 machine to the flagship example, from the repository
# root: installs missing packages (scripts/setup.sh), configures ./build (or
# BUILD_DIR), builds the example and runs it.
#   bash scripts/quickstart.sh [BUILD_DIR [EXAMPLE_ARGS...]]
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${1:-build}
shift || true

bash scripts/setup.sh
[[ -f $builddir/build.ninja ]] || meson setup "$builddir"
bash scripts/run_example.sh "$builddir" "$@"
