// Compile-time reports. Each `report_*` template fails with a static_assert whose
// message starts "sessionlib:" and whose template arguments carry the offending
// types or dimensions, because GCC 12 cannot format numbers into the message:
// the compiler's "required from" line shows `report_matmul_mismatch<10, 784>`.
#pragma once

#include <cstddef>

namespace sessionlib::report {

template <class...> inline constexpr bool always_false = false;
template <std::ptrdiff_t...> inline constexpr bool always_false_dims = false;

template <std::ptrdiff_t InnerA, std::ptrdiff_t InnerB>
constexpr void matmul_mismatch() {
  // The two inner dimensions are this function's template arguments.
  static_assert(always_false_dims<InnerA, InnerB>, "sessionlib: matmul: inner dimensions differ");
}

template <std::ptrdiff_t A, std::ptrdiff_t B>
constexpr void broadcast_mismatch() {
  // The first pair of dimensions that cannot broadcast is A and B.
  static_assert(always_false_dims<A, B>, "sessionlib: broadcast: dimensions are incompatible");
}

template <std::ptrdiff_t From, std::ptrdiff_t To>
constexpr void reshape_mismatch() {
  // From and To are the element counts before and after (-1, -1: two dyn dims).
  static_assert(always_false_dims<From, To>, "sessionlib: reshape: element counts differ");
}

template <class TensorT, class ValueT>
constexpr void feed_dtype_mismatch() {
  // TensorT is the tensor's element type, ValueT the fed value's.
  static_assert(always_false<TensorT, ValueT>, "sessionlib: feed: the value's element type differs from the tensor's dtype");
}

template <std::size_t TensorRank, std::size_t ValueRank>
constexpr void feed_rank_mismatch() {
  // The tensor's rank, then the fed value's.
  static_assert(always_false_dims<TensorRank, ValueRank>, "sessionlib: feed: the value's rank differs from the tensor's");
}

template <std::ptrdiff_t TensorDim, std::ptrdiff_t ValueDim>
constexpr void feed_dim_mismatch() {
  // The tensor's static dimension, then the fed value's.
  static_assert(always_false_dims<TensorDim, ValueDim>, "sessionlib: feed: a static dimension of the value differs from the tensor's");
}

template <class Leaf>
constexpr void not_fetchable() {
  // Leaf is the type inside the fetch structure that is not a tensor, variable,
  // operation, name or structure of those.
  static_assert(always_false<Leaf>, "sessionlib: fetch: this leaf type is not fetchable");
}

template <class A, class B>
constexpr void dtype_mismatch() {
  // The two operands' element types.
  static_assert(always_false<A, B>, "sessionlib: operands have different dtypes");
}

template <class S>
constexpr void random_needs_static_shape() {
  // S is the requested shape; random ops and initializers need every dimension static.
  static_assert(always_false<S>, "sessionlib: random: the shape must be fully static");
}

template <class S>
constexpr void variable_needs_initial_shape() {
  // S is the variable's shape: with a dyn dimension, only an xtensor initial value gives the shape.
  static_assert(always_false<S>, "sessionlib: Variable: a shape with dyn dimensions needs an xtensor initial value");
}

template <std::size_t VariableRank, std::size_t ValueRank>
constexpr void assign_rank_mismatch() {
  // The variable's rank, then the assigned value's.
  static_assert(always_false_dims<VariableRank, ValueRank>, "sessionlib: assign: the value's rank differs from the variable's");
}

template <std::ptrdiff_t VariableDim, std::ptrdiff_t ValueDim>
constexpr void assign_dim_mismatch() {
  // The first pair of static dimensions that differ: the variable's, then the value's.
  static_assert(always_false_dims<VariableDim, ValueDim>, "sessionlib: assign: a static dimension of the value differs from the variable's");
}

}  // namespace sessionlib::report
