// The attribute structs of the sparse ops (ops/sparse.hpp), declared as
// graph/op_attrs.hpp declares the built-in families (graph/attrs.hpp says how
// they work). Kept apart so that only code that builds or runs sparse nodes
// includes them. Field names are TF's; a value TF passes as a tensor input
// (SparseReduceSum's reduction_axes, SparseAdd's thresh, SparseReshape's
// new_shape) is `mapped`; embedding_lookup_sparse is sessionlib's own op, so
// its combiner is `own`. The gradient nodes read their forward node's struct:
// SparseTensorDenseMatMulGradValues a sparse_dense_matmul_attrs,
// SparseReduceSumGrad a sparse_reduce_sum_attrs, EmbeddingLookupSparseGrad an
// embedding_lookup_sparse_attrs.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "attrs.hpp"
#include "op_attrs.hpp"

namespace sessionlib {

/// SparseToDense: with validate_indices, indices must be in row-major order
/// without repeats (bounds are always checked).
struct sparse_to_dense_attrs {
  static constexpr const char* family = "SparseToDense";
  bool validate_indices = true;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("validate_indices", &sparse_to_dense_attrs::validate_indices)};
  }
  friend bool operator==(const sparse_to_dense_attrs&, const sparse_to_dense_attrs&) = default;
};

/// SparseTensorDenseMatMul: op(A) x op(B), op transposing where the flag is set.
struct sparse_dense_matmul_attrs {
  static constexpr const char* family = "SparseTensorDenseMatMul";
  bool adjoint_a = false;
  bool adjoint_b = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("adjoint_a", &sparse_dense_matmul_attrs::adjoint_a),
                      attr_field("adjoint_b", &sparse_dense_matmul_attrs::adjoint_b)};
  }
  friend bool operator==(const sparse_dense_matmul_attrs&, const sparse_dense_matmul_attrs&) = default;
};

/// SparseReduceSum over reduction_axes (normalised, ascending; TF's input
/// "reduction_axes"), reduced axes kept as 1 with keep_dims.
struct sparse_reduce_sum_attrs {
  static constexpr const char* family = "SparseReduceSum";
  std::vector<std::int64_t> reduction_axes{};
  bool keep_dims = false;
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("reduction_axes", &sparse_reduce_sum_attrs::reduction_axes, detail::mapped),
                      attr_field("keep_dims", &sparse_reduce_sum_attrs::keep_dims)};
  }
  friend bool operator==(const sparse_reduce_sum_attrs&, const sparse_reduce_sum_attrs&) = default;
};

/// SparseAdd: a sum is kept when |sum| >= thresh (TF's input "thresh").
struct sparse_add_attrs {
  static constexpr const char* family = "SparseAdd";
  double thresh = 0;
  template <class = void>
  static constexpr auto fields() { return std::tuple{attr_field("thresh", &sparse_add_attrs::thresh, detail::mapped)}; }
  friend bool operator==(const sparse_add_attrs&, const sparse_add_attrs&) = default;
};

/// SparseReshape to new_shape, at most one -1 (TF's input "new_shape").
struct sparse_reshape_attrs {
  static constexpr const char* family = "SparseReshape";
  std::vector<std::int64_t> new_shape{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("new_shape", &sparse_reshape_attrs::new_shape, detail::mapped)};
  }
  friend bool operator==(const sparse_reshape_attrs&, const sparse_reshape_attrs&) = default;
};

/// sessionlib's EmbeddingLookupSparse (and its gradient): "sum", "mean" or "sqrtn".
struct embedding_lookup_sparse_attrs {
  static constexpr const char* family = "EmbeddingLookupSparse";
  std::string combiner{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("combiner", &embedding_lookup_sparse_attrs::combiner, detail::own)};
  }
  friend bool operator==(const embedding_lookup_sparse_attrs&, const embedding_lookup_sparse_attrs&) = default;
};

}  // namespace sessionlib
