// GraphDef import and export of sources and array ops: Const, Placeholder,
// NoOp, Identity, StopGradient, Reshape, ExpandDims, Squeeze, Transpose,
// ConcatV2 (and the old Concat), Slice, GatherV2 (and Gather), OneHot, Fill,
// ZerosLike, OnesLike, Range.
//
// TF passes structural arguments (Reshape's shape, ConcatV2's axis, ...) as
// constant inputs; sessionlib's kernels read them from the node's attributes.
// Import resolves them from the GraphDef's Const (a shape computed at run time
// makes the node one that cannot run); export writes them as Const inputs
// marked `_sessionlib_inline`, which a later import folds back.
#pragma once

#include <numeric>

#include "../ops/array.hpp"
#include "../ops/array_fill.hpp"
#include "../ops/array_index.hpp"
#include "../ops/constant.hpp"
#include "../ops/control.hpp"
// The importers name kernels for every dtype a NodeDef may carry, not only
// those the implementation library holds: their bodies too (kernels/*_impl.hpp).
#include "../runtime/kernels/array_impl.hpp"
#include "../runtime/kernels/array_fill_impl.hpp"
#include "../runtime/kernels/array_index_impl.hpp"
#include "ops_support.hpp"

namespace sessionlib::detail::gd {

inline node_import import_const(import_context& c) {
  const AttrValue* v = c.attr("value");
  const auto* t = v ? v->get_if<TensorProto>() : nullptr;
  if (!t) c.fail("Const has no 'value' tensor");
  any_array value = to_any_array(*t);  // sl::unimplemented (cannot run) for DT_STRING and other types
  const std::vector<std::ptrdiff_t> shape(value.shape().begin(), value.shape().end());
  const dtype type = value.dtype();
  op_spec s = c.spec(0, kernels::constant_kernel);
  s.attr.value = std::move(value);
  return make(std::move(s), type, shape);
}

inline std::optional<std::vector<std::ptrdiff_t>> shape_attr(const import_context& c, std::string_view key) {
  const AttrValue* a = c.attr(key);
  const auto* s = a ? a->get_if<TensorShapeProto>() : nullptr;
  if (!s || s->unknown_rank) return std::nullopt;
  std::vector<std::ptrdiff_t> out;
  for (const auto& d : s->dim) out.push_back(d.size < 0 ? -1 : static_cast<std::ptrdiff_t>(d.size));
  return out;
}

inline node_import import_placeholder(import_context& c) {
  return make(c.spec(0, kernels::placeholder_kernel), c.attr_type("dtype"), shape_attr(c, "shape"));
}

inline node_import import_no_op(import_context& c) {
  node_import n = make(c.spec(0, nullptr), dtype::float32, std::vector<std::ptrdiff_t>{});
  n.has_output = false;
  return n;
}

inline node_import import_identity(import_context& c) {
  c.need_inputs(1);
  return make(c.spec(1, kernels::identity_kernel), c.input_type(0), c.input_shape(0));
}

inline node_import import_reshape(import_context& c) {
  c.need_inputs(2);
  const std::vector<std::int64_t> want = c.constant_ints(1, "shape");
  op_spec s = c.spec(1, kernels::reshape_kernel);
  s.attr.family = reshape_attrs{.shape = want};
  return make(std::move(s), c.input_type(0), infer::reshape(c, c.input_shape(0), want));
}

inline node_import import_expand_dims(import_context& c) {
  c.need_inputs(2);
  const auto& in = c.input_shape(0);
  if (!in) throw import_unsupported("ExpandDims of a tensor of unknown rank");
  const std::vector<std::int64_t> dim = c.constant_ints(1, "dim");
  if (dim.size() != 1) c.fail("'dim' must be a scalar");
  const std::size_t axis = infer::axis(c, dim[0], in->size() + 1);
  std::vector<std::ptrdiff_t> out = *in;
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(axis), 1);
  op_spec s = c.spec(1, kernels::expand_dims_kernel);
  s.attr.family = expand_dims_attrs{.dim = static_cast<std::int64_t>(axis)};
  return make(std::move(s), c.input_type(0), out);
}

inline node_import import_squeeze(import_context& c) {
  c.need_inputs(1);
  const auto& in = c.input_shape(0);
  if (!in) throw import_unsupported("Squeeze of a tensor of unknown rank");
  const std::vector<std::int64_t> listed = c.attr_ints("squeeze_dims");
  std::vector<std::int64_t> drop;
  if (listed.empty()) {
    for (std::size_t i = 0; i < in->size(); ++i)
      if ((*in)[i] == 1) drop.push_back(static_cast<std::int64_t>(i));
      else if ((*in)[i] < 0) throw import_unsupported("Squeeze of every axis of 1 with a dimension unknown");
  } else {
    drop = infer::axes(c, listed, in->size());
    for (auto a : drop)
      if ((*in)[static_cast<std::size_t>(a)] > 1)
        c.fail("Can not squeeze dim[" + std::to_string(a) + "], expected a dimension of 1, got " +
               std::to_string((*in)[static_cast<std::size_t>(a)]));
  }
  std::vector<std::ptrdiff_t> out = infer::reduce(*in, drop, false);
  op_spec s = c.spec(1, kernels::squeeze_kernel);
  s.attr.family = squeeze_attrs{.squeeze_dims = drop};
  return make(std::move(s), c.input_type(0), out);
}

inline node_import import_transpose(import_context& c) {
  c.need_inputs(2);
  const std::vector<std::int64_t> perm = c.constant_ints(1, "perm");
  const auto& in = c.input_shape(0);
  std::optional<std::vector<std::ptrdiff_t>> out;
  if (in) {
    if (perm.size() != in->size()) c.fail("transpose expects a vector of size " + std::to_string(in->size()));
    std::vector<bool> seen(perm.size());
    out.emplace();
    for (auto p : perm) {
      const std::size_t a = infer::axis(c, p, perm.size());
      if (seen[a]) c.fail(std::to_string(p) + " is duplicated in perm");
      seen[a] = true;
      out->push_back((*in)[a]);
    }
  }
  return dispatch<types::any>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::transpose_kernel<T>);
    s.attr.family = transpose_attrs{.perm = perm};
    return make(std::move(s), dtype_of<T>, out);
  });
}

// ConcatV2: values..., axis; the old Concat: axis, values...
inline node_import import_concat(import_context& c) {
  c.need_inputs(2);
  const bool v2 = c.def.op == "ConcatV2";
  const std::size_t n = c.input_count() - 1, first = v2 ? 0 : 1, at = v2 ? n : 0;
  const std::vector<std::int64_t> ax = c.constant_ints(at, "axis");
  if (ax.size() != 1) c.fail("the axis must be a scalar");
  std::optional<std::vector<std::ptrdiff_t>> out;
  for (std::size_t k = first; k < first + n; ++k) {
    same_type(c, first, k);
    const auto& s = c.input_shape(k);
    if (!s) {
      out.reset();
      break;
    }
    if (k == first) {
      out = *s;
      continue;
    }
    if (s->size() != out->size()) c.fail("Ranks of all input tensors should match");
    const std::size_t axis = infer::axis(c, ax[0], s->size());
    for (std::size_t d = 0; d < s->size(); ++d) {
      auto& o = (*out)[d];
      if (d == axis) o = o < 0 || (*s)[d] < 0 ? -1 : o + (*s)[d];
      else if (o < 0) o = (*s)[d];
      else if ((*s)[d] >= 0 && (*s)[d] != o) c.fail("Dimension " + std::to_string(d) + " in both shapes must be equal");
    }
  }
  std::int64_t axis = ax[0];
  if (const auto& s0 = c.input_shape(first)) axis = static_cast<std::int64_t>(infer::axis(c, ax[0], s0->size()));
  else if (axis < 0) throw import_unsupported("a negative concat axis over inputs of unknown rank");
  return dispatch<types::any>(c, c.input_type(first), [&]<class T>() {
    op_spec s;
    s.op = c.def.op;
    for (std::size_t k = first; k < first + n; ++k) s.inputs.push_back(c.input(k));
    s.kernel = kernels::concat_kernel<T>;
    s.attr.family = axis_attrs{.axis = axis};
    return make(std::move(s), dtype_of<T>, out);
  });
}

inline node_import import_slice(import_context& c) {
  c.need_inputs(3);
  const auto begin = c.constant_ints(1, "begin"), size = c.constant_ints(2, "size");
  const auto& in = c.input_shape(0);
  if (begin.size() != size.size()) c.fail("begin and size must have the same length");
  if (in && in->size() != begin.size()) c.fail("begin and size must have one entry per dimension of the input");
  std::vector<std::ptrdiff_t> out;
  for (std::size_t i = 0; i < begin.size(); ++i) {
    const std::ptrdiff_t d = in ? (*in)[i] : -1;
    out.push_back(size[i] != -1 ? static_cast<std::ptrdiff_t>(size[i]) : (d < 0 ? -1 : d - begin[i]));
  }
  return dispatch<types::any>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::slice_kernel<T>);
    s.attr.family = slice_attrs{.begin = begin, .size = size};
    return make(std::move(s), dtype_of<T>, out);
  });
}

// GatherV2: params, indices, axis; the old Gather: params, indices (axis 0).
inline node_import import_gather(import_context& c) {
  c.need_inputs(2);
  std::int64_t ax = 0;
  if (c.def.op == "GatherV2") {
    c.need_inputs(3);
    const auto a = c.constant_ints(2, "axis");
    if (a.size() != 1) c.fail("the axis must be a scalar");
    ax = a[0];
  }
  if (c.attr_int("batch_dims", 0) != 0) throw import_unsupported("GatherV2 with batch_dims != 0");
  const auto& ps = c.input_shape(0);
  const auto& is = c.input_shape(1);
  if (!ps) throw import_unsupported("GatherV2 of params of unknown rank");
  const std::size_t axis = infer::axis(c, ax, ps->size());
  std::optional<std::vector<std::ptrdiff_t>> out;
  if (is) {
    out.emplace(ps->begin(), ps->begin() + static_cast<std::ptrdiff_t>(axis));
    out->insert(out->end(), is->begin(), is->end());
    out->insert(out->end(), ps->begin() + static_cast<std::ptrdiff_t>(axis) + 1, ps->end());
  }
  return dispatch<types::any>(c, c.input_type(0), [&]<class T>() {
    return dispatch<types::index>(c, c.input_type(1), [&]<class I>() {
      op_spec s = c.spec(2, kernels::gather_kernel<T, I>);
      s.attr.family = axis_attrs{.axis = static_cast<std::int64_t>(axis)};
      return make(std::move(s), dtype_of<T>, out);
    });
  });
}

// OneHot: indices, depth, on_value, off_value; axis -1 only.
inline node_import import_one_hot(import_context& c) {
  c.need_inputs(4);
  if (c.attr_int("axis", -1) != -1) throw import_unsupported("OneHot with an axis other than -1");
  const auto depth = c.constant_ints(1, "depth");
  if (depth.size() != 1 || depth[0] < 0) c.fail("depth must be a non-negative scalar");
  const auto on = c.constant_input(2), off = c.constant_input(3);
  if (!on || !off) throw import_unsupported("OneHot's on_value and off_value must be Consts");
  std::optional<std::vector<std::ptrdiff_t>> out = c.input_shape(0);
  if (out) out->push_back(static_cast<std::ptrdiff_t>(depth[0]));
  const auto scalar = [](const any_array& a) {
    return visit_dtype(a.dtype(), [&]<class V>() { return static_cast<double>(a.template data<V>()[0]); });
  };
  const double onv = scalar(*on), offv = scalar(*off);
  return dispatch<types::any>(c, on->dtype(), [&]<class T>() {
    return visit_dtype(c.input_type(0), [&]<class I>() -> node_import {
      if constexpr (std::is_same_v<I, std::int32_t> || std::is_same_v<I, std::int64_t> || std::is_same_v<I, std::uint8_t>) {
        op_spec s = c.spec(1, kernels::one_hot_kernel<I, T>);
        s.attr.family = one_hot_attrs{.depth = depth[0], .on_value = onv, .off_value = offv};
        return make(std::move(s), dtype_of<T>, out);
      } else {
        bad_type(c, c.input_type(0));
      }
    });
  });
}

// Fill: dims, value (both Consts); sessionlib's Fill node has no inputs.
inline node_import import_fill(import_context& c) {
  c.need_inputs(2);
  const auto d = c.constant_ints(0, "dims");
  auto value = c.constant_input(1);
  if (!value) throw import_unsupported("Fill's value is computed at run time; sessionlib needs a Const");
  if (value->rank() != 0) c.fail("value must be a scalar");
  std::vector<std::ptrdiff_t> out(d.begin(), d.end());
  return dispatch<types::any>(c, value->dtype(), [&]<class T>() {
    op_spec s = c.spec(0, kernels::fill_kernel<T>);
    s.attr.value = *value;
    return make(std::move(s), dtype_of<T>, out);
  });
}

// ZerosLike, OnesLike: the input's shape, filled.
inline node_import import_fill_like(import_context& c) {
  c.need_inputs(1);
  return dispatch<types::any>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::fill_like_kernel<T>);
    s.attr = value_attr(static_cast<T>(c.def.op == "OnesLike" ? 1 : 0));
    return make(std::move(s), dtype_of<T>, c.input_shape(0));
  });
}

inline node_import import_range(import_context& c) {
  c.need_inputs(3);
  same_type(c, 0, 1);
  same_type(c, 0, 2);
  return dispatch<types::numeric>(c, c.input_type(0), [&]<class T>() {
    return make(c.spec(3, kernels::range_kernel<T>), dtype_of<T>, std::vector<std::ptrdiff_t>{-1});
  });
}

inline const bool array_ops_registered = [] {
  register_graph_def_op({"Const"}, import_const, nullptr);
  register_graph_def_op({"Placeholder"}, import_placeholder, nullptr);
  register_graph_def_op({"NoOp"}, import_no_op, nullptr);
  register_graph_def_op({"Identity", "StopGradient"}, import_identity, nullptr);
  register_graph_def_op({"Reshape"}, import_reshape, nullptr);
  register_graph_def_op({"ExpandDims"}, import_expand_dims, nullptr);
  register_graph_def_op({"Squeeze"}, import_squeeze, nullptr);
  register_graph_def_op({"Transpose"}, import_transpose, nullptr);
  register_graph_def_op({"ConcatV2"}, import_concat, nullptr);
  register_graph_def_op({"Concat"}, import_concat, nullptr);
  register_graph_def_op({"Slice"}, import_slice, nullptr);
  register_graph_def_op({"GatherV2"}, import_gather, nullptr);
  register_graph_def_op({"Gather"}, import_gather, nullptr);
  register_graph_def_op({"OneHot"}, import_one_hot, nullptr);
  register_graph_def_op({"Fill"}, import_fill, nullptr);
  register_graph_def_op({"ZerosLike", "OnesLike"}, import_fill_like, nullptr);
  register_graph_def_op({"Range"}, import_range, nullptr);
  return true;
}();

}  // namespace sessionlib::detail::gd
