// Reductions (Sum, Mean, Prod, Max, Min, Any, All) over any set of axes, and
// ArgMax/ArgMin over one axis, at run-time shapes. The node's reduce_attrs hold
// the reduced axes (normalised, ascending) and keep_dims (the output keeps them as 1s).
//
// Axes of extent 1 are dropped and neighbouring axes of the same kind merged, so
// the input usually becomes [outer, reduced, inner] blocks: contiguous rows when
// inner == 1, else rows of `inner` accumulated tile by tile. Other layouts (two
// or more separate reduced groups) walk each output's reduced elements directly.
// Work above `parallel_threshold` elements is split across oneTBB's threads.
#pragma once

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>

#include "elementwise.hpp"
#include "math.hpp"

// Separate units (config.hpp) see the kernels' declarations only: the library
// instantiates them for every dtype (instances.hpp), and oneTBB stays out.
#if SESSIONLIB_DEFINITIONS
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#endif

namespace sessionlib::kernels {

/// Input elements above which a reduction is split across threads.
inline constexpr std::size_t parallel_threshold = std::size_t{1} << 16;

#if SESSIONLIB_DEFINITIONS
/// Calls f(begin, end) over [0, n): on oneTBB's threads in `arena` (see
/// split_work) when `work` (elements touched) is large, else once on the calling thread.
template <class F>
void parallel_blocks(tbb::task_arena* arena, std::size_t work, std::size_t n, F&& f) {
  if (work <= parallel_threshold || n < 2) {
    f(std::size_t{0}, n);
    return;
  }
  split_work(arena, [&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n),
                      [&](const tbb::blocked_range<std::size_t>& r) { f(r.begin(), r.end()); });
  });
}
#endif  // SESSIONLIB_DEFINITIONS

// Reducers: an accumulator type, its identity, one step, the merge of two partial
// results and the final value from the accumulator and the count reduced.
// Float sums accumulate in double; integer sums and products wrap as TF's do.
namespace reducers {
template <class T> using sum_acc = std::conditional_t<std::is_same_v<T, float>, double, T>;

struct sum {
  template <class T> using acc = sum_acc<T>;
  template <class T> static acc<T> init() noexcept { return acc<T>{0}; }
  template <class T> static acc<T> step(acc<T> a, T x) noexcept { return fn::detail::wrap_add(a, acc<T>(x)); }
  template <class T> static acc<T> merge(acc<T> a, acc<T> b) noexcept { return fn::detail::wrap_add(a, b); }
  template <class T> static T finish(acc<T> a, std::size_t) noexcept { return static_cast<T>(a); }
};
/// Sum divided by the count; integers divide the (wrapped) sum, as TF does.
struct mean : sum {
  template <class T> static T finish(acc<T> a, std::size_t n) noexcept {
    if constexpr (std::is_integral_v<T>)
      return n ? static_cast<T>(static_cast<std::int64_t>(a) / static_cast<std::int64_t>(n)) : T{0};
    else return static_cast<T>(a / static_cast<acc<T>>(n));
  }
};
struct prod {
  template <class T> using acc = sum_acc<T>;
  template <class T> static acc<T> init() noexcept { return acc<T>{1}; }
  template <class T> static acc<T> step(acc<T> a, T x) noexcept { return fn::detail::wrap_mul(a, acc<T>(x)); }
  template <class T> static acc<T> merge(acc<T> a, acc<T> b) noexcept { return fn::detail::wrap_mul(a, b); }
  template <class T> static T finish(acc<T> a, std::size_t) noexcept { return static_cast<T>(a); }
};
/// Max; an empty reduction gives the lowest value (-inf for floats), as TF's.
struct max {
  template <class T> using acc = T;
  template <class T> static T init() noexcept {
    if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
  }
  template <class T> static T step(T a, T x) noexcept { return x > a ? x : a; }
  template <class T> static T merge(T a, T b) noexcept { return step(a, b); }
  template <class T> static T finish(T a, std::size_t) noexcept { return a; }
};
struct min {
  template <class T> using acc = T;
  template <class T> static T init() noexcept {
    if constexpr (std::numeric_limits<T>::has_infinity) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
  }
  template <class T> static T step(T a, T x) noexcept { return x < a ? x : a; }
  template <class T> static T merge(T a, T b) noexcept { return step(a, b); }
  template <class T> static T finish(T a, std::size_t) noexcept { return a; }
};
struct any {
  template <class T> using acc = bool;
  template <class T> static bool init() noexcept { return false; }
  template <class T> static bool step(bool a, T x) noexcept { return a || x; }
  template <class T> static bool merge(bool a, bool b) noexcept { return a || b; }
  template <class T> static T finish(bool a, std::size_t) noexcept { return a; }
};
struct all {
  template <class T> using acc = bool;
  template <class T> static bool init() noexcept { return true; }
  template <class T> static bool step(bool a, T x) noexcept { return a && x; }
  template <class T> static bool merge(bool a, bool b) noexcept { return a && b; }
  template <class T> static T finish(bool a, std::size_t) noexcept { return a; }
};
}  // namespace reducers

/// The input's axes after dropping extent-1 axes and merging neighbours of the
/// same kind: alternating kept and reduced groups, outermost first.
struct reduce_layout {
  std::size_t groups = 0;
  std::array<std::size_t, dims::max_rank> extent{};
  std::array<bool, dims::max_rank> reduced{};
  std::size_t reduced_groups = 0;
  std::size_t reduced_elements = 1;
};

/// Whether axis `i` is listed in `axes` (ascending, normalised).
inline bool is_reduced_axis(const std::vector<std::int64_t>& axes, std::size_t i) {
  return std::binary_search(axes.begin(), axes.end(), static_cast<std::int64_t>(i));
}

inline reduce_layout make_reduce_layout(const dims& in, const std::vector<std::int64_t>& axes) {
  reduce_layout l;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const bool red = is_reduced_axis(axes, i);
    if (red) l.reduced_elements *= in[i];
    if (in[i] == 1) continue;
    if (l.groups > 0 && l.reduced[l.groups - 1] == red) {
      l.extent[l.groups - 1] *= in[i];
    } else {
      l.extent[l.groups] = in[i];
      l.reduced[l.groups] = red;
      ++l.groups;
      l.reduced_groups += red ? 1 : 0;
    }
  }
  return l;
}

/// The output shape: the input's with reduced axes removed (or kept as 1).
inline dims reduced_dims(const dims& in, const std::vector<std::int64_t>& axes, bool keepdims) {
  dims out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!is_reduced_axis(axes, i)) out.push_back(in[i]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

#if SESSIONLIB_DEFINITIONS
namespace detail {
// One reduced group: outputs [outer, inner], each over `r` elements `inner` apart.
template <class T, class R>
void reduce_blocks(tbb::task_arena* arena, const T* in, T* out, std::size_t outer, std::size_t r, std::size_t inner) {
  using A = typename R::template acc<T>;
  const std::size_t work = outer * r * inner;
  if (inner == 1) {
    if (outer == 1 && work > parallel_threshold) {
      // One long row (a full reduction): a deterministic tree over fixed chunks.
      A acc = R::template init<T>();
      split_work(arena, [&] {
        acc = tbb::parallel_deterministic_reduce(
            tbb::blocked_range<std::size_t>(0, r, 1 << 14), R::template init<T>(),
            [&](const tbb::blocked_range<std::size_t>& b, A a) {
              for (std::size_t k = b.begin(); k < b.end(); ++k) a = R::template step<T>(a, in[k]);
              return a;
            },
            [](A a, A b) { return R::template merge<T>(a, b); });
      });
      out[0] = R::template finish<T>(acc, r);
      return;
    }
    parallel_blocks(arena, work, outer, [&](std::size_t b, std::size_t e) {
      for (std::size_t o = b; o < e; ++o) {
        const T* row = in + o * r;
        A a = R::template init<T>();
        for (std::size_t k = 0; k < r; ++k) a = R::template step<T>(a, row[k]);
        out[o] = R::template finish<T>(a, r);
      }
    });
    return;
  }
  // Rows of `inner` elements: accumulate a tile of columns over all r rows.
  constexpr std::size_t tile = 256;
  const std::size_t tiles = (inner + tile - 1) / tile;
  parallel_blocks(arena, work, outer * tiles, [&](std::size_t b, std::size_t e) {
    A acc[tile];
    for (std::size_t w = b; w < e; ++w) {
      const std::size_t o = w / tiles, c0 = (w % tiles) * tile, nc = std::min(tile, inner - c0);
      std::fill(acc, acc + nc, R::template init<T>());
      for (std::size_t k = 0; k < r; ++k) {
        const T* row = in + (o * r + k) * inner + c0;
        for (std::size_t c = 0; c < nc; ++c) acc[c] = R::template step<T>(acc[c], row[c]);
      }
      T* dst = out + o * inner + c0;
      for (std::size_t c = 0; c < nc; ++c) dst[c] = R::template finish<T>(acc[c], r);
    }
  });
}

// Two or more reduced groups: each output walks its reduced elements directly.
template <class T, class R>
void reduce_general(tbb::task_arena* arena, const T* in, T* out, const reduce_layout& l, std::size_t out_elements) {
  using A = typename R::template acc<T>;
  std::array<std::size_t, dims::max_rank> stride{};
  for (std::size_t g = l.groups, s = 1; g-- > 0;) {
    stride[g] = s;
    s *= l.extent[g];
  }
  std::array<std::size_t, dims::max_rank> kext{}, kstr{}, rext{}, rstr{};
  std::size_t nk = 0, nr = 0;
  for (std::size_t g = 0; g < l.groups; ++g) {
    if (l.reduced[g]) { rext[nr] = l.extent[g]; rstr[nr++] = stride[g]; }
    else { kext[nk] = l.extent[g]; kstr[nk++] = stride[g]; }
  }
  const std::size_t last = rext[nr - 1], last_stride = rstr[nr - 1];
  parallel_blocks(arena, out_elements * l.reduced_elements, out_elements, [&](std::size_t b, std::size_t e) {
    for (std::size_t o = b; o < e; ++o) {
      std::size_t base = 0;
      for (std::size_t k = nk, rest = o; k-- > 0;) {
        base += (rest % kext[k]) * kstr[k];
        rest /= kext[k];
      }
      A a = R::template init<T>();
      std::array<std::size_t, dims::max_rank> idx{};
      std::size_t off = base;
      for (;;) {
        for (std::size_t j = 0; j < last; ++j) a = R::template step<T>(a, in[off + j * last_stride]);
        std::size_t ax = nr - 1;
        while (ax-- > 0) {
          off += rstr[ax];
          if (++idx[ax] < rext[ax]) break;
          off -= rstr[ax] * rext[ax];
          idx[ax] = 0;
        }
        if (ax == static_cast<std::size_t>(-1)) break;  // every outer reduced index wrapped
      }
      out[o] = R::template finish<T>(a, l.reduced_elements);
    }
  });
}
}  // namespace detail

/// Sum, Mean, Prod, Max, Min, Any, All: reduces input 0 over reduce_attrs' axes with R.
template <class T, class R>
void reduce_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const reduce_attrs& ra = ctx.attrs<reduce_attrs>();
  const std::vector<std::int64_t>& axes = ra.axes;
  const bool keepdims = ra.keep_dims;
  const dims od = reduced_dims(x.shape(), axes, keepdims);
  ctx.out.ensure(dtype_of<T>, od);
  const T* in = x.data<T>();
  T* out = ctx.out.data<T>();
  const std::size_t n_out = od.elements();
  if (n_out == 0) return;
  if (x.size() == 0) {  // nothing to reduce: every output is the identity
    std::fill(out, out + n_out, R::template finish<T>(R::template init<T>(), 0));
    return;
  }
  const reduce_layout l = make_reduce_layout(x.shape(), axes);
  if (l.reduced_groups == 0) {  // only extent-1 axes reduced
    for (std::size_t i = 0; i < n_out; ++i) out[i] = R::template finish<T>(R::template step<T>(R::template init<T>(), in[i]), 1);
    return;
  }
  if (l.reduced_groups == 1) {
    std::size_t outer = 1, r = 1, inner = 1;
    bool seen = false;
    for (std::size_t g = 0; g < l.groups; ++g) {
      if (l.reduced[g]) { r = l.extent[g]; seen = true; }
      else (seen ? inner : outer) *= l.extent[g];
    }
    detail::reduce_blocks<T, R>(ctx.split_arena, in, out, outer, r, inner);
    return;
  }
  detail::reduce_general<T, R>(ctx.split_arena, in, out, l, n_out);
}

/// ArgMax (IsMax) / ArgMin over the one axis of axis_attrs; the output is int64
/// and the first of equal extremes wins, as in TF.
template <class T, bool IsMax>
void arg_reduce_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const std::size_t axis = static_cast<std::size_t>(ctx.attrs<axis_attrs>().axis);
  const dims& in = x.shape();
  if (in[axis] == 0)
    ctx.fail("Reduction axis " + std::to_string(axis) + " is empty in shape " + bracket_shape(in));
  dims od;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (i != axis) od.push_back(in[i]);
  ctx.out.ensure(dtype::int64, od);
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= in[i];
  for (std::size_t i = axis + 1; i < in.size(); ++i) inner *= in[i];
  const std::size_t r = in[axis];
  const T* px = x.data<T>();
  std::int64_t* po = ctx.out.data<std::int64_t>();
  auto better = [](T a, T best) { return IsMax ? a > best : a < best; };
  parallel_blocks(ctx.split_arena, x.size(), outer, [&](std::size_t b, std::size_t e) {
    for (std::size_t o = b; o < e; ++o) {
      const T* block = px + o * r * inner;
      std::int64_t* dst = po + o * inner;
      for (std::size_t c = 0; c < inner; ++c) {
        T best = block[c];
        std::int64_t at = 0;
        for (std::size_t k = 1; k < r; ++k) {
          const T v = block[k * inner + c];
          if (better(v, best)) { best = v; at = static_cast<std::int64_t>(k); }
        }
        dst[c] = at;
      }
    }
  });
}
#else
template <class T, class R> void reduce_kernel(kernel_context& ctx);
template <class T, bool IsMax> void arg_reduce_kernel(kernel_context& ctx);
#endif  // SESSIONLIB_DEFINITIONS

/// ArgMax over `axis`.
template <class T> void argmax_kernel(kernel_context& ctx) { arg_reduce_kernel<T, true>(ctx); }
/// ArgMin over `axis`.
template <class T> void argmin_kernel(kernel_context& ctx) { arg_reduce_kernel<T, false>(ctx); }

}  // namespace sessionlib::kernels
