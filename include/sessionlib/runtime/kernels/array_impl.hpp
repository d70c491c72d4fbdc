// The bodies of the kernels array.hpp declares: included by array.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "elementwise.hpp"

#include "array.hpp"

namespace sessionlib::kernels {

namespace detail {
/// Output = the input's values with shape `d`. A buffer owned elsewhere (a feed,
/// a constant, a variable's value) is shared, not copied. An intermediate that
/// its producer's slot owns alone is copied into our reused buffer instead:
/// taking it would make the producer allocate a new one on every run.
inline void forward_with_shape(kernel_context& ctx, const dims& d) {
  const any_array& in = ctx.input(0);
  if (!in.unique()) {
    ctx.out = in.reshaped(d);
    return;
  }
  ctx.out.ensure(in.dtype(), d);
  any_array::copy_elements(in.dtype(), ctx.out.raw(), in.raw(), in.size());
}

/// Row-major strides of `d`.
inline std::array<std::size_t, dims::max_rank> strides_of(const dims& d) {
  std::array<std::size_t, dims::max_rank> s{};
  std::size_t stride = 1;
  for (std::size_t i = d.size(); i-- > 0;) {
    s[i] = stride;
    stride *= d[i];
  }
  return s;
}
}  // namespace detail

/// Reshape; one -1 in the requested shape is inferred.
SESSIONLIB_INLINE void reshape_kernel(kernel_context& ctx) {
  const auto& want = ctx.attrs<reshape_attrs>().shape;
  const std::size_t n = ctx.input(0).size();
  dims d;
  std::size_t known = 1, infer_at = want.size();
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] < 0) {
      infer_at = i;
      d.push_back(0);
    } else {
      d.push_back(static_cast<std::size_t>(want[i]));
      known *= static_cast<std::size_t>(want[i]);
    }
  }
  const std::string values = "Input to reshape is a tensor with " + std::to_string(n) + " values, but the requested shape ";
  if (infer_at == want.size()) {
    if (known != n) ctx.fail(values + "has " + std::to_string(known));
  } else {
    if (known == 0 ? n != 0 : n % known != 0) ctx.fail(values + "requires a multiple of " + std::to_string(known));
    d[infer_at] = known == 0 ? 0 : n / known;
  }
  detail::forward_with_shape(ctx, d);
}

/// Inserts a dimension of 1 at `dim`.
SESSIONLIB_INLINE void expand_dims_kernel(kernel_context& ctx) {
  const dims& in = ctx.input(0).shape();
  const auto axis = static_cast<std::size_t>(ctx.attrs<expand_dims_attrs>().dim);
  dims d;
  for (std::size_t i = 0; i <= in.size(); ++i) {
    if (i == axis) d.push_back(1);
    if (i < in.size()) d.push_back(in[i]);
  }
  detail::forward_with_shape(ctx, d);
}

/// Drops the axes `squeeze_dims`, each of which must be 1.
SESSIONLIB_INLINE void squeeze_kernel(kernel_context& ctx) {
  const dims& in = ctx.input(0).shape();
  const auto& axes = ctx.attrs<squeeze_attrs>().squeeze_dims;
  dims d;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (std::find(axes.begin(), axes.end(), static_cast<std::int64_t>(i)) == axes.end()) {
      d.push_back(in[i]);
    } else if (in[i] != 1) {
      ctx.fail("Can not squeeze dim[" + std::to_string(i) + "], expected a dimension of 1, got " +
               std::to_string(in[i]));
    }
  }
  detail::forward_with_shape(ctx, d);
}

/// Output axis i is input axis perm[i].
template <class T>
void transpose_kernel(kernel_context& ctx) {
  const any_array& a = ctx.input(0);
  const dims& in = a.shape();
  const auto& perm = ctx.attrs<transpose_attrs>().perm;
  const std::size_t r = in.size();
  dims out;
  for (std::size_t i = 0; i < r; ++i) out.push_back(in[static_cast<std::size_t>(perm[i])]);
  ctx.out.ensure(dtype_of<T>, out);
  const T* src = a.data<T>();
  T* dst = ctx.out.data<T>();
  const std::size_t total = out.elements();
  if (total == 0) return;
  if (r < 2) {
    std::copy(src, src + total, dst);
    return;
  }
  const auto in_strides = detail::strides_of(in);
  std::array<std::size_t, dims::max_rank> step{};  // input stride of each output axis
  for (std::size_t i = 0; i < r; ++i) step[i] = in_strides[static_cast<std::size_t>(perm[i])];
  if (r == 2) {  // a matrix: tiles, so reads and writes both stay in cache
    constexpr std::size_t tile = 32;
    const std::size_t rows = out[0], cols = out[1];
    for (std::size_t i0 = 0; i0 < rows; i0 += tile)
      for (std::size_t j0 = 0; j0 < cols; j0 += tile)
        for (std::size_t i = i0; i < std::min(rows, i0 + tile); ++i)
          for (std::size_t j = j0; j < std::min(cols, j0 + tile); ++j) dst[i * cols + j] = src[i * step[0] + j * step[1]];
    return;
  }
  // Walk the output in order; the innermost output axis reads with a fixed input stride.
  std::array<std::size_t, dims::max_rank> idx{};
  std::size_t off = 0;
  const std::size_t inner = out[r - 1], inner_step = step[r - 1];
  for (std::size_t o = 0; o < total; o += inner) {
    for (std::size_t j = 0; j < inner; ++j) dst[o + j] = src[off + j * inner_step];
    for (std::size_t ax = r - 1; ax-- > 0;) {
      off += step[ax];
      if (++idx[ax] < out[ax]) break;
      off -= step[ax] * out[ax];
      idx[ax] = 0;
    }
  }
}

/// Concatenates every input along `axis`.
template <class T>
void concat_kernel(kernel_context& ctx) {
  const auto axis = static_cast<std::size_t>(ctx.attrs<axis_attrs>().axis);
  const dims& first = ctx.input(0).shape();
  dims out = first;
  out[axis] = 0;
  for (std::size_t k = 0; k < ctx.nin; ++k) {
    const dims& d = ctx.input(k).shape();
    for (std::size_t i = 0; i < d.size(); ++i)
      if (i != axis && d[i] != first[i])
        ctx.fail("ConcatOp : Dimensions of inputs should match: shape[0] = " + bracket_shape(first) + " vs. shape[" +
                 std::to_string(k) + "] = " + bracket_shape(d));
    out[axis] += d[axis];
  }
  ctx.out.ensure(dtype_of<T>, out);
  std::size_t outer = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= out[i];
  const std::size_t row = out.elements() / std::max<std::size_t>(outer, 1);  // output elements per outer index
  T* dst = ctx.out.data<T>();
  if (out.elements() == 0) return;
  std::size_t col = 0;
  for (std::size_t k = 0; k < ctx.nin; ++k) {
    const any_array& in = ctx.input(k);
    const std::size_t chunk = in.size() / outer;  // this input's elements per outer index
    const T* src = in.data<T>();
    for (std::size_t o = 0; o < outer; ++o) std::copy(src + o * chunk, src + (o + 1) * chunk, dst + o * row + col);
    col += chunk;
  }
}

/// The block begin[i], size[i] of the input (size -1: to the end of the axis).
template <class T>
void slice_kernel(kernel_context& ctx) {
  const any_array& a = ctx.input(0);
  const dims& in = a.shape();
  const std::size_t r = in.size();
  const auto& at = ctx.attrs<slice_attrs>();
  dims out;
  std::array<std::size_t, dims::max_rank> begin{};
  for (std::size_t i = 0; i < r; ++i) {
    const std::int64_t b = at.begin.at(i), s = at.size.at(i), dim = static_cast<std::int64_t>(in[i]);
    if (b < 0 || b > dim)
      ctx.fail("Expected begin[" + std::to_string(i) + "] in [0, " + std::to_string(dim) + "], but got " +
               std::to_string(b));
    const std::int64_t size = s == -1 ? dim - b : s;
    if (size < 0 || b + size > dim)
      ctx.fail("Expected size[" + std::to_string(i) + "] in [0, " + std::to_string(dim - b) + "], but got " +
               std::to_string(s));
    begin[i] = static_cast<std::size_t>(b);
    out.push_back(static_cast<std::size_t>(size));
  }
  ctx.out.ensure(dtype_of<T>, out);
  const std::size_t total = out.elements();
  if (total == 0) return;
  const T* src = a.data<T>();
  T* dst = ctx.out.data<T>();
  if (r == 0) {
    dst[0] = src[0];
    return;
  }
  const auto st = detail::strides_of(in);
  std::size_t off = 0;
  for (std::size_t i = 0; i < r; ++i) off += begin[i] * st[i];
  // Copy contiguous runs of the innermost axis, advancing a multi-index over the rest.
  std::array<std::size_t, dims::max_rank> idx{};
  const std::size_t inner = out[r - 1];
  for (std::size_t o = 0; o < total; o += inner) {
    std::copy(src + off, src + off + inner, dst + o);
    for (std::size_t ax = r - 1; ax-- > 0;) {
      off += st[ax];
      if (++idx[ax] < out[ax]) break;
      off -= st[ax] * out[ax];
      idx[ax] = 0;
    }
  }
}

}  // namespace sessionlib::kernels
