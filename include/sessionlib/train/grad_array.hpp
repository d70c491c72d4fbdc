// Gradient builders of the array ops (reshape, expand_dims, squeeze, transpose,
// concat, slice, gather) and of the scatter/pad nodes their gradients add.
// Structural attributes are read as the forward ops lay them out (ops/array.hpp).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../runtime/kernels/array.hpp"
#include "grad_support.hpp"

namespace sessionlib::erased {
/// x with its axes permuted: output axis i is input axis perm[i] ("Transpose", as sl::transpose).
SESSIONLIB_INLINE output_ref transpose(Graph& g, output_ref x, std::vector<std::int64_t> perm) {
  const dtype t = type_of(g, x);
  const auto& sx = shape_of(g, x);
  static_shape s;
  for (auto p : perm) s.push_back(sx[static_cast<std::size_t>(p)]);
  attributes a{.family = transpose_attrs{.perm = std::move(perm)}};
  return make(g, "Transpose", {x}, visit_floating(t, [&]<class T>() -> kernel_fn { return kernels::transpose_kernel<T>; }),
              t, std::move(s), std::move(a));
}
}  // namespace sessionlib::erased

namespace sessionlib::detail {

namespace grads {

/// Reshape, ExpandDims, Squeeze: the gradient is dy in x's run-time shape.
SESSIONLIB_INLINE void reshape(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::reshape_like(g, dy, g.at(self).inputs[0]);
}

/// Transpose: dy transposed by the inverse permutation.
SESSIONLIB_INLINE void transpose(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const std::vector<std::int64_t>& perm = g.at(self).attr.get<transpose_attrs>().perm;
  std::vector<std::int64_t> inverse(perm.size());
  for (std::size_t i = 0; i < inverse.size(); ++i) inverse[static_cast<std::size_t>(perm[i])] = static_cast<std::int64_t>(i);
  dx[0] = erased::transpose(g, dy, std::move(inverse));
}

/// ConcatV2(x0, ..., xn-1): each input gets its part of dy.
SESSIONLIB_INLINE void concat(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const auto axis = static_cast<std::size_t>(n.attr.get<axis_attrs>().axis);
  for (std::size_t i = 0; i < n.inputs.size(); ++i)
    if (erased::is_floating(erased::type_of(g, n.inputs[i]))) dx[i] = erased::concat_slice(g, dy, n.inputs, axis, i);
}
/// ConcatSlice(dy, xs...) and ConcatPad(d, xs...) (concat_part_attrs) undo each other.
SESSIONLIB_INLINE void concat_slice(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const std::vector<output_ref> xs(n.inputs.begin() + 1, n.inputs.end());
  const concat_part_attrs& a = n.attr.get<concat_part_attrs>();
  dx[0] = erased::concat_pad(g, dy, xs, static_cast<std::size_t>(a.axis), static_cast<std::size_t>(a.part));
}
SESSIONLIB_INLINE void concat_pad(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const std::vector<output_ref> xs(n.inputs.begin() + 1, n.inputs.end());
  const concat_part_attrs& a = n.attr.get<concat_part_attrs>();
  dx[0] = erased::concat_slice(g, dy, xs, static_cast<std::size_t>(a.axis), static_cast<std::size_t>(a.part));
}

/// Slice(x): dy padded with zeros back into x's shape.
SESSIONLIB_INLINE void slice(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  dx[0] = erased::slice_pad(g, dy, n.inputs[0], n.attr.get<slice_attrs>().begin);
}
/// SlicePad(d, like) and SliceLike(x, like) (slice_attrs: begin) undo each other.
SESSIONLIB_INLINE void slice_pad(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  dx[0] = erased::slice_like(g, dy, n.inputs[0], n.attr.get<slice_attrs>().begin);
}
SESSIONLIB_INLINE void slice_like(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  dx[0] = erased::slice_pad(g, dy, n.inputs[0], n.attr.get<slice_attrs>().begin);
}

/// GatherV2(params, indices): dy scatter-added into params' shape.
SESSIONLIB_INLINE void gather(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  dx[0] = erased::gather_grad(g, dy, n.inputs[1], n.inputs[0], static_cast<std::size_t>(n.attr.get<axis_attrs>().axis));
}
/// GatherGrad(dy, indices, params) and GatherAxis(params, indices) (axis_attrs) undo each other.
SESSIONLIB_INLINE void gather_grad(Graph& g, node_id self, output_ref ddx, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  dx[0] = erased::gather_axis(g, ddx, n.inputs[1], static_cast<std::size_t>(n.attr.get<axis_attrs>().axis));
}
SESSIONLIB_INLINE void gather_axis(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  dx[0] = erased::gather_grad(g, dy, n.inputs[1], n.inputs[0], static_cast<std::size_t>(n.attr.get<axis_attrs>().axis));
}

}  // namespace grads

/// Adds the array ops' gradient builders to the registry (train/gradients.hpp).
SESSIONLIB_INLINE void register_array_grads(std::unordered_map<std::string, grad_fn>& m) {
  for (const char* k : {"Reshape", "ExpandDims", "Squeeze"}) m[k] = grads::reshape;
  m["Transpose"] = grads::transpose;
  m["ConcatV2"] = grads::concat;
  m["ConcatSlice"] = grads::concat_slice;
  m["ConcatPad"] = grads::concat_pad;
  m["Slice"] = grads::slice;
  m["SlicePad"] = grads::slice_pad;
  m["SliceLike"] = grads::slice_like;
  m["GatherV2"] = grads::gather;
  m["GatherGrad"] = grads::gather_grad;
  m["GatherAxis"] = grads::gather_axis;
}

}  // namespace sessionlib::detail
