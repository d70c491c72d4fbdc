// Sparse tensors (TF's tf.sparse): the placeholder, and the ops over
// sl::SparseTensor (graph/sparse.hpp). A SparseTensor is three graph values;
// the ops take them as three inputs and ops that return one are nodes with
// several outputs (TF's SparseAdd: indices, values, dense_shape).
//
//     auto sp = sl::sparse_placeholder<float, sl::shape<sl::dyn, 100>>(g, "sp");
//     auto y = sl::sparse_tensor_dense_matmul(sp, w);   // Tensor<float, shape<dyn, 10>> for w: shape<100, 10>
//     sess.run(y, {{sp, sl::SparseTensorValue<float, 2>{indices, values, dense_shape}}});
#pragma once

#include <cstdint>
#include <string>

#include "../graph/sparse.hpp"
#include "constant.hpp"

namespace sessionlib {

/// tf.sparse_placeholder: a SparseTensor to be fed, as TF makes it three
/// placeholders in a name scope: "<name>/indices" (int64, (?, rank)),
/// "<name>/values" (T, (?)) and "<name>/shape" (int64, (rank)).
template <Element T, Shape S>
SparseTensor<T, S> sparse_placeholder(Graph& g, const std::string& name = "") {
  static_assert(S::rank() >= 1, "sessionlib: sparse_placeholder: the dense shape must have rank 1 or more");
  using ST = SparseTensor<T, S>;
  auto scope = g.name_scope(name.empty() ? "SparsePlaceholder" : name);
  const auto indices = placeholder<std::int64_t, shape_of<typename ST::indices_type>>(g, "indices");
  const auto values = placeholder<T, shape<dyn>>(g, "values");
  const auto dense_shape = placeholder<std::int64_t, shape_of<typename ST::dense_shape_type>>(g, "shape");
  return ST(&g, indices.id(), values.id(), dense_shape.id());
}
template <Element T, Shape S>
SparseTensor<T, S> sparse_placeholder(const std::string& name = "") {
  return sparse_placeholder<T, S>(get_default_graph(), name);
}

}  // namespace sessionlib
