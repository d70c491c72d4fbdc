// GraphDef import of the sparse ops (ops/sparse.hpp): SparseToDense,
// SparseTensorDenseMatMul, SparseReduceSum (constant reduction_axes),
// SparseAdd (constant thresh), SparseReorder, SparseReshape (constant
// new_shape), and sessionlib's own SparseRetain and EmbeddingLookupSparse.
// A SparseTensor has no node of its own: its indices, values and dense shape
// are three tensors (a sparse placeholder is three Placeholders), so the ops
// take them as inputs in TF's order. A static dimension comes from a dense
// shape that is a Const of the GraphDef; otherwise it is dynamic. The
// gradient nodes are not imported (as the other families' are not).
#pragma once

#include "../ops/sparse.hpp"
// The importers name kernels for every dtype a NodeDef may carry, not only
// those the implementation library holds: their bodies too (kernels/*_impl.hpp).
#include "../runtime/kernels/sparse_impl.hpp"
#include "ops_support.hpp"

namespace sessionlib::detail::gd {

/// A sparse tensor's rank read from its dense-shape input `i` (a vector of
/// static length), or import_unsupported.
inline std::size_t sparse_rank(const import_context& c, std::size_t i) {
  const auto& s = c.input_shape(i);
  if (!s || s->size() != 1 || (*s)[0] < 0)
    throw import_unsupported("the rank of its sparse operand (input " + std::to_string(i) + ", '" + c.def.input[i] +
                             "') is not known when the graph is built");
  return static_cast<std::size_t>((*s)[0]);
}

/// The dense shape of input `i`: its values when it is a Const, else `rank` dynamic dimensions.
inline std::vector<std::ptrdiff_t> sparse_dense_shape(const import_context& c, std::size_t i, std::size_t rank) {
  std::vector<std::ptrdiff_t> out(rank, -1);
  if (c.constant_input(i)) {
    const auto v = c.constant_ints(i, "dense shape");
    if (v.size() != rank) c.fail("its dense shape has " + std::to_string(v.size()) + " entries, expected " + std::to_string(rank));
    for (std::size_t k = 0; k < rank; ++k) out[k] = v[k] < 0 ? -1 : static_cast<std::ptrdiff_t>(v[k]);
  }
  return out;
}

/// Fails unless input `i` is int64 (TF's indices and dense shapes).
inline void need_int64(const import_context& c, std::size_t i) {
  if (c.input_type(i) != dtype::int64)
    c.fail("input " + std::to_string(i) + " has dtype " + std::string(dtype_name(c.input_type(i))) + ", expected int64");
}

/// The (indices, values[, dense shape]) outputs of a node returning a SparseTensor of `rank`.
inline node_import sparse_outputs(op_spec s, dtype values, std::size_t rank, bool with_shape) {
  node_import n = make(std::move(s), dtype::int64, std::vector<std::ptrdiff_t>{-1, static_cast<std::ptrdiff_t>(rank)});
  n.more_outputs.push_back({values, std::vector<std::ptrdiff_t>{-1}});
  if (with_shape) n.more_outputs.push_back({dtype::int64, std::vector<std::ptrdiff_t>{static_cast<std::ptrdiff_t>(rank)}});
  return n;
}

// SparseToDense: sparse_indices, output_shape, sparse_values, default_value; validate_indices.
inline node_import import_sparse_to_dense(import_context& c) {
  c.need_inputs(4);
  need_int64(c, 0);
  need_int64(c, 1);
  same_type(c, 2, 3);
  const std::size_t rank = sparse_rank(c, 1);
  const auto out = sparse_dense_shape(c, 1, rank);
  return dispatch<types::any>(c, c.input_type(2), [&]<class T>() {
    op_spec s = c.spec(4, kernels::sparse_to_dense_kernel<T>);
    s.attr.family = c.family<sparse_to_dense_attrs>();
    return make(std::move(s), dtype_of<T>, out);
  });
}

// SparseTensorDenseMatMul: a_indices, a_values, a_shape, b; adjoint_a, adjoint_b.
inline node_import import_sparse_dense_matmul(import_context& c) {
  c.need_inputs(4);
  need_int64(c, 0);
  need_int64(c, 2);
  same_type(c, 1, 3);
  if (sparse_rank(c, 2) != 2) c.fail("a_shape must describe a matrix");
  const auto a = sparse_dense_shape(c, 2, 2);
  const auto& b = c.input_shape(3);
  if (b && b->size() != 2) c.fail("b must be a matrix, got shape " + infer::shape_string(*b));
  const auto attrs = c.family<sparse_dense_matmul_attrs>();
  std::vector<std::ptrdiff_t> out{a[attrs.adjoint_a ? 1 : 0], b ? (*b)[attrs.adjoint_b ? 0 : 1] : -1};
  const std::ptrdiff_t inner_a = a[attrs.adjoint_a ? 0 : 1], inner_b = b ? (*b)[attrs.adjoint_b ? 1 : 0] : -1;
  if (inner_a >= 0 && inner_b >= 0 && inner_a != inner_b)
    c.fail("Cannot multiply A and B because inner dimension does not match: " + std::to_string(inner_a) + " vs. " +
           std::to_string(inner_b));
  return dispatch<types::numeric>(c, c.input_type(1), [&]<class T>() {
    op_spec s = c.spec(4, kernels::sparse_dense_matmul_kernel<T>);
    s.attr.family = attrs;
    return make(std::move(s), dtype_of<T>, out);
  });
}

// SparseReduceSum: input_indices, input_values, input_shape, reduction_axes (a
// Const; empty: every axis, as TF's); keep_dims.
inline node_import import_sparse_reduce_sum(import_context& c) {
  c.need_inputs(4);
  need_int64(c, 0);
  need_int64(c, 2);
  const std::size_t rank = sparse_rank(c, 2);
  std::vector<std::int64_t> ax = infer::axes(c, c.constant_ints(3, "reduction_axes"), rank);
  if (ax.empty())
    for (std::size_t k = 0; k < rank; ++k) ax.push_back(static_cast<std::int64_t>(k));
  sparse_reduce_sum_attrs a = c.family<sparse_reduce_sum_attrs>();
  a.reduction_axes = ax;
  const auto out = infer::reduce(sparse_dense_shape(c, 2, rank), ax, a.keep_dims);
  return dispatch<types::numeric>(c, c.input_type(1), [&]<class T>() {
    op_spec s = c.spec(3, kernels::sparse_reduce_sum_kernel<T>);
    s.attr.family = a;
    return make(std::move(s), dtype_of<T>, out);
  });
}

// SparseAdd: a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh (a Const).
inline node_import import_sparse_add(import_context& c) {
  c.need_inputs(7);
  for (std::size_t i : {0, 2, 3, 5}) need_int64(c, i);
  same_type(c, 1, 4);
  const std::size_t rank = sparse_rank(c, 2);
  if (sparse_rank(c, 5) != rank) c.fail("the operands' ranks differ");
  const auto t = c.constant_input(6);
  if (!t || t->size() != 1)
    throw import_unsupported("its thresh (input 6, '" + c.def.input[6] + "') is not a scalar Const");
  double thresh = 0;
  visit_dtype(t->dtype(), [&]<class U>() {
    if constexpr (std::is_arithmetic_v<U>) thresh = static_cast<double>(*t->template data<U>());
  });
  return dispatch<types::numeric>(c, c.input_type(1), [&]<class T>() {
    op_spec s = c.spec(6, kernels::sparse_add_kernel<T>);
    s.attr.family = sparse_add_attrs{.thresh = thresh};
    return sparse_outputs(std::move(s), dtype_of<T>, rank, true);
  });
}

// SparseReorder: input_indices, input_values, input_shape.
inline node_import import_sparse_reorder(import_context& c) {
  c.need_inputs(3);
  need_int64(c, 0);
  need_int64(c, 2);
  const std::size_t rank = sparse_rank(c, 2);
  return dispatch<types::any>(c, c.input_type(1), [&]<class T>() {
    return sparse_outputs(c.spec(3, kernels::sparse_reorder_kernel<T>), dtype_of<T>, rank, false);
  });
}

// SparseReshape: input_indices, input_shape, new_shape (a Const).
inline node_import import_sparse_reshape(import_context& c) {
  c.need_inputs(3);
  need_int64(c, 0);
  need_int64(c, 1);
  std::vector<std::int64_t> want = c.constant_ints(2, "new_shape");
  if (std::count(want.begin(), want.end(), -1) > 1) c.fail("only one output dimension may be -1");
  for (auto d : want)
    if (d < -1) c.fail("new_shape entries must be -1 or non-negative, got " + std::to_string(d));
  op_spec s = c.spec(2, kernels::sparse_reshape_kernel);
  const auto r = static_cast<std::ptrdiff_t>(want.size());
  s.attr.family = sparse_reshape_attrs{.new_shape = std::move(want)};
  node_import n = make(std::move(s), dtype::int64, std::vector<std::ptrdiff_t>{-1, r});
  n.more_outputs.push_back({dtype::int64, std::vector<std::ptrdiff_t>{r}});
  return n;
}

// sessionlib's SparseRetain: indices, values, keep_mask (bool).
inline node_import import_sparse_retain(import_context& c) {
  c.need_inputs(3);
  need_int64(c, 0);
  if (c.input_type(2) != dtype::bool_) c.fail("keep_mask must be bool");
  const auto& ix = c.input_shape(0);
  if (!ix || ix->size() != 2 || (*ix)[1] < 0) throw import_unsupported("the rank of its sparse operand is not known");
  const auto rank = static_cast<std::size_t>((*ix)[1]);
  return dispatch<types::any>(c, c.input_type(1), [&]<class T>() {
    return sparse_outputs(c.spec(3, kernels::sparse_retain_kernel<T>), dtype_of<T>, rank, false);
  });
}

// sessionlib's EmbeddingLookupSparse: params, ids' indices, values and dense
// shape, then the weights' values when weighted; its combiner.
inline node_import import_embedding_lookup_sparse(import_context& c) {
  c.need_inputs(4);
  need_int64(c, 1);
  need_int64(c, 3);
  if (c.input_type(2) != dtype::int64) c.fail("the ids must be int64");
  if (c.input_count() > 4) same_type(c, 0, 4);
  const auto& p = c.input_shape(0);
  if (!p || p->size() != 2) throw import_unsupported("params must be a matrix of known rank");
  if (sparse_rank(c, 3) != 2) c.fail("the ids must be a SparseTensor of rank 2");
  const auto a = c.family<embedding_lookup_sparse_attrs>();
  if (a.combiner != "sum" && a.combiner != "mean" && a.combiner != "sqrtn")
    c.fail("combiner must be one of 'mean', 'sqrtn' or 'sum'");
  const std::vector<std::ptrdiff_t> out{sparse_dense_shape(c, 3, 2)[0], (*p)[1]};
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(c.input_count() > 4 ? 5 : 4, kernels::embedding_lookup_sparse_kernel<T>);
    s.attr.family = a;
    return make(std::move(s), dtype_of<T>, out);
  });
}

inline const bool sparse_ops_registered = [] {
  register_graph_def_op({"SparseToDense"}, import_sparse_to_dense, nullptr);
  register_graph_def_op({"SparseTensorDenseMatMul"}, import_sparse_dense_matmul, nullptr);
  register_graph_def_op({"SparseReduceSum"}, import_sparse_reduce_sum, nullptr);
  register_graph_def_op({"SparseAdd"}, import_sparse_add, nullptr);
  register_graph_def_op({"SparseReorder"}, import_sparse_reorder, nullptr);
  register_graph_def_op({"SparseReshape"}, import_sparse_reshape, nullptr);
  register_graph_def_op({"SparseRetain"}, import_sparse_retain, nullptr);
  register_graph_def_op({"EmbeddingLookupSparse"}, import_embedding_lookup_sparse, nullptr);
  return true;
}();

}  // namespace sessionlib::detail::gd
