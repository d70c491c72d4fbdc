// Graph::to_dot: the graph as Graphviz source (`dot -Tsvg graph.dot >
// graph.svg`). Compiled where definitions are (config.hpp): a separate unit
// sees only its declaration in graph/graph.hpp.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graph.hpp"

namespace sessionlib {

SESSIONLIB_INLINE std::string Graph::to_dot() const {
  std::shared_lock lock(mutex_);
  auto quote = [](std::string_view text) {
    std::string q = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') q += '\\';
      if (c == '\n') { q += "\\n"; continue; }
      q += c;
    }
    return q + '"';
  };
  // Scopes as a tree (scope 0 the root): each node goes into the cluster of
  // its name's prefix; children keep the order of their first node.
  struct scope {
    std::string path;
    std::vector<std::size_t> children;
    std::vector<node_id> members;
  };
  std::vector<scope> scopes(1);
  std::unordered_map<std::string, std::size_t> scope_of;
  for (std::size_t i = 0; i < t_->nodes.size(); ++i) {
    std::size_t at = 0;
    const std::string& name = t_->nodes[i].name;
    for (std::size_t from = 0, slash; (slash = name.find('/', from)) != std::string::npos; from = slash + 1) {
      std::string path = name.substr(0, slash);
      auto [it, added] = scope_of.try_emplace(path, scopes.size());
      if (added) {
        scopes.push_back({std::move(path), {}, {}});
        scopes[at].children.push_back(it->second);
      }
      at = it->second;
    }
    scopes[at].members.push_back(static_cast<node_id>(i));
  }
  std::string s = "digraph G {\n  compound=true;\n  node [shape=box, fontname=\"Helvetica\"];\n";
  auto box = [&](node_id id, const std::string& indent) {
    const node& n = t_->nodes[id];
    std::string label = n.name + "\n" + n.op;
    for (std::uint32_t k = 0; k < n.num_outputs(); ++k)
      label += "\n" + std::string(dtype_name(n.output_type(k))) + static_shape_string(n.output_shape(k));
    s += indent + "n" + std::to_string(id) + " [label=" + quote(label) + "];\n";
  };
  auto emit = [&](auto&& self, std::size_t at, const std::string& indent) -> void {
    const scope& sc = scopes[at];
    for (std::size_t c : sc.children) {
      const std::string& path = scopes[c].path;
      s += indent + "subgraph " + quote("cluster_" + path) + " {\n" + indent + "  label=" +
           quote(path.substr(sc.path.empty() ? 0 : sc.path.size() + 1)) + ";\n" + indent + "  style=rounded;\n";
      self(self, c, indent + "  ");
      s += indent + "}\n";
    }
    for (node_id id : sc.members) box(id, indent);
  };
  emit(emit, 0, "  ");
  for (std::size_t i = 0; i < t_->nodes.size(); ++i) {
    const node& n = t_->nodes[i];
    const std::string to = " -> n" + std::to_string(i);
    for (output_ref in : n.inputs)
      s += "  n" + std::to_string(in.node) + to +
           (in.index ? " [label=" + quote(":" + std::to_string(in.index)) + "]" : std::string()) + ";\n";
    for (node_id in : n.control_inputs) s += "  n" + std::to_string(in) + to + " [style=dashed];\n";
    // A variable's readers by reference (not through its output): its index in attr.variable.
    const std::int32_t v = n.attr.variable;
    if (v >= 0 && static_cast<std::size_t>(v) < t_->variables.size() && t_->variables[static_cast<std::size_t>(v)].node != i)
      s += "  n" + std::to_string(t_->variables[static_cast<std::size_t>(v)].node) + to + " [style=dotted];\n";
  }
  return s + "}\n";
}

}  // namespace sessionlib
