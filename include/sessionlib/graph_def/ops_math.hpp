// GraphDef import and export of the elementwise family: arithmetic (Add, AddV2,
// Sub, Mul, RealDiv, Div, Neg), unary math (Abs, Exp, Log, ..., Relu), binary
// math (Maximum, Minimum, Pow, SquaredDifference, FloorDiv, FloorMod),
// comparisons and logic (bool results), Cast and Select/SelectV2. Kernels are
// those the typed builders of ops/arithmetic.hpp and ops/math.hpp instantiate,
// chosen by the inputs' dtype; binary ops broadcast as numpy does.
#pragma once

#include "../ops/arithmetic.hpp"
#include "../ops/math.hpp"
#include "ops_support.hpp"

namespace sessionlib::detail::gd {

/// FloorDiv, FloorMod: integer division by zero checked at run time.
template <class Fn>
node_import division(import_context& c) {
  c.need_inputs(2);
  same_type(c, 0, 1);
  const auto shape = infer::broadcast(c, c.input_shape(0), c.input_shape(1));
  return dispatch<types::numeric>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(2, kernels::checked_division_kernel<T, Fn>);
    s.elementwise = true;
    return make(std::move(s), dtype_of<T>, shape);
  });
}

/// Cast: SrcT from the input, DstT from the attribute.
inline node_import import_cast(import_context& c) {
  c.need_inputs(1);
  const dtype to = c.attr_type("DstT");
  return dispatch<types::any>(c, c.input_type(0), [&]<class T>() {
    return dispatch<types::any>(c, to, [&]<class U>() {
      op_spec s = elementwise_spec<T, U, fn::cast_to<U>, 1>(c.def.op, {}, {});
      s.inputs = c.node_inputs(1);
      return make(std::move(s), dtype_of<U>, c.input_shape(0));
    });
  });
}

/// SelectV2 (the three broadcast) and Select (same shapes, or a scalar condition).
inline node_import import_select(import_context& c) {
  c.need_inputs(3);
  if (c.input_type(0) != dtype::bool_) c.fail("the condition must be bool");
  same_type(c, 1, 2);
  const auto& cs = c.input_shape(0);
  const auto& xs = c.input_shape(1);
  if (c.def.op == "Select" && cs && xs && !cs->empty() && cs->size() != xs->size())
    throw import_unsupported("Select with a condition of rank " + std::to_string(cs->size()) + " and values of rank " +
                             std::to_string(xs->size()) + " (TF picks rows) is not supported; use SelectV2");
  const auto shape = infer::broadcast(c, infer::broadcast(c, cs, xs), c.input_shape(2));
  return dispatch<types::any>(c, c.input_type(1), [&]<class T>() {
    return make(c.spec(3, kernels::select_kernel<T>), dtype_of<T>, shape);
  });
}

// TF's Div on integers truncates; sessionlib's div functor does too for ints,
// but TF's Python never builds it for floats other than as RealDiv: floats only.
inline const bool math_ops_registered = [] {
  using t = types;
  register_graph_def_op({"AddV2", "Add"}, binary<fn::add, t::any>, nullptr);
  register_graph_def_op({"Sub"}, binary<fn::sub, t::any>, nullptr);
  register_graph_def_op({"Mul"}, binary<fn::mul, t::any>, nullptr);
  register_graph_def_op({"RealDiv"}, binary<fn::div, t::any>, nullptr);
  register_graph_def_op({"Div"}, binary<fn::div, t::floating>, nullptr);
  register_graph_def_op({"Maximum"}, binary<fn::maximum, t::numeric>, nullptr);
  register_graph_def_op({"Minimum"}, binary<fn::minimum, t::numeric>, nullptr);
  register_graph_def_op({"Pow"}, binary<fn::pow, t::numeric>, nullptr);
  register_graph_def_op({"SquaredDifference"}, binary<fn::squared_difference, t::numeric>, nullptr);
  register_graph_def_op({"FloorDiv"}, division<fn::floordiv>, nullptr);
  register_graph_def_op({"FloorMod"}, division<fn::floormod>, nullptr);
  register_graph_def_op({"Equal"}, binary<fn::equal, t::any, bool>, nullptr);
  register_graph_def_op({"NotEqual"}, binary<fn::not_equal, t::any, bool>, nullptr);
  register_graph_def_op({"Less"}, binary<fn::less, t::numeric, bool>, nullptr);
  register_graph_def_op({"LessEqual"}, binary<fn::less_equal, t::numeric, bool>, nullptr);
  register_graph_def_op({"Greater"}, binary<fn::greater, t::numeric, bool>, nullptr);
  register_graph_def_op({"GreaterEqual"}, binary<fn::greater_equal, t::numeric, bool>, nullptr);
  register_graph_def_op({"LogicalAnd"}, binary<fn::logical_and, t::boolean, bool>, nullptr);
  register_graph_def_op({"LogicalOr"}, binary<fn::logical_or, t::boolean, bool>, nullptr);
  register_graph_def_op({"LogicalXor"}, binary<fn::logical_xor, t::boolean, bool>, nullptr);
  register_graph_def_op({"LogicalNot"}, unary<fn::logical_not, t::boolean>, nullptr);
  register_graph_def_op({"Neg"}, unary<fn::neg, t::any>, nullptr);
  register_graph_def_op({"Abs"}, unary<fn::abs, t::numeric>, nullptr);
  register_graph_def_op({"Exp"}, unary<fn::exp, t::floating>, nullptr);
  register_graph_def_op({"Log"}, unary<fn::log, t::floating>, nullptr);
  register_graph_def_op({"Log1p"}, unary<fn::log1p, t::floating>, nullptr);
  register_graph_def_op({"Sqrt"}, unary<fn::sqrt, t::floating>, nullptr);
  register_graph_def_op({"Rsqrt"}, unary<fn::rsqrt, t::floating>, nullptr);
  register_graph_def_op({"Square"}, unary<fn::square, t::numeric>, nullptr);
  register_graph_def_op({"Tanh"}, unary<fn::tanh, t::floating>, nullptr);
  register_graph_def_op({"Sigmoid"}, unary<fn::sigmoid, t::floating>, nullptr);
  register_graph_def_op({"Sin"}, unary<fn::sin, t::floating>, nullptr);
  register_graph_def_op({"Cos"}, unary<fn::cos, t::floating>, nullptr);
  register_graph_def_op({"Floor"}, unary<fn::floor, t::floating>, nullptr);
  register_graph_def_op({"Ceil"}, unary<fn::ceil, t::floating>, nullptr);
  register_graph_def_op({"Round"}, unary<fn::round, t::numeric>, nullptr);
  register_graph_def_op({"Sign"}, unary<fn::sign, t::numeric>, nullptr);
  register_graph_def_op({"Reciprocal", "Inv"}, unary<fn::reciprocal, t::floating>, nullptr);
  register_graph_def_op({"Relu"}, unary<fn::relu, t::numeric>, nullptr);
  register_graph_def_op({"Cast"}, import_cast, nullptr);
  register_graph_def_op({"SelectV2", "Select"}, import_select, nullptr);
  return true;
}();

}  // namespace sessionlib::detail::gd
