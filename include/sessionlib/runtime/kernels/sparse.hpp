// Kernels of the sparse ops (ops/sparse.hpp). A sparse tensor arrives as three
// inputs: int64 indices (nnz, rank), values (nnz), int64 dense_shape (rank).
// Messages are TF's (sparse_tensor.cc's IndicesValid, sparse_to_dense_op.cc,
// sparse_tensor_dense_matmul_op.cc, sparse_add_op.cc, reshape_util.cc).
//
//   "SparseToDense"            (indices, output_shape, values, default_value) -> dense
//   "SparseTensorDenseMatMul"  (a_indices, a_values, a_shape, b) -> a x b (adjoint flags)
//   "SparseReduceSum"          (indices, values, shape) -> dense sum over axes
//   "SparseAdd"                (a_indices, a_values, a_shape, b_indices, b_values, b_shape) -> 3 outputs
//   "SparseReorder"            (indices, values, shape) -> indices, values in row-major order
//   "SparseReshape"            (indices, shape) -> indices, shape
//   "SparseRetain"             (indices, values, keep) -> indices, values where keep
// The gradients' kernels and embedding_lookup_sparse's are in sparse_grad.hpp.
#pragma once

#include "../../graph/sparse_attrs.hpp"
#include "../kernel.hpp"

namespace sessionlib::kernels {

/// SparseReorder: the entries in row-major order of their indices (stable).
template <class T>
void sparse_reorder_kernel(kernel_context& ctx);

/// SparseRetain: inputs (indices, values, keep (bool, nnz)): the entries where keep is true.
template <class T>
void sparse_retain_kernel(kernel_context& ctx);

/// SparseToDense (sparse_to_dense_attrs).
template <class T> void sparse_to_dense_kernel(kernel_context& ctx);

/// SparseTensorDenseMatMul (sparse_dense_matmul_attrs).
template <class T> void sparse_dense_matmul_kernel(kernel_context& ctx);

/// SparseReduceSum (sparse_reduce_sum_attrs).
template <class T> void sparse_reduce_sum_kernel(kernel_context& ctx);

/// SparseAdd (sparse_add_attrs).
template <class T> void sparse_add_kernel(kernel_context& ctx);

/// SparseReshape (sparse_reshape_attrs).
SESSIONLIB_DECLARE void sparse_reshape_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "sparse_impl.hpp"
#endif
