// Elementwise kernels over element type: unary maps and binary maps with numpy
// broadcasting at run time. Same-shape and scalar operands take a flat loop the
// compiler vectorises; other broadcasts walk the output with per-operand strides.
#pragma once

#include <string>
#include <type_traits>

#include "../kernel.hpp"

namespace sessionlib::kernels {

/// TF's "[2,3]" spelling of a shape in broadcast errors.
inline std::string bracket_shape(const dims& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(d[i]);
  }
  return s + "]";
}

/// The broadcast shape of a and b, or a failure naming the node.
inline dims broadcast_dims(const kernel_context& ctx, const dims& a, const dims& b) {
  const std::size_t n = std::max(a.size(), b.size());
  dims out;
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::size_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (x != y && x != 1 && y != 1)
      ctx.fail("Incompatible shapes: " + bracket_shape(a) + " vs. " + bracket_shape(b));
    out[i] = x == 1 ? y : x;
  }
  return out;
}

/// Row-major strides of `d` aligned to rank `n`, 0 where `d` broadcasts.
inline std::array<std::size_t, dims::max_rank> broadcast_strides(const dims& d, const dims& out) {
  std::array<std::size_t, dims::max_rank> s{};
  const std::size_t off = out.size() - d.size();
  std::size_t stride = 1;
  for (std::size_t i = d.size(); i-- > 0;) {
    s[i + off] = d[i] == 1 ? 0 : stride;
    stride *= d[i];
  }
  return s;
}

/// Walks `out` in runs of consecutive elements for operands of shapes `a` and
/// `b` broadcast to it: calls f(o, ia, ib, len, sa, sb) for each run of `len`
/// output elements from index o, whose operands start at ia and ib and step by
/// sa and sb (each 0 or 1) per element. Axes of extent 1 are dropped and
/// neighbouring axes merged where both operands stay contiguous (or both stay
/// put), so runs are as long as the broadcast allows and `f`'s inner loop is a
/// plain loop the compiler vectorises.
template <class F>
void for_each_broadcast(const dims& out, const dims& a, const dims& b, F&& f) {
  const std::size_t total = out.elements();
  if (total == 0) return;
  const auto fa = broadcast_strides(a, out), fb = broadcast_strides(b, out);
  std::array<std::size_t, dims::max_rank> ext{}, sa{}, sb{};  // merged axes, innermost last
  std::size_t n = 0;
  for (std::size_t ax = 0; ax < out.size(); ++ax) {
    if (out[ax] == 1) continue;
    if (n && sa[n - 1] == fa[ax] * out[ax] && sb[n - 1] == fb[ax] * out[ax]) {
      ext[n - 1] *= out[ax];
    } else {
      ext[n] = out[ax];
      ++n;
    }
    sa[n - 1] = fa[ax];
    sb[n - 1] = fb[ax];
  }
  if (n == 0) {  // a single element
    f(std::size_t{0}, std::size_t{0}, std::size_t{0}, std::size_t{1}, std::size_t{0}, std::size_t{0});
    return;
  }
  const std::size_t len = ext[n - 1], ra = sa[n - 1], rb = sb[n - 1];
  std::array<std::size_t, dims::max_rank> idx{};
  std::size_t ia = 0, ib = 0;
  for (std::size_t o = 0; o < total; o += len) {
    f(o, ia, ib, len, ra, rb);
    // Advance the multi-index over all but the innermost axis.
    for (std::size_t ax = n - 1; ax-- > 0;) {
      ia += sa[ax];
      ib += sb[ax];
      if (++idx[ax] < ext[ax]) break;
      ia -= sa[ax] * ext[ax];
      ib -= sb[ax] * ext[ax];
      idx[ax] = 0;
    }
  }
}

// The block loops are compiled twice on x86-64: for the baseline target (SSE2,
// what Debian's compilers emit without -march) and for AVX2, chosen at run time
// by the CPU. Fused chains spend their time here, and AVX2 doubles the lanes.
// Only `target("avx2")`, not FMA: both builds must round the same way, so a
// fused and an unfused run give bit-identical values.
#if defined(__x86_64__) && !defined(__AVX2__) && (defined(__GNUC__) || defined(__clang__))
#define SESSIONLIB_AVX2_CLONES 1
#else
#define SESSIONLIB_AVX2_CLONES 0
#endif

namespace detail {
/// True when the CPU runs AVX2 (checked once per process).
inline bool cpu_has_avx2() noexcept {
#if SESSIONLIB_AVX2_CLONES
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
#else
  return false;
#endif
}

// Loops writing over one operand (out == that input, exactly): compilers'
// overlap checks reject o[i] = f(a[i], b[i]) with o == a and run it
// unvectorised, so these read and write through the one pointer.
template <class T, class Op, bool OutIsLeft>
[[gnu::always_inline]] inline void binary_in_place(T* __restrict o, const T* __restrict x, bool x_stride,
                                                   std::size_t n) {
  if (!x_stride) {
    const T s = x[0];
    for (std::size_t i = 0; i < n; ++i) o[i] = OutIsLeft ? Op::apply(o[i], s) : Op::apply(s, o[i]);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) o[i] = OutIsLeft ? Op::apply(o[i], x[i]) : Op::apply(x[i], o[i]);
}

template <class T, class R, class Op>
[[gnu::always_inline]] inline void binary_loops(const void* const* in, const std::size_t* stride, void* out,
                                                std::size_t n) {
  const T* a = static_cast<const T*>(in[0]);
  const T* b = static_cast<const T*>(in[1]);
  R* o = static_cast<R*>(out);
  if constexpr (std::is_same_v<T, R>) {
    if (o == a && stride[0]) {
      if (b == a) {
        for (std::size_t i = 0; i < n; ++i) o[i] = Op::apply(o[i], o[i]);
      } else {
        binary_in_place<T, Op, true>(o, b, stride[1] != 0, n);
      }
      return;
    }
    if (o == b && stride[1]) return binary_in_place<T, Op, false>(o, a, stride[0] != 0, n);
  }
  if (stride[0] && stride[1]) {
    for (std::size_t i = 0; i < n; ++i) o[i] = Op::apply(a[i], b[i]);
  } else if (stride[0]) {
    const T s = b[0];
    for (std::size_t i = 0; i < n; ++i) o[i] = Op::apply(a[i], s);
  } else if (stride[1]) {
    const T s = a[0];
    for (std::size_t i = 0; i < n; ++i) o[i] = Op::apply(s, b[i]);
  } else {
    const R v = Op::apply(a[0], b[0]);
    for (std::size_t i = 0; i < n; ++i) o[i] = v;
  }
}

template <class T, class R, class Op>
[[gnu::always_inline]] inline void unary_loops(const void* const* in, const std::size_t* stride, void* out,
                                               std::size_t n) {
  const T* a = static_cast<const T*>(in[0]);
  R* o = static_cast<R*>(out);
  if constexpr (std::is_same_v<T, R>) {
    if (o == a && stride[0]) {  // in place: one pointer, nothing for the vectoriser to check
      for (std::size_t i = 0; i < n; ++i) o[i] = Op::apply(o[i]);
      return;
    }
  }
  if (stride[0]) {
    for (std::size_t i = 0; i < n; ++i) o[i] = Op::apply(a[i]);
  } else {
    const R v = Op::apply(a[0]);
    for (std::size_t i = 0; i < n; ++i) o[i] = v;
  }
}

#if SESSIONLIB_AVX2_CLONES
/// The block loop `Loops` (always_inline) compiled for AVX2.
template <auto Loops, class... A>
[[gnu::target("avx2")]] void avx2_clone(A... args) {
  Loops(args...);
}
#endif

/// Runs the block loop `Loops` over `n` elements: its AVX2 clone when the CPU
/// has AVX2 and the block is long enough to gain from it, else the baseline.
template <auto Loops, class... A>
[[gnu::always_inline]] inline void with_avx2([[maybe_unused]] std::size_t n, A... args) {
#if SESSIONLIB_AVX2_CLONES
  if (n >= 16 && cpu_has_avx2()) return avx2_clone<Loops>(args...);
#endif
  Loops(args...);
}
}  // namespace detail

/// Block function of a binary map (graph/node.hpp's block_fn): strides 0 or 1.
template <class T, class R, class Op>
void binary_block(const void* const* in, const std::size_t* stride, void* out, std::size_t n) {
  detail::with_avx2<&detail::binary_loops<T, R, Op>>(n, in, stride, out, n);
}

/// Block function of a unary map.
template <class T, class R, class Op>
void unary_block(const void* const* in, const std::size_t* stride, void* out, std::size_t n) {
  detail::with_avx2<&detail::unary_loops<T, R, Op>>(n, in, stride, out, n);
}

/// out = Op(a, b) with broadcasting; R is the output element type.
template <class T, class R, class Op>
void binary_kernel(kernel_context& ctx) {
  const any_array& a = ctx.input(0);
  const any_array& b = ctx.input(1);
  const bool same = a.shape() == b.shape();
  const dims out = same ? a.shape() : broadcast_dims(ctx, a.shape(), b.shape());
  const std::size_t n = out.elements();
  ctx.out.ensure(dtype_of<R>, out);
  // Same shapes and scalar operands take the flat block loop; others walk strides.
  if (same || ((a.size() == 1 || a.size() == n) && (b.size() == 1 || b.size() == n))) {
    const void* in[2] = {a.raw(), b.raw()};
    const std::size_t stride[2] = {a.size() == n && n != 1 ? 1u : 0u, b.size() == n && n != 1 ? 1u : 0u};
    if (n == 1 || same) {
      const std::size_t s1[2] = {1, 1};
      binary_block<T, R, Op>(in, s1, ctx.out.raw(), n);
    } else {
      binary_block<T, R, Op>(in, stride, ctx.out.raw(), n);
    }
    return;
  }
  // Runs of rows: each is a block with strides 0 or 1 (a bias row added to every row of a matrix).
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  R* po = ctx.out.data<R>();
  for_each_broadcast(out, a.shape(), b.shape(),
                     [&](std::size_t o, std::size_t i, std::size_t j, std::size_t len, std::size_t si, std::size_t sj) {
                       const void* in[2] = {pa + i, pb + j};
                       const std::size_t stride[2] = {si, sj};
                       binary_block<T, R, Op>(in, stride, po + o, len);
                     });
}

/// out = Op(a); R is the output element type.
template <class T, class R, class Op>
void unary_kernel(kernel_context& ctx) {
  const any_array& a = ctx.input(0);
  ctx.out.ensure(dtype_of<R>, a.shape());
  const void* in[1] = {a.raw()};
  const std::size_t stride[1] = {1};
  unary_block<T, R, Op>(in, stride, ctx.out.raw(), a.size());
}

/// Identity, StopGradient: the output shares the input's buffer (no copy). Safe
/// because kernels never write through inputs and a shared buffer is not unique.
inline void identity_kernel(kernel_context& ctx) { ctx.out = ctx.input(0); }

}  // namespace sessionlib::kernels
