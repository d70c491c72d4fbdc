// Gradient builders of the elementwise math ops, cast, where, matmul and the
// reductions, and of the helper nodes gradients themselves add (so a gradient
// can be differentiated again). Broadcasting ops sum their gradients back to
// each operand's run-time shape (SumToShape).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "grad_support.hpp"

namespace sessionlib::detail {

namespace grads {

/// Input `i` of node `self`.
SESSIONLIB_INLINE output_ref input(const Graph& g, node_id self, std::size_t i) { return g.at(self).inputs.at(i); }

// Arithmetic, with the broadcast axes summed away.
SESSIONLIB_INLINE void add(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::sum_to_shape_if_needed(g, dy, input(g, self, 0));
  dx[1] = erased::sum_to_shape_if_needed(g, dy, input(g, self, 1));
}
SESSIONLIB_INLINE void sub(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::sum_to_shape_if_needed(g, dy, input(g, self, 0));
  dx[1] = erased::sum_to_shape_if_needed(g, erased::neg(g, dy), input(g, self, 1));
}
SESSIONLIB_INLINE void mul(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref a = input(g, self, 0), b = input(g, self, 1);
  dx[0] = erased::sum_to_shape_if_needed(g, erased::mul(g, dy, b), a);
  dx[1] = erased::sum_to_shape_if_needed(g, erased::mul(g, a, dy), b);
}
SESSIONLIB_INLINE void div(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref a = input(g, self, 0), b = input(g, self, 1);
  dx[0] = erased::sum_to_shape_if_needed(g, erased::div(g, dy, b), a);
  // d(a/b)/db = -a / b^2
  dx[1] = erased::sum_to_shape_if_needed(g, erased::mul(g, dy, erased::neg(g, erased::div(g, erased::div(g, a, b), b))), b);
}
SESSIONLIB_INLINE void neg(Graph& g, node_id, output_ref dy, std::vector<output_ref>& dx) { dx[0] = erased::neg(g, dy); }
SESSIONLIB_INLINE void identity(Graph&, node_id, output_ref dy, std::vector<output_ref>& dx) { dx[0] = dy; }
/// For ops whose gradient is zero or undefined almost everywhere (masks, Sign,
/// Floor, the *Like shape sources): nothing flows to the inputs.
SESSIONLIB_INLINE void none(Graph&, node_id, output_ref, std::vector<output_ref>&) {}

// Unary math, written with the output y where that is cheaper.
SESSIONLIB_INLINE void exp(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) { dx[0] = erased::mul(g, dy, self); }
SESSIONLIB_INLINE void log(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::div(g, dy, input(g, self, 0));
}
SESSIONLIB_INLINE void log1p(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::div(g, dy, erased::add_scalar(g, input(g, self, 0), 1.0));
}
SESSIONLIB_INLINE void sqrt(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::div(g, erased::mul_scalar(g, dy, 0.5), self);
}
SESSIONLIB_INLINE void rsqrt(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  // d(x^-1/2)/dx = -1/2 y^3
  dx[0] = erased::mul(g, dy, erased::mul_scalar(g, erased::mul(g, self, erased::mul(g, self, self)), -0.5));
}
SESSIONLIB_INLINE void reciprocal(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, dy, erased::neg(g, erased::mul(g, self, self)));
}
SESSIONLIB_INLINE void square(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, dy, erased::mul_scalar(g, input(g, self, 0), 2.0));
}
SESSIONLIB_INLINE void tanh(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, dy, erased::scalar_sub(g, 1.0, erased::mul(g, self, self)));
}
SESSIONLIB_INLINE void sigmoid(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, dy, erased::mul(g, self, erased::scalar_sub(g, 1.0, self)));
}
SESSIONLIB_INLINE void abs(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, dy, erased::sign(g, input(g, self, 0)));
}
SESSIONLIB_INLINE void sin(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, dy, erased::cos(g, input(g, self, 0)));
}
SESSIONLIB_INLINE void cos(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, dy, erased::neg(g, erased::sin(g, input(g, self, 0))));
}
SESSIONLIB_INLINE void relu(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::relu_grad(g, dy, input(g, self, 0));
}
/// ReluGrad(dy, x) is linear in dy; x only selects.
SESSIONLIB_INLINE void relu_grad_grad(Graph& g, node_id self, output_ref ddx, std::vector<output_ref>& dx) {
  dx[0] = erased::relu_grad(g, ddx, input(g, self, 1));
}

// Binary math.
SESSIONLIB_INLINE void pow(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0), p = input(g, self, 1);
  // d(x^p)/dx = p x^(p-1)
  const output_ref px = erased::mul(g, p, erased::pow(g, x, erased::add_scalar(g, p, -1.0)));
  dx[0] = erased::sum_to_shape_if_needed(g, erased::mul(g, dy, px), x);
  // d(x^p)/dp = x^p log(x), taken as 0 where x <= 0 (as TF does).
  const output_ref pos = erased::greater_mask(g, x, erased::scalar(g, erased::type_of(g, x), 0.0));
  const output_ref safe_x = erased::add(g, erased::mul(g, x, pos), erased::scalar_sub(g, 1.0, pos));
  const output_ref logx = erased::mul(g, erased::log(g, safe_x), pos);
  dx[1] = erased::sum_to_shape_if_needed(g, erased::mul(g, dy, erased::mul(g, self, logx)), p);
}
/// Maximum (Minimum): the gradient goes to the operand that was chosen; ties to the first.
SESSIONLIB_INLINE void select_by_mask(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx, output_ref mask) {
  const output_ref a = input(g, self, 0), b = input(g, self, 1);
  const output_ref da = erased::mul(g, dy, mask);
  dx[0] = erased::sum_to_shape_if_needed(g, da, a);
  dx[1] = erased::sum_to_shape_if_needed(g, erased::sub(g, dy, da), b);
}
SESSIONLIB_INLINE void maximum(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  select_by_mask(g, self, dy, dx, erased::greater_equal_mask(g, input(g, self, 0), input(g, self, 1)));
}
SESSIONLIB_INLINE void minimum(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  select_by_mask(g, self, dy, dx, erased::less_equal_mask(g, input(g, self, 0), input(g, self, 1)));
}
SESSIONLIB_INLINE void squared_difference(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref a = input(g, self, 0), b = input(g, self, 1);
  const output_ref d = erased::mul(g, dy, erased::mul_scalar(g, erased::sub(g, a, b), 2.0));
  dx[0] = erased::sum_to_shape_if_needed(g, d, a);
  dx[1] = erased::sum_to_shape_if_needed(g, erased::neg(g, d), b);
}

// Cast and where.
SESSIONLIB_INLINE void cast(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const dtype from = erased::type_of(g, input(g, self, 0));
  if (erased::is_floating(from)) dx[0] = erased::cast(g, dy, from);  // integer and bool sources get none
}
/// SelectV2(cond, x, y): dy flows to x where cond holds, to y elsewhere.
SESSIONLIB_INLINE void select(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref cond = input(g, self, 0), x = input(g, self, 1), y = input(g, self, 2);
  const output_ref dxm = erased::mul(g, dy, erased::cast(g, cond, erased::type_of(g, dy)));
  dx[1] = erased::sum_to_shape_if_needed(g, dxm, x);
  dx[2] = erased::sum_to_shape_if_needed(g, erased::sub(g, dy, dxm), y);
}

// The helper nodes of gradients, each the other's gradient.
SESSIONLIB_INLINE void sum_to_shape(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::broadcast_like(g, dy, input(g, self, 0), g.at(self).attr.get<axes_attrs>().axes);
}
SESSIONLIB_INLINE void broadcast_to_shape(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::reduce_sum_to_shape(g, dy, input(g, self, 0), g.at(self).attr.get<axes_attrs>().axes);
}
SESSIONLIB_INLINE void reshape_like(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::reshape_like(g, dy, input(g, self, 0));
}
SESSIONLIB_INLINE void add_n(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  for (std::size_t i = 0; i < g.at(self).inputs.size(); ++i) dx[i] = dy;
}

// Matmul: C = op(A) op(B); the batch axes that broadcast are summed away.
SESSIONLIB_INLINE void matmul(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const output_ref a = n.inputs[0], b = n.inputs[1];
  const bool ta = n.attr.get<matmul_attrs>().transpose_a, tb = n.attr.get<matmul_attrs>().transpose_b;
  output_ref da, db;
  if (!ta && !tb) { da = erased::matmul(g, dy, b, false, true); db = erased::matmul(g, a, dy, true, false); }
  else if (!ta && tb) { da = erased::matmul(g, dy, b, false, false); db = erased::matmul(g, dy, a, true, false); }
  else if (ta && !tb) { da = erased::matmul(g, b, dy, false, true); db = erased::matmul(g, a, dy, false, false); }
  else { da = erased::matmul(g, b, dy, true, true); db = erased::matmul(g, dy, a, true, true); }
  dx[0] = erased::sum_to_shape_if_needed(g, da, a);
  dx[1] = erased::sum_to_shape_if_needed(g, db, b);
}

// Reductions: reduce_attrs hold the reduced axes, normalised (all axes when empty).
SESSIONLIB_INLINE std::vector<std::int64_t> reduced_axes(const Graph& g, node_id self) {
  const node& n = g.at(self);
  std::vector<std::int64_t> axes = n.attr.get<reduce_attrs>().axes;
  if (axes.empty())
    for (std::size_t i = 0; i < erased::shape_of(g, n.inputs[0]).size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  return axes;
}
SESSIONLIB_INLINE void sum(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::broadcast_like(g, dy, input(g, self, 0), reduced_axes(g, self));
}
SESSIONLIB_INLINE void mean(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0);
  const output_ref spread = erased::broadcast_like(g, dy, x, reduced_axes(g, self));
  dx[0] = erased::div(g, spread, erased::size_ratio(g, x, self, erased::type_of(g, x)));
}
/// Max and Min: shared equally among the elements that attain the extremum (as TF).
SESSIONLIB_INLINE void extremum(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0);
  const auto axes = reduced_axes(g, self);
  const output_ref hit = erased::equal_mask(g, x, erased::broadcast_like(g, self, x, axes));
  const output_ref count = erased::reduce_sum_to_shape(g, hit, self, axes);
  dx[0] = erased::div(g, erased::mul(g, hit, erased::broadcast_like(g, dy, x, axes)), erased::broadcast_like(g, count, x, axes));
}
SESSIONLIB_INLINE void prod(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0);
  const auto axes = reduced_axes(g, self);
  dx[0] = erased::mul(g, erased::broadcast_like(g, dy, x, axes), erased::prod_others(g, x, axes));
}
}  // namespace grads

/// Adds the math ops' gradient builders to the registry (train/gradients.hpp).
SESSIONLIB_INLINE void register_math_grads(std::unordered_map<std::string, grad_fn>& m) {
  for (const char* k : {"Add", "AddV2"}) m[k] = grads::add;
  m["Sub"] = grads::sub;
  m["Mul"] = grads::mul;
  for (const char* k : {"RealDiv", "Div"}) m[k] = grads::div;
  m["Neg"] = grads::neg;
  for (const char* k : {"Identity", "Snapshot"}) m[k] = grads::identity;
  m["Exp"] = grads::exp;
  m["Log"] = grads::log;
  m["Log1p"] = grads::log1p;
  m["Sqrt"] = grads::sqrt;
  m["Rsqrt"] = grads::rsqrt;
  m["Reciprocal"] = grads::reciprocal;
  m["Square"] = grads::square;
  m["Tanh"] = grads::tanh;
  m["Sigmoid"] = grads::sigmoid;
  m["Abs"] = grads::abs;
  m["Sin"] = grads::sin;
  m["Cos"] = grads::cos;
  m["Relu"] = grads::relu;
  m["ReluGrad"] = grads::relu_grad_grad;
  m["Pow"] = grads::pow;
  m["Maximum"] = grads::maximum;
  m["Minimum"] = grads::minimum;
  m["SquaredDifference"] = grads::squared_difference;
  m["Cast"] = grads::cast;
  m["SelectV2"] = grads::select;
  m["SumToShape"] = grads::sum_to_shape;
  m["BroadcastToShape"] = grads::broadcast_to_shape;
  m["ReshapeLike"] = grads::reshape_like;
  m["AddN"] = grads::add_n;
  for (const char* k : {"MatMul", "BatchMatMulV2"}) m[k] = grads::matmul;
  m["Sum"] = grads::sum;
  m["Mean"] = grads::mean;
  for (const char* k : {"Max", "Min"}) m[k] = grads::extremum;
  m["Prod"] = grads::prod;
  for (const char* k : {"Sign", "Floor", "Ceil", "Round", "OnesLike", "ZerosLike", "SizeRatio", "GreaterMask",
                        "GreaterEqualMask", "LessEqualMask", "EqualMask"})
    m[k] = grads::none;
}

}  // namespace sessionlib::detail
