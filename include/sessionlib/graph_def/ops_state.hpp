// GraphDef import and export of state and random ops: VariableV2 and TF's old
// Variable (ref dtypes: the base type), Assign, AssignAdd, AssignSub,
// IsVariableInitialized; RandomUniform, RandomStandardNormal, TruncatedNormal.
//
// An imported variable is a graph variable (Graph::add_variable_node); the
// state ops that take it as input 0 touch it through attr.variable, as the
// typed Variable's do, and import_graph_def publishes it with its initializer.
// Random ops: TF's seed (the graph seed) and seed2 (the op seed) seed the op's
// generator in each session as sessionlib's own seeds do; sessionlib keeps its
// ops' ranges exactly as `_sessionlib_a` and `_sessionlib_b` (random_attrs; TF
// scales a [0, 1) draw with other ops instead).
#pragma once

#include "../ops/random.hpp"
#include "../ops/state.hpp"
// The importers name kernels for every dtype a NodeDef may carry, not only
// those the implementation library holds: their bodies too (kernels/*_impl.hpp).
#include "../runtime/kernels/random_impl.hpp"
#include "../runtime/kernels/state_impl.hpp"
#include "ops_support.hpp"

namespace sessionlib::detail::gd {

inline node_import import_variable(import_context& c) {
  const AttrValue* a = c.attr("shape");
  const auto* s = a ? a->get_if<TensorShapeProto>() : nullptr;
  std::optional<std::vector<std::ptrdiff_t>> shape;
  if (s && !s->unknown_rank) {
    shape.emplace();
    for (const auto& d : s->dim) shape->push_back(d.size < 0 ? -1 : static_cast<std::ptrdiff_t>(d.size));
  }
  node_import n = make(c.spec(0, kernels::variable_read_kernel), c.attr_type("dtype"), shape);
  n.spec.stateful = true;
  n.spec.attr.family = c.family<variable_attrs>();  // its container and shared_name
  n.variable = true;
  return n;
}

/// The variable index of input 0, which must be a variable's node.
inline std::int32_t variable_of(const import_context& c) {
  c.need_inputs(1);
  const node& v = c.graph.at(c.input(0));
  if (!v.def->is(op_flags::variable) || v.attr.variable < 0)
    throw import_unsupported("its input 0 ('" + c.def.input[0] + "') is not a variable");
  return v.attr.variable;
}

/// Assign, AssignAdd, AssignSub: {variable, value}; the node reads value and touches the variable.
template <int Kind>
node_import import_assign(import_context& c) {
  c.need_inputs(2);
  const std::int32_t index = variable_of(c);
  const node& v = c.graph.at(c.input(0));
  if (c.input_type(1) != v.type)
    c.fail("the value has dtype " + std::string(dtype_name(c.input_type(1))) + ", the variable " +
           std::string(dtype_name(v.type)));
  const std::vector<std::ptrdiff_t> shape = v.shape;
  return dispatch<types::any>(c, v.type, [&]<class T>() -> node_import {
    kernel_fn k = kernels::assign_kernel<T>;
    if constexpr (Kind != 0) {
      if constexpr (!Numeric<T>) bad_type(c, v.type);
      else k = Kind == 1 ? kernels::assign_add_kernel<T> : kernels::assign_sub_kernel<T>;
    }
    op_spec s;
    s.op = c.def.op;
    s.inputs.push_back(c.input(1));
    s.kernel = k;
    s.attr.variable = index;
    s.stateful = true;
    return make(std::move(s), dtype_of<T>, shape);
  });
}

inline node_import import_is_initialized(import_context& c) {
  const std::int32_t index = variable_of(c);
  op_spec s;
  s.op = c.def.op;
  s.kernel = kernels::is_initialized_kernel;
  s.attr.variable = index;
  s.stateful = true;
  return make(std::move(s), dtype::bool_, std::vector<std::ptrdiff_t>{});
}

// RandomUniform, RandomStandardNormal, TruncatedNormal: shape (a Const), dtype, seed, seed2.
inline node_import import_random(import_context& c) {
  c.need_inputs(1);
  const auto dims_ = c.constant_ints(0, "shape");
  const std::vector<std::ptrdiff_t> shape(dims_.begin(), dims_.end());
  const dtype t = c.attr_type("dtype");
  // TF's random ops draw from [0, 1) or N(0, 1); sessionlib's keep their range in a, b.
  random_attrs a = c.family<random_attrs>();
  if (a.seed2 == 0) a.seed2 = static_cast<std::int64_t>(c.graph.next_op_seed());
  const std::string op = c.def.op;
  return dispatch<types::numeric>(c, t, [&]<class T>() -> node_import {
    kernel_fn k = nullptr;
    if constexpr (Floating<T>) {
      if (op == "RandomUniform") k = kernels::random_uniform_kernel<T>;
      else if (op == "RandomStandardNormal") k = kernels::random_normal_kernel<T>;
      else k = kernels::truncated_normal_kernel<T>;
    } else if constexpr (!std::is_same_v<T, std::uint8_t>) {
      if (op == "RandomUniform") k = kernels::random_uniform_kernel<T>;
    }
    if (!k) bad_type(c, t);
    op_spec s;
    s.op = op;
    s.kernel = k;
    s.attr.family = a;
    s.stateful = true;  // its generator is keyed in each session by the node's id
    return make(std::move(s), dtype_of<T>, shape);
  });
}

inline const bool state_ops_registered = [] {
  // TF's old Variable op is a variable as VariableV2 is (graph/op_def.hpp defines only the new one).
  if (!op_registry::global().find("Variable"))
    define_op({.type = "Variable", .flags = op_flags::variable | op_flags::view | op_flags::stateful, .cost = op_cost::none});
  register_graph_def_op({"VariableV2", "Variable"}, import_variable, nullptr);
  register_graph_def_op({"Assign"}, import_assign<0>, nullptr);
  register_graph_def_op({"AssignAdd"}, import_assign<1>, nullptr);
  register_graph_def_op({"AssignSub"}, import_assign<2>, nullptr);
  register_graph_def_op({"IsVariableInitialized"}, import_is_initialized, nullptr);
  register_graph_def_op({"RandomUniform", "RandomStandardNormal", "TruncatedNormal"}, import_random, nullptr);
  return true;
}();

}  // namespace sessionlib::detail::gd
