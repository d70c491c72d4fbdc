// What typed op functions share: result shapes from the shape algebra,
// the named concepts of their boundaries, scalar lifting, and the generic
// unary/binary elementwise op builders.
#pragma once

#include <string>

#include "../core/report.hpp"
#include "../core/shape_algebra.hpp"
#include "../runtime/kernels/elementwise.hpp"
#include "../runtime/kernels/pairs.hpp"
#include "constant.hpp"

namespace sessionlib {

namespace detail {
template <class A, class B> struct broadcast_fn {
  static constexpr auto result = algebra::broadcast(A::extents, B::extents);
  static constexpr auto value = result.dims;
};
}  // namespace detail

/// The numpy broadcast of two static shapes.
template <Shape A, Shape B> using broadcast_shape = shape_from<detail::broadcast_fn<A, B>>;

/// Two tensor-likes whose static shapes broadcast.
template <class A, class B>
concept Broadcastable = detail::broadcast_fn<shape_of<A>, shape_of<B>>::result.ok;

/// A scalar that mixes with tensors (`y * 2.0f`): any arithmetic value.
template <class V>
concept Scalar = std::is_arithmetic_v<V>;

namespace detail {
/// Reports (at compile time) a broadcast mismatch between shapes A and B.
template <Shape A, Shape B>
constexpr void check_broadcast() {
  constexpr auto r = algebra::broadcast(A::extents, B::extents);
  if constexpr (!r.ok) report::broadcast_mismatch<r.bad_a, r.bad_b>();  // the first incompatible pair
}
template <class A, class B>
constexpr void check_same_dtype() {
  if constexpr (!std::is_same_v<A, B>) report::dtype_mismatch<A, B>();  // TF would raise a TypeError
}

/// Whether a C++ scalar of type V mixes with a tensor of dtype T, as TF converts
/// a Python number to the tensor's dtype: integers to any numeric dtype (their
/// value must fit: checked when the op is built), floating-point values to float
/// or double only, bool only to bool. Anything else is TF's TypeError.
template <class T, class V>
inline constexpr bool scalar_converts =
    std::is_same_v<T, bool> ? std::is_same_v<V, bool>
                            : !std::is_same_v<V, bool> && (std::is_floating_point_v<T> || std::is_integral_v<V>);

/// A scalar as a constant of the tensor's dtype (TF converts Python numbers so).
template <class T, Scalar V>
Tensor<T, shape<>> lift(Graph& g, V v) {
  if constexpr (!scalar_converts<T, V>) {
    // TF raises TypeError: write a scalar of the tensor's type, or sl::cast the tensor.
    [[maybe_unused]] constexpr bool reported = (report::scalar_dtype_mismatch<T, V>(), true);
    return {};
  } else {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      const T t = static_cast<T>(v);
      if (static_cast<V>(t) != v || (v < V{}) != (t < T{}))
        throw invalid_argument("Value " + std::to_string(v) + " is out of range for dtype " +
                               std::string(dtype_name(dtype_of<T>)));
    }
    return constant(g, static_cast<T>(v));
  }
}

/// The op_spec of an elementwise node of functor Fn from T to R over its
/// Arity inputs (1: a map, 2: a broadcasting binary op): its kernel, its block
/// function for fusion and its pairing (runtime/kernels/pairs.hpp). Typed ops
/// and gradient builders (train/grad_support.hpp) both build theirs here, so a
/// gradient chain fuses and pairs as its forward ops do.
template <class T, class R, class Fn, int Arity>
op_spec elementwise_spec(std::string op, std::vector<output_ref> inputs, std::string name = {}) {
  static_assert(Arity == 1 || Arity == 2);
  op_spec s{.op = std::move(op), .name = std::move(name), .inputs = std::move(inputs), .elementwise = true,
            .pairs_as = kernels::pairs_as_of<T, R, Fn>, .pair_after = kernels::pair_after_of<T, R, Fn>()};
  if constexpr (Arity == 1) {
    s.kernel = kernels::unary_kernel<T, R, Fn>;
    s.block = kernels::unary_block<T, R, Fn>;
  } else {
    s.kernel = kernels::binary_kernel<T, R, Fn>;
    s.block = kernels::binary_block<T, R, Fn>;
  }
  return s;
}

#if SESSIONLIB_DEFINITIONS
/// The node of an elementwise op from its kernel, block function and pairing
/// (as elementwise_spec fills them), of dtype `type` and the static shape of
/// `rank` extents at `extents`: built here, one copy for every op and shape.
SESSIONLIB_INLINE node_id add_elementwise_node(Graph& g, const char* op, std::initializer_list<output_ref> inputs,
                                               std::string_view name, dtype type, const std::ptrdiff_t* extents,
                                               std::size_t rank, kernel_fn kernel, block_fn block, pair_op pairs_as,
                                               pair_fn pair_after) {
  return add_static_node(g, {.op = op, .name = std::string(name), .inputs = inputs, .kernel = kernel, .elementwise = true,
                             .block = block, .pairs_as = pairs_as, .pair_after = pair_after},
                         type, extents, rank);
}
/// A node of an op with data inputs and a kernel but no attributes, of dtype
/// `type` and the static shape of `rank` extents at `extents` (make_simple_tensor).
SESSIONLIB_INLINE node_id add_simple_node(Graph& g, const char* op, std::initializer_list<output_ref> inputs,
                                          kernel_fn kernel, std::string_view name, dtype type,
                                          const std::ptrdiff_t* extents, std::size_t rank) {
  return add_static_node(g, {.op = op, .name = std::string(name), .inputs = inputs, .kernel = kernel}, type, extents, rank);
}
#else
SESSIONLIB_DECLARE node_id add_elementwise_node(Graph& g, const char* op, std::initializer_list<output_ref> inputs,
                                                std::string_view name, dtype type, const std::ptrdiff_t* extents,
                                                std::size_t rank, kernel_fn kernel, block_fn block, pair_op pairs_as,
                                                pair_fn pair_after);
SESSIONLIB_DECLARE node_id add_simple_node(Graph& g, const char* op, std::initializer_list<output_ref> inputs,
                                           kernel_fn kernel, std::string_view name, dtype type,
                                           const std::ptrdiff_t* extents, std::size_t rank);
#endif

/// The node of an elementwise op (elementwise_spec) whose static shape is the
/// `rank` extents at `extents`: binary_op and unary_op check their shapes at
/// compile time and call this, one copy per op and dtype for all static shapes.
template <class T, class R, class Fn, int Arity>
node_id elementwise_node(Graph& g, const char* op, std::initializer_list<output_ref> inputs, std::string_view name,
                         const std::ptrdiff_t* extents, std::size_t rank) {
  static_assert(Arity == 1 || Arity == 2);
  if constexpr (Arity == 1)
    return add_elementwise_node(g, op, inputs, name, dtype_of<R>, extents, rank, kernels::unary_kernel<T, R, Fn>,
                                kernels::unary_block<T, R, Fn>, kernels::pairs_as_of<T, R, Fn>,
                                kernels::pair_after_of<T, R, Fn>());
  else
    return add_elementwise_node(g, op, inputs, name, dtype_of<R>, extents, rank, kernels::binary_kernel<T, R, Fn>,
                                kernels::binary_block<T, R, Fn>, kernels::pairs_as_of<T, R, Fn>,
                                kernels::pair_after_of<T, R, Fn>());
}

/// A Tensor<T, S> of an op with data inputs and a kernel but no attributes:
/// make_tensor without building an op_spec in the caller's unit.
template <class T, class S>
Tensor<T, S> make_simple_tensor(Graph& g, const char* op, std::initializer_list<output_ref> inputs, kernel_fn kernel,
                                std::string_view name) {
  return Tensor<T, S>(&g, add_simple_node(g, op, inputs, kernel, name, dtype_of<T>, S::extents.data(),
                                          S::extents.size()));
}
}  // namespace detail

/// Builds a broadcasting binary elementwise node; R is the result element type.
template <class R, class Fn, TensorLike A, TensorLike B>
auto binary_op(const char* op, const A& a, const B& b, std::string_view name = {}) {
  using T = value_type_of<A>;
  if constexpr (StringElement<T> || StringElement<R>) {
    report::not_numeric<Fn, std::string>();  // elementwise kernels take numbers: sl::string_to_number<T> first
    return Tensor<R, shape_of<A>>();
  } else {
    detail::check_same_dtype<T, value_type_of<B>>();
    detail::check_broadcast<shape_of<A>, shape_of<B>>();
    using S = broadcast_shape<shape_of<A>, shape_of<B>>;
    Graph& g = common_graph(a, b);
    return Tensor<R, S>(&g, detail::elementwise_node<T, R, Fn, 2>(g, op, {as_tensor(a).id(), as_tensor(b).id()},
                                                                   name, S::extents.data(), S::extents.size()));
  }
}

/// Builds a unary elementwise node; R is the result element type.
template <class R, class Fn, TensorLike A>
auto unary_op(const char* op, const A& a, std::string_view name = {}) {
  using T = value_type_of<A>;
  using S = shape_of<A>;
  if constexpr (StringElement<T> || StringElement<R>) {
    report::not_numeric<Fn, std::string>();  // elementwise kernels take numbers: sl::string_to_number<T> first
    return Tensor<R, S>();
  } else {
    Graph& g = as_tensor(a).graph();
    return Tensor<R, S>(&g, detail::elementwise_node<T, R, Fn, 1>(g, op, {as_tensor(a).id()}, name,
                                                                   S::extents.data(), S::extents.size()));
  }
}

}  // namespace sessionlib
