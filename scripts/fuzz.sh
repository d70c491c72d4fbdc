#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with AddressSanitizer and UBSan in
# build-fuzz (clang), then runs each for SECONDS (default 20) from its
# committed seed corpus. Exits non-zero when any target finds something: a
# crash, a sanitizer report, an exception that is not an sl::error, an
# allocation past -malloc_limit_mb, a timeout. Findings are kept in
# build-fuzz/fuzz-findings/; docs/fuzzing.md says how to reproduce them and
# how to run for hours.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail

seconds=${1:-20}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=(checkpoint_index npy idx)

if [ ! -f "$build/build.ninja" ]; then
  CXX=clang++ meson setup "$build" "$root" -Dfuzz=true -Dtests=false -Dbenchmarks=false \
    -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build" -j"${FUZZ_JOBS:-2}" "${targets[@]/#/fuzz/fuzz_}"

# UBSan reports are findings, not warnings.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
findings=$build/fuzz-findings
mkdir -p "$findings"
failed=()
for t in "${targets[@]}"; do
  work=$build/fuzz-corpus/$t  # new inputs go here, never into the committed seeds
  mkdir -p "$work"
  echo "== fuzz_$t: ${seconds}s"
  if ! "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$findings/$t-" "$work" "$root/fuzz/corpus/$t" 2>"$build/fuzz-$t.log"; then
    failed+=("$t")
    tail -n 40 "$build/fuzz-$t.log"
  else
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$build/fuzz-$t.log" || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in $findings; logs in $build/fuzz-<target>.log)" >&2
  exit 1
fi
echo "fuzz: no findings in ${targets[*]} (${seconds}s each)"
