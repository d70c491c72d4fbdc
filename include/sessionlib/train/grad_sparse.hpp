// Gradients of the sparse ops (ops/sparse.hpp), where TF has them: to the
// values of a SparseTensor (never to its indices or dense shape) and to the
// dense operands. TF's _SparseToDenseGrad, _SparseTensorDenseMatMulGrad,
// _SparseReduceSumGrad, _SparseAddGrad; embedding_lookup_sparse's flows to
// params as a dense gradient, which optimizers read as rows (TF's
// IndexedSlices, train/indexed_slices.hpp) through embedding_rows.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../graph/sparse_attrs.hpp"
#include "../ops/sparse.hpp"
#include "grad_array.hpp"
#include "grad_support.hpp"

namespace sessionlib::detail {
namespace sparse_grad {

#define SESSIONLIB_SPARSE_KERNEL(kernel_name) [&]<class T>() -> kernel_fn { return kernels::kernel_name<T>; }

/// SparseToDense (indices, output_shape, values, default_value): the values
/// get dy at their indices (GatherNd).
SESSIONLIB_INLINE void to_dense(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const dtype t = erased::type_of(g, dy);
  dx[2] = erased::make(g, "GatherNd", {dy, n.inputs[0]}, erased::visit_floating(t, SESSIONLIB_SPARSE_KERNEL(gather_nd_kernel)),
                       t, {-1});
}
/// SparseTensorDenseMatMul (a_indices, a_values, a_shape, b): the values get
/// dy[m, :] . op(b)[k, :]; b gets op(A)^T dy, transposed back when adjoint_b.
SESSIONLIB_INLINE void dense_matmul(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const dtype t = erased::type_of(g, dy);
  const sparse_dense_matmul_attrs& mm = n.attr.get<sparse_dense_matmul_attrs>();
  const bool adj_a = mm.adjoint_a, adj_b = mm.adjoint_b;
  dx[1] = erased::make(g, "SparseTensorDenseMatMulGradValues", {n.inputs[0], n.inputs[3], dy},
                       erased::visit_floating(t, SESSIONLIB_SPARSE_KERNEL(sparse_dense_matmul_grad_values_kernel)), t,
                       {-1}, n.attr);
  const erased::static_shape& bs = erased::shape_of(g, n.inputs[3]);
  attributes a{.family = sparse_dense_matmul_attrs{.adjoint_a = !adj_a}};
  const output_ref prod = erased::make(
      g, "SparseTensorDenseMatMul", {n.inputs[0], n.inputs[1], n.inputs[2], dy},
      erased::visit_floating(t, SESSIONLIB_SPARSE_KERNEL(sparse_dense_matmul_kernel)), t,
      adj_b ? erased::static_shape{bs[1], bs[0]} : bs, std::move(a));
  dx[3] = adj_b ? erased::transpose(g, prod, {1, 0}) : prod;
}
/// SparseReduceSum (indices, values, shape): each value gets dy at its index
/// with the reduced axes dropped.
SESSIONLIB_INLINE void reduce_sum(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const dtype t = erased::type_of(g, dy);
  dx[1] = erased::make(g, "SparseReduceSumGrad", {n.inputs[0], dy, n.inputs[2]},
                       erased::visit_floating(t, SESSIONLIB_SPARSE_KERNEL(sparse_reduce_sum_grad_kernel)), t, {-1},
                       n.attr);
}
/// EmbeddingLookupSparse (params, indices, ids, shape[, weights]): params get
/// dy's rows, scaled, at the ids.
SESSIONLIB_INLINE void embedding(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const dtype t = erased::type_of(g, dy);
  std::vector<output_ref> in{dy};
  in.insert(in.end(), n.inputs.begin(), n.inputs.end());
  dx[0] = erased::make(g, "EmbeddingLookupSparseGrad", std::move(in),
                       erased::visit_floating(t, SESSIONLIB_SPARSE_KERNEL(embedding_lookup_sparse_grad_kernel)), t,
                       erased::shape_of(g, n.inputs[0]), n.attr);
}
/// The rows of the EmbeddingLookupSparseGrad node `dense`, one per id, as a
/// node ("EmbeddingLookupSparseGradRows", (nnz, dim)): the values of the
/// gradient as TF's IndexedSlices, whose indices are the ids (dense's input 3).
SESSIONLIB_INLINE output_ref embedding_rows(Graph& g, node_id dense) {
  const node& n = g.at(dense);
  const dtype t = n.type;
  std::vector<output_ref> in = n.inputs;
  attributes a = n.attr;
  const std::ptrdiff_t dim = n.shape.size() == 2 ? n.shape[1] : -1;
  return erased::make(g, "EmbeddingLookupSparseGradRows", std::move(in),
                      erased::visit_floating(t, SESSIONLIB_SPARSE_KERNEL(embedding_lookup_sparse_grad_rows_kernel)), t,
                      {-1, dim}, std::move(a));
}
/// SparseAdd (a_indices, a_values, a_shape, b_indices, b_values, b_shape):
/// each operand's values get the sum's gradient at their index (SparseAddGrad).
SESSIONLIB_INLINE void add(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const dtype t = erased::type_of(g, dy[1]);
  const node_id id = add_multi_output_node(
      g, {.op = "SparseAddGrad", .inputs = {dy[1], n.inputs[0], n.inputs[3], output_ref{self, 0}},
          .kernel = erased::visit_floating(t, SESSIONLIB_SPARSE_KERNEL(sparse_add_grad_kernel))},
      {{t, {-1}}, {t, {-1}}});
  dx[1] = output_ref{id, 0};
  dx[4] = output_ref{id, 1};
}

#undef SESSIONLIB_SPARSE_KERNEL

}  // namespace sparse_grad

/// The sparse ops' gradient builders (one output), by op type name.
SESSIONLIB_INLINE void register_sparse_grads(std::unordered_map<std::string, grad_fn>& m) {
  m["SparseToDense"] = sparse_grad::to_dense;
  m["SparseTensorDenseMatMul"] = sparse_grad::dense_matmul;
  m["SparseReduceSum"] = sparse_grad::reduce_sum;
  m["EmbeddingLookupSparse"] = sparse_grad::embedding;
}
/// Those of sparse ops with several outputs.
SESSIONLIB_INLINE void register_sparse_multi_grads(std::unordered_map<std::string, multi_grad_fn>& m) {
  m["SparseAdd"] = sparse_grad::add;
}

}  // namespace sessionlib::detail
