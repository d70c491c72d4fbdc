// Gradients of the ops with several outputs (ops/split.hpp): each receives one
// gradient per output (zeros where nothing depends on it) and returns its
// input's. Stack's gradient unstacks, so both directions differentiate again.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../ops/split.hpp"
#include "grad_support.hpp"

namespace sessionlib::erased {

#define SESSIONLIB_MULTI_KERNEL(kernel_name) [&]<class T>() -> kernel_fn { return kernels::kernel_name<T>; }

/// xs joined along `axis` ("ConcatV2", attr ints {axis}, as sl::concat).
SESSIONLIB_INLINE node_id concat(Graph& g, std::vector<output_ref> xs, std::size_t axis) {
  const dtype t = type_of(g, xs[0]);
  static_shape s = shape_of(g, xs[0]);
  s[axis] = 0;
  for (output_ref x : xs) {
    const auto e = shape_of(g, x)[axis];
    s[axis] = (s[axis] < 0 || e < 0) ? -1 : s[axis] + e;
  }
  attributes a{.family = axis_attrs{.axis = static_cast<std::int64_t>(axis)}};
  return make(g, "ConcatV2", std::move(xs), visit_floating(t, SESSIONLIB_MULTI_KERNEL(concat_kernel)), t, std::move(s),
              std::move(a));
}
/// xs (one shape) along a new axis `axis` ("Pack").
SESSIONLIB_INLINE node_id pack(Graph& g, std::vector<output_ref> xs, std::size_t axis) {
  const dtype t = type_of(g, xs[0]);
  static_shape s = shape_of(g, xs[0]);
  s.insert(s.begin() + static_cast<std::ptrdiff_t>(axis), static_cast<std::ptrdiff_t>(xs.size()));
  attributes a{.family = pack_attrs{.axis = static_cast<std::int64_t>(axis)}};
  return make(g, "Pack", std::move(xs), visit_floating(t, SESSIONLIB_MULTI_KERNEL(pack_kernel)), t, std::move(s),
              std::move(a));
}
/// The slices of x along `axis` ("Unpack"): output k is slice k.
SESSIONLIB_INLINE node_id unpack(Graph& g, output_ref x, std::size_t axis, std::size_t num) {
  const dtype t = type_of(g, x);
  static_shape s = shape_of(g, x);
  s.erase(s.begin() + static_cast<std::ptrdiff_t>(axis));
  attributes a{.family = pack_attrs{.axis = static_cast<std::int64_t>(axis), .num = static_cast<std::int64_t>(num)}};
  return add_multi_output_node(g,
                               {.op = "Unpack", .inputs = {x}, .kernel = visit_floating(t, SESSIONLIB_MULTI_KERNEL(unpack_kernel)),
                                .attr = std::move(a)},
                               std::vector<output_spec>(num, output_spec{t, s}));
}
/// dvalues added at their top_k indices into zeros of x's shape ("TopKGrad").
SESSIONLIB_INLINE node_id top_k_grad(Graph& g, output_ref dvalues, output_ref indices, output_ref x) {
  const dtype t = type_of(g, dvalues);
  return make(g, "TopKGrad", {dvalues, indices, x}, visit_floating(t, SESSIONLIB_MULTI_KERNEL(top_k_grad_kernel)), t,
              shape_of(g, x));
}

#undef SESSIONLIB_MULTI_KERNEL

}  // namespace sessionlib::erased

namespace sessionlib::detail {
namespace multi_grad {
/// The axis of a Split, Unpack or Pack node.
template <AttrStruct A>
std::size_t axis_of(const Graph& g, node_id self) {
  return static_cast<std::size_t>(g.at(self).attr.get<A>().axis);
}
/// Split: the parts' gradients joined along the split axis.
SESSIONLIB_INLINE void split(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx) {
  dx[0] = erased::concat(g, dy, axis_of<split_attrs>(g, self));
}
/// Unpack: the slices' gradients stacked along the unstacked axis.
SESSIONLIB_INLINE void unpack(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx) {
  dx[0] = erased::pack(g, dy, axis_of<pack_attrs>(g, self));
}
/// TopKV2: the values' gradient back at the chosen positions; indices carry none.
SESSIONLIB_INLINE void top_k(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx) {
  dx[0] = erased::top_k_grad(g, dy[0], output_ref{self, 1}, g.at(self).inputs[0]);
}
/// Moments: d/dx of mean and variance, dmean / n + dvar * 2 (x - mean) / n,
/// each broadcast back over the reduced axes.
SESSIONLIB_INLINE void moments(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const output_ref x = n.inputs[0], mean{self, 0};
  const std::vector<std::int64_t>& axes = n.attr.get<moments_attrs>().axes;
  const output_ref count = erased::size_ratio(g, x, mean, erased::type_of(g, x));
  const output_ref centred = erased::sub(g, x, erased::broadcast_like(g, mean, x, axes));
  const output_ref from_var = erased::mul(g, erased::broadcast_like(g, dy[1], x, axes), erased::mul_scalar(g, centred, 2.0));
  dx[0] = erased::div(g, erased::add(g, erased::broadcast_like(g, dy[0], x, axes), from_var), count);
}
/// Pack (single output): each input's gradient is a slice of dy.
SESSIONLIB_INLINE void pack(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const std::size_t axis = axis_of<pack_attrs>(g, self);
  const node_id parts = erased::unpack(g, dy, axis, g.at(self).inputs.size());
  for (std::size_t i = 0; i < dx.size(); ++i) dx[i] = output_ref{parts, static_cast<std::uint32_t>(i)};
}
}  // namespace multi_grad

/// The gradient builders of ops with several outputs, by op type name.
SESSIONLIB_INLINE void register_multi_grads(std::unordered_map<std::string, multi_grad_fn>& m) {
  m["Split"] = multi_grad::split;
  m["Unpack"] = multi_grad::unpack;
  m["TopKV2"] = multi_grad::top_k;
  m["Moments"] = multi_grad::moments;
}
/// Single-output ops of the same family.
SESSIONLIB_INLINE void register_stack_grads(std::unordered_map<std::string, grad_fn>& m) { m["Pack"] = multi_grad::pack; }

}  // namespace sessionlib::detail
