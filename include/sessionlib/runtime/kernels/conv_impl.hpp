// The bodies of the kernels conv.hpp declares: included by conv.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "matmul_impl.hpp"

#include "conv.hpp"

namespace sessionlib::kernels {

/// The geometry of one conv or pool: NHWC input, window, strides, padding.
struct window_geometry {
  std::size_t n = 0, h = 0, w = 0, c = 0;  // input
  std::size_t kh = 0, kw = 0;              // window
  std::size_t sh = 1, sw = 1;              // strides
  std::size_t oh = 0, ow = 0;              // output
  std::ptrdiff_t pad_top = 0, pad_left = 0;
  std::size_t rows() const noexcept { return n * oh * ow; }
  std::size_t patch() const noexcept { return kh * kw * c; }
};

/// Output extent along one axis, as TF computes it; fails when VALID leaves nothing.
inline std::size_t window_out_size(const kernel_context& ctx, std::size_t in, std::size_t k, std::size_t s, bool same,
                                   std::ptrdiff_t& pad_before) {
  if (same) {
    const std::size_t out = (in + s - 1) / s;
    const std::ptrdiff_t need = static_cast<std::ptrdiff_t>((out ? out - 1 : 0) * s + k) - static_cast<std::ptrdiff_t>(in);
    pad_before = std::max<std::ptrdiff_t>(need, 0) / 2;
    return out;
  }
  pad_before = 0;
  if (in < k)
    ctx.fail("Computed output size would be negative: " +
             std::to_string(static_cast<std::ptrdiff_t>(in) - static_cast<std::ptrdiff_t>(k) + 1) +
             " [input_size: " + std::to_string(in) + ", effective_filter_size: " + std::to_string(k) +
             ", stride: " + std::to_string(s) + "]");
  return (in - k) / s + 1;
}

/// Reads a 4-D NHWC input's shape and the window attributes
/// (window_attrs) into a geometry.
inline window_geometry make_geometry(const kernel_context& ctx, const dims& in, std::size_t kh, std::size_t kw) {
  if (in.size() != 4) ctx.fail("input must be 4-dimensional" + to_string(in));
  window_geometry g;
  g.n = in[0], g.h = in[1], g.w = in[2], g.c = in[3];
  g.kh = kh, g.kw = kw;
  const window_attrs& a = ctx.attrs<window_attrs>();
  g.sh = static_cast<std::size_t>(a.stride_h), g.sw = static_cast<std::size_t>(a.stride_w);
  const bool same = a.same;
  g.oh = window_out_size(ctx, g.h, kh, g.sh, same, g.pad_top);
  g.ow = window_out_size(ctx, g.w, kw, g.sw, same, g.pad_left);
  return g;
}

/// The geometry of a conv2d: the window is the filter's (HWIO) spatial extent.
inline window_geometry conv_geometry(const kernel_context& ctx, const dims& in, const dims& filter) {
  if (filter.size() != 4) ctx.fail("filter must be 4-dimensional: " + to_string(filter));
  window_geometry g = make_geometry(ctx, in, filter[0], filter[1]);
  if (filter[2] != g.c)
    ctx.fail("input depth must be evenly divisible by filter depth: " + std::to_string(g.c) + " vs " +
             std::to_string(filter[2]));
  return g;
}

/// The geometry of a pool: the window is window_attrs'
inline window_geometry pool_geometry(const kernel_context& ctx, const dims& in) {
  const window_attrs& a = ctx.attrs<window_attrs>();
  return make_geometry(ctx, in, static_cast<std::size_t>(a.window_h), static_cast<std::size_t>(a.window_w));
}

namespace detail {
/// This thread's scratch buffer for element type T, grown to at least `n`.
template <class T>
T* conv_scratch(std::size_t n) {
  thread_local std::vector<T> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

/// How many output rows one im2col chunk holds (about 4 MB of columns).
inline std::size_t chunk_rows(const window_geometry& g) {
  const std::size_t budget = std::size_t{1} << 20;
  return std::max<std::size_t>(1, std::min(g.rows(), budget / std::max<std::size_t>(g.patch(), 1)));
}

/// True when the input itself is the column matrix [n*h*w, c].
inline bool is_pointwise(const window_geometry& g) { return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1; }

/// Writes rows [r0, r1) of the column matrix: col[r][(ky*kw + kx)*c + ch].
template <class T>
void im2col(const window_geometry& g, const T* in, std::size_t r0, std::size_t r1, T* col) {
  const std::size_t k = g.patch();
  for (std::size_t r = r0; r < r1; ++r) {
    const std::size_t ox = r % g.ow, oy = (r / g.ow) % g.oh, b = r / (g.ow * g.oh);
    T* dst = col + (r - r0) * k;
    for (std::size_t ky = 0; ky < g.kh; ++ky) {
      const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.sh + ky) - g.pad_top;
      for (std::size_t kx = 0; kx < g.kw; ++kx, dst += g.c) {
        const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.sw + kx) - g.pad_left;
        if (iy < 0 || ix < 0 || iy >= static_cast<std::ptrdiff_t>(g.h) || ix >= static_cast<std::ptrdiff_t>(g.w)) {
          std::fill(dst, dst + g.c, T(0));
        } else {
          const T* src = in + ((b * g.h + static_cast<std::size_t>(iy)) * g.w + static_cast<std::size_t>(ix)) * g.c;
          std::copy(src, src + g.c, dst);
        }
      }
    }
  }
}

/// Adds rows [r0, r1) of a column-matrix gradient back into the input gradient.
template <class T>
void col2im_add(const window_geometry& g, const T* col, std::size_t r0, std::size_t r1, T* dx) {
  const std::size_t k = g.patch();
  for (std::size_t r = r0; r < r1; ++r) {
    const std::size_t ox = r % g.ow, oy = (r / g.ow) % g.oh, b = r / (g.ow * g.oh);
    const T* src = col + (r - r0) * k;
    for (std::size_t ky = 0; ky < g.kh; ++ky) {
      const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.sh + ky) - g.pad_top;
      for (std::size_t kx = 0; kx < g.kw; ++kx, src += g.c) {
        const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.sw + kx) - g.pad_left;
        if (iy < 0 || ix < 0 || iy >= static_cast<std::ptrdiff_t>(g.h) || ix >= static_cast<std::ptrdiff_t>(g.w)) continue;
        T* dst = dx + ((b * g.h + static_cast<std::size_t>(iy)) * g.w + static_cast<std::size_t>(ix)) * g.c;
        for (std::size_t ch = 0; ch < g.c; ++ch) dst[ch] += src[ch];
      }
    }
  }
}
}  // namespace detail

/// Conv2D(input NHWC, filter HWIO) -> [n, oh, ow, out_channels].
template <class T>
void conv2d_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const any_array& f = ctx.input(1);
  const window_geometry g = conv_geometry(ctx, x.shape(), f.shape());
  const std::size_t o = f.shape()[3], k = g.patch(), rows = g.rows();
  ctx.out.ensure(dtype_of<T>, dims{g.n, g.oh, g.ow, o});
  T* out = ctx.out.data<T>();
  if (rows == 0 || o == 0) return;
  if (k == 0) { std::fill(out, out + rows * o, T(0)); return; }
  if (detail::is_pointwise(g)) {
    detail::gemm(ctx.split_arena, {rows, o, k, false, false}, x.data<T>(), f.data<T>(), out);
    return;
  }
  const std::size_t chunk = detail::chunk_rows(g);
  T* col = detail::conv_scratch<T>(chunk * k);
  for (std::size_t r0 = 0; r0 < rows; r0 += chunk) {
    const std::size_t r1 = std::min(rows, r0 + chunk);
    detail::im2col(g, x.data<T>(), r0, r1, col);
    detail::gemm(ctx.split_arena, {r1 - r0, o, k, false, false}, col, f.data<T>(), out + r0 * o);
  }
}

/// Conv2DBackpropInput(input, filter, dy) -> d input (the input gives the shape).
template <class T>
void conv2d_backprop_input_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const any_array& f = ctx.input(1);
  const any_array& dy = ctx.input(2);
  const window_geometry g = conv_geometry(ctx, x.shape(), f.shape());
  const std::size_t o = f.shape()[3], k = g.patch(), rows = g.rows();
  ctx.out.ensure(dtype_of<T>, x.shape());
  T* dx = ctx.out.data<T>();
  if (detail::is_pointwise(g) && rows && k) {
    detail::gemm(ctx.split_arena, {rows, k, o, false, true}, dy.data<T>(), f.data<T>(), dx);
    return;
  }
  std::fill(dx, dx + x.size(), T(0));
  if (rows == 0 || k == 0 || o == 0) return;
  const std::size_t chunk = detail::chunk_rows(g);
  T* dcol = detail::conv_scratch<T>(chunk * k);
  for (std::size_t r0 = 0; r0 < rows; r0 += chunk) {
    const std::size_t r1 = std::min(rows, r0 + chunk);
    detail::gemm(ctx.split_arena, {r1 - r0, k, o, false, true}, dy.data<T>() + r0 * o, f.data<T>(), dcol);
    detail::col2im_add(g, dcol, r0, r1, dx);
  }
}

/// Conv2DBackpropFilter(input, filter, dy) -> d filter (the filter gives the shape).
template <class T>
void conv2d_backprop_filter_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const any_array& f = ctx.input(1);
  const any_array& dy = ctx.input(2);
  const window_geometry g = conv_geometry(ctx, x.shape(), f.shape());
  const std::size_t o = f.shape()[3], k = g.patch(), rows = g.rows();
  ctx.out.ensure(dtype_of<T>, f.shape());
  T* df = ctx.out.data<T>();
  if (rows == 0 || k == 0 || o == 0) {
    std::fill(df, df + f.size(), T(0));
    return;
  }
  if (detail::is_pointwise(g)) {
    detail::gemm(ctx.split_arena, {k, o, rows, true, false}, x.data<T>(), dy.data<T>(), df);
    return;
  }
  const std::size_t chunk = detail::chunk_rows(g);
  T* col = detail::conv_scratch<T>(chunk * k);
  for (std::size_t r0 = 0; r0 < rows; r0 += chunk) {
    const std::size_t r1 = std::min(rows, r0 + chunk);
    detail::im2col(g, x.data<T>(), r0, r1, col);
    detail::gemm(ctx.split_arena, {k, o, r1 - r0, true, false}, col, dy.data<T>() + r0 * o, df, r0 == 0 ? T(0) : T(1));
  }
}

namespace detail {
/// Calls f(out_index, in_index) for every in-bounds window element of output
/// position (b, oy, ox), channel-block starts only (indices are of element 0).
template <class F>
void for_window(const window_geometry& g, std::size_t b, std::size_t oy, std::size_t ox, F&& f) {
  for (std::size_t ky = 0; ky < g.kh; ++ky) {
    const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.sh + ky) - g.pad_top;
    if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.h)) continue;
    for (std::size_t kx = 0; kx < g.kw; ++kx) {
      const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.sw + kx) - g.pad_left;
      if (ix < 0 || ix >= static_cast<std::ptrdiff_t>(g.w)) continue;
      f(((b * g.h + static_cast<std::size_t>(iy)) * g.w + static_cast<std::size_t>(ix)) * g.c);
    }
  }
}
}  // namespace detail

namespace detail {
/// A pool's forward pass over input 0: for each output position, fills its
/// g.c outputs with `init`, then calls pool(o, in, g, b, oy, ox) to combine
/// its window into them.
template <class T, class F>
void pool_forward(kernel_context& ctx, T init, F&& pool) {
  const any_array& x = ctx.input(0);
  const window_geometry g = pool_geometry(ctx, x.shape());
  ctx.out.ensure(dtype_of<T>, dims{g.n, g.oh, g.ow, g.c});
  const T* in = x.data<T>();
  T* out = ctx.out.data<T>();
  for (std::size_t r = 0; r < g.rows(); ++r) {
    const std::size_t ox = r % g.ow, oy = (r / g.ow) % g.oh, b = r / (g.ow * g.oh);
    T* o = out + r * g.c;
    std::fill(o, o + g.c, init);
    pool(o, in, g, b, oy, ox);
  }
}
}  // namespace detail

/// MaxPool(x) over window_attrs; padding never wins.
template <class T>
void max_pool_kernel(kernel_context& ctx) {
  detail::pool_forward<T>(ctx, -std::numeric_limits<T>::infinity(),
                          [](T* o, const T* in, const window_geometry& g, std::size_t b, std::size_t oy, std::size_t ox) {
                            detail::for_window(g, b, oy, ox, [&](std::size_t at) {
                              for (std::size_t ch = 0; ch < g.c; ++ch) o[ch] = std::max(o[ch], in[at + ch]);
                            });
                          });
}

/// MaxPoolGrad(x, y, dy): each dy goes to the first input in its window that
/// equals the pooled maximum (TF routes to the argmax the same way).
template <class T>
void max_pool_grad_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const any_array& y = ctx.input(1);
  const any_array& dy = ctx.input(2);
  const window_geometry g = pool_geometry(ctx, x.shape());
  ctx.out.ensure(dtype_of<T>, x.shape());
  const T* in = x.data<T>();
  const T* py = y.data<T>();
  const T* pd = dy.data<T>();
  T* dx = ctx.out.data<T>();
  std::fill(dx, dx + x.size(), T(0));
  for (std::size_t r = 0; r < g.rows(); ++r) {
    const std::size_t ox = r % g.ow, oy = (r / g.ow) % g.oh, b = r / (g.ow * g.oh);
    for (std::size_t ch = 0; ch < g.c; ++ch) {
      const T m = py[r * g.c + ch];
      bool done = false;
      detail::for_window(g, b, oy, ox, [&](std::size_t at) {
        if (!done && in[at + ch] == m) {
          dx[at + ch] += pd[r * g.c + ch];
          done = true;
        }
      });
    }
  }
}

/// AvgPool(x): the mean of each window's in-bounds elements (padding not counted).
template <class T>
void avg_pool_kernel(kernel_context& ctx) {
  detail::pool_forward<T>(ctx, T(0),
                          [](T* o, const T* in, const window_geometry& g, std::size_t b, std::size_t oy, std::size_t ox) {
                            std::size_t count = 0;
                            detail::for_window(g, b, oy, ox, [&](std::size_t at) {
                              ++count;
                              for (std::size_t ch = 0; ch < g.c; ++ch) o[ch] += in[at + ch];
                            });
                            const T inv = T(1) / static_cast<T>(std::max<std::size_t>(count, 1));
                            for (std::size_t ch = 0; ch < g.c; ++ch) o[ch] *= inv;
                          });
}

/// AvgPoolGrad(x, dy): each dy spread evenly over its window's in-bounds elements.
template <class T>
void avg_pool_grad_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const any_array& dy = ctx.input(1);
  const window_geometry g = pool_geometry(ctx, x.shape());
  ctx.out.ensure(dtype_of<T>, x.shape());
  const T* pd = dy.data<T>();
  T* dx = ctx.out.data<T>();
  std::fill(dx, dx + x.size(), T(0));
  for (std::size_t r = 0; r < g.rows(); ++r) {
    const std::size_t ox = r % g.ow, oy = (r / g.ow) % g.oh, b = r / (g.ow * g.oh);
    std::size_t count = 0;
    detail::for_window(g, b, oy, ox, [&](std::size_t) { ++count; });
    const T inv = T(1) / static_cast<T>(std::max<std::size_t>(count, 1));
    const T* d = pd + r * g.c;
    detail::for_window(g, b, oy, ox, [&](std::size_t at) {
      for (std::size_t ch = 0; ch < g.c; ++ch) dx[at + ch] += d[ch] * inv;
    });
  }
}

}  // namespace sessionlib::kernels
