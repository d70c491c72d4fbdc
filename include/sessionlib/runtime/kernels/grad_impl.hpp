// The bodies of the kernels grad.hpp declares: included by grad.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "elementwise.hpp"

#include "grad.hpp"

namespace sessionlib::kernels::grad {

/// Dimensions of `full` with `axes` set to 1, or `small` right-aligned to
/// rank(full) with leading 1s when `axes` is empty: the layout of the smaller
/// operand inside the larger one. Fails unless it holds small.elements() values
/// and every dimension is either full's or 1.
inline dims aligned_dims(const kernel_context& ctx, const dims& full, const dims& small) {
  const auto& axes = ctx.attrs<axes_attrs>().axes;
  dims a;
  a.resize(full.size());
  if (!axes.empty()) {
    for (std::size_t i = 0; i < full.size(); ++i) a[i] = full[i];
    for (auto ax : axes) a[static_cast<std::size_t>(ax)] = 1;
  } else {
    if (small.size() > full.size()) ctx.fail("Cannot reduce shape " + bracket_shape(full) + " to " + bracket_shape(small));
    const std::size_t off = full.size() - small.size();
    for (std::size_t i = 0; i < full.size(); ++i) a[i] = i < off ? 1 : small[i - off];
  }
  bool ok = a.elements() == small.elements();
  for (std::size_t i = 0; i < full.size(); ++i) ok = ok && (a[i] == full[i] || a[i] == 1);
  if (!ok) ctx.fail("Incompatible shapes: " + bracket_shape(full) + " vs. " + bracket_shape(small));
  return a;
}

/// Calls f(full_index, small_index) for every element of an array of shape
/// `full`, with the index of the element of `small` (aligned, 1 where reduced)
/// it broadcasts from.
template <class F>
void for_each_index(const dims& full, const dims& small, F&& f) {
  for_each_broadcast(full, small, small, [&](std::size_t o, std::size_t i, std::size_t, std::size_t len, std::size_t si, std::size_t) {
    for (std::size_t j = 0; j < len; ++j) f(o + j, i + j * si);
  });
}

/// SumToShape(grad, like): sums `grad` over the axes where `like` was broadcast
/// (axes_attrs: the reduced axes, when `like` dropped them); shape of `like`.
template <class T>
void sum_to_kernel(kernel_context& ctx) {
  const any_array& g = ctx.input(0);
  const dims target = ctx.input(1).shape();
  const dims a = aligned_dims(ctx, g.shape(), target);
  // Nothing was broadcast (the static shapes had a dyn, so the builder could
  // not tell): share grad's buffer, as Identity does, rather than copy it.
  if (a == g.shape()) {
    ctx.out = g.reshaped(target);
    return;
  }
  ctx.out.ensure(dtype_of<T>, target);
  T* po = ctx.out.data<T>();
  const T* pg = g.data<T>();
  // Whole rows at a time: a kept last axis adds a row into the result (a bias
  // gradient sums the batch's rows), a reduced one sums a row into one element.
  std::fill(po, po + target.elements(), T(0));
  for_each_broadcast(g.shape(), a, a, [&](std::size_t o, std::size_t i, std::size_t, std::size_t len, std::size_t si, std::size_t) {
    const T* src = pg + o;
    T* dst = po + i;
    if (si) {
      for (std::size_t j = 0; j < len; ++j) dst[j] += src[j];
    } else {
      T s = T(0);
      for (std::size_t j = 0; j < len; ++j) s += src[j];
      *dst += s;
    }
  });
}

/// BroadcastToShape(x, like): repeats `x` to the shape of `like` (axes_attrs:
/// the axes `x` lacks, when it came from a reduction without keepdims).
template <class T>
void broadcast_to_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const dims target = ctx.input(1).shape();
  const dims a = aligned_dims(ctx, target, x.shape());
  if (a == target) {  // nothing to repeat: share x's buffer
    ctx.out = x.reshaped(target);
    return;
  }
  ctx.out.ensure(dtype_of<T>, target);
  T* po = ctx.out.data<T>();
  const T* px = x.data<T>();
  for_each_broadcast(target, a, a, [&](std::size_t o, std::size_t i, std::size_t, std::size_t len, std::size_t si, std::size_t) {
    if (si) std::copy(px + i, px + i + len, po + o);
    else std::fill(po + o, po + o + len, px[i]);
  });
}

/// ReshapeLike(x, like): x's values in like's shape.
template <class T>
void reshape_like_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const dims& target = ctx.input(1).shape();
  if (x.size() != target.elements())
    ctx.fail("Input to reshape is a tensor with " + std::to_string(x.size()) + " values, but the requested shape has " +
             std::to_string(target.elements()));
  ctx.out = x.reshaped(target);  // shared, as Reshape does
}

/// SizeRatio(a, b): a scalar, elements(a) / elements(b) (mean's divisor).
template <class T>
void size_ratio_kernel(kernel_context& ctx) {
  ctx.out.ensure(dtype_of<T>, dims{});
  const std::size_t b = ctx.input(1).size();
  *ctx.out.data<T>() = b ? static_cast<T>(ctx.input(0).size()) / static_cast<T>(b) : T(0);
}

/// out[i] = f(dy[i], x[i]) over inputs (dy, x) of one shape: the body of the
/// activations' gradient kernels. f takes both values already loaded, so its
/// select compiles to a branch-free vector blend (a branch on the sign of x
/// mispredicts half the time on real activations).
template <class T, class F>
void activation_grad(kernel_context& ctx, F f) {
  const any_array& dy = ctx.input(0);
  const any_array& x = ctx.input(1);
  if (!(dy.shape() == x.shape())) ctx.fail("Incompatible shapes: " + bracket_shape(dy.shape()) + " vs. " + bracket_shape(x.shape()));
  ctx.out.ensure(dtype_of<T>, x.shape());
  const T* pd = dy.data<T>();
  const T* px = x.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) po[i] = f(pd[i], px[i]);
}

/// ReluGrad(dy, x): dy where x > 0, else 0.
template <class T>
void relu_grad_kernel(kernel_context& ctx) {
  activation_grad<T>(ctx, [](T d, T x) { return x > T(0) ? d : T(0); });
}

/// Cast between element types.
template <class From, class To>
void cast_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  ctx.out.ensure(dtype_of<To>, x.shape());
  const From* px = x.data<From>();
  To* po = ctx.out.data<To>();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) po[i] = static_cast<To>(px[i]);
}

/// ProdOthers(x) (axes_attrs: the reduced axes): each element replaced by the
/// product of the other elements of its reduction group; exact with zeros.
template <class T>
void prod_others_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const dims& full = x.shape();
  dims a = full;
  for (auto ax : ctx.attrs<axes_attrs>().axes) a[static_cast<std::size_t>(ax)] = 1;
  const std::size_t groups = a.elements();
  std::vector<T> prod(groups, T(1));  // product of non-zeros, per group
  std::vector<std::size_t> zeros(groups, 0);
  const T* px = x.data<T>();
  for_each_index(full, a, [&](std::size_t o, std::size_t i) {
    if (px[o] == T(0)) ++zeros[i];
    else prod[i] *= px[o];
  });
  ctx.out.ensure(dtype_of<T>, full);
  T* po = ctx.out.data<T>();
  for_each_index(full, a, [&](std::size_t o, std::size_t i) {
    if (zeros[i] == 0) po[o] = prod[i] / px[o];
    else if (zeros[i] == 1 && px[o] == T(0)) po[o] = prod[i];
    else po[o] = T(0);
  });
}

/// Outer/axis/inner extents of `d` around `axis` (row-major block view).
struct axis_blocks {
  std::size_t outer = 1, len = 1, inner = 1;
};
inline axis_blocks blocks_of(const dims& d, std::size_t axis) {
  axis_blocks b;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i < axis) b.outer *= d[i];
    else if (i == axis) b.len = d[i];
    else b.inner *= d[i];
  }
  return b;
}

/// ConcatSlice(dy, x0, ..., xn-1) (concat_part_attrs {axis, part = i}): the part of the
/// concatenation `dy` that came from input i (shape of x_i).
template <class T>
void concat_slice_kernel(kernel_context& ctx) {
  const concat_part_attrs& a = ctx.attrs<concat_part_attrs>();
  const auto axis = static_cast<std::size_t>(a.axis), which = static_cast<std::size_t>(a.part);
  const any_array& dy = ctx.input(0);
  std::size_t offset = 0;
  for (std::size_t j = 0; j < which; ++j) offset += ctx.input(1 + j).shape()[axis];
  const dims& piece = ctx.input(1 + which).shape();
  const axis_blocks full = blocks_of(dy.shape(), axis), part = blocks_of(piece, axis);
  ctx.out.ensure(dtype_of<T>, piece);
  const T* src = dy.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t o = 0; o < full.outer; ++o)
    std::copy(src + (o * full.len + offset) * full.inner, src + (o * full.len + offset + part.len) * full.inner,
              po + o * part.len * part.inner);
}

/// ConcatPad(d, x0, ..., xn-1) (concat_part_attrs {axis, part = i}): zeros in the shape of the
/// concatenation with `d` in input i's place (the inverse of ConcatSlice).
template <class T>
void concat_pad_kernel(kernel_context& ctx) {
  const concat_part_attrs& a = ctx.attrs<concat_part_attrs>();
  const auto axis = static_cast<std::size_t>(a.axis), which = static_cast<std::size_t>(a.part);
  const any_array& d = ctx.input(0);
  dims full_shape = ctx.input(1).shape();
  full_shape[axis] = 0;
  std::size_t offset = 0;
  for (std::size_t j = 0; j + 1 < ctx.nin; ++j) {
    if (j == which) offset = full_shape[axis];
    full_shape[axis] += ctx.input(1 + j).shape()[axis];
  }
  const axis_blocks full = blocks_of(full_shape, axis), part = blocks_of(d.shape(), axis);
  ctx.out.ensure(dtype_of<T>, full_shape);
  T* po = ctx.out.data<T>();
  std::fill(po, po + full_shape.elements(), T(0));
  const T* src = d.data<T>();
  for (std::size_t o = 0; o < full.outer; ++o)
    std::copy(src + o * part.len * part.inner, src + (o + 1) * part.len * part.inner,
              po + (o * full.len + offset) * full.inner);
}

/// Calls f(full_index, part_index) for each element of a box of shape `part`
/// placed at `begin` inside an array of shape `full`.
template <class F>
void for_each_in_box(const dims& full, const dims& part, const std::vector<std::int64_t>& begin, F&& f) {
  const std::size_t n = full.size(), total = part.elements();
  if (total == 0) return;
  std::array<std::size_t, dims::max_rank> stride{}, idx{};
  std::size_t s = 1;
  for (std::size_t i = n; i-- > 0;) { stride[i] = s; s *= full[i]; }
  for (std::size_t p = 0; p < total; ++p) {
    std::size_t o = 0;
    for (std::size_t i = 0; i < n; ++i) o += (idx[i] + static_cast<std::size_t>(begin[i])) * stride[i];
    f(o, p);
    for (std::size_t i = n; i-- > 0;) {
      if (++idx[i] < part[i]) break;
      idx[i] = 0;
    }
  }
}

/// SlicePad(d, like) (slice_attrs: begin): zeros of like's shape with `d` at begin.
template <class T>
void slice_pad_kernel(kernel_context& ctx) {
  const any_array& d = ctx.input(0);
  const dims& full = ctx.input(1).shape();
  ctx.out.ensure(dtype_of<T>, full);
  T* po = ctx.out.data<T>();
  std::fill(po, po + full.elements(), T(0));
  const T* pd = d.data<T>();
  for_each_in_box(full, d.shape(), ctx.attrs<slice_attrs>().begin, [&](std::size_t o, std::size_t p) { po[o] = pd[p]; });
}

/// SliceLike(x, like) (slice_attrs: begin): the box of like's shape at begin.
template <class T>
void slice_like_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const dims& part = ctx.input(1).shape();
  ctx.out.ensure(dtype_of<T>, part);
  T* po = ctx.out.data<T>();
  const T* px = x.data<T>();
  for_each_in_box(x.shape(), part, ctx.attrs<slice_attrs>().begin, [&](std::size_t o, std::size_t p) { po[p] = px[o]; });
}

/// GatherGrad(dy, indices, params) (axis_attrs): scatter-adds `dy` into
/// zeros of the shape of `params` along axis (TF's dense IndexedSlices).
template <class T, class I>
void gather_grad_kernel(kernel_context& ctx) {
  const auto axis = static_cast<std::size_t>(ctx.attrs<axis_attrs>().axis);
  const any_array& dy = ctx.input(0);
  const any_array& idx = ctx.input(1);
  const dims& full = ctx.input(2).shape();
  const axis_blocks b = blocks_of(full, axis);
  const std::size_t nidx = idx.size();
  ctx.out.ensure(dtype_of<T>, full);
  T* po = ctx.out.data<T>();
  std::fill(po, po + full.elements(), T(0));
  const T* pd = dy.data<T>();
  const I* pi = idx.data<I>();
  for (std::size_t o = 0; o < b.outer; ++o)
    for (std::size_t k = 0; k < nidx; ++k) {
      const auto at = static_cast<std::size_t>(pi[k]);
      if (at >= b.len) ctx.fail("indices[" + std::to_string(k) + "] = " + std::to_string(pi[k]) + " is not in [0, " + std::to_string(b.len) + ")");
      const T* src = pd + (o * nidx + k) * b.inner;
      T* dst = po + (o * b.len + at) * b.inner;
      for (std::size_t j = 0; j < b.inner; ++j) dst[j] += src[j];
    }
}

/// GatherAxis(params, indices) (axis_attrs): params' slices at the indices
/// along axis (the gradient of GatherGrad with respect to dy).
template <class T, class I>
void gather_axis_kernel(kernel_context& ctx) {
  const auto axis = static_cast<std::size_t>(ctx.attrs<axis_attrs>().axis);
  const any_array& p = ctx.input(0);
  const any_array& idx = ctx.input(1);
  const axis_blocks b = blocks_of(p.shape(), axis);
  dims out;
  for (std::size_t i = 0; i < axis; ++i) out.push_back(p.shape()[i]);
  for (auto d : idx.shape()) out.push_back(d);
  for (std::size_t i = axis + 1; i < p.rank(); ++i) out.push_back(p.shape()[i]);
  ctx.out.ensure(dtype_of<T>, out);
  const std::size_t nidx = idx.size();
  const T* pp = p.data<T>();
  const I* pi = idx.data<I>();
  T* po = ctx.out.data<T>();
  for (std::size_t o = 0; o < b.outer; ++o)
    for (std::size_t k = 0; k < nidx; ++k) {
      const auto at = static_cast<std::size_t>(pi[k]);
      if (at >= b.len) ctx.fail("indices[" + std::to_string(k) + "] = " + std::to_string(pi[k]) + " is not in [0, " + std::to_string(b.len) + ")");
      std::copy(pp + (o * b.len + at) * b.inner, pp + (o * b.len + at + 1) * b.inner, po + (o * nidx + k) * b.inner);
    }
}

/// AddN(x0, ..., xn-1): the sum of same-shaped inputs (gradient accumulation).
template <class T>
void add_n_kernel(kernel_context& ctx) {
  const dims& s = ctx.input(0).shape();
  for (std::size_t j = 1; j < ctx.nin; ++j)
    if (!(ctx.input(j).shape() == s))
      ctx.fail("Inputs to operation AddN must have the same size and shape.  Input 0: " + bracket_shape(s) +
               " != input " + std::to_string(j) + ": " + bracket_shape(ctx.input(j).shape()));
  ctx.out.ensure(dtype_of<T>, s);
  T* po = ctx.out.data<T>();
  const std::size_t n = s.elements();
  const T* p0 = ctx.input(0).data<T>();
  std::copy(p0, p0 + n, po);
  for (std::size_t j = 1; j < ctx.nin; ++j) {
    const T* pj = ctx.input(j).data<T>();
    for (std::size_t i = 0; i < n; ++i) po[i] += pj[i];
  }
}

}  // namespace sessionlib::kernels::grad
