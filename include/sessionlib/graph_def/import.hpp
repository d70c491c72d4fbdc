// sl::import_graph_def: TF's tf.import_graph_def over sessionlib's Graph.
//
//     sl::Graph g2;
//     auto r = sl::import_graph_def(g2, def, {.input_map = {{"x:0", x2}},
//                                             .return_elements = {"logits:0", "init"},
//                                             .name = "imported"});
//     auto logits = g2.tensor<float, sl::shape<sl::dyn, 10>>("imported/logits:0");  // checked
//
// Nodes are added in an order where every input comes first, named under the
// prefix (TF's default "import"; "" for none), as a name scope made unique
// ("import_1/" when "import" is taken) inside the calling thread's own scopes.
// Each NodeDef is built by the importer its op type registered
// (graph_def/op_table.hpp; the families are graph_def/ops_*.hpp). Its output
// shape is `_output_shapes` when the NodeDef has it with a known rank, else the
// importer's inference (unknown dimensions -1).
//
// A NodeDef whose op type has no importer, or that sessionlib cannot run
// (a DT_STRING value, an output the sessionlib node does not have, a Reshape
// whose shape is computed at run time), imports as a node whose kernel raises
// sl::unimplemented naming the op type and the node: importing succeeds, and
// only a run that needs the node fails. Errors in the GraphDef itself (an input
// naming no node, a duplicate name, a cycle, an input_map key or return element
// naming nothing) raise at import, naming the node.
//
// An imported VariableV2 (or TF's old Variable) becomes a graph variable: its
// initializer is the Assign that targets it named "<variable>/Assign", else the
// first Assign that targets it, and it joins the collections (trainable unless
// import_options::trainable says otherwise), so global_variables_initializer
// and sl::train::Saver see it by its name.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../graph/builder.hpp"
#include "import_context.hpp"

namespace sessionlib {

/// A tensor of the destination graph that replaces an imported one (input_map).
struct import_input {
  Graph* graph = nullptr;
  node_id node = no_node;
  std::uint32_t output = 0;

  import_input() = default;
  template <TensorLike X>
  import_input(const X& x)  // NOLINT: implicit, so {{"x:0", x2}} reads as TF's dict
      : graph(&as_tensor(x).graph()), node(detail::ref_node(as_tensor(x).id())), output(detail::ref_index(as_tensor(x).id())) {}
};

/// tf.import_graph_def's arguments.
struct import_options {
  /// Imported tensor name ("x:0", or "x" for output 0) -> the destination's tensor used instead.
  std::map<std::string, import_input> input_map{};
  /// Names of tensors ("logits:0") and operations ("init") to return, in order.
  std::vector<std::string> return_elements{};
  /// The name scope of the imported nodes (TF's default "import"); "" for none.
  std::string name = "import";
  /// The variables (their names in the GraphDef) that are trainable; all when unset.
  std::optional<std::set<std::string>> trainable{};
};

/// What import_graph_def returns.
struct import_result {
  /// One requested return element: a tensor (node, output) or an operation.
  struct element {
    std::string name;  // in the destination graph ("import/logits:0", "import/init")
    node_id node = no_node;
    std::uint32_t output = 0;
    bool is_tensor = false;
  };
  Graph* graph = nullptr;
  /// import_options::return_elements, in order.
  std::vector<element> elements;
  /// The scope given to the nodes: "import/", "import_1/", or "" without a prefix.
  std::string prefix;
  /// Each NodeDef's name -> its node in the destination graph.
  std::map<std::string, node_id> nodes;

  /// Return element `i` as a typed tensor, checked as Graph::tensor checks.
  template <class T, class S>
  Tensor<T, S> tensor(std::size_t i) const {
    const element& e = elements.at(i);
    if (!e.is_tensor) throw invalid_argument("Return element '" + e.name + "' is an operation, not a tensor", e.name);
    return graph->template tensor<T, S>(e.name);
  }
  /// Return element `i` as an Operation (a tensor's producing node).
  Operation operation(std::size_t i) const { return Operation(graph, elements.at(i).node); }
};

namespace detail {

/// Output dtype of a node that cannot run: its "dtype"/"T"-like attribute when
/// sessionlib has that type, else float.
inline dtype guess_output_type(const NodeDef& d) {
  for (const char* key : {"dtype", "T", "out_type", "DstT", "output_type"}) {
    auto it = d.attr.find(key);
    if (it == d.attr.end()) continue;
    if (const auto* t = it->second.get_if<DataType>())
      if (auto dt = to_dtype(*t)) return *dt;
  }
  return dtype::float32;
}

/// The shapes of `_output_shapes`, one per output (nullopt: unknown rank).
inline std::vector<std::optional<std::vector<std::ptrdiff_t>>> output_shape_hints(const NodeDef& d) {
  std::vector<std::optional<std::vector<std::ptrdiff_t>>> out;
  auto it = d.attr.find("_output_shapes");
  if (it == d.attr.end()) return out;
  const auto* l = it->second.get_if<AttrValue::ListValue>();
  if (!l) return out;
  for (const auto& shape : l->shape) {
    if (shape.unknown_rank) {
      out.emplace_back();
      continue;
    }
    std::vector<std::ptrdiff_t> s;
    for (const auto& dim : shape.dim) s.push_back(dim.size < 0 ? -1 : static_cast<std::ptrdiff_t>(dim.size));
    out.emplace_back(std::move(s));
  }
  return out;
}

inline bool is_inline_const(const NodeDef& d) {
  if (d.op != "Const") return false;
  auto it = d.attr.find("_sessionlib_inline");
  const bool* b = it == d.attr.end() ? nullptr : it->second.get_if<bool>();
  return b && *b;
}

/// The import of one GraphDef into one graph.
class graph_def_importer {
 public:
  graph_def_importer(Graph& g, const GraphDef& def, const import_options& opts) : g_(g), def_(def), opts_(opts) {}

  import_result run() {
    index_nodes();
    check_input_map();
    const std::vector<std::size_t> order = topological_order();
    import_result r;
    r.graph = &g_;
    {
      std::optional<Graph::scope_guard> scope;
      if (!opts_.name.empty()) scope.emplace(g_, opts_.name);
      for (std::size_t i : order) import_one(i);
    }
    publish_variables();
    for (std::size_t i = 0; i < def_.node.size(); ++i)
      if (ids_[i] != no_node) r.nodes.emplace(def_.node[i].name, ids_[i]);
    r.prefix = prefix_;
    if (r.prefix.empty() && !opts_.name.empty() && r.nodes.empty()) r.prefix = opts_.name + "/";
    for (const auto& want : opts_.return_elements) r.elements.push_back(return_element(want));
    return r;
  }

 private:
  struct import_state {
    bool fallback = false;                                  // imported as a node that cannot run
    std::vector<std::optional<std::vector<std::ptrdiff_t>>> shapes;  // per output; nullopt: unknown rank
  };

  void index_nodes() {
    for (std::size_t i = 0; i < def_.node.size(); ++i) {
      const NodeDef& n = def_.node[i];
      if (n.name.empty()) throw invalid_argument("Node " + std::to_string(i) + " of the GraphDef has no name");
      if (!by_name_.emplace(n.name, i).second)
        throw invalid_argument("Node '" + n.name + "' is not unique in the GraphDef", n.name);
    }
    ids_.assign(def_.node.size(), no_node);
    outputs_used_.assign(def_.node.size(), 0);
    state_.assign(def_.node.size(), {});
  }

  // TF: "Attempted to map inputs that were not found in graph_def: [x:0]".
  void check_input_map() {
    std::string missing;
    for (const auto& [key, value] : opts_.input_map) {
      const bool control = !key.empty() && key[0] == '^';
      const auto [name, index] = split_tensor_name(control ? std::string_view(key).substr(1) : std::string_view(key));
      if (!by_name_.count(name)) missing += (missing.empty() ? "" : ", ") + key;
      if (value.graph != &g_)
        throw invalid_argument("input_map['" + key + "'] is a tensor of another graph than the one imported into");
      (void)index;
    }
    if (!missing.empty())
      throw invalid_argument("Attempted to map inputs that were not found in graph_def: [" + missing + "]");
  }

  // Kahn's algorithm over data and control inputs.
  std::vector<std::size_t> topological_order() {
    const std::size_t n = def_.node.size();
    std::vector<std::vector<std::size_t>> users(n);
    std::vector<std::size_t> pending(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const NodeDef& d = def_.node[i];
      bool seen_control = false;
      for (const auto& in : d.input) {
        const bool control = !in.empty() && in[0] == '^';
        if (control) seen_control = true;
        else if (seen_control)
          throw invalid_argument("Node '" + d.name + "': data input '" + in + "' after a control input", d.name);
        if (!control && opts_.input_map.count(in)) continue;  // replaced: no dependency
        const auto [name, index] = split_tensor_name(control ? std::string_view(in).substr(1) : std::string_view(in));
        auto it = by_name_.find(name);
        if (it == by_name_.end())
          throw invalid_argument("Node '" + d.name + "': Unknown input node '" + in + "'", d.name);
        if (!control) outputs_used_[it->second] = std::max(outputs_used_[it->second], index + 1);
        users[it->second].push_back(i);
        ++pending[i];
      }
    }
    // The ready node first in the GraphDef: a GraphDef already in order (as
    // to_graph_def writes it) imports in its own order, so node ids match.
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i)
      if (pending[i] == 0) ready.push(i);
    while (!ready.empty()) {
      const std::size_t i = ready.top();
      ready.pop();
      order.push_back(i);
      for (std::size_t u : users[i])
        if (--pending[u] == 0) ready.push(u);
    }
    if (order.size() != n)
      for (std::size_t i = 0; i < n; ++i)
        if (pending[i] != 0)
          throw unimplemented("Node '" + def_.node[i].name + "' is on a cycle of the GraphDef (op " +
                                  def_.node[i].op + "); sessionlib imports no while loops",
                              def_.node[i].name);
    return order;
  }

  // Resolves a data input to an output (input_map's replacement, or the
  // imported node's output) and its shape; an invalid output for a folded constant.
  output_ref resolve(const std::string& in, bool& fallback, std::string& reason,
                     std::optional<std::vector<std::ptrdiff_t>>& shape, const NodeDef*& const_def) {
    const_def = nullptr;
    auto m = opts_.input_map.find(in);
    const auto [name, index] = split_tensor_name(in);
    if (m == opts_.input_map.end() && index == 0) m = opts_.input_map.find(name + ":0");
    if (m == opts_.input_map.end() && in.find(':') != std::string::npos && index == 0) m = opts_.input_map.find(name);
    if (m != opts_.input_map.end()) {
      const output_ref r{m->second.node, m->second.output};
      shape = g_.at(r).output_shape(r.index);
      return r;
    }
    const std::size_t j = by_name_.at(name);
    if (def_.node[j].op == "Const") const_def = &def_.node[j];
    if (state_[j].fallback) fallback_input_ = true;
    if (ids_[j] == no_node) {  // a folded structural constant
      shape = state_[j].shapes.empty() ? std::nullopt : state_[j].shapes[0];
      return output_ref{};
    }
    if (index >= g_.at(ids_[j]).num_outputs()) {
      fallback = true;
      reason = "its input '" + in + "' is output " + std::to_string(index) + " of a node with " +
               std::to_string(g_.at(ids_[j]).num_outputs()) + " in sessionlib";
      shape = std::nullopt;
      return output_ref{};
    }
    shape = index < state_[j].shapes.size() ? state_[j].shapes[index] : std::nullopt;
    return output_ref{ids_[j], index};
  }

  void import_one(std::size_t i) {
    const NodeDef& d = def_.node[i];
    if (is_inline_const(d)) {  // folded into its consumer (sessionlib's own structural constants)
      if (auto v = d.attr.find("value"); v != d.attr.end())
        if (const auto* t = v->second.get_if<TensorProto>()) {
          std::vector<std::ptrdiff_t> s;
          for (const auto& dim : t->tensor_shape.dim) s.push_back(static_cast<std::ptrdiff_t>(dim.size));
          state_[i].shapes = {s};
        }
      return;
    }
    import_context ctx{g_, d, {}, {}, {}};
    std::vector<node_id> controls;
    bool fallback = false;
    std::string reason;
    fallback_input_ = false;
    for (const auto& in : d.input) {
      if (!in.empty() && in[0] == '^') {
        if (auto m = opts_.input_map.find(in); m != opts_.input_map.end()) {
          controls.push_back(m->second.node);
          continue;
        }
        const node_id c = ids_[by_name_.at(in.substr(1))];
        if (c != no_node) controls.push_back(c);
        continue;
      }
      std::optional<std::vector<std::ptrdiff_t>> shape;
      const NodeDef* const_def = nullptr;
      const output_ref r = resolve(in, fallback, reason, shape, const_def);
      ctx.inputs.push_back(r);
      ctx.input_defs.push_back(const_def);
      ctx.input_shapes.push_back(std::move(shape));
    }

    node_import out;
    const importer_fn importer = graph_def_op_table::global().find(d.op).import;
    if (!fallback && !importer) {
      fallback = true;
      reason = "op type '" + d.op + "' has no importer in sessionlib (include the family's graph_def/ops_*.hpp, "
               "or register one with sl::register_graph_def_op)";
    }
    if (!fallback) {
      try {
        out = importer(ctx);
      } catch (const import_unsupported& e) {
        fallback = true;
        reason = e.what();
      } catch (const unimplemented& e) {
        fallback = true;
        reason = e.what();
      } catch (const error& e) {
        if (!fallback_input_) throw;
        fallback = true;  // built over an input that cannot run: it cannot run either
        reason = std::string("its inputs cannot run (") + e.what() + ")";
      }
    }
    if (fallback) out = fallback_node(ctx, reason, outputs_used_[i]);

    // Shapes: _output_shapes when known, else the importer's inference.
    const auto hints = output_shape_hints(d);
    const auto hint = [&](std::size_t k, const std::optional<std::vector<std::ptrdiff_t>>& inferred) {
      return k < hints.size() && hints[k] ? hints[k] : inferred;
    };
    state_[i].fallback = fallback;
    state_[i].shapes = {hint(0, out.shape)};
    std::vector<output_spec> more;
    for (std::size_t k = 0; k < out.more_outputs.size(); ++k) {
      state_[i].shapes.push_back(hint(k + 1, out.more_outputs[k].shape));
      more.push_back({out.more_outputs[k].type, state_[i].shapes.back().value_or(std::vector<std::ptrdiff_t>{})});
    }

    out.spec.name = d.name;
    for (node_id c : controls) out.spec.control_inputs.push_back(c);
    if (out.spec.op.empty()) out.spec.op = d.op;
    std::vector<std::ptrdiff_t> static_shape = state_[i].shapes[0].value_or(std::vector<std::ptrdiff_t>{});
    node_id id;
    if (out.variable) {
      node n = make_node(std::move(out.spec), out.type, std::move(static_shape));
      const auto [vid, index] = g_.add_variable_node(std::move(n));
      id = vid;
      variables_.push_back({i, vid, index});
    } else if (!out.has_output) {
      const Graph::complete_fn complete = out.spec.complete;
      node n = make_node(std::move(out.spec), dtype::float32, {});
      n.has_output = false;
      id = g_.add_node(std::move(n), complete);
    } else if (!more.empty()) {
      more.insert(more.begin(), output_spec{out.type, std::move(static_shape)});
      id = add_multi_output_node(g_, std::move(out.spec), std::move(more));
    } else {
      id = add_tensor_node(g_, std::move(out.spec), out.type, std::move(static_shape));
    }
    ids_[i] = id;
    if (prefix_.empty()) {
      const std::string& final_name = g_.at(id).name;
      if (final_name.size() > d.name.size() && final_name.compare(final_name.size() - d.name.size(), d.name.size(), d.name) == 0)
        prefix_ = final_name.substr(0, final_name.size() - d.name.size());
    }
  }

  // A node that raises when run, with as many outputs as the GraphDef's
  // consumers and _output_shapes say it has.
  static node_import fallback_node(const import_context& ctx, const std::string& reason, std::uint32_t used) {
    node_import out;
    out.spec.op = ctx.def.op;
    for (const output_ref& in : ctx.inputs)
      if (in.valid()) out.spec.inputs.push_back(in);
    out.spec.kernel = unimplemented_kernel;
    out.spec.attr.family = unimplemented_attrs{.reason = reason};
    out.spec.stateful = true;  // never folded nor merged: it must raise when run
    out.type = guess_output_type(ctx.def);
    out.shape = std::nullopt;
    const std::size_t outputs = std::max<std::size_t>({std::size_t{1}, used, output_shape_hints(ctx.def).size()});
    for (std::size_t k = 1; k < outputs; ++k) out.more_outputs.push_back({out.type, std::nullopt});
    return out;
  }

  void publish_variables() {
    for (const auto& v : variables_) {
      const std::string& var_name = def_.node[v.def_index].name;
      node_id init = no_node;
      for (std::size_t i = 0; i < def_.node.size(); ++i) {
        const NodeDef& d = def_.node[i];
        if (d.op != "Assign" || d.input.empty() || ids_[i] == no_node) continue;
        if (split_tensor_name(d.input[0]).first != var_name) continue;
        const node& a = g_.at(ids_[i]);
        if (a.attr.variable != v.index || a.inputs.empty()) continue;
        if (init == no_node || d.name == var_name + "/Assign") init = ids_[i];
        if (d.name == var_name + "/Assign") break;
      }
      if (init == no_node) continue;  // no initializer in the GraphDef: not listed (a MetaGraph gives one)
      const bool trainable = !opts_.trainable || opts_.trainable->count(var_name);
      g_.publish_variable(v.index, init, ref_node(g_.at(init).inputs[0]), trainable);
    }
  }

  import_result::element return_element(const std::string& want) {
    import_result::element e;
    const bool tensor = want.find(':') != std::string::npos;
    const auto [name, index] = split_tensor_name(want);
    auto it = by_name_.find(name);
    if (it == by_name_.end() || (tensor && name + ":" + std::to_string(index) != want))
      throw invalid_argument("Requested return_element '" + want + "' not found in graph_def.", want);
    e.node = ids_[it->second];
    if (e.node == no_node)
      throw invalid_argument("Requested return_element '" + want + "' was folded into its consumer", want);
    e.is_tensor = tensor;
    e.output = index;
    e.name = g_.at(e.node).name + (tensor ? ":" + std::to_string(index) : "");
    if (tensor && index >= g_.at(e.node).num_outputs())
      throw invalid_argument("Requested return_element '" + want + "' is output " + std::to_string(index) +
                                 " of an operation with " + std::to_string(g_.at(e.node).num_outputs()) + " outputs",
                             want);
    return e;
  }

  struct variable_entry {
    std::size_t def_index;
    node_id node;
    std::int32_t index;
  };

  Graph& g_;
  const GraphDef& def_;
  const import_options& opts_;
  std::unordered_map<std::string, std::size_t> by_name_;
  std::vector<node_id> ids_;
  std::vector<std::uint32_t> outputs_used_;  // per NodeDef: 1 + the highest output index its consumers read
  std::vector<import_state> state_;
  std::vector<variable_entry> variables_;
  std::string prefix_;
  bool fallback_input_ = false;
};

}  // namespace detail

/// Imports `def` into `g` as tf.import_graph_def does (see the comment atop
/// this header); returns the requested elements, the prefix and every node.
inline import_result import_graph_def(Graph& g, const GraphDef& def, const import_options& options = {}) {
  return detail::graph_def_importer(g, def, options).run();
}

}  // namespace sessionlib
