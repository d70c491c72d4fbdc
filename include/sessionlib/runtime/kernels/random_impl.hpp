// The bodies of the kernels random.hpp declares: included by random.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <cmath>
#include <random>

#include "random.hpp"

namespace sessionlib::kernels {

namespace detail {
/// Sizes the output to the node's static shape and fills it with `draw(engine)`.
template <class T, class Draw>
void fill_random(kernel_context& ctx, Draw&& draw) {
  dims d;
  if (!ctx.static_shape(d)) ctx.fail("random ops need a fully static shape");
  ctx.out.ensure(dtype_of<T>, d);
  T* out = ctx.out.data<T>();
  const std::size_t n = d.elements();
  const random_attrs& a = ctx.attrs<random_attrs>();
  ctx.state.with_rng(ctx.self, static_cast<std::uint64_t>(a.seed), static_cast<std::uint64_t>(a.seed2),
                     [&](std::mt19937_64& eng) {
                       for (std::size_t i = 0; i < n; ++i) out[i] = draw(eng);
                     });
}
}  // namespace detail

/// RandomStandardNormal scaled: N(mean, stddev^2).
template <class T>
void random_normal_kernel(kernel_context& ctx) {
  const random_attrs& a = ctx.attrs<random_attrs>();
  std::normal_distribution<T> dist(static_cast<T>(a.a), static_cast<T>(a.b));
  detail::fill_random<T>(ctx, [&](std::mt19937_64& e) { return dist(e); });
}

/// TruncatedNormal: N(mean, stddev^2), redrawn while more than two stddevs away.
template <class T>
void truncated_normal_kernel(kernel_context& ctx) {
  std::normal_distribution<T> dist(T(0), T(1));
  const random_attrs& a = ctx.attrs<random_attrs>();
  const T mean = static_cast<T>(a.a), stddev = static_cast<T>(a.b);
  detail::fill_random<T>(ctx, [&](std::mt19937_64& e) {
    T z;
    do z = dist(e);
    while (std::abs(z) > T(2));
    return static_cast<T>(mean + stddev * z);
  });
}

/// RandomUniform: [minval, maxval) for floats, [minval, maxval) for integers (TF's rule).
template <class T>
void random_uniform_kernel(kernel_context& ctx) {
  const double lo = ctx.attrs<random_attrs>().a, hi = ctx.attrs<random_attrs>().b;
  if constexpr (std::is_floating_point_v<T>) {
    std::uniform_real_distribution<T> dist(static_cast<T>(lo), static_cast<T>(hi));
    detail::fill_random<T>(ctx, [&](std::mt19937_64& e) { return dist(e); });
  } else {
    if (!(hi > lo)) ctx.fail("Need minval < maxval: " + std::to_string(static_cast<std::int64_t>(lo)) +
                             " >= " + std::to_string(static_cast<std::int64_t>(hi)));
    std::uniform_int_distribution<std::int64_t> dist(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi) - 1);
    detail::fill_random<T>(ctx, [&](std::mt19937_64& e) { return static_cast<T>(dist(e)); });
  }
}

}  // namespace sessionlib::kernels
