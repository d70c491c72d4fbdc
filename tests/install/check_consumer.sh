#!/usr/bin/env bash
# Builds consumer.cpp against sessionlib one way and checks what it prints.
#   check_consumer.sh MODE SOURCE_ROOT CXX [CXX_ARGS...]
# MODE: subproject  -- a Meson project whose subprojects/sessionlib is this tree
#       pkgconfig   -- `meson install` into a temporary prefix, then
#                      $CXX $(pkg-config --cflags --libs sessionlib)
#       cmake       -- `meson install --destdir` (so the package must be
#                      relocatable), then find_package(sessionlib)
# Each builds at -O2 with -Wall -Wextra -Werror, as a user's optimised build
# does: some warnings (-Wmaybe-uninitialized) only come from the optimiser.
# Each builds it twice: header-only, and against the implementation library
# (sessionlib-impl, -DSESSIONLIB_SEPARATE: docs/getting_started.md, "Faster builds").
# Everything happens in a temporary directory, removed on exit.
set -euo pipefail

mode=$1
src=$(cd "$2" && pwd)
shift 2
cxx=("$@")
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sessionlib-install-$mode.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/app"
cp "$here/consumer.cpp" "$tmp/app/main.cpp"

step() { echo "+ $*"; "$@"; }

# Configures, builds and installs the library (headers, libsessionlib-impl.a,
# the .pc files, the CMake config) from this source tree; no tests, no benchmarks.
install_library() {
  local prefix=$1; shift
  CXX="${cxx[*]}" step meson setup "$tmp/build" "$src" --prefix="$prefix" \
    -Dtests=false -Dbenchmarks=false >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; return 1; }
  # Builds the implementation library (libsessionlib-impl.a), the only target.
  step ninja -C "$tmp/build" -j1 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; return 1; }
  step meson install -C "$tmp/build" --no-rebuild "$@" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; return 1; }
}

case $mode in
subproject)
  mkdir "$tmp/app/subprojects"
  ln -s "$src" "$tmp/app/subprojects/sessionlib"
  cat >"$tmp/app/meson.build" <<'MESON'
project('consumer', 'cpp',
        default_options : ['cpp_std=c++20', 'buildtype=debugoptimized', 'warning_level=3', 'werror=true'])
sessionlib = subproject('sessionlib')
executable('consumer', 'main.cpp', dependencies : sessionlib.get_variable('sessionlib_dep'))
executable('consumer-impl', 'main.cpp', dependencies : sessionlib.get_variable('sessionlib_impl_dep'))
MESON
  CXX="${cxx[*]}" step meson setup "$tmp/app-build" "$tmp/app" >"$tmp/app-setup.log" 2>&1 \
    || { cat "$tmp/app-setup.log"; exit 1; }
  step ninja -C "$tmp/app-build" -v
  exes=("$tmp/app-build/consumer" "$tmp/app-build/consumer-impl")
  ;;
pkgconfig)
  install_library "$tmp/prefix"
  pcdir=$(dirname "$(find "$tmp/prefix" -name sessionlib.pc | head -n 1)")
  export PKG_CONFIG_PATH=$pcdir
  flags=$(pkg-config --cflags --libs sessionlib)
  echo "pkg-config --cflags --libs sessionlib: $flags"
  # No -Wpedantic: pkg-config hands out OpenBLAS's include path as -I, not as a
  # system path, and clang's -Wpedantic rejects its openblas_config.h (_Complex).
  # shellcheck disable=SC2086  # the flags are meant to split
  step "${cxx[@]}" -std=c++20 -O2 -Wall -Wextra -Werror "$tmp/app/main.cpp" $flags -o "$tmp/consumer"
  flags=$(pkg-config --cflags --libs sessionlib-impl)
  echo "pkg-config --cflags --libs sessionlib-impl: $flags"
  [[ $flags == *-DSESSIONLIB_SEPARATE* && $flags == *-lsessionlib-impl* ]] \
    || { echo "sessionlib-impl.pc must carry -DSESSIONLIB_SEPARATE and -lsessionlib-impl"; exit 1; }
  # shellcheck disable=SC2086
  step "${cxx[@]}" -std=c++20 -O2 -Wall -Wextra -Werror "$tmp/app/main.cpp" $flags -o "$tmp/consumer-impl"
  exes=("$tmp/consumer" "$tmp/consumer-impl")
  ;;
cmake)
  install_library /opt/sessionlib --destdir "$tmp/stage"
  cat >"$tmp/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(consumer CXX)
find_package(sessionlib 0.1 REQUIRED COMPONENTS impl)
message(STATUS "sessionlib ${sessionlib_VERSION} from ${sessionlib_DIR}")
add_executable(consumer main.cpp)  # C++20 comes from the target
target_compile_options(consumer PRIVATE -O2 -Wall -Wextra -Wpedantic -Werror)
target_link_libraries(consumer PRIVATE sessionlib::sessionlib)
add_executable(consumer-impl main.cpp)
target_compile_options(consumer-impl PRIVATE -O2 -Wall -Wextra -Wpedantic -Werror)
target_link_libraries(consumer-impl PRIVATE sessionlib::impl)
CMAKE
  step cmake -S "$tmp/app" -B "$tmp/app-build" -G Ninja \
    -DCMAKE_CXX_COMPILER="${cxx[-1]}" -DCMAKE_PREFIX_PATH="$tmp/stage/opt/sessionlib" \
    | tee "$tmp/cmake.log"
  grep -q "from $tmp/stage/opt/sessionlib/lib/cmake/sessionlib" "$tmp/cmake.log" \
    || { echo "find_package(sessionlib) did not find the staged install"; exit 1; }
  step cmake --build "$tmp/app-build" -- -v
  exes=("$tmp/app-build/consumer" "$tmp/app-build/consumer-impl")
  ;;
*)
  echo "unknown mode '$mode' (subproject, pkgconfig or cmake)"; exit 2 ;;
esac

for exe in "${exes[@]}"; do
  out=$("$exe")
  echo "$(basename "$exe"): $out"
  if [[ $out != "c = 30" ]]; then
    echo "expected 'c = 30'"
    exit 1
  fi
done
echo "install/$mode: ok"
