// Shared helpers of the math, reduce and control op tests: deterministic
// "random-ish" values per dtype and element checks against reference loops.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include <doctest/doctest.h>
#include <sessionlib/core/xtensor.hpp>

namespace mathtest {

/// A fixed pseudo-random sequence (an LCG), so failures reproduce.
class lcg {
 public:
  explicit lcg(std::uint64_t seed) : s_(seed * 6364136223846793005ULL + 1442695040888963407ULL) {}
  /// Uniform in [0, 1).
  double next() {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s_ >> 11) * (1.0 / 9007199254740992.0);
  }

 private:
  std::uint64_t s_;
};

/// Values in [lo, hi) of dtype T: integers are whole numbers, bool is a coin flip.
template <class T, std::size_t N>
xt::xtensor<T, N> sample(const std::array<std::size_t, N>& sh, double lo, double hi, std::uint64_t seed = 1) {
  xt::xtensor<T, N> a(sh);
  lcg r(seed);
  for (auto& v : a) {
    const double x = lo + (hi - lo) * r.next();
    if constexpr (std::is_same_v<T, bool>) v = x < (lo + hi) / 2;
    else if constexpr (std::is_integral_v<T>) v = static_cast<T>(std::floor(x));
    else v = static_cast<T>(x);
  }
  return a;
}

/// Lowest value of `sample` for T: 0 for unsigned types, else `lo`.
template <class T>
constexpr double low(double lo) { return std::is_unsigned_v<T> || std::is_same_v<T, bool> ? 0.0 : lo; }

/// Exact for integers and bool; relative tolerance for floats (NaN equals NaN).
template <class T>
bool close(T got, T want) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    const T tol = std::is_same_v<T, float> ? T(2e-5) : T(1e-12);
    return std::abs(got - want) <= tol * std::max(T(1), std::abs(want));
  } else {
    return got == want;
  }
}

/// Checks every element of `got` against `want` (same shape), reporting the first mismatch.
template <class T, class G, class W>
void check_all(const G& got, const W& want) {
  REQUIRE(std::vector<std::size_t>(got.shape().begin(), got.shape().end()) ==
          std::vector<std::size_t>(want.shape().begin(), want.shape().end()));
  for (std::size_t i = 0; i < want.size(); ++i) {
    const T g = got.data()[i], w = want.data()[i];
    if (!close(g, w)) {
      INFO("element ", i, ": got ", +g, ", want ", +w);
      CHECK(close(g, w));
      return;
    }
  }
}

}  // namespace mathtest
