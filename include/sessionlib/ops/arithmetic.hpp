// Arithmetic: add, subtract, multiply, divide, negative, and their operators,
// with numpy broadcasting computed at compile time and scalars mixing in.
#pragma once

#include "../runtime/kernels/math.hpp"
#include "op_support.hpp"

namespace sessionlib {

// The operator forms take tensor-likes or a scalar on either side. The named
// forms (sl::add, ...) are what TF spells tf.add, tf.subtract, ...

// The op type is TF's (AddV2, ...); a node's default name is what TF names its
// operators' nodes ("add", "sub", "mul", "truediv").
#define SESSIONLIB_BINARY_ARITH(fname, optype, defname, functor, symbol)                                 \
  template <TensorLike A, TensorLike B>                                                                \
  auto fname(const A& a, const B& b, std::string_view name = {}) {                                    \
    return binary_op<value_type_of<A>, fn::functor>(optype, a, b, name.empty() ? defname : name);        \
  }                                                                                                    \
  template <TensorLike A, Scalar V>                                                                    \
  auto fname(const A& a, V b, std::string_view name = {}) {                                           \
    return fname(a, detail::lift<value_type_of<A>>(as_tensor(a).graph(), b), name);                     \
  }                                                                                                    \
  template <Scalar V, TensorLike B>                                                                    \
  auto fname(V a, const B& b, std::string_view name = {}) {                                           \
    return fname(detail::lift<value_type_of<B>>(as_tensor(b).graph(), a), b, name);                     \
  }                                                                                                    \
  template <class A, class B>                                                                          \
    requires(TensorLike<A> || TensorLike<B>) && (TensorLike<A> || Scalar<A>) && (TensorLike<B> || Scalar<B>) \
  auto operator symbol(const A& a, const B& b) {                                                       \
    return fname(a, b);                                                                                \
  }

SESSIONLIB_BINARY_ARITH(add, "AddV2", "add", add, +)
SESSIONLIB_BINARY_ARITH(subtract, "Sub", "sub", sub, -)
SESSIONLIB_BINARY_ARITH(multiply, "Mul", "mul", mul, *)
SESSIONLIB_BINARY_ARITH(divide, "RealDiv", "truediv", div, /)
#undef SESSIONLIB_BINARY_ARITH

/// -x
template <TensorLike A>
auto negative(const A& a, std::string_view name = {}) {
  return unary_op<value_type_of<A>, fn::neg>("Neg", a, name);
}
template <TensorLike A>
auto operator-(const A& a) { return negative(a); }

}  // namespace sessionlib
