// The value of a sparse tensor, as TF's SparseTensorValue: the coordinates of
// its non-zero entries, their values and the dense shape, as plain xtensor
// arrays. What fetching an sl::SparseTensor returns and what feeding one takes.
//
//     sl::SparseTensorValue<float, 2> sv{{{0, 0}, {1, 2}}, {1.f, 2.f}, {3, 4}};
//     // the 3 x 4 matrix with 1 at (0, 0) and 2 at (1, 2)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "xtensor.hpp"

namespace sessionlib {

/// A sparse tensor of element type T and rank N: `indices` (nnz, N) int64
/// coordinates, `values` (nnz) T, `dense_shape` (N) int64. Entries are in
/// row-major order where an op needs it (sl::sparse_reorder makes it so).
template <class T, std::size_t N>
struct SparseTensorValue {
  using value_type = T;
  static constexpr std::size_t rank = N;

  xt::xtensor<std::int64_t, 2> indices;
  xt::xtensor<T, 1> values;
  xt::xtensor<std::int64_t, 1> dense_shape;

  /// The number of stored entries (nnz).
  std::size_t nnz() const noexcept { return values.size(); }
};

namespace detail {
template <class V> struct is_sparse_value_impl : std::false_type {};
template <class T, std::size_t N> struct is_sparse_value_impl<SparseTensorValue<T, N>> : std::true_type {};

/// "[3,4]": `n` int64 values as TF's sparse messages print an index or a dense shape.
inline std::string sparse_bracketed(const std::int64_t* v, std::size_t n) {
  std::string s = "[";
  for (std::size_t d = 0; d < n; ++d) {
    if (d) s += ',';
    s += std::to_string(v[d]);
  }
  return s + "]";
}
/// "indices[1] = [0,5]": entry `k` of row-major (nnz, rank) indices, as TF's messages name it.
inline std::string sparse_index_text(const std::int64_t* ix, std::size_t k, std::size_t rank) {
  return "indices[" + std::to_string(k) + "] = " + sparse_bracketed(ix + k * rank, rank);
}
/// TF's message for entry `k` lying outside `dense_shape` (sparse_tensor.cc, IndicesValid).
inline std::string sparse_out_of_bounds(const std::int64_t* ix, std::size_t k, std::size_t rank,
                                        const std::int64_t* dense_shape) {
  return sparse_index_text(ix, k, rank) + " is out of bounds: need 0 <= index < " + sparse_bracketed(dense_shape, rank);
}
}  // namespace detail

/// True for sl::SparseTensorValue<T, N>.
template <class V>
concept SparseValue = detail::is_sparse_value_impl<std::remove_cvref_t<V>>::value;

}  // namespace sessionlib
