// GraphDef import and export of ops with several outputs and their inverse:
// Split (split_dim, value; num_split), Unpack (num, axis), Pack (N, axis),
// TopKV2 (input, k; values and int32 indices), and sessionlib's own Moments
// (mean and variance; its axes and keep_dims as attributes).
#pragma once

#include "../ops/split.hpp"
// The importers name kernels for every dtype a NodeDef may carry, not only
// those the implementation library holds: their bodies too (kernels/*_impl.hpp).
#include "../runtime/kernels/split_impl.hpp"
#include "ops_support.hpp"

namespace sessionlib::detail::gd {

/// n outputs of dtype t and shape s (the first is the node's own).
inline node_import with_outputs(node_import n, std::size_t count) {
  for (std::size_t k = 1; k < count; ++k) n.more_outputs.push_back({n.type, n.shape});
  return n;
}

// Split: split_dim (a Const), value; num_split equal parts.
inline node_import import_split(import_context& c) {
  c.need_inputs(2);
  const auto dim = c.constant_ints(0, "split_dim");
  if (dim.size() != 1) c.fail("split_dim must be a scalar");
  const std::int64_t num = c.attr_int("num_split", 0);
  if (num < 1) c.fail("num_split must be at least 1");
  const auto& in = c.input_shape(1);
  if (!in) throw import_unsupported("Split of a tensor of unknown rank");
  const std::size_t axis = infer::axis(c, dim[0], in->size());
  std::vector<std::ptrdiff_t> part = *in;
  if (part[axis] >= 0) {
    if (part[axis] % num != 0)
      c.fail("Number of ways to split should evenly divide the split dimension, but got split_dim " +
             std::to_string(axis) + " (size = " + std::to_string(part[axis]) + ") and num_split " + std::to_string(num));
    part[axis] /= num;
  }
  return dispatch<types::any>(c, c.input_type(1), [&]<class T>() {
    op_spec s;
    s.op = c.def.op;
    s.inputs.push_back(c.input(1));
    s.kernel = kernels::split_kernel<T>;
    s.attr.family = split_attrs{.axis = static_cast<std::int64_t>(axis), .num_split = num};
    return with_outputs(make(std::move(s), dtype_of<T>, part), static_cast<std::size_t>(num));
  });
}

// Unpack: value; num, axis.
inline node_import import_unpack(import_context& c) {
  c.need_inputs(1);
  const auto& in = c.input_shape(0);
  if (!in) throw import_unsupported("Unpack of a tensor of unknown rank");
  const std::size_t axis = infer::axis(c, c.attr_int("axis", 0), in->size());
  const std::int64_t num = c.attr_int("num", (*in)[axis]);
  if (num < 0 || ((*in)[axis] >= 0 && (*in)[axis] != num)) c.fail("num does not match the dimension unpacked");
  std::vector<std::ptrdiff_t> part = *in;
  part.erase(part.begin() + static_cast<std::ptrdiff_t>(axis));
  return dispatch<types::any>(c, c.input_type(0), [&]<class T>() -> node_import {
    op_spec s = c.spec(1, kernels::unpack_kernel<T>);
    s.attr.family = pack_attrs{.axis = static_cast<std::int64_t>(axis), .num = num};
    if (num == 0) throw import_unsupported("Unpack into no outputs");
    return with_outputs(make(std::move(s), dtype_of<T>, part), static_cast<std::size_t>(num));
  });
}

// Pack: N values of one shape; axis.
inline node_import import_pack(import_context& c) {
  c.need_inputs(1);
  const auto& in = c.input_shape(0);
  if (!in) throw import_unsupported("Pack of tensors of unknown rank");
  for (std::size_t k = 1; k < c.input_count(); ++k) same_type(c, 0, k);
  const std::size_t axis = infer::axis(c, c.attr_int("axis", 0), in->size() + 1);
  std::vector<std::ptrdiff_t> out = *in;
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(axis), static_cast<std::ptrdiff_t>(c.input_count()));
  return dispatch<types::any>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(c.input_count(), kernels::pack_kernel<T>);
    s.attr.family = pack_attrs{.axis = static_cast<std::int64_t>(axis)};
    return make(std::move(s), dtype_of<T>, out);
  });
}

// TopKV2: input, k (a Const); values and int32 indices, largest first.
inline node_import import_top_k(import_context& c) {
  c.need_inputs(2);
  const auto k = c.constant_ints(1, "k");
  if (k.size() != 1 || k[0] < 0) c.fail("k must be a non-negative scalar");
  if (!c.attr_bool("sorted", true)) throw import_unsupported("TopKV2 with sorted=false");
  std::optional<std::vector<std::ptrdiff_t>> out = c.input_shape(0);
  if (out) {
    if (out->empty()) c.fail("input must have rank >= 1");
    out->back() = static_cast<std::ptrdiff_t>(k[0]);
  }
  return dispatch<types::numeric>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::top_k_kernel<T>);
    s.attr.family = top_k_attrs{.k = k[0]};
    node_import n = make(std::move(s), dtype_of<T>, out);
    n.more_outputs.push_back({dtype::int32, out});
    return n;
  });
}

// sessionlib's Moments: x; "axes" (list), "keep_dims"; mean and variance.
inline node_import import_moments(import_context& c) {
  c.need_inputs(1);
  const auto& in = c.input_shape(0);
  if (!in) throw import_unsupported("Moments of a tensor of unknown rank");
  const auto ax = infer::axes(c, c.attr_ints("axes"), in->size());
  const bool keep = c.attr_bool("keep_dims", false);
  const auto out = infer::reduce(*in, ax, keep);
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::moments_kernel<T>);
    s.attr.family = moments_attrs{.axes = ax, .keep_dims = keep};
    return with_outputs(make(std::move(s), dtype_of<T>, out), 2);
  });
}

inline const bool split_ops_registered = [] {
  register_graph_def_op({"Split"}, import_split, nullptr);
  register_graph_def_op({"Unpack"}, import_unpack, nullptr);
  register_graph_def_op({"Pack"}, import_pack, nullptr);
  register_graph_def_op({"TopKV2"}, import_top_k, nullptr);
  register_graph_def_op({"Moments"}, import_moments, nullptr);
  return true;
}();

}  // namespace sessionlib::detail::gd
