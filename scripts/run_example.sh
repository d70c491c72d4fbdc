#!/usr/bin/env bash
# Builds and runs the flagship example (examples/fashion_mnist) in BUILD_DIR,
# or the seed example (examples/seed) while the flagship does not exist yet.
# Builds only that one target.
#   bash scripts/run_example.sh [BUILD_DIR [EXAMPLE_ARGS...]]
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${1:-build}
shift || true

# Regenerate first if meson.build files changed, so new targets are listed.
ninja -C "$builddir" build.ninja >/dev/null
target=examples/seed
if ninja -C "$builddir" -t targets all | grep -q '^examples/fashion_mnist:'; then
  target=examples/fashion_mnist
fi
ninja -C "$builddir" -j "${JOBS:-2}" "$target"
echo "+ $builddir/$target $*"
exec "$builddir/$target" "$@"
