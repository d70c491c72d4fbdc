// The bodies of the kernels array_index.hpp declares: included by array_index.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <algorithm>
#include <string>
#include <type_traits>

#include "array_index.hpp"

namespace sessionlib::kernels {

namespace detail {
/// Position `flat` of shape `d` as the multi-index TF prints: "3" or "1,2".
inline std::string multi_index(std::size_t flat, const dims& d) {
  if (d.size() <= 1) return std::to_string(flat);
  std::array<std::size_t, dims::max_rank> idx{};
  for (std::size_t ax = d.size(); ax-- > 0;) {
    idx[ax] = flat % d[ax];
    flat /= d[ax];
  }
  std::string s;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i) s += ',';  // not `"," + std::to_string(...)`: g++ 12 -O3 warns falsely (-Wrestrict)
    s += std::to_string(idx[i]);
  }
  return s;
}

/// 0 <= k < n, without a comparison that is always true for unsigned I.
template <class I>
bool index_in(I k, std::size_t n) {
  if constexpr (std::is_signed_v<I>) {
    if (k < 0) return false;
  }
  return static_cast<std::size_t>(k) < n;
}
}  // namespace detail

/// out[o, i..., j] = params[o, indices[i...], j] along `axis`.
template <class T, class I>
void gather_kernel(kernel_context& ctx) {
  const any_array& params = ctx.input(0);
  const any_array& indices = ctx.input(1);
  const auto axis = static_cast<std::size_t>(ctx.attrs<axis_attrs>().axis);
  const dims& pd = params.shape();
  const std::size_t limit = pd[axis];
  const I* idx = indices.data<I>();
  const std::size_t count = indices.size();
  for (std::size_t i = 0; i < count; ++i)
    if (!detail::index_in(idx[i], limit))
      ctx.fail("indices[" + detail::multi_index(i, indices.shape()) + "] = " + std::to_string(idx[i]) +
               " is not in [0, " + std::to_string(limit) + ")");
  dims out;
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) {
    out.push_back(pd[i]);
    outer *= pd[i];
  }
  for (auto d : indices.shape()) out.push_back(d);
  for (std::size_t i = axis + 1; i < pd.size(); ++i) {
    out.push_back(pd[i]);
    inner *= pd[i];
  }
  ctx.out.ensure(dtype_of<T>, out);
  const T* src = params.data<T>();
  T* dst = ctx.out.data<T>();
  if (out.elements() == 0) return;
  for (std::size_t o = 0; o < outer; ++o) {
    const T* block = src + o * limit * inner;
    for (std::size_t i = 0; i < count; ++i) {
      const T* row = block + static_cast<std::size_t>(idx[i]) * inner;
      std::copy(row, row + inner, dst);
      dst += inner;
    }
  }
}

/// out[i..., d] = on_value if indices[i...] == d else off_value; indices outside
/// [0, depth) give a row of off_value (as TF).
template <class I, class T>
void one_hot_kernel(kernel_context& ctx) {
  const any_array& indices = ctx.input(0);
  const one_hot_attrs& a = ctx.attrs<one_hot_attrs>();
  const auto depth = static_cast<std::size_t>(a.depth);
  const T on = static_cast<T>(a.on_value), off = static_cast<T>(a.off_value);
  dims out = indices.shape();
  out.push_back(depth);
  ctx.out.ensure(dtype_of<T>, out);
  T* dst = ctx.out.data<T>();
  std::fill(dst, dst + out.elements(), off);
  const I* idx = indices.data<I>();
  const std::size_t count = indices.size();
  for (std::size_t i = 0; i < count; ++i) {
    const I k = idx[i];
    if (detail::index_in(k, depth)) dst[i * depth + static_cast<std::size_t>(k)] = on;
  }
}

}  // namespace sessionlib::kernels
