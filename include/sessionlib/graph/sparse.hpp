// SparseTensor<T, S>: TF's tf.SparseTensor as a typed handle. It is three
// graph values -- indices (int64, (nnz, rank)), values (T, (nnz)) and
// dense_shape (int64, (rank)) -- outputs of one node or of three, as in TF
// (sl::sparse_placeholder makes three placeholders). `S` is the dense shape as
// far as it is known at compile time, checked as for dense handles.
//
//     auto sp = sl::sparse_placeholder<float, sl::shape<sl::dyn, 100>>(g, "sp");
//     sl::SparseTensor<float, sl::shape<3, 4>> st(indices, values, dense_shape);  // three tensors
#pragma once

#include <cstdint>
#include <string>

#include "../core/report.hpp"
#include "../core/sparse_value.hpp"
#include "builder.hpp"

namespace sessionlib {

namespace report {
template <class IndexT>
constexpr void sparse_indices_not_int64() {
  // IndexT is the element type given for the indices (or the dense shape).
  static_assert(always_false<IndexT>, "sessionlib: SparseTensor: indices and dense_shape must be int64 tensors");
}
template <class TensorT, class ValuesT>
constexpr void sparse_values_dtype() {
  // The SparseTensor's element type, then the values tensor's.
  static_assert(always_false<TensorT, ValuesT>, "sessionlib: SparseTensor: the values' dtype differs from T");
}
template <std::ptrdiff_t Rank, std::ptrdiff_t Given>
constexpr void sparse_rank_mismatch() {
  // The SparseTensor's rank, then the rank the indices' columns or dense_shape's length say.
  static_assert(always_false_dims<Rank, Given>,
                "sessionlib: SparseTensor: indices must be (nnz, rank), values (nnz) and dense_shape (rank)");
}
template <std::ptrdiff_t IndicesRows, std::ptrdiff_t Values>
constexpr void sparse_nnz_mismatch() {
  // The indices' rows, then the number of values.
  static_assert(always_false_dims<IndicesRows, Values>,
                "sessionlib: SparseTensor: indices and values differ in their number of entries");
}
template <class Value>
constexpr void sparse_feed_needs_value() {
  // Value is what was fed; a SparseTensor key takes an sl::SparseTensorValue<T, rank>.
  static_assert(always_false<Value>, "sessionlib: feed: a SparseTensor is fed an sl::SparseTensorValue<T, rank>");
}
}  // namespace report

/// A sparse tensor in the graph (TF's tf.SparseTensor): element type T, dense shape S.
template <class T, class S>
class SparseTensor {
  static_assert(Element<T>, "sessionlib: SparseTensor: T must be float, double, int32, int64, uint8 or bool");
  static_assert(Shape<S>, "sessionlib: SparseTensor: S must be sl::shape<...>");
  static_assert(S::rank() >= 1, "sessionlib: SparseTensor: the dense shape must have rank 1 or more");

 public:
  using value_type = T;
  using shape_type = S;
  static constexpr std::size_t rank = S::rank();
  using indices_type = Tensor<std::int64_t, shape<dyn, static_cast<std::ptrdiff_t>(rank)>>;
  using values_type = Tensor<T, shape<dyn>>;
  using dense_shape_type = Tensor<std::int64_t, shape<static_cast<std::ptrdiff_t>(rank)>>;

  SparseTensor() = default;
  /// The three outputs of graph `g` that make it up.
  SparseTensor(Graph* g, output_ref indices, output_ref values, output_ref dense_shape) noexcept
      : g_(g), indices_(indices), values_(values), dense_shape_(dense_shape) {}

  /// tf.SparseTensor(indices, values, dense_shape) from three dense handles:
  /// int64 indices (nnz, rank), values of T (nnz), int64 dense_shape (rank).
  /// Wrong dtypes or ranks are compile errors. The dense shape's value must
  /// agree with S where S is static; the ops that read it check it.
  template <TensorLike I, TensorLike V, TensorLike D>
  SparseTensor(const I& indices, const V& values, const D& dense_shape) {
    using IS = shape_of<I>;
    using VS = shape_of<V>;
    using DS = shape_of<D>;
    constexpr auto r = static_cast<std::ptrdiff_t>(rank);
    if constexpr (!std::is_same_v<value_type_of<I>, std::int64_t>) {
      report::sparse_indices_not_int64<value_type_of<I>>();  // the indices' element type
    } else if constexpr (!std::is_same_v<value_type_of<D>, std::int64_t>) {
      report::sparse_indices_not_int64<value_type_of<D>>();  // the dense shape's element type
    } else if constexpr (!std::is_same_v<value_type_of<V>, T>) {
      report::sparse_values_dtype<T, value_type_of<V>>();  // T, then the values' element type
    } else if constexpr (IS::rank() != 2 || VS::rank() != 1 || DS::rank() != 1) {
      report::sparse_rank_mismatch<r, -1>();  // indices must be a matrix, values and dense_shape vectors
    } else if constexpr (IS::static_extent(1) != dyn && IS::static_extent(1) != r) {
      report::sparse_rank_mismatch<r, IS::static_extent(1)>();  // the rank, then the indices' columns
    } else if constexpr (DS::static_extent(0) != dyn && DS::static_extent(0) != r) {
      report::sparse_rank_mismatch<r, DS::static_extent(0)>();  // the rank, then dense_shape's length
    } else if constexpr (IS::static_extent(0) != dyn && VS::static_extent(0) != dyn &&
                         IS::static_extent(0) != VS::static_extent(0)) {
      report::sparse_nnz_mismatch<IS::static_extent(0), VS::static_extent(0)>();  // indices' rows, then values
    } else {
      g_ = &common_graph(indices, values, dense_shape);
      indices_ = as_tensor(indices).id();
      values_ = as_tensor(values).id();
      dense_shape_ = as_tensor(dense_shape).id();
    }
  }

  Graph& graph() const noexcept { return *g_; }
  /// The int64 (nnz, rank) coordinates of the stored entries.
  indices_type indices() const noexcept { return indices_type(g_, indices_); }
  /// The (nnz) stored values.
  values_type values() const noexcept { return values_type(g_, values_); }
  /// The int64 (rank) dense shape.
  dense_shape_type dense_shape() const noexcept { return dense_shape_type(g_, dense_shape_); }
  /// The outputs it is made of: indices, values, dense_shape.
  output_ref indices_id() const noexcept { return indices_; }
  output_ref values_id() const noexcept { return values_; }
  output_ref dense_shape_id() const noexcept { return dense_shape_; }
  static constexpr sessionlib::dtype dtype() noexcept { return dtype_of<T>; }

  friend bool operator==(const SparseTensor& a, const SparseTensor& b) noexcept {
    return a.g_ == b.g_ && a.indices_ == b.indices_ && a.values_ == b.values_ && a.dense_shape_ == b.dense_shape_;
  }

 private:
  Graph* g_ = nullptr;
  output_ref indices_{}, values_{}, dense_shape_{};
};

namespace detail {
template <class X> struct is_sparse_tensor_impl : std::false_type {};
template <class T, class S> struct is_sparse_tensor_impl<SparseTensor<T, S>> : std::true_type {};
}  // namespace detail

/// True for sl::SparseTensor<T, S>.
template <class X>
concept SparseTensorLike = detail::is_sparse_tensor_impl<std::remove_cvref_t<X>>::value;

}  // namespace sessionlib
