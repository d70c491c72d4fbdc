// The bodies of the kernels split.hpp declares: included by split.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

#include "elementwise.hpp"

#include "split.hpp"

namespace sessionlib::kernels {

namespace detail {
/// Elements before and after `axis` of `d` (outer, inner).
inline std::pair<std::size_t, std::size_t> around(const dims& d, std::size_t axis) {
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= d[i];
  for (std::size_t i = axis + 1; i < d.size(); ++i) inner *= d[i];
  return {outer, inner};
}
inline dims without_axis(const dims& d, std::size_t axis) {
  dims r;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (i != axis) r.push_back(d[i]);
  return r;
}
}  // namespace detail

/// tf.split with num equal parts: output k is the k-th part along `axis`.
template <class T>
void split_kernel(kernel_context& ctx) {
  const split_attrs& a = ctx.attrs<split_attrs>();
  const auto axis = static_cast<std::size_t>(a.axis), num = static_cast<std::size_t>(a.num_split);
  const any_array& in = ctx.input(0);
  const dims& d = in.shape();
  if (axis >= d.size()) ctx.fail("split: axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(d.size()));
  if (d[axis] % num != 0)
    ctx.fail("Number of ways to split should evenly divide the split dimension, but got split_dim " +
             std::to_string(axis) + " (size = " + std::to_string(d[axis]) + ") and num_split " + std::to_string(num));
  const std::size_t part = d[axis] / num;
  const auto [outer, inner] = detail::around(d, axis);
  dims od = d;
  od[axis] = part;
  const T* src = in.data<T>();
  for (std::size_t k = 0; k < num; ++k) {
    any_array& out = ctx.output(k);
    out.ensure(dtype_of<T>, od);
    T* dst = out.data<T>();
    const std::size_t chunk = part * inner;
    for (std::size_t o = 0; o < outer; ++o)
      std::copy_n(src + (o * d[axis] + k * part) * inner, chunk, dst + o * chunk);
  }
}

/// tf.unstack: output k is slice k along `axis`, that axis removed.
template <class T>
void unpack_kernel(kernel_context& ctx) {
  const pack_attrs& a = ctx.attrs<pack_attrs>();
  const auto axis = static_cast<std::size_t>(a.axis), num = static_cast<std::size_t>(a.num);
  const any_array& in = ctx.input(0);
  const dims& d = in.shape();
  if (axis >= d.size() || d[axis] != num)
    ctx.fail("Input shape axis " + std::to_string(axis) + " must equal " + std::to_string(num) + ", got shape " +
             bracket_shape(d));
  const auto [outer, inner] = detail::around(d, axis);
  const dims od = detail::without_axis(d, axis);
  const T* src = in.data<T>();
  for (std::size_t k = 0; k < num; ++k) {
    any_array& out = ctx.output(k);
    out.ensure(dtype_of<T>, od);
    T* dst = out.data<T>();
    for (std::size_t o = 0; o < outer; ++o) std::copy_n(src + (o * num + k) * inner, inner, dst + o * inner);
  }
}

/// tf.stack: the inputs, of one shape, along a new axis `axis`.
template <class T>
void pack_kernel(kernel_context& ctx) {
  const auto axis = static_cast<std::size_t>(ctx.attrs<pack_attrs>().axis);
  const dims& d = ctx.input(0).shape();
  for (std::size_t k = 1; k < ctx.nin; ++k)
    if (!(ctx.input(k).shape() == d))
      ctx.fail("Shapes of all inputs must match: values[0].shape = " + bracket_shape(d) + " != values[" +
               std::to_string(k) + "].shape = " + bracket_shape(ctx.input(k).shape()));
  dims od;
  for (std::size_t i = 0; i <= d.size(); ++i) {
    if (i == axis) od.push_back(ctx.nin);
    if (i < d.size()) od.push_back(d[i]);
  }
  ctx.out.ensure(dtype_of<T>, od);
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= d[i];
  for (std::size_t i = axis; i < d.size(); ++i) inner *= d[i];
  T* dst = ctx.out.data<T>();
  for (std::size_t k = 0; k < ctx.nin; ++k) {
    const T* src = ctx.input(k).data<T>();
    for (std::size_t o = 0; o < outer; ++o) std::copy_n(src + o * inner, inner, dst + (o * ctx.nin + k) * inner);
  }
}

/// tf.nn.top_k (sorted): the k largest of each row (last axis), largest first;
/// equal values keep their order (the lower index first), as TF's.
template <class T>
void top_k_kernel(kernel_context& ctx) {
  const auto k = static_cast<std::size_t>(ctx.attrs<top_k_attrs>().k);
  const any_array& in = ctx.input(0);
  const dims& d = in.shape();
  if (d.size() == 0) ctx.fail("input must be >= 1-D, got shape []");
  const std::size_t n = d[d.size() - 1];
  if (n < k) ctx.fail("input must have at least k columns. Had " + std::to_string(n) + ", needed " + std::to_string(k));
  dims od = d;
  od[od.size() - 1] = k;
  any_array& values = ctx.output(0);
  any_array& indices = ctx.output(1);
  values.ensure(dtype_of<T>, od);
  indices.ensure(dtype::int32, od);
  const std::size_t rows = n == 0 ? 0 : in.size() / n;
  const T* src = in.data<T>();
  T* v = values.data<T>();
  std::int32_t* ix = indices.data<std::int32_t>();
  std::vector<std::int32_t> order(n);
  for (std::size_t r = 0; r < rows; ++r) {
    const T* row = src + r * n;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [row](std::int32_t a, std::int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    for (std::size_t j = 0; j < k; ++j) {
      v[r * k + j] = row[order[j]];
      ix[r * k + j] = order[j];
    }
  }
}

/// The gradient of top_k: dvalues (input 0) added at their indices (input 1,
/// int32, last axis) into zeros of x's shape (input 2).
template <class T>
void top_k_grad_kernel(kernel_context& ctx) {
  const any_array& dv = ctx.input(0);
  const any_array& ix = ctx.input(1);
  const dims& d = ctx.input(2).shape();
  ctx.out.ensure(dtype_of<T>, d);
  T* out = ctx.out.data<T>();
  std::fill_n(out, ctx.out.size(), T{});
  const std::size_t n = d.size() ? d[d.size() - 1] : 1;
  const std::size_t k = dv.shape().size() ? dv.shape()[dv.shape().size() - 1] : 1;
  const std::size_t rows = k == 0 ? 0 : dv.size() / k;
  const T* g = dv.data<T>();
  const std::int32_t* idx = ix.data<std::int32_t>();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < k; ++j) out[r * n + static_cast<std::size_t>(idx[r * k + j])] += g[r * k + j];
}

/// tf.nn.moments: output 0 the mean, output 1 the (population) variance over
/// `axes` (normalised, ascending); reduced axes kept as 1 with `keep_dims`.
template <class T>
void moments_kernel(kernel_context& ctx) {
  const any_array& in = ctx.input(0);
  const dims& d = in.shape();
  const moments_attrs& ma = ctx.attrs<moments_attrs>();
  const auto& axes = ma.axes;
  const bool keep = ma.keep_dims;
  std::array<bool, dims::max_rank> reduced{};
  for (auto a : axes) {
    if (a < 0 || static_cast<std::size_t>(a) >= d.size())
      ctx.fail("moments: axis " + std::to_string(a) + " is out of range for rank " + std::to_string(d.size()));
    reduced[static_cast<std::size_t>(a)] = true;
  }
  dims od;
  std::array<std::size_t, dims::max_rank> ostride{};  // per input axis: the output's stride, 0 when reduced
  std::size_t stride = 1;
  for (std::size_t i = d.size(); i-- > 0;) {
    ostride[i] = reduced[i] ? 0 : stride;
    if (!reduced[i]) stride *= d[i];
  }
  for (std::size_t i = 0; i < d.size(); ++i)
    if (!reduced[i]) od.push_back(d[i]);
    else if (keep) od.push_back(1);
  any_array& mean = ctx.output(0);
  any_array& var = ctx.output(1);
  mean.ensure(dtype_of<T>, od);
  var.ensure(dtype_of<T>, od);
  const std::size_t m = mean.size();
  const std::size_t count = m == 0 ? 0 : in.size() / m;
  T* mu = mean.data<T>();
  T* v = var.data<T>();
  std::fill_n(mu, m, T{});
  std::fill_n(v, m, T{});
  const T* x = in.data<T>();
  const std::size_t total = in.size();
  // Walk the input in order, tracking the output offset of each element.
  auto walk = [&](auto&& f) {
    std::array<std::size_t, dims::max_rank> idx{};
    std::size_t off = 0;
    for (std::size_t e = 0; e < total; ++e) {
      f(x[e], off);
      for (std::size_t ax = d.size(); ax-- > 0;) {
        off += ostride[ax];
        if (++idx[ax] < d[ax]) break;
        off -= ostride[ax] * d[ax];
        idx[ax] = 0;
      }
    }
  };
  walk([&](T value, std::size_t o) { mu[o] += value; });
  const T inv = count ? T(1) / static_cast<T>(count) : std::numeric_limits<T>::quiet_NaN();
  for (std::size_t i = 0; i < m; ++i) mu[i] *= inv;
  walk([&](T value, std::size_t o) { v[o] += (value - mu[o]) * (value - mu[o]); });
  for (std::size_t i = 0; i < m; ++i) v[i] *= inv;
}

/// tf.unique over a vector: output 0 the distinct values in order of first
/// appearance, output 1 (int32, x's length) the position of each element's value in it.
template <class T>
void unique_kernel(kernel_context& ctx) {
  const any_array& in = ctx.input(0);
  const std::size_t n = in.size();
  if (in.shape().size() != 1) ctx.fail("unique expects a 1D vector.");
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    ctx.fail("unique: more than 2^31 - 1 elements do not fit int32 indices");
  any_array& idx = ctx.output(1);
  idx.ensure(dtype::int32, dims{n});
  const T* x = in.data<T>();
  std::int32_t* ix = idx.data<std::int32_t>();
  std::unordered_map<T, std::int32_t> seen;
  seen.reserve(n);
  std::vector<T> values;
  for (std::size_t i = 0; i < n; ++i) {
    auto [it, added] = seen.try_emplace(x[i], static_cast<std::int32_t>(values.size()));
    if (added) values.push_back(x[i]);
    ix[i] = it->second;
  }
  any_array& y = ctx.output(0);
  y.ensure(dtype_of<T>, dims{values.size()});
  std::copy(values.begin(), values.end(), y.data<T>());
}

}  // namespace sessionlib::kernels
