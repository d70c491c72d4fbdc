// Kernels of the sparse ops' gradients and of embedding_lookup_sparse (a
// sessionlib op: TF composes it of unique, gather and sparse segment sums).
//
//   "GatherNd"                           (params, indices (nnz, rank)) -> (nnz)
//   "SparseAddGrad"                      (grad, a_indices, b_indices, sum_indices) -> a, b value grads
//   "SparseReduceSumGrad"                (indices, dy, dense_shape) -> (nnz)
//   "SparseTensorDenseMatMulGradValues"  (a_indices, b, dy) -> (nnz)
//   "EmbeddingLookupSparse"              (params, indices, ids, shape[, weights]) -> (rows, dim)
//   "EmbeddingLookupSparseGrad"          (dy, params, indices, ids, shape[, weights]) -> params' shape
//   "EmbeddingLookupSparseGradRows"      (the same) -> (nnz, dim): its rows, one per id (optimizers' sparse updates)
#pragma once

#include "sparse.hpp"

namespace sessionlib::kernels {

/// GatherNd with full-rank indices: out[n] = params[indices[n, :]].
template <class T>
void gather_nd_kernel(kernel_context& ctx);

/// SparseAddGrad: inputs (backprop_val_grad, a_indices, b_indices,
/// sum_indices); each entry of a and of b gets the gradient of the sum entry
/// at its index (0 where the sum dropped it).
template <class T>
void sparse_add_grad_kernel(kernel_context& ctx);

/// SparseTensorDenseMatMulGradValues (the product's sparse_dense_matmul_attrs).
template <class T> void sparse_dense_matmul_grad_values_kernel(kernel_context& ctx);

/// SparseReduceSumGrad (the reduction's sparse_reduce_sum_attrs).
template <class T> void sparse_reduce_sum_grad_kernel(kernel_context& ctx);

/// EmbeddingLookupSparse (embedding_lookup_sparse_attrs).
template <class T> void embedding_lookup_sparse_kernel(kernel_context& ctx);

/// EmbeddingLookupSparseGrad (the lookup's embedding_lookup_sparse_attrs).
template <class T> void embedding_lookup_sparse_grad_kernel(kernel_context& ctx);

/// EmbeddingLookupSparseGradRows: the same inputs, the rows of the gradient, (nnz, dim).
template <class T> void embedding_lookup_sparse_grad_rows_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "sparse_grad_impl.hpp"
#endif
