// Shape algebra at compile time. Each rule is a constexpr function over arrays
// of extents returning a `rule_result` (the dimensions, or the first offending
// pair); the alias templates below turn a success into a `shape<...>` and the
// ops turn a failure into a `sessionlib:` static_assert that shows the pair.
#pragma once

#include <array>
#include <cstddef>

#include "shape.hpp"

namespace sessionlib::algebra {

template <std::size_t N>
struct rule_result {
  std::array<std::ptrdiff_t, N> dims{};
  bool ok = true;
  std::ptrdiff_t bad_a = 0, bad_b = 0;  // the offending pair, for the report
};

/// numpy broadcasting: align from the right; 1 stretches; dyn defers to run time.
template <std::size_t A, std::size_t B>
constexpr auto broadcast(const std::array<std::ptrdiff_t, A>& a, const std::array<std::ptrdiff_t, B>& b) {
  constexpr std::size_t N = A > B ? A : B;
  rule_result<N> r;
  for (std::size_t i = 0; i < N; ++i) {
    const std::ptrdiff_t x = i < N - A ? 1 : a[i - (N - A)];
    const std::ptrdiff_t y = i < N - B ? 1 : b[i - (N - B)];
    if (x == 1) r.dims[i] = y;
    else if (y == 1) r.dims[i] = x;
    else if (x == dyn) r.dims[i] = y;  // checked at run time
    else if (y == dyn || x == y) r.dims[i] = x;
    else if (r.ok) { r.ok = false; r.bad_a = x; r.bad_b = y; }
  }
  return r;
}

/// matmul over the last two axes, leading axes broadcast (batched matmul).
template <std::size_t A, std::size_t B>
constexpr auto matmul(const std::array<std::ptrdiff_t, A>& a, const std::array<std::ptrdiff_t, B>& b,
                      bool ta, bool tb) {
  static_assert(A >= 2 && B >= 2);
  constexpr std::size_t N = A > B ? A : B;
  rule_result<N> r;
  std::array<std::ptrdiff_t, A - 2> ba{};
  std::array<std::ptrdiff_t, B - 2> bb{};
  for (std::size_t i = 0; i + 2 < A; ++i) ba[i] = a[i];
  for (std::size_t i = 0; i + 2 < B; ++i) bb[i] = b[i];
  auto batch = broadcast(ba, bb);
  for (std::size_t i = 0; i + 2 < N; ++i) r.dims[i] = batch.dims[i];
  const std::ptrdiff_t m = ta ? a[A - 1] : a[A - 2], ka = ta ? a[A - 2] : a[A - 1];
  const std::ptrdiff_t kb = tb ? b[B - 1] : b[B - 2], n = tb ? b[B - 2] : b[B - 1];
  r.dims[N - 2] = m;
  r.dims[N - 1] = n;
  if (ka != dyn && kb != dyn && ka != kb) { r.ok = false; r.bad_a = ka; r.bad_b = kb; }
  else if (!batch.ok) { r.ok = false; r.bad_a = batch.bad_a; r.bad_b = batch.bad_b; }
  return r;
}

/// Normalises a possibly negative axis; rank + 1 on error.
constexpr std::size_t norm_axis(int axis, std::size_t rank) {
  const int r = static_cast<int>(rank);
  if (axis < -r || axis >= r) return rank + 1;
  return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

template <std::size_t R, std::size_t K>
constexpr bool axes_valid(const std::array<int, K>& axes) {
  std::array<bool, R + 1> seen{};
  for (int ax : axes) {
    const std::size_t a = norm_axis(ax, R);
    if (a >= R || seen[a]) return false;
    seen[a] = true;
  }
  return true;
}

/// Reduction over `axes` (all axes when K == 0); keepdims keeps them as 1.
template <std::size_t R, std::size_t K, bool KeepDims>
constexpr auto reduce(const std::array<std::ptrdiff_t, R>& a, const std::array<int, K>& axes) {
  constexpr std::size_t N = KeepDims ? R : (K == 0 ? 0 : R - K);
  std::array<std::ptrdiff_t, N> out{};
  std::size_t j = 0;
  for (std::size_t i = 0; i < R; ++i) {
    bool reduced = K == 0;
    for (int ax : axes) reduced = reduced || norm_axis(ax, R) == i;
    if (!reduced) out[j++] = a[i];
    else if (KeepDims) out[j++] = 1;
  }
  return out;
}

/// reshape: one dyn plays TF's -1; element counts must agree when both are static.
template <std::size_t A, std::size_t B>
constexpr auto reshape(const std::array<std::ptrdiff_t, A>& from, const std::array<std::ptrdiff_t, B>& to) {
  rule_result<B> r;
  r.dims = to;
  std::ptrdiff_t n_from = 1, n_to = 1;
  bool from_static = true;
  std::size_t dyn_count = 0, dyn_at = 0;
  for (auto d : from) { if (d == dyn) from_static = false; else n_from *= d; }
  for (std::size_t i = 0; i < B; ++i) { if (to[i] == dyn) { ++dyn_count; dyn_at = i; } else n_to *= to[i]; }
  if (dyn_count > 1) { r.ok = false; r.bad_a = -1; r.bad_b = -1; return r; }
  if (from_static && dyn_count == 0 && n_from != n_to) { r.ok = false; r.bad_a = n_from; r.bad_b = n_to; }
  if (from_static && dyn_count == 1) {
    if (n_to == 0 || n_from % n_to != 0) { r.ok = false; r.bad_a = n_from; r.bad_b = n_to; }
    else r.dims[dyn_at] = n_from / n_to;
  }
  return r;
}

/// transpose by a permutation (empty: reverse the axes).
template <std::size_t R>
constexpr auto transpose(const std::array<std::ptrdiff_t, R>& a, const std::array<int, R>& perm) {
  std::array<std::ptrdiff_t, R> out{};
  for (std::size_t i = 0; i < R; ++i) out[i] = a[static_cast<std::size_t>(perm[i])];
  return out;
}

template <std::size_t R>
constexpr bool is_permutation(const std::array<int, R>& perm) {
  std::array<bool, R + 1> seen{};
  for (int p : perm) {
    if (p < 0 || static_cast<std::size_t>(p) >= R || seen[static_cast<std::size_t>(p)]) return false;
    seen[static_cast<std::size_t>(p)] = true;
  }
  return true;
}

/// expand_dims: insert a 1 at `axis` (in [-(R+1), R]).
template <std::size_t R>
constexpr auto expand_dims(const std::array<std::ptrdiff_t, R>& a, std::size_t axis) {
  std::array<std::ptrdiff_t, R + 1> out{};
  for (std::size_t i = 0, j = 0; i < R + 1; ++i) out[i] = i == axis ? 1 : a[j++];
  return out;
}

/// squeeze: remove the listed axes (each must be statically 1), or all static 1s.
template <std::size_t R, std::size_t K>
constexpr std::size_t squeeze_rank(const std::array<std::ptrdiff_t, R>& a, const std::array<int, K>& /*axes*/) {
  if (K != 0) return R - K;
  std::size_t n = 0;
  for (auto d : a) n += d == 1 ? 0 : 1;
  return n;
}
template <std::size_t N, std::size_t R, std::size_t K>
constexpr auto squeeze(const std::array<std::ptrdiff_t, R>& a, const std::array<int, K>& axes) {
  std::array<std::ptrdiff_t, N> out{};
  std::size_t j = 0;
  for (std::size_t i = 0; i < R; ++i) {
    bool drop = false;
    if (K == 0) drop = a[i] == 1;
    for (int ax : axes) drop = drop || norm_axis(ax, R) == i;
    if (!drop) out[j++] = a[i];
  }
  return out;
}

/// concat along `axis`: other dimensions must agree; the axis dims add up.
template <std::size_t R>
constexpr auto concat(const std::array<std::ptrdiff_t, R>& a, const std::array<std::ptrdiff_t, R>& b, std::size_t axis) {
  rule_result<R> r;
  for (std::size_t i = 0; i < R; ++i) {
    if (i == axis) r.dims[i] = (a[i] == dyn || b[i] == dyn) ? dyn : a[i] + b[i];
    else if (a[i] == dyn) r.dims[i] = b[i];
    else if (b[i] == dyn || a[i] == b[i]) r.dims[i] = a[i];
    else if (r.ok) { r.ok = false; r.bad_a = a[i]; r.bad_b = b[i]; }
  }
  return r;
}

}  // namespace sessionlib::algebra
