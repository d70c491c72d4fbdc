// The bodies of the kernels array_fill.hpp declares: included by array_fill.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "../../core/checked.hpp"

#include "array_fill.hpp"

namespace sessionlib::kernels {

namespace detail {
template <class T>
std::string number_string(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    std::string s = std::to_string(v);  // "5.000000" -> "5"
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  } else {
    return std::to_string(v);
  }
}
}  // namespace detail

/// Every element is attr.value, in the node's static shape.
template <class T>
void fill_kernel(kernel_context& ctx) {
  dims d;
  if (!ctx.static_shape(d)) ctx.fail("Fill: the shape must be static");
  ctx.out.ensure(dtype_of<T>, d);
  std::fill_n(ctx.out.data<T>(), d.elements(), ctx.n.attr.value.scalar<T>());
}

/// Every element is attr.value, in the shape of input 0.
template <class T>
void fill_like_kernel(kernel_context& ctx) {
  const dims& d = ctx.input(0).shape();
  ctx.out.ensure(dtype_of<T>, d);
  std::fill_n(ctx.out.data<T>(), d.elements(), ctx.n.attr.value.scalar<T>());
}

/// start, start + delta, ... up to (excluding) limit.
template <class T>
void range_kernel(kernel_context& ctx) {
  const T start = ctx.input(0).scalar<T>(), limit = ctx.input(1).scalar<T>(), delta = ctx.input(2).scalar<T>();
  using detail::number_string;
  if (delta == T{0}) ctx.fail("Requires delta != 0: " + number_string(delta));
  if (delta > T{0} && start > limit)
    ctx.fail("Requires start <= limit when delta > 0: " + number_string(start) + "/" + number_string(limit));
  if constexpr (std::is_signed_v<T>) {
    if (delta < T{0} && start < limit)
      ctx.fail("Requires start >= limit when delta < 0: " + number_string(start) + "/" + number_string(limit));
  }
  // The count in long double, then checked: a NaN or infinite bound, or a count
  // whose byte size does not fit, is an error here, never a wrapped size_t.
  long double count = 0;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
      ctx.fail("Requires start, limit and delta to be finite: " + number_string(start) + "/" +
               number_string(limit) + "/" + number_string(delta));
  }
  count = std::ceil(std::abs((static_cast<long double>(limit) - static_cast<long double>(start)) /
                             static_cast<long double>(delta)));
  if (!(count <= static_cast<long double>(max_bytes / sizeof(T))))
    ctx.fail("Requires ((limit - start) / delta) <= " + std::to_string(max_bytes / sizeof(T)) + ": " +
             number_string(start) + "/" + number_string(limit) + "/" + number_string(delta));
  const auto n = static_cast<std::size_t>(count);
  ctx.out.ensure(dtype_of<T>, dims{n});
  T* dst = ctx.out.data<T>();
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<T>(start + static_cast<T>(i) * delta);
}

}  // namespace sessionlib::kernels
