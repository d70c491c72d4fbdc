// Pair kernels: two elementwise ops in one pass, o = Second(First(x[, y]), z),
// where First is add, sub, mul or relu and Second is add, sub or mul, in
// float32 or float64. A fused program (runtime/fusion.hpp) replaces an
// instruction and its single reader by their pair, so a chain such as
// relu(a * b + c) * d - e stores 3 blocks per element instead of 5: a block
// program is bound by its loads and stores, not by arithmetic.
//
// Values are bit-identical to the two ops run apart: the intermediate is
// rounded to T, and no FMA is emitted (the clones target AVX2 without FMA).
// A node opts in when it is built (ops/op_support.hpp sets pairs_as and
// pair_after), so only pairs of ops a program uses are instantiated.
#pragma once

#include <type_traits>

#include "math.hpp"

namespace sessionlib::kernels {

/// What functor Fn is as a pair's first op; none for every other functor.
template <class Fn> inline constexpr pair_op pair_op_of = pair_op::none;
template <> inline constexpr pair_op pair_op_of<fn::add> = pair_op::add;
template <> inline constexpr pair_op pair_op_of<fn::sub> = pair_op::sub;
template <> inline constexpr pair_op pair_op_of<fn::mul> = pair_op::mul;
template <> inline constexpr pair_op pair_op_of<fn::relu> = pair_op::relu;

namespace detail {
template <class T>
inline constexpr bool pair_type = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The all-contiguous case: one vectorised loop. `o` may be exactly any input
/// (each element is read before it is written).
template <class T, class First, class Second>
[[gnu::always_inline]] inline void pair_loops(const void* const* in, void* out, std::size_t n) {
  T* o = static_cast<T*>(out);
  if constexpr (std::is_same_v<First, fn::relu>) {
    const T* x = static_cast<const T*>(in[0]);
    const T* z = static_cast<const T*>(in[1]);
    for (std::size_t i = 0; i < n; ++i) o[i] = Second::apply(First::apply(x[i]), z[i]);
  } else {
    const T* x = static_cast<const T*>(in[0]);
    const T* y = static_cast<const T*>(in[1]);
    const T* z = static_cast<const T*>(in[2]);
    for (std::size_t i = 0; i < n; ++i) o[i] = Second::apply(First::apply(x[i], y[i]), z[i]);
  }
}
}  // namespace detail

/// Block function of the pair Second(First(...), z): operands x[, y], z with
/// strides 0 or 1 (graph/node.hpp's block_fn).
template <class T, class First, class Second>
void pair_block(const void* const* in, const std::size_t* stride, void* out, std::size_t n) {
  constexpr std::size_t arity = std::is_same_v<First, fn::relu> ? 2 : 3;
  bool contiguous = true;
  for (std::size_t k = 0; k < arity; ++k) contiguous = contiguous && stride[k] == 1;
  if (contiguous) return detail::with_avx2<&detail::pair_loops<T, First, Second>>(n, in, out, n);
  // A scalar operand: the two ops one after the other, the second in place.
  // Unless z is the output itself (a caller's array both fed and lent), which
  // the first op would overwrite before the second reads it.
  const void* z = in[arity - 1];
  if (z == out) {
    T* o = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in[0]);
    const T* zz = static_cast<const T*>(z);
    for (std::size_t i = 0; i < n; ++i) {
      T first;
      if constexpr (arity == 2) first = First::apply(x[i * stride[0]]);
      else first = First::apply(x[i * stride[0]], static_cast<const T*>(in[1])[i * stride[1]]);
      o[i] = Second::apply(first, zz[i * stride[arity - 1]]);
    }
    return;
  }
  if constexpr (arity == 2) unary_block<T, T, First>(in, stride, out, n);
  else binary_block<T, T, First>(in, stride, out, n);
  const void* second_in[2] = {out, z};
  const std::size_t second_stride[2] = {1, stride[arity - 1]};
  binary_block<T, T, Second>(second_in, second_stride, out, n);
}

/// The block function of Second over the result of a first op of kind
/// `first`, or null for a first op that does not pair.
template <class T, class Second>
block_fn pair_after(pair_op first) {
  switch (first) {
    case pair_op::add: return pair_block<T, fn::add, Second>;
    case pair_op::sub: return pair_block<T, fn::sub, Second>;
    case pair_op::mul: return pair_block<T, fn::mul, Second>;
    case pair_op::relu: return pair_block<T, fn::relu, Second>;
    case pair_op::none: break;
  }
  return nullptr;
}

/// A node's pairs_as and pair_after for an elementwise op Fn from T to R.
template <class T, class R, class Fn>
inline constexpr pair_op pairs_as_of = std::is_same_v<T, R> && detail::pair_type<T> ? pair_op_of<Fn> : pair_op::none;
template <class T, class R, class Fn>
constexpr pair_fn pair_after_of() {
  constexpr pair_op k = pairs_as_of<T, R, Fn>;
  if constexpr (k == pair_op::add || k == pair_op::sub || k == pair_op::mul) return pair_after<T, Fn>;
  else return nullptr;
}

}  // namespace sessionlib::kernels
