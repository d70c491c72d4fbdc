// Kernels that gradient builders add (train/grad_support.hpp): reductions to a
// run-time shape and their inverse broadcasts, masks, and the scatter/pad
// kernels that undo slicing, concatenation and gathering. Each one pairs with
// another as its gradient, so gradients can be differentiated again.
#pragma once

#include <cmath>

#include "../kernel.hpp"

namespace sessionlib::kernels::grad {

/// Elementwise functors the gradient builders need (masks, sign, log, pow).
namespace fn {
struct sign { template <class T> static T apply(T a) noexcept { return static_cast<T>((a > T(0)) - (a < T(0))); } };
struct exp { template <class T> static T apply(T a) noexcept { return std::exp(a); } };
struct log { template <class T> static T apply(T a) noexcept { return std::log(a); } };
struct sin { template <class T> static T apply(T a) noexcept { return std::sin(a); } };
struct cos { template <class T> static T apply(T a) noexcept { return std::cos(a); } };
struct pow { template <class T> static T apply(T a, T b) noexcept { return std::pow(a, b); } };
struct greater_mask { template <class T> static T apply(T a, T b) noexcept { return a > b ? T(1) : T(0); } };
struct greater_equal_mask { template <class T> static T apply(T a, T b) noexcept { return a >= b ? T(1) : T(0); } };
struct less_equal_mask { template <class T> static T apply(T a, T b) noexcept { return a <= b ? T(1) : T(0); } };
struct equal_mask { template <class T> static T apply(T a, T b) noexcept { return a == b ? T(1) : T(0); } };
}  // namespace fn

/// SumToShape(grad, like): sums `grad` over the axes where `like` was broadcast
/// (axes_attrs: the reduced axes, when `like` dropped them); shape of `like`.
template <class T>
void sum_to_kernel(kernel_context& ctx);

/// BroadcastToShape(x, like): repeats `x` to the shape of `like` (axes_attrs:
/// the axes `x` lacks, when it came from a reduction without keepdims).
template <class T>
void broadcast_to_kernel(kernel_context& ctx);

/// ReshapeLike(x, like): x's values in like's shape.
template <class T>
void reshape_like_kernel(kernel_context& ctx);

/// SizeRatio(a, b): a scalar, elements(a) / elements(b) (mean's divisor).
template <class T>
void size_ratio_kernel(kernel_context& ctx);

/// ReluGrad(dy, x): dy where x > 0, else 0.
template <class T>
void relu_grad_kernel(kernel_context& ctx);

/// Cast between element types.
template <class From, class To>
void cast_kernel(kernel_context& ctx);

/// ProdOthers(x) (axes_attrs: the reduced axes): each element replaced by the
/// product of the other elements of its reduction group; exact with zeros.
template <class T>
void prod_others_kernel(kernel_context& ctx);

/// ConcatSlice(dy, x0, ..., xn-1) (concat_part_attrs {axis, part = i}): the part of the
/// concatenation `dy` that came from input i (shape of x_i).
template <class T>
void concat_slice_kernel(kernel_context& ctx);

/// ConcatPad(d, x0, ..., xn-1) (concat_part_attrs {axis, part = i}): zeros in the shape of the
/// concatenation with `d` in input i's place (the inverse of ConcatSlice).
template <class T>
void concat_pad_kernel(kernel_context& ctx);

/// SlicePad(d, like) (slice_attrs: begin): zeros of like's shape with `d` at begin.
template <class T>
void slice_pad_kernel(kernel_context& ctx);

/// SliceLike(x, like) (slice_attrs: begin): the box of like's shape at begin.
template <class T>
void slice_like_kernel(kernel_context& ctx);

/// GatherGrad(dy, indices, params) (axis_attrs): scatter-adds `dy` into
/// zeros of the shape of `params` along axis (TF's dense IndexedSlices).
template <class T, class I>
void gather_grad_kernel(kernel_context& ctx);

/// GatherAxis(params, indices) (axis_attrs): params' slices at the indices
/// along axis (the gradient of GatherGrad with respect to dy).
template <class T, class I>
void gather_axis_kernel(kernel_context& ctx);

/// AddN(x0, ..., xn-1): the sum of same-shaped inputs (gradient accumulation).
template <class T>
void add_n_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels::grad

#if SESSIONLIB_DEFINITIONS
#include "grad_impl.hpp"
#endif
