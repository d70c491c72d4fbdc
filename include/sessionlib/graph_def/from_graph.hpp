// A sessionlib Graph as a GraphDef: a first, minimal conversion over today's
// node table, to be replaced when the op registry gives every op its TF
// definition (attribute names and values per op).
//
// Each node becomes a NodeDef with its name and op type as the node holds
// them, inputs "name" (output 0) and control inputs "^name" (a state op --
// Assign, AssignAdd, the optimizers' Apply ops -- gets its variable as input 0,
// as in TF, where the node table keeps it in attr.variable; optimizer slots
// are not yet inputs), and attributes:
//   "dtype"  for Const, Placeholder, PlaceholderWithDefault and VariableV2 (TF's name there),
//   "T"      for every other node with an output,
//   "shape"  for Placeholder and VariableV2 (static shape, -1 for dynamic dimensions),
//   "value"  for Const (its value as a TensorProto with tensor_content),
//   "_output_shapes"  a list of one shape, for every node with an output.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "../graph/graph.hpp"
#include "io.hpp"
#include "model.hpp"
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
  std::map<std::int32_t, const std::string*> variable_names;
  for (std::size_t i = 0; i < n; ++i) {
    const node& nd = g.at_unlocked(static_cast<node_id>(i));
    if (nd.attr.variable >= 0) variable_names.emplace(nd.attr.variable, &nd.name);
  }
  def.node.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const node& nd = g.at_unlocked(static_cast<node_id>(i));
    NodeDef& out = def.node.emplace_back();
    out.name = nd.name;
    out.op = nd.op;
    if (nd.attr.variable >= 0 && *variable_names.at(nd.attr.variable) != nd.name)
      out.input.push_back(*variable_names.at(nd.attr.variable));  // TF's state ops take the variable first
    for (output_ref in : nd.inputs)
      out.input.push_back(g.at_unlocked(in.node).name + (in.index ? ":" + std::to_string(in.index) : std::string()));
    for (node_id in : nd.control_inputs) out.input.push_back("^" + g.at_unlocked(in).name);
    if (!nd.has_output) continue;
    const TensorShapeProto shape = detail::static_shape_proto(nd.shape);
    out.attr[detail::uses_dtype_attr(nd.op) ? "dtype" : "T"] = to_data_type(nd.type);
    if (nd.op == "Placeholder" || nd.op == "VariableV2") out.attr["shape"] = shape;
    if (nd.op == "Const" && !nd.attr.value.empty_handle()) out.attr["value"] = to_tensor_proto(nd.attr.value);
    AttrValue::ListValue shapes;
    shapes.shape.push_back(shape);
    out.attr["_output_shapes"] = std::move(shapes);
  }
  return def;
}

namespace train {

/// Writes `to_graph_def(g)` to `logdir / name` (text format with `as_text`);
/// returns the path, as TF's tf.io.write_graph.
inline std::string write_graph(const Graph& g, const std::filesystem::path& logdir, const std::string& name,
                               bool as_text = true) {
  return write_graph(to_graph_def(g), logdir, name, as_text);
}

}  // namespace train

}  // namespace sessionlib
