// Erased op construction for gradient builders. A builder (grad_fn) knows its
// node's dtype and static shape only at run time, so it cannot call the typed
// ops; these functions add the same nodes by node id: each picks the kernel by
// the operand's dtype (float and double only: gradients flow through those),
// records the static shape (-1 for dynamic) and the op kind, and returns the id.
//
// The API is stable; the nn gradients (train/grad_nn.hpp) are written with it.
// Every constructor here has a registered gradient (train/grad_math.hpp,
// train/grad_array.hpp), so a gradient built from them can be differentiated again.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../graph/builder.hpp"
#include "../ops/arithmetic.hpp"
#include "../runtime/kernels/array_fill.hpp"
#include "../runtime/kernels/grad.hpp"
#include "../runtime/kernels/matmul.hpp"

namespace sessionlib::erased {

using static_shape = std::vector<std::ptrdiff_t>;

#if SESSIONLIB_DEFINITIONS
/// The dtype of output `id`.
SESSIONLIB_INLINE dtype type_of(const Graph& g, output_ref id) { return g.at(id.node).output_type(id.index); }
#else
SESSIONLIB_DECLARE dtype type_of(const Graph& g, output_ref id);
#endif
/// The static shape of output `id` (-1: dynamic).
inline const static_shape& shape_of(const Graph& g, output_ref id) { return g.at(id.node).output_shape(id.index); }
/// True when `t` carries gradients (float32, float64).
constexpr bool is_floating(dtype t) noexcept { return t == dtype::float32 || t == dtype::float64; }
#if SESSIONLIB_DEFINITIONS
/// True when the static shape has no dynamic dimension.
SESSIONLIB_INLINE bool fully_static(const static_shape& s) {
  for (auto d : s) if (d < 0) return false;
  return true;
}
#else
SESSIONLIB_DECLARE bool fully_static(const static_shape& s);
#endif

/// Calls `f.template operator()<T>()` for T = float or double; sl::internal_error otherwise.
template <class F>
decltype(auto) visit_floating(dtype t, F&& f) {
  if (t == dtype::float64) return f.template operator()<double>();
  if (t != dtype::float32)
    throw internal_error("gradient builder: expected float32 or float64, got " + std::string(dtype_name(t)));
  return f.template operator()<float>();
}

#if SESSIONLIB_DEFINITIONS
/// Adds a node of op kind `op` over `inputs` with dtype `t` and static `shape`.
/// `block` makes the node fusable but not pairable; elementwise maps use
/// binary() and unary() below, which also pair.
SESSIONLIB_INLINE node_id make(Graph& g, std::string op, std::vector<output_ref> inputs, kernel_fn kernel, dtype t, static_shape shape,
                    attributes attr = {}, block_fn block = nullptr) {
  return add_tensor_node(g, {.op = std::move(op), .inputs = std::move(inputs), .kernel = kernel, .attr = std::move(attr),
                             .elementwise = block != nullptr, .block = block},
                         t, std::move(shape));
}

/// Static numpy broadcast of two static shapes (dyn where unknown).
SESSIONLIB_INLINE static_shape broadcast_static(const static_shape& a, const static_shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  static_shape r(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::ptrdiff_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::ptrdiff_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    r[i] = x == 1 ? y : (y == 1 ? x : (x < 0 ? y : x));
  }
  return r;
}

/// A rank-0 constant `value` of dtype `t`.
SESSIONLIB_INLINE node_id scalar(Graph& g, dtype t, double value) {
  attributes a;
  a.value = any_array(t, dims{});
  visit_floating(t, [&]<class T>() { *a.value.data<T>() = static_cast<T>(value); });
  return make(g, "Const", {}, kernels::constant_kernel, t, {}, std::move(a));
}
#else
SESSIONLIB_DECLARE node_id make(Graph& g, std::string op, std::vector<output_ref> inputs, kernel_fn kernel, dtype t, static_shape shape,
                     attributes attr = {}, block_fn block = nullptr);
SESSIONLIB_DECLARE static_shape broadcast_static(const static_shape& a, const static_shape& b);
SESSIONLIB_DECLARE node_id scalar(Graph& g, dtype t, double value);
#endif

/// A broadcasting binary elementwise node `Fn` (functor with static apply(T, T)),
/// fusable and pairing as the typed op's node (ops/op_support.hpp's elementwise_spec).
template <class Fn>
node_id binary(Graph& g, const char* op, output_ref a, output_ref b, const char* name = "") {
  const dtype t = type_of(g, a);
  op_spec spec =
      visit_floating(t, [&]<class T>() { return sessionlib::detail::elementwise_spec<T, T, Fn, 2>(op, {a, b}, name); });
  return add_tensor_node(g, std::move(spec), t, broadcast_static(shape_of(g, a), shape_of(g, b)));
}

/// A unary elementwise node `Fn` (functor with static apply(T)), fusable as binary's.
template <class Fn>
node_id unary(Graph& g, const char* op, output_ref a) {
  const dtype t = type_of(g, a);
  op_spec spec = visit_floating(t, [&]<class T>() { return sessionlib::detail::elementwise_spec<T, T, Fn, 1>(op, {a}); });
  return add_tensor_node(g, std::move(spec), t, shape_of(g, a));
}

#if SESSIONLIB_DEFINITIONS
/// a + b, a - b, a * b, a / b, -a: TF's op types AddV2, Sub, Mul, RealDiv, Neg,
/// named as TF names its operators' nodes ("add", "sub", "mul", "truediv").
SESSIONLIB_INLINE node_id add(Graph& g, output_ref a, output_ref b) { return binary<fn::add>(g, "AddV2", a, b, "add"); }
SESSIONLIB_INLINE node_id sub(Graph& g, output_ref a, output_ref b) { return binary<fn::sub>(g, "Sub", a, b, "sub"); }
SESSIONLIB_INLINE node_id mul(Graph& g, output_ref a, output_ref b) { return binary<fn::mul>(g, "Mul", a, b, "mul"); }
SESSIONLIB_INLINE node_id div(Graph& g, output_ref a, output_ref b) { return binary<fn::div>(g, "RealDiv", a, b, "truediv"); }
SESSIONLIB_INLINE node_id neg(Graph& g, output_ref a) { return unary<fn::neg>(g, "Neg", a); }
/// a * value, a + value, value - a (value: a scalar constant of a's dtype).
SESSIONLIB_INLINE node_id mul_scalar(Graph& g, output_ref a, double value) { return mul(g, a, scalar(g, type_of(g, a), value)); }
SESSIONLIB_INLINE node_id add_scalar(Graph& g, output_ref a, double value) { return add(g, a, scalar(g, type_of(g, a), value)); }
SESSIONLIB_INLINE node_id scalar_sub(Graph& g, double value, output_ref a) { return sub(g, scalar(g, type_of(g, a), value), a); }

/// exp(a), log(a), sin(a), cos(a), sign(a), pow(a, b) (op kinds "Exp", "Log", "Sin", "Cos", "Sign", "Pow").
SESSIONLIB_INLINE node_id exp(Graph& g, output_ref a) { return unary<kernels::grad::fn::exp>(g, "Exp", a); }
SESSIONLIB_INLINE node_id log(Graph& g, output_ref a) { return unary<kernels::grad::fn::log>(g, "Log", a); }
SESSIONLIB_INLINE node_id sin(Graph& g, output_ref a) { return unary<kernels::grad::fn::sin>(g, "Sin", a); }
SESSIONLIB_INLINE node_id cos(Graph& g, output_ref a) { return unary<kernels::grad::fn::cos>(g, "Cos", a); }
SESSIONLIB_INLINE node_id sign(Graph& g, output_ref a) { return unary<kernels::grad::fn::sign>(g, "Sign", a); }
SESSIONLIB_INLINE node_id pow(Graph& g, output_ref a, output_ref b) { return binary<kernels::grad::fn::pow>(g, "Pow", a, b); }

/// 1 where a > b (a >= b, a <= b, a == b), else 0, in a's dtype; no gradient flows through a mask.
SESSIONLIB_INLINE node_id greater_mask(Graph& g, output_ref a, output_ref b) {
  return binary<kernels::grad::fn::greater_mask>(g, "GreaterMask", a, b);
}
SESSIONLIB_INLINE node_id greater_equal_mask(Graph& g, output_ref a, output_ref b) {
  return binary<kernels::grad::fn::greater_equal_mask>(g, "GreaterEqualMask", a, b);
}
SESSIONLIB_INLINE node_id less_equal_mask(Graph& g, output_ref a, output_ref b) {
  return binary<kernels::grad::fn::less_equal_mask>(g, "LessEqualMask", a, b);
}
SESSIONLIB_INLINE node_id equal_mask(Graph& g, output_ref a, output_ref b) {
  return binary<kernels::grad::fn::equal_mask>(g, "EqualMask", a, b);
}
#else
SESSIONLIB_DECLARE node_id add(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id sub(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id mul(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id div(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id neg(Graph& g, output_ref a);
SESSIONLIB_DECLARE node_id mul_scalar(Graph& g, output_ref a, double value);
SESSIONLIB_DECLARE node_id add_scalar(Graph& g, output_ref a, double value);
SESSIONLIB_DECLARE node_id scalar_sub(Graph& g, double value, output_ref a);
SESSIONLIB_DECLARE node_id exp(Graph& g, output_ref a);
SESSIONLIB_DECLARE node_id log(Graph& g, output_ref a);
SESSIONLIB_DECLARE node_id sin(Graph& g, output_ref a);
SESSIONLIB_DECLARE node_id cos(Graph& g, output_ref a);
SESSIONLIB_DECLARE node_id sign(Graph& g, output_ref a);
SESSIONLIB_DECLARE node_id pow(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id greater_mask(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id greater_equal_mask(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id less_equal_mask(Graph& g, output_ref a, output_ref b);
SESSIONLIB_DECLARE node_id equal_mask(Graph& g, output_ref a, output_ref b);
#endif

#define SESSIONLIB_ERASED_KERNEL(kernel_name)                                                 \
  [&]<class T>() -> kernel_fn { return kernels::grad::kernel_name<T>; }

#if SESSIONLIB_DEFINITIONS
/// Sums `grad` down to the run-time shape of `like` over the axes where `like`
/// was broadcast ("SumToShape"). With `axes` (normalised, of grad's rank):
/// sums over those axes, like being a reduction's result (keepdims or not).
SESSIONLIB_INLINE node_id reduce_sum_to_shape(Graph& g, output_ref grad, output_ref like, std::vector<std::int64_t> axes = {}) {
  const dtype t = type_of(g, grad);
  attributes a{.family = axes_attrs{.axes = std::move(axes)}};
  return make(g, "SumToShape", {grad, like}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(sum_to_kernel)), t,
             shape_of(g, like), std::move(a));
}
/// reduce_sum_to_shape, unless the static shapes show no broadcast happened.
SESSIONLIB_INLINE output_ref sum_to_shape_if_needed(Graph& g, output_ref grad, output_ref like) {
  const auto& sg = shape_of(g, grad);
  const auto& sl = shape_of(g, like);
  if (sg == sl && fully_static(sl)) return grad;
  return reduce_sum_to_shape(g, grad, like);
}
/// Repeats `x` to the run-time shape of `like` ("BroadcastToShape"); `axes`:
/// the axes of like that x lacks or has as 1 (x being a reduction's result).
SESSIONLIB_INLINE node_id broadcast_like(Graph& g, output_ref x, output_ref like, std::vector<std::int64_t> axes = {}) {
  const dtype t = type_of(g, x);
  attributes a{.family = axes_attrs{.axes = std::move(axes)}};
  return make(g, "BroadcastToShape", {x, like}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(broadcast_to_kernel)), t,
             shape_of(g, like), std::move(a));
}
/// x's values in the run-time shape of `like` ("ReshapeLike").
SESSIONLIB_INLINE node_id reshape_like(Graph& g, output_ref x, output_ref like) {
  const dtype t = type_of(g, x);
  return make(g, "ReshapeLike", {x, like}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(reshape_like_kernel)), t,
             shape_of(g, like));
}
/// Zeros (ones) of like's dtype and run-time shape ("ZerosLike", "OnesLike").
SESSIONLIB_INLINE node_id fill_like(Graph& g, output_ref like, double value) {
  const dtype t = type_of(g, like);
  // The node sl::zeros_like builds: the value a scalar of the dtype in attr.value.
  attributes a{.value = any_array(t, dims{})};
  const kernel_fn k = visit_floating(t, [&]<class T>() -> kernel_fn {
    *a.value.data<T>() = static_cast<T>(value);
    return kernels::fill_like_kernel<T>;
  });
  return make(g, value == 0 ? "ZerosLike" : "OnesLike", {like}, k, t, shape_of(g, like), std::move(a));
}
SESSIONLIB_INLINE node_id zeros_like(Graph& g, output_ref like) { return fill_like(g, like, 0.0); }
SESSIONLIB_INLINE node_id ones_like(Graph& g, output_ref like) { return fill_like(g, like, 1.0); }
/// elements(a) / elements(b) as a scalar of dtype `t` ("SizeRatio"; no gradient).
SESSIONLIB_INLINE node_id size_ratio(Graph& g, output_ref a, output_ref b, dtype t) {
  return make(g, "SizeRatio", {a, b}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(size_ratio_kernel)), t, {});
}
/// dy where x > 0, else 0 ("ReluGrad").
SESSIONLIB_INLINE node_id relu_grad(Graph& g, output_ref dy, output_ref x) {
  const dtype t = type_of(g, dy);
  return make(g, "ReluGrad", {dy, x}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(relu_grad_kernel)), t, shape_of(g, x));
}
/// Product of the other elements of each reduction group over `axes` ("ProdOthers").
SESSIONLIB_INLINE node_id prod_others(Graph& g, output_ref x, std::vector<std::int64_t> axes) {
  const dtype t = type_of(g, x);
  attributes a{.family = axes_attrs{.axes = std::move(axes)}};
  return make(g, "ProdOthers", {x}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(prod_others_kernel)), t, shape_of(g, x),
             std::move(a));
}
/// The sum of same-shaped tensors ("AddN"); a single one is returned as is.
SESSIONLIB_INLINE output_ref add_n(Graph& g, std::vector<output_ref> xs) {
  if (xs.size() == 1) return xs[0];
  const dtype t = type_of(g, xs[0]);
  static_shape s = shape_of(g, xs[0]);
  return make(g, "AddN", std::move(xs), visit_floating(t, SESSIONLIB_ERASED_KERNEL(add_n_kernel)), t, std::move(s));
}

/// x converted to dtype `to` ("Cast"); any numeric or bool source, float or double target.
SESSIONLIB_INLINE node_id cast(Graph& g, output_ref x, dtype to) {
  const dtype from = type_of(g, x);
  kernel_fn k = visit_floating(to, [&]<class To>() -> kernel_fn {
    if (from == dtype::bool_) return kernels::grad::cast_kernel<bool, To>;
    return visit_dtype(from, [&]<class From>() -> kernel_fn { return kernels::grad::cast_kernel<From, To>; });
  });
  return make(g, "Cast", {x}, k, to, shape_of(g, x));
}

/// The part of the concatenation `dy` that came from xs[i] ("ConcatSlice").
SESSIONLIB_INLINE node_id concat_slice(Graph& g, output_ref dy, const std::vector<output_ref>& xs, std::size_t axis, std::size_t i) {
  const dtype t = type_of(g, dy);
  attributes a{.family = concat_part_attrs{.axis = static_cast<std::int64_t>(axis), .part = static_cast<std::int64_t>(i)}};
  std::vector<output_ref> in{dy};
  in.insert(in.end(), xs.begin(), xs.end());
  return make(g, "ConcatSlice", std::move(in), visit_floating(t, SESSIONLIB_ERASED_KERNEL(concat_slice_kernel)), t,
             shape_of(g, xs[i]), std::move(a));
}
/// Zeros in the shape of the concatenation of xs, with `d` in xs[i]'s place ("ConcatPad").
SESSIONLIB_INLINE node_id concat_pad(Graph& g, output_ref d, const std::vector<output_ref>& xs, std::size_t axis, std::size_t i) {
  const dtype t = type_of(g, d);
  attributes a{.family = concat_part_attrs{.axis = static_cast<std::int64_t>(axis), .part = static_cast<std::int64_t>(i)}};
  std::vector<output_ref> in{d};
  in.insert(in.end(), xs.begin(), xs.end());
  static_shape s = shape_of(g, xs[0]);
  s[axis] = 0;
  for (output_ref x : xs) {
    const auto e = shape_of(g, x)[axis];
    s[axis] = (s[axis] < 0 || e < 0) ? -1 : s[axis] + e;
  }
  return make(g, "ConcatPad", std::move(in), visit_floating(t, SESSIONLIB_ERASED_KERNEL(concat_pad_kernel)), t,
             std::move(s), std::move(a));
}
/// Zeros of like's shape with `d` placed at `begin` ("SlicePad").
SESSIONLIB_INLINE node_id slice_pad(Graph& g, output_ref d, output_ref like, std::vector<std::int64_t> begin) {
  const dtype t = type_of(g, d);
  attributes a{.family = slice_attrs{.begin = std::move(begin)}};
  return make(g, "SlicePad", {d, like}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(slice_pad_kernel)), t,
             shape_of(g, like), std::move(a));
}
/// The box of like's shape at `begin` inside x ("SliceLike").
SESSIONLIB_INLINE node_id slice_like(Graph& g, output_ref x, output_ref like, std::vector<std::int64_t> begin) {
  const dtype t = type_of(g, x);
  attributes a{.family = slice_attrs{.begin = std::move(begin)}};
  return make(g, "SliceLike", {x, like}, visit_floating(t, SESSIONLIB_ERASED_KERNEL(slice_like_kernel)), t,
             shape_of(g, like), std::move(a));
}

/// x itself as a new node ("Identity"; shares x's buffer).
SESSIONLIB_INLINE node_id identity(Graph& g, output_ref x) {
  return make(g, "Identity", {x}, kernels::identity_kernel, type_of(g, x), shape_of(g, x));
}

/// op(a) @ op(b) over the last two axes, leading axes broadcast ("MatMul" for
/// rank 2, else "BatchMatMulV2"; matmul_attrs, as sl::matmul).
SESSIONLIB_INLINE node_id matmul(Graph& g, output_ref a, output_ref b, bool transpose_a, bool transpose_b) {
  const dtype t = type_of(g, a);
  const auto& sa = shape_of(g, a);
  const auto& sb = shape_of(g, b);
  const std::size_t ra = sa.size(), rb = sb.size();
  static_shape s = broadcast_static(static_shape(sa.begin(), sa.end() - 2), static_shape(sb.begin(), sb.end() - 2));
  s.push_back(transpose_a ? sa[ra - 1] : sa[ra - 2]);
  s.push_back(transpose_b ? sb[rb - 2] : sb[rb - 1]);
  attributes attr{.family = matmul_attrs{.transpose_a = transpose_a, .transpose_b = transpose_b}};
  return make(g, ra > 2 || rb > 2 ? "BatchMatMulV2" : "MatMul", {a, b},
              visit_floating(t, [&]<class T>() -> kernel_fn { return kernels::matmul_kernel<T>; }), t, std::move(s),
              std::move(attr));
}
#else
SESSIONLIB_DECLARE node_id reduce_sum_to_shape(Graph& g, output_ref grad, output_ref like, std::vector<std::int64_t> axes = {});
SESSIONLIB_DECLARE output_ref sum_to_shape_if_needed(Graph& g, output_ref grad, output_ref like);
SESSIONLIB_DECLARE node_id broadcast_like(Graph& g, output_ref x, output_ref like, std::vector<std::int64_t> axes = {});
SESSIONLIB_DECLARE node_id reshape_like(Graph& g, output_ref x, output_ref like);
SESSIONLIB_DECLARE node_id fill_like(Graph& g, output_ref like, double value);
SESSIONLIB_DECLARE node_id zeros_like(Graph& g, output_ref like);
SESSIONLIB_DECLARE node_id ones_like(Graph& g, output_ref like);
SESSIONLIB_DECLARE node_id size_ratio(Graph& g, output_ref a, output_ref b, dtype t);
SESSIONLIB_DECLARE node_id relu_grad(Graph& g, output_ref dy, output_ref x);
SESSIONLIB_DECLARE node_id prod_others(Graph& g, output_ref x, std::vector<std::int64_t> axes);
SESSIONLIB_DECLARE output_ref add_n(Graph& g, std::vector<output_ref> xs);
SESSIONLIB_DECLARE node_id cast(Graph& g, output_ref x, dtype to);
SESSIONLIB_DECLARE node_id concat_slice(Graph& g, output_ref dy, const std::vector<output_ref>& xs, std::size_t axis, std::size_t i);
SESSIONLIB_DECLARE node_id concat_pad(Graph& g, output_ref d, const std::vector<output_ref>& xs, std::size_t axis, std::size_t i);
SESSIONLIB_DECLARE node_id slice_pad(Graph& g, output_ref d, output_ref like, std::vector<std::int64_t> begin);
SESSIONLIB_DECLARE node_id slice_like(Graph& g, output_ref x, output_ref like, std::vector<std::int64_t> begin);
SESSIONLIB_DECLARE node_id identity(Graph& g, output_ref x);
SESSIONLIB_DECLARE node_id matmul(Graph& g, output_ref a, output_ref b, bool transpose_a, bool transpose_b);
#endif

namespace detail {
template <template <class, class> class K>
kernel_fn indexed_kernel(dtype t, dtype index) {
  return visit_floating(t, [&]<class T>() -> kernel_fn {
    if (index == dtype::int64) return K<T, std::int64_t>::fn;
    if (index != dtype::int32) throw internal_error("gather: indices must be int32 or int64");
    return K<T, std::int32_t>::fn;
  });
}
template <class T, class I> struct gather_grad_k { static constexpr kernel_fn fn = kernels::grad::gather_grad_kernel<T, I>; };
template <class T, class I> struct gather_axis_k { static constexpr kernel_fn fn = kernels::grad::gather_axis_kernel<T, I>; };
}  // namespace detail

#if SESSIONLIB_DEFINITIONS
/// Scatter-adds `dy` into zeros of params' shape at `indices` along `axis` ("GatherGrad").
SESSIONLIB_INLINE node_id gather_grad(Graph& g, output_ref dy, output_ref indices, output_ref params, std::size_t axis) {
  const dtype t = type_of(g, dy);
  attributes a{.family = axis_attrs{.axis = static_cast<std::int64_t>(axis)}};
  return make(g, "GatherGrad", {dy, indices, params}, detail::indexed_kernel<detail::gather_grad_k>(t, type_of(g, indices)),
             t, shape_of(g, params), std::move(a));
}
/// params' slices at `indices` along `axis` ("GatherAxis").
SESSIONLIB_INLINE node_id gather_axis(Graph& g, output_ref params, output_ref indices, std::size_t axis) {
  const dtype t = type_of(g, params);
  attributes a{.family = axis_attrs{.axis = static_cast<std::int64_t>(axis)}};
  const auto& ps = shape_of(g, params);
  const auto& is = shape_of(g, indices);
  static_shape s(ps.begin(), ps.begin() + static_cast<std::ptrdiff_t>(axis));
  s.insert(s.end(), is.begin(), is.end());
  s.insert(s.end(), ps.begin() + static_cast<std::ptrdiff_t>(axis) + 1, ps.end());
  return make(g, "GatherAxis", {params, indices}, detail::indexed_kernel<detail::gather_axis_k>(t, type_of(g, indices)),
             t, std::move(s), std::move(a));
}
#else
SESSIONLIB_DECLARE node_id gather_grad(Graph& g, output_ref dy, output_ref indices, output_ref params, std::size_t axis);
SESSIONLIB_DECLARE node_id gather_axis(Graph& g, output_ref params, output_ref indices, std::size_t axis);
#endif

#undef SESSIONLIB_ERASED_KERNEL

}  // namespace sessionlib::erased
