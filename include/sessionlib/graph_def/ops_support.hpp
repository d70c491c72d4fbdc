// What the per-family import tables (graph_def/ops_*.hpp) share: dtype
// dispatch with TF's type constraints and the elementwise importers.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "../ops/op_support.hpp"
#include "infer.hpp"

namespace sessionlib::detail::gd {

/// Which element types an imported op takes.
enum class types { any, numeric, floating, boolean, index };

template <types R, class T>
inline constexpr bool allowed = R == types::any || (R == types::numeric && Numeric<T>) ||
                                (R == types::floating && Floating<T>) || (R == types::boolean && std::is_same_v<T, bool>) ||
                                (R == types::index && (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>));

/// The import_unsupported error for an op that does not take dtype `t`.
[[noreturn]] inline void bad_type(const import_context& c, dtype t) {
  throw import_unsupported("op " + c.def.op + " does not take dtype " + std::string(dtype_name(t)) +
                           " in sessionlib");
}

/// Calls f.template operator()<T>() for T the C++ type of `t` when rule R allows it; else bad_type.
template <types R, class F>
node_import dispatch(const import_context& c, dtype t, F&& f) {
  return visit_dtype(t, [&]<class T>() -> node_import {
    if constexpr (allowed<R, T>) return f.template operator()<T>();
    else bad_type(c, t);
  });
}

/// A node of this NodeDef: the op_spec, dtype and shape.
inline node_import make(op_spec s, dtype t, std::optional<std::vector<std::ptrdiff_t>> shape) {
  node_import n;
  n.spec = std::move(s);
  n.type = t;
  n.shape = std::move(shape);
  return n;
}

/// Fails (sl::invalid_argument naming the node) unless inputs `i` and `j` share a dtype.
inline void same_type(const import_context& c, std::size_t i, std::size_t j) {
  if (c.input_type(i) != c.input_type(j))
    c.fail("input " + std::to_string(j) + " has dtype " + std::string(dtype_name(c.input_type(j))) + ", input " +
           std::to_string(i) + " has " + std::string(dtype_name(c.input_type(i))));
}


// ---- Elementwise importers shared by families (math, nn) --------------------

/// A unary elementwise node of functor Fn (result Out, default: the input's dtype).
template <class Fn, types R, class Out = void>
node_import unary(import_context& c) {
  c.need_inputs(1);
  return dispatch<R>(c, c.input_type(0), [&]<class T>() {
    using O = std::conditional_t<std::is_void_v<Out>, T, Out>;
    op_spec s = elementwise_spec<T, O, Fn, 1>(c.def.op, {}, {});
    s.inputs = c.node_inputs(1);
    return make(std::move(s), dtype_of<O>, c.input_shape(0));
  });
}

/// A broadcasting binary elementwise node of functor Fn (result Out, default: the inputs' dtype).
template <class Fn, types R, class Out = void>
node_import binary(import_context& c) {
  c.need_inputs(2);
  same_type(c, 0, 1);
  const auto shape = infer::broadcast(c, c.input_shape(0), c.input_shape(1));
  return dispatch<R>(c, c.input_type(0), [&]<class T>() {
    using O = std::conditional_t<std::is_void_v<Out>, T, Out>;
    op_spec s = elementwise_spec<T, O, Fn, 2>(c.def.op, {}, {});
    s.inputs = c.node_inputs(2);
    return make(std::move(s), dtype_of<O>, shape);
  });
}

}  // namespace sessionlib::detail::gd
