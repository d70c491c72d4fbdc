// Shared helpers of the benchmarks: deterministic inputs and one place that
// sets every thread pool's size, so that interleaved benchmarks do not inherit
// each other's settings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <cblas.h>

#include "torch_peer.hpp"

namespace bench {

/// n floats uniform in [lo, hi), the same for the same seed.
inline std::vector<float> uniform(std::size_t n, std::uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

/// n class labels in [0, classes).
inline std::vector<std::int64_t> labels(std::size_t n, std::int64_t classes, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<std::int64_t> d(0, classes - 1);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

/// Sets OpenBLAS's and libtorch's thread counts; called at the start of every
/// benchmark so each measures the count it names whatever ran before it.
inline void set_threads(int n) {
  openblas_set_num_threads(n);
  torch_peer::set_threads(n);
}

/// The process's peak resident memory so far (VmHWM), in KiB; -1 if unknown.
inline long vm_hwm_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

}  // namespace bench
