// A sessionlib Graph as a GraphDef. Each node becomes a NodeDef with its name
// and op type as the node holds them, inputs "name" ("name:k" for output k) and
// control inputs "^name" (a state op -- Assign, AssignAdd, the optimizers'
// Apply ops -- gets its variable as input 0, as in TF, where the node table
// keeps it in attr.variable), and the base attributes:
//   "dtype"  for Const, Placeholder, PlaceholderWithDefault and VariableV2 (TF's name there),
//   "T"      for every other node with an output,
//   "shape"  for Placeholder, PlaceholderWithDefault and VariableV2 (static shape, -1 for dynamic dimensions),
//   "value"  for Const (its value as a TensorProto with tensor_content),
//   "_output_shapes"  one shape per output, for every node with outputs.
// Then the node's family attributes (graph/op_attrs.hpp) as graph_def/attr_map.hpp
// writes them (transpose_a, keep_dims, ...; sessionlib's own as "_sessionlib_*"),
// and the exporter its op type registered (graph_def/op_table.hpp, written by
// the families of graph_def/ops_*.hpp) writes TF's other attributes
// (strides, padding, type attributes, ...) and the structural inputs TF
// takes as tensors (Reshape's shape, Sum's reduction_indices) as Const nodes
// marked `_sessionlib_inline`, placed before the node; import folds them back,
// so a graph round-trips to the same nodes.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>

#include "../graph/graph.hpp"
#include "attr_map.hpp"
#include "io.hpp"
#include "model.hpp"
#include "op_table.hpp"
#include "tensor.hpp"

namespace sessionlib {

/// The GraphDef producer version sessionlib writes: 27, TF's TF_GRAPH_DEF_VERSION
/// since January 2018 (TF 1.6, "deprecate TensorArray v2 and old io ops"), whose
/// op set (VariableV2, the V2/V3 ops) is the one sessionlib's graphs use. TF
/// 1.x and 2.x importers accept it (their minimum producer is 0).
inline constexpr std::int32_t graph_def_producer = 27;

namespace detail {
inline bool uses_dtype_attr(const std::string& op) {
  return op == "Const" || op == "Placeholder" || op == "PlaceholderWithDefault" || op == "VariableV2";
}
inline TensorShapeProto static_shape_proto(const std::vector<std::ptrdiff_t>& shape) {
  TensorShapeProto s;
  for (auto d : shape) s.dim.push_back({d < 0 ? -1 : static_cast<std::int64_t>(d), {}});
  return s;
}
}  // namespace detail

/// The nodes of `g` as a GraphDef (see the comment atop this header for what
/// each node carries). Safe while other threads add nodes: it reads the node
/// table under the graph's lock and sees the nodes published before it.
inline GraphDef to_graph_def(const Graph& g) {
  GraphDef def;
  def.versions.producer = graph_def_producer;
  std::shared_lock lock(g.table_mutex());
  const std::size_t n = g.size_unlocked();
  // A variable's node is the first published with its index (Graph::add_variable_node).
  std::map<std::int32_t, const node*> variables;
  std::unordered_set<std::string> names;
  for (std::size_t i = 0; i < n; ++i) {
    const node& nd = g.at_unlocked(static_cast<node_id>(i));
    // Control flow's bodies are frames of this graph, not TF FunctionDefs (ops/control_flow.hpp).
    if (nd.frame != 0 || nd.op == "If" || nd.op == "While" || nd.op == "Scan")
      throw unimplemented("GraphDef export of control flow (cond, while_loop, scan) is not implemented yet: node '" +
                              nd.name + "' (" + nd.op + ")",
                          nd.name);
    if (nd.attr.variable >= 0) variables.emplace(nd.attr.variable, &nd);
    names.insert(nd.name);
  }
  const auto input_name = [&](const auto& in) {
    const std::string& name = g.at_unlocked(detail::ref_node(in)).name;
    const std::uint32_t k = detail::ref_index(in);
    return k == 0 ? name : name + ":" + std::to_string(k);
  };
  def.node.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const node& nd = g.at_unlocked(static_cast<node_id>(i));
    NodeDef out;
    out.name = nd.name;
    out.op = nd.op;
    const node* variable = nd.attr.variable >= 0 ? variables.at(nd.attr.variable) : nullptr;
    if (variable && variable != &nd) out.input.push_back(variable->name);  // TF's state ops take the variable first
    for (const auto& in : nd.inputs) out.input.push_back(input_name(in));
    if (nd.has_output) {
      TensorShapeProto shape = detail::static_shape_proto(nd.shape);
      shape.unknown_rank = nd.unknown_rank;  // a placeholder of unknown rank
      out.attr[detail::uses_dtype_attr(nd.op) ? "dtype" : "T"] = to_data_type(nd.type);
      if (nd.op == "Placeholder" || nd.op == "PlaceholderWithDefault" || nd.op == "VariableV2") out.attr["shape"] = shape;
      if (nd.op == "Const" && !nd.attr.value.empty_handle()) out.attr["value"] = to_tensor_proto(nd.attr.value);
      AttrValue::ListValue shapes;
      shapes.shape.push_back(shape);
      for (const output_spec& more : nd.more_outputs) shapes.shape.push_back(detail::static_shape_proto(more.shape));
      out.attr["_output_shapes"] = std::move(shapes);
    }
    detail::gd::write_family_attrs(nd.attr.family, out.attr);
    std::vector<NodeDef> pending;
    if (const exporter_fn ex = detail::graph_def_op_table::global().find(nd.op).export_) {
      export_context ctx{g, nd, out, names, variable};
      ex(ctx);
      pending = std::move(ctx.pending);
    }
    for (const auto& in : nd.control_inputs) out.input.push_back("^" + input_name(in));
    for (auto& p : pending) def.node.push_back(std::move(p));
    def.node.push_back(std::move(out));
  }
  return def;
}

/// What Graph::to_graph_def() and Session::graph_def() call (found by
/// argument-dependent lookup, so graph/ and session/ need no protobuf).
inline GraphDef graph_def_of(const Graph& g, GraphDef*) { return to_graph_def(g); }

namespace train {

/// Writes `to_graph_def(g)` to `logdir / name` (text format with `as_text`);
/// returns the path, as TF's tf.io.write_graph.
inline std::string write_graph(const Graph& g, const std::filesystem::path& logdir, const std::string& name,
                               bool as_text = true) {
  return write_graph(to_graph_def(g), logdir, name, as_text);
}

}  // namespace train

}  // namespace sessionlib
