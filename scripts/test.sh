#!/usr/bin/env bash
# The full test suite on a fresh Debian 12 machine, from the repository root:
# installs missing packages (scripts/setup.sh), configures, builds everything
# and runs `meson test`.
#   bash scripts/test.sh [BUILD_DIR [MESON_SETUP_ARGS...]] [-- MESON_TEST_ARGS...]
#   bash scripts/test.sh                                    # ./build, g++
#   CXX=clang++ bash scripts/test.sh build-clang -Dbenchmarks=false
#   bash scripts/test.sh build -- --suite ops               # one suite
# JOBS (default 2) sets the build's and the suite's parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=build
if [[ $# -gt 0 && $1 != -- ]]; then builddir=$1; shift; fi
setup_args=()
while [[ $# -gt 0 && $1 != -- ]]; do setup_args+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
test_args=("$@")
jobs=${JOBS:-2}

bash scripts/setup.sh

if [[ -f $builddir/build.ninja ]]; then
  # An existing build keeps its compiler; the options given here are applied.
  if [[ ${#setup_args[@]} -gt 0 ]]; then meson configure "$builddir" "${setup_args[@]}"; fi
else
  meson setup "$builddir" "${setup_args[@]}"
fi
ninja -C "$builddir" -j "$jobs"
meson test -C "$builddir" --num-processes "$jobs" --print-errorlogs "${test_args[@]}"
