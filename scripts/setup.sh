#!/usr/bin/env bash
# Installs the Debian 12 packages sessionlib needs to build, test and run its
# examples. As root it runs apt-get; otherwise it prints the apt-get line to
# run and exits non-zero when something is missing.
#   bash scripts/setup.sh                 # compilers, Meson, the libraries, doctest, ...
#   bash scripts/setup.sh --with-libtorch # also libtorch-dev (~755 MB), only for
#                                         # the libtorch comparison benchmark
set -euo pipefail

packages=(
  g++ clang libclang-rt-14-dev            # both compilers; clang's sanitizer runtimes
  libfuzzer-14-dev                        # clang -fsanitize=fuzzer for the fuzz targets
  meson ninja-build pkg-config cmake python3
  libxtensor-dev libxsimd-dev xtl-dev     # arrays and SIMD
  libopenblas-dev libtbb-dev zlib1g-dev   # matmul, threads, gzip
  doctest-dev libbenchmark-dev nlohmann-json3-dev
  dataset-fashion-mnist                   # the flagship example's data
  libprotobuf-dev protobuf-compiler python3-protobuf  # the opt-in GraphDef part and its tests
  libopenmpi-dev openmpi-bin              # the opt-in MPI engine (sessionlib/mpi.hpp) and mpirun
)

for arg in "$@"; do
  case $arg in
    --with-libtorch) packages+=(libtorch-dev) ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  # "install ok installed" only for a package that is fully installed.
  if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup.sh: all ${#packages[@]} packages are installed"
  exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: missing packages: ${missing[*]}" >&2
  echo "setup.sh: run as root (or with sudo):" >&2
  echo "  $line" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends "${missing[@]}"
