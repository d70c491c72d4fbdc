// Elementwise math beyond + - * /: unary functions, binary maximum/minimum/pow/
// floordiv/floormod, comparisons (bool results), logic (bool operands), cast and
// where. Binary ops broadcast as numpy does (checked at compile time where the
// dimensions are static) and mix with scalars as the arithmetic operators do.
#pragma once

#include <string>

#include "../runtime/kernels/math.hpp"
#include "../runtime/kernels/select.hpp"
#include "op_support.hpp"

namespace sessionlib {

namespace detail {
/// Which element types an op takes; a mismatch is a compile-time report.
enum class dtype_rule { any, numeric, floating, boolean };

template <dtype_rule R, class T>
inline constexpr bool dtype_allowed = R == dtype_rule::any || (R == dtype_rule::numeric && Numeric<T>) ||
                                      (R == dtype_rule::floating && Floating<T>) ||
                                      (R == dtype_rule::boolean && std::is_same_v<T, bool>);

/// Reports that Op does not take element type T under rule R.
template <dtype_rule R, class Op, class T>
constexpr void report_dtype() {
  if constexpr (R == dtype_rule::floating) report::not_floating<Op, T>();  // Op, then the operand's dtype
  else if constexpr (R == dtype_rule::numeric) report::not_numeric<Op, T>();
  else report::not_bool<Op, T>();
}

/// A unary elementwise node; Out is the result element type (default: T).
template <class Fn, dtype_rule Rule, class Out = void, TensorLike A>
auto checked_unary(const char* op, const A& a, std::string_view name) {
  using T = value_type_of<A>;
  using R = std::conditional_t<std::is_void_v<Out>, T, Out>;
  if constexpr (!dtype_allowed<Rule, T>) {
    report_dtype<Rule, Fn, T>();
    return as_tensor(a);
  } else {
    return unary_op<R, Fn>(op, a, name);
  }
}

/// A broadcasting binary elementwise node; Out is the result element type (default: T).
template <class Fn, dtype_rule Rule, class Out = void, TensorLike A, TensorLike B>
auto checked_binary(const char* op, const A& a, const B& b, std::string_view name) {
  using T = value_type_of<A>;
  using R = std::conditional_t<std::is_void_v<Out>, T, Out>;
  if constexpr (!dtype_allowed<Rule, T>) {
    report_dtype<Rule, Fn, T>();
    return as_tensor(a);
  } else {
    return binary_op<R, Fn>(op, a, b, name);
  }
}

/// FloorDiv, FloorMod: as checked_binary, with the integer-division-by-zero check.
template <class Fn, TensorLike A, TensorLike B>
auto division_binary(const char* op, const A& a, const B& b, std::string_view name) {
  using T = value_type_of<A>;
  if constexpr (!Numeric<T>) {
    report::not_numeric<Fn, T>();  // TF has no bool division
    return as_tensor(a);
  } else {
    check_same_dtype<T, value_type_of<B>>();
    check_broadcast<shape_of<A>, shape_of<B>>();
    using S = broadcast_shape<shape_of<A>, shape_of<B>>;
    return make_tensor<T, S>(common_graph(a, b),
                             {.op = op, .name = std::string(name), .inputs = {as_tensor(a).id(), as_tensor(b).id()},
                              .kernel = kernels::checked_division_kernel<T, Fn>, .elementwise = true});
  }
}
}  // namespace detail

// The forms of a binary op with a scalar on either side; the scalar becomes a
// constant of the tensor's dtype.
#define SESSIONLIB_SCALAR_FORMS(fname)                                                  \
  template <TensorLike A, Scalar V>                                                    \
  auto fname(const A& a, V b, std::string_view name = {}) {                           \
    return fname(a, detail::lift<value_type_of<A>>(as_tensor(a).graph(), b), name);     \
  }                                                                                    \
  template <Scalar V, TensorLike B>                                                    \
  auto fname(V a, const B& b, std::string_view name = {}) {                           \
    return fname(detail::lift<value_type_of<B>>(as_tensor(b).graph(), a), b, name);     \
  }

#define SESSIONLIB_UNARY(fname, kind, rule)                                             \
  template <TensorLike A>                                                              \
  auto fname(const A& a, std::string_view name = {}) {                                \
    return detail::checked_unary<fn::fname, detail::dtype_rule::rule>(kind, a, name);   \
  }

#define SESSIONLIB_BINARY(fname, kind, rule, out)                                       \
  template <TensorLike A, TensorLike B>                                                \
  auto fname(const A& a, const B& b, std::string_view name = {}) {                    \
    return detail::checked_binary<fn::fname, detail::dtype_rule::rule, out>(kind, a, b, name); \
  }                                                                                    \
  SESSIONLIB_SCALAR_FORMS(fname)

// ---- Unary math -------------------------------------------------------------

/// |x| (TF's tf.abs); numeric dtypes.
SESSIONLIB_UNARY(abs, "Abs", numeric)
/// e^x; float, double.
SESSIONLIB_UNARY(exp, "Exp", floating)
/// Natural logarithm; float, double.
SESSIONLIB_UNARY(log, "Log", floating)
/// log(1 + x), accurate near 0; float, double.
SESSIONLIB_UNARY(log1p, "Log1p", floating)
/// Square root; float, double.
SESSIONLIB_UNARY(sqrt, "Sqrt", floating)
/// 1 / sqrt(x); float, double.
SESSIONLIB_UNARY(rsqrt, "Rsqrt", floating)
/// x * x; numeric dtypes (integers wrap).
SESSIONLIB_UNARY(square, "Square", numeric)
/// Hyperbolic tangent; float, double.
SESSIONLIB_UNARY(tanh, "Tanh", floating)
/// 1 / (1 + e^-x); float, double.
SESSIONLIB_UNARY(sigmoid, "Sigmoid", floating)
/// Sine; float, double.
SESSIONLIB_UNARY(sin, "Sin", floating)
/// Cosine; float, double.
SESSIONLIB_UNARY(cos, "Cos", floating)
/// Largest integer value not greater than x; float, double.
SESSIONLIB_UNARY(floor, "Floor", floating)
/// Smallest integer value not less than x; float, double.
SESSIONLIB_UNARY(ceil, "Ceil", floating)
/// Round half to even (TF's tf.round); the identity on integers.
SESSIONLIB_UNARY(round, "Round", numeric)
/// -1, 0 or 1 (NaN stays NaN); numeric dtypes.
SESSIONLIB_UNARY(sign, "Sign", numeric)
/// 1 / x; float, double (TF's integer form divides by zero unchecked).
SESSIONLIB_UNARY(reciprocal, "Reciprocal", floating)

namespace nn {
/// max(x, 0) (TF's tf.nn.relu); numeric dtypes.
template <TensorLike A>
auto relu(const A& a, std::string_view name = {}) {
  return detail::checked_unary<fn::relu, detail::dtype_rule::numeric>("Relu", a, name);
}
/// tf.nn.sigmoid: the same op as sl::sigmoid.
template <TensorLike A>
auto sigmoid(const A& a, std::string_view name = {}) { return sessionlib::sigmoid(a, name); }
/// tf.nn.tanh: the same op as sl::tanh.
template <TensorLike A>
auto tanh(const A& a, std::string_view name = {}) { return sessionlib::tanh(a, name); }
}  // namespace nn

// ---- Binary math --------------------------------------------------------------

/// x^y elementwise; numeric dtypes (integer x^negative is 0 unless |x| == 1).
SESSIONLIB_BINARY(pow, "Pow", numeric, void)
/// max(x, y) elementwise; numeric dtypes.
SESSIONLIB_BINARY(maximum, "Maximum", numeric, void)
/// min(x, y) elementwise; numeric dtypes.
SESSIONLIB_BINARY(minimum, "Minimum", numeric, void)
/// (x - y)^2 elementwise; numeric dtypes.
SESSIONLIB_BINARY(squared_difference, "SquaredDifference", numeric, void)

/// x // y rounded toward negative infinity (TF's tf.math.floordiv); integer
/// division by zero fails at run time with "Integer division by zero".
template <TensorLike A, TensorLike B>
auto floordiv(const A& a, const B& b, std::string_view name = {}) {
  return detail::division_binary<fn::floordiv>("FloorDiv", a, b, name);
}
SESSIONLIB_SCALAR_FORMS(floordiv)
/// x mod y with the sign of y (TF's tf.math.floormod, Python's %).
template <TensorLike A, TensorLike B>
auto floormod(const A& a, const B& b, std::string_view name = {}) {
  return detail::division_binary<fn::floormod>("FloorMod", a, b, name);
}
SESSIONLIB_SCALAR_FORMS(floormod)
/// tf.math.mod: the same op as floormod.
template <class A, class B>
  requires(TensorLike<A> || TensorLike<B>)
auto mod(const A& a, const B& b, std::string_view name = {}) { return floormod(a, b, name); }

// ---- Comparisons and logic ---------------------------------------------------

/// x == y elementwise -> bool (handles' own == means "same node"; use this for values).
SESSIONLIB_BINARY(equal, "Equal", any, bool)
/// x != y elementwise -> bool.
SESSIONLIB_BINARY(not_equal, "NotEqual", any, bool)
/// x < y elementwise -> bool; numeric dtypes.
SESSIONLIB_BINARY(less, "Less", numeric, bool)
/// x <= y elementwise -> bool; numeric dtypes.
SESSIONLIB_BINARY(less_equal, "LessEqual", numeric, bool)
/// x > y elementwise -> bool; numeric dtypes.
SESSIONLIB_BINARY(greater, "Greater", numeric, bool)
/// x >= y elementwise -> bool; numeric dtypes.
SESSIONLIB_BINARY(greater_equal, "GreaterEqual", numeric, bool)
/// x && y elementwise; bool only.
SESSIONLIB_BINARY(logical_and, "LogicalAnd", boolean, bool)
/// x || y elementwise; bool only.
SESSIONLIB_BINARY(logical_or, "LogicalOr", boolean, bool)
/// x != y elementwise (exclusive or); bool only. TF builds it from and/or/not;
/// here it is one node of kind "LogicalXor".
SESSIONLIB_BINARY(logical_xor, "LogicalXor", boolean, bool)
/// !x elementwise; bool only.
SESSIONLIB_UNARY(logical_not, "LogicalNot", boolean)

#undef SESSIONLIB_BINARY
#undef SESSIONLIB_UNARY
#undef SESSIONLIB_SCALAR_FORMS

// Operators where TF's Tensor has them: < <= > >= (bool results) and %.
// == and != on handles keep meaning "the same node", as TF 1.x's Tensor.__eq__ did.
#define SESSIONLIB_OPERATOR(symbol, fname)                                                                  \
  template <class A, class B>                                                                              \
    requires(TensorLike<A> || TensorLike<B>) && (TensorLike<A> || Scalar<A>) && (TensorLike<B> || Scalar<B>) \
  auto operator symbol(const A& a, const B& b) {                                                           \
    return fname(a, b);                                                                                    \
  }
SESSIONLIB_OPERATOR(<, less)
SESSIONLIB_OPERATOR(<=, less_equal)
SESSIONLIB_OPERATOR(>, greater)
SESSIONLIB_OPERATOR(>=, greater_equal)
SESSIONLIB_OPERATOR(%, floormod)
#undef SESSIONLIB_OPERATOR

// ---- Cast and where ----------------------------------------------------------

/// x converted to element type U (TF's tf.cast): to bool, nonzero is true; float
/// to integer truncates toward zero and saturates (NaN gives 0). Casting to x's
/// own dtype returns x's tensor, as TF does.
template <class U, TensorLike X>
auto cast(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  if constexpr (!Element<U>) {
    report::cast_target_not_dtype<U>();  // U is not one of the graph's element types
    return as_tensor(x);
  } else if constexpr (std::is_same_v<U, T>) {
    return as_tensor(x);
  } else {
    return unary_op<U, fn::cast_to<U>>("Cast", x, name);
  }
}

/// cond ? x : y elementwise, the three broadcast together (TF 2's where, op
/// "SelectV2"); cond is bool, x and y share a dtype, which is the result's.
template <TensorLike C, TensorLike X, TensorLike Y>
auto where(const C& cond, const X& x, const Y& y, const std::string& name = "") {
  using T = value_type_of<X>;
  if constexpr (!std::is_same_v<value_type_of<C>, bool>) {
    report::where_condition_not_bool<value_type_of<C>>();  // the condition's element type
    return as_tensor(x);
  } else {
    detail::check_same_dtype<T, value_type_of<Y>>();
    detail::check_broadcast<shape_of<C>, shape_of<X>>();
    using CX = broadcast_shape<shape_of<C>, shape_of<X>>;
    detail::check_broadcast<CX, shape_of<Y>>();
    using S = broadcast_shape<CX, shape_of<Y>>;
    return make_tensor<T, S>(common_graph(cond, x, y),
                             {.op = "SelectV2", .name = name,
                              .inputs = {as_tensor(cond).id(), as_tensor(x).id(), as_tensor(y).id()},
                              .kernel = kernels::select_kernel<T>});
  }
}
/// where with a scalar for y: `where(c, x, 0.f)`.
template <TensorLike C, TensorLike X, Scalar V>
auto where(const C& cond, const X& x, V y, const std::string& name = "") {
  return where(cond, x, detail::lift<value_type_of<X>>(as_tensor(x).graph(), y), name);
}
/// where with a scalar for x: `where(c, 1.f, y)`.
template <TensorLike C, Scalar V, TensorLike Y>
auto where(const C& cond, V x, const Y& y, const std::string& name = "") {
  return where(cond, detail::lift<value_type_of<Y>>(as_tensor(y).graph(), x), y, name);
}

}  // namespace sessionlib
