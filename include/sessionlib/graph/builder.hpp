// How ops add nodes: an op_spec (plain data) plus the result type. Typed ops use
// make_tensor<T, S>; gradient builders, which know types only at run time, use
// add_tensor_node with a dtype and a static shape. Either way the node is built
// complete and then published (graph/graph.hpp): nothing changes it afterwards.
#pragma once

#include <iterator>
#include <string>
#include <vector>

#include "../config.hpp"
#include "handles.hpp"

namespace sessionlib {

/// What an op function fills in to add a node.
struct op_spec {
  std::string op{};                  // op kind, and the default name
  std::string name{};                // "" -> op kind, made unique
  std::vector<output_ref> inputs{};
  kernel_fn kernel = nullptr;
  grad_fn grad = nullptr;
  attributes attr{};
  bool stateful = false;
  bool elementwise = false;
  std::vector<node_id> control_inputs{};
  block_fn block = nullptr;          // elementwise ops: makes the node fusable
  pair_op pairs_as = pair_op::none;  // elementwise ops: see graph/node.hpp
  pair_fn pair_after = nullptr;
  Graph::complete_fn complete = nullptr;  // fills what needs the node's own id (graph/graph.hpp)
  multi_grad_fn multi_grad = nullptr;     // nodes with several outputs: their gradient
};

#if SESSIONLIB_DEFINITIONS
/// The node `spec` describes, of run-time dtype `type` and static `shape`: complete
/// but for its final name and the control scopes, which Graph::add_node adds.
SESSIONLIB_INLINE node make_node(op_spec spec, dtype type, std::vector<std::ptrdiff_t> shape) {
  node n;
  n.name = std::move(spec.name);
  n.op = std::move(spec.op);
  n.inputs = std::move(spec.inputs);
  n.control_inputs = std::move(spec.control_inputs);
  n.type = type;
  n.shape = std::move(shape);
  n.kernel = spec.kernel;
  n.grad = spec.grad;
  n.multi_grad = spec.multi_grad;
  n.attr = std::move(spec.attr);
  n.stateful = spec.stateful;
  n.elementwise = spec.elementwise;
  n.block = spec.block;
  n.pairs_as = spec.pairs_as;
  n.pair_after = spec.pair_after;
  return n;
}

/// Adds a node of run-time dtype and static shape; returns its id.
SESSIONLIB_INLINE node_id add_tensor_node(Graph& g, op_spec spec, dtype type, std::vector<std::ptrdiff_t> shape) {
  const Graph::complete_fn complete = spec.complete;
  return g.add_node(make_node(std::move(spec), type, std::move(shape)), complete);
}

/// Adds a node with several outputs: output 0 of `outputs[0]`'s dtype and
/// shape, the others in order. Returns its id; output k is (id, k).
SESSIONLIB_INLINE node_id add_multi_output_node(Graph& g, op_spec spec, std::vector<output_spec> outputs) {
  if (outputs.empty()) throw invalid_argument("a node with outputs needs at least one", spec.name);
  const Graph::complete_fn complete = spec.complete;
  node n = make_node(std::move(spec), outputs[0].type, std::move(outputs[0].shape));
  n.more_outputs.assign(std::make_move_iterator(outputs.begin() + 1), std::make_move_iterator(outputs.end()));
  return g.add_node(std::move(n), complete);
}

/// Adds a node of dtype `type` whose static shape is the `rank` extents at
/// `extents`: what every typed builder calls, one copy for all static shapes.
SESSIONLIB_INLINE node_id add_static_node(Graph& g, op_spec spec, dtype type, const std::ptrdiff_t* extents,
                                          std::size_t rank) {
  return add_tensor_node(g, std::move(spec), type, std::vector<std::ptrdiff_t>(extents, extents + rank));
}
#else
SESSIONLIB_DECLARE node make_node(op_spec spec, dtype type, std::vector<std::ptrdiff_t> shape);
SESSIONLIB_DECLARE node_id add_tensor_node(Graph& g, op_spec spec, dtype type, std::vector<std::ptrdiff_t> shape);
SESSIONLIB_DECLARE node_id add_multi_output_node(Graph& g, op_spec spec, std::vector<output_spec> outputs);
SESSIONLIB_DECLARE node_id add_static_node(Graph& g, op_spec spec, dtype type, const std::ptrdiff_t* extents,
                                           std::size_t rank);
#endif

/// Adds a node producing a Tensor<T, S>.
template <class T, class S>
Tensor<T, S> make_tensor(Graph& g, op_spec spec) {
  return Tensor<T, S>(&g, add_static_node(g, std::move(spec), dtype_of<T>, S::extents.data(), S::extents.size()));
}

#if SESSIONLIB_DEFINITIONS
/// Adds a node with no output (run for its effect).
SESSIONLIB_INLINE Operation make_operation(Graph& g, op_spec spec) {
  const Graph::complete_fn complete = spec.complete;
  node n = make_node(std::move(spec), dtype::float32, {});
  n.has_output = false;
  return Operation(&g, g.add_node(std::move(n), complete));
}
#else
SESSIONLIB_DECLARE Operation make_operation(Graph& g, op_spec spec);
#endif

namespace detail {
#if SESSIONLIB_DEFINITIONS
[[noreturn]] SESSIONLIB_INLINE void throw_other_graph(const Graph& g, output_ref first) {
  throw invalid_argument("Tensors must be from the same graph as '" + g.tensor_name(first) + "'");
}
#else
[[noreturn]] SESSIONLIB_DECLARE void throw_other_graph(const Graph& g, output_ref first);
#endif
}  // namespace detail

/// The graph shared by all operands; sl::invalid_argument when they differ.
template <class First, class... Rest>
Graph& common_graph(const First& first, const Rest&... rest) {
  Graph& g = as_tensor(first).graph();
  if (((&as_tensor(rest).graph() != &g) || ...)) detail::throw_other_graph(g, as_tensor(first).id());
  return g;
}

}  // namespace sessionlib
