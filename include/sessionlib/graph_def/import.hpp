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
// (a DT_STRING value, an input that is output 1 of a node, a Reshape whose shape
// is computed at run time), imports as a node whose kernel raises
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
#include "../runtime/kernel.hpp"
#include "op_table.hpp"
#include "tensor.hpp"

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

/// What an importer's node is: its op_spec (op type, inputs and kernel), dtype,
/// static shape (nullopt: unknown rank), and whether it is a variable's node.
struct node_import {
  op_spec spec{};
  dtype type = dtype::float32;
  std::optional<std::vector<std::ptrdiff_t>> shape{};
  bool has_output = true;
  bool variable = false;
};

namespace detail {
/// Thrown by an importer for a NodeDef it cannot build into a runnable node;
/// the node imports as one that raises sl::unimplemented with `what()` when run.
struct import_unsupported : unimplemented {
  using unimplemented::unimplemented;
};

/// The kernel of a node that cannot run: raises sl::unimplemented with the reason kept in attr.text.
inline void unimplemented_kernel(kernel_context& ctx) {
  throw unimplemented("Node '" + ctx.n.name + "' (op type '" + ctx.n.op + "') cannot run: " + ctx.n.attr.text,
                      ctx.n.name);
}

/// "x:1" -> ("x", 1); "x" -> ("x", 0). Control inputs keep their '^'.
inline std::pair<std::string, std::uint32_t> split_tensor_name(std::string_view s) {
  const auto colon = s.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < s.size() &&
      s.find_first_not_of("0123456789", colon + 1) == std::string_view::npos)
    return {std::string(s.substr(0, colon)), static_cast<std::uint32_t>(std::stoul(std::string(s.substr(colon + 1))))};
  return {std::string(s), 0};
}
}  // namespace detail

/// What an importer sees of one NodeDef: its attributes, its inputs resolved to
/// nodes of the destination graph, their dtypes and shapes, and the values of
/// inputs that are constants of the GraphDef.
struct import_context {
  Graph& graph;
  const NodeDef& def;
  /// Data inputs in order: a node of the destination graph, or no_node for an
  /// input the importer must read with constant_input (a folded structural constant).
  std::vector<node_id> inputs;
  /// The input NodeDefs' constants by input position (null when not a Const of the GraphDef).
  std::vector<const NodeDef*> input_defs;
  /// Input shapes by position (nullopt: unknown rank).
  std::vector<std::optional<std::vector<std::ptrdiff_t>>> input_shapes;

  /// The name of the NodeDef.
  const std::string& name() const { return def.name; }

  /// Attribute `key`, or null.
  const AttrValue* attr(std::string_view key) const {
    auto it = def.attr.find(std::string(key));
    return it == def.attr.end() ? nullptr : &it->second;
  }
  /// An int attribute, `fallback` when absent.
  std::int64_t attr_int(std::string_view key, std::int64_t fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<std::int64_t>() : nullptr;
    return v ? *v : fallback;
  }
  bool attr_bool(std::string_view key, bool fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<bool>() : nullptr;
    return v ? *v : fallback;
  }
  double attr_float(std::string_view key, double fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<float>() : nullptr;
    return v ? static_cast<double>(*v) : fallback;
  }
  std::string attr_string(std::string_view key, std::string fallback) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<std::string>() : nullptr;
    return v ? *v : fallback;
  }
  std::vector<std::int64_t> attr_ints(std::string_view key) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<AttrValue::ListValue>() : nullptr;
    return v ? v->i : std::vector<std::int64_t>{};
  }
  /// The sessionlib dtype of type attribute `key`; sl::unimplemented (the node
  /// cannot run) for a type sessionlib lacks, sl::invalid_argument when absent.
  dtype attr_type(std::string_view key) const {
    const AttrValue* a = attr(key);
    const auto* v = a ? a->get_if<DataType>() : nullptr;
    if (!v) throw invalid_argument("Node '" + def.name + "' (op " + def.op + ") has no type attribute '" +
                                       std::string(key) + "'",
                                   def.name);
    return supported(*v);
  }
  /// The sessionlib dtype of `t`, or the import_unsupported error naming it.
  dtype supported(DataType t) const {
    if (auto d = to_dtype(t)) return *d;
    throw detail::import_unsupported("its dtype " + data_type_name(t) +
                                     " is not one sessionlib carries (float, double, int32, int64, uint8, bool)");
  }
  /// The doubles sessionlib's exporter kept exactly (`_sessionlib_reals`), if any.
  std::optional<std::vector<double>> reals() const {
    const AttrValue* a = attr("_sessionlib_reals");
    const auto* t = a ? a->get_if<TensorProto>() : nullptr;
    if (!t) return std::nullopt;
    const any_array v = to_any_array(*t);
    if (v.dtype() != dtype::float64) return std::nullopt;
    return std::vector<double>(v.data<double>(), v.data<double>() + v.size());
  }

  /// Number of data inputs.
  std::size_t input_count() const { return inputs.size(); }
  /// Data input `i` as a node of the destination graph; import_unsupported when it is
  /// a structural constant folded away (the importer should have read it with constant_input).
  node_id input(std::size_t i) const {
    check_input(i);
    if (inputs[i] == no_node)
      throw detail::import_unsupported("its input " + std::to_string(i) + " ('" + def.input[i] +
                                       "') is a folded constant, not a value");
    return inputs[i];
  }
  /// The dtype of data input `i`.
  dtype input_type(std::size_t i) const {
    check_input(i);
    if (inputs[i] != no_node) return graph.at(inputs[i]).type;
    return constant_input(i)->dtype();
  }
  /// The static shape of data input `i` (nullopt: unknown rank).
  const std::optional<std::vector<std::ptrdiff_t>>& input_shape(std::size_t i) const {
    check_input(i);
    return input_shapes[i];
  }
  /// The value of data input `i` when it is a Const of the GraphDef (not replaced by input_map).
  std::optional<any_array> constant_input(std::size_t i) const {
    check_input(i);
    if (!input_defs[i]) return std::nullopt;
    const AttrValue* v = nullptr;
    if (auto it = input_defs[i]->attr.find("value"); it != input_defs[i]->attr.end()) v = &it->second;
    const auto* t = v ? v->get_if<TensorProto>() : nullptr;
    if (!t) return std::nullopt;
    return to_any_array(*t);
  }
  /// constant_input(i) as int64 values; import_unsupported when it is not a constant.
  std::vector<std::int64_t> constant_ints(std::size_t i, const char* what) const {
    const auto c = constant_input(i);
    if (!c) throw detail::import_unsupported(std::string("its ") + what + " (input " + std::to_string(i) + ", '" +
                                             def.input[i] + "') is computed at run time; sessionlib needs a Const");
    std::vector<std::int64_t> out;
    visit_dtype(c->dtype(), [&]<class T>() {
      for (std::size_t k = 0; k < c->size(); ++k) out.push_back(static_cast<std::int64_t>(c->template data<T>()[k]));
    });
    return out;
  }
  /// The data inputs that are nodes (the folded constants left out), as a node's input list.
  decltype(op_spec{}.inputs) node_inputs(std::size_t count) const {
    decltype(op_spec{}.inputs) out;
    for (std::size_t i = 0; i < count && i < inputs.size(); ++i) out.push_back(input(i));
    return out;
  }
  /// An op_spec of this NodeDef's op type with its first `count` inputs and `kernel`.
  op_spec spec(std::size_t count, kernel_fn kernel) const {
    op_spec s;
    s.op = def.op;
    s.inputs = node_inputs(count);
    s.kernel = kernel;
    return s;
  }
  /// Fails (sl::invalid_argument, naming the node) unless the node has at least `n` data inputs.
  void need_inputs(std::size_t n) const {
    if (inputs.size() < n)
      throw invalid_argument("Node '" + def.name + "' (op " + def.op + ") has " + std::to_string(inputs.size()) +
                                 " inputs, needs " + std::to_string(n),
                             def.name);
  }
  /// sl::invalid_argument naming the node.
  [[noreturn]] void fail(const std::string& message) const {
    throw invalid_argument("Node '" + def.name + "' (op " + def.op + "): " + message, def.name);
  }

  /// TF's name of a DataType ("DT_STRING").
  static std::string data_type_name(DataType t) {
    static const char* const names[] = {"DT_INVALID", "DT_FLOAT", "DT_DOUBLE", "DT_INT32", "DT_UINT8", "DT_INT16",
                                        "DT_INT8", "DT_STRING", "DT_COMPLEX64", "DT_INT64", "DT_BOOL", "DT_QINT8",
                                        "DT_QUINT8", "DT_QINT32", "DT_BFLOAT16", "DT_QINT16", "DT_QUINT16",
                                        "DT_UINT16", "DT_COMPLEX128", "DT_HALF", "DT_RESOURCE", "DT_VARIANT",
                                        "DT_UINT32", "DT_UINT64", "DT_FLOAT8_E5M2", "DT_FLOAT8_E4M3FN"};
    const auto v = static_cast<std::int32_t>(base_type(t));
    std::string s = v >= 0 && v < 26 ? names[v] : "DataType " + std::to_string(v);
    return is_ref_type(t) ? s + "_REF" : s;
  }

 private:
  void check_input(std::size_t i) const {
    if (i >= inputs.size())
      throw invalid_argument("Node '" + def.name + "' (op " + def.op + ") has no input " + std::to_string(i), def.name);
  }
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

/// The first shape of `_output_shapes` when its rank is known.
inline std::optional<std::vector<std::ptrdiff_t>> output_shape_hint(const NodeDef& d) {
  auto it = d.attr.find("_output_shapes");
  if (it == d.attr.end()) return std::nullopt;
  const auto* l = it->second.get_if<AttrValue::ListValue>();
  if (!l || l->shape.empty() || l->shape[0].unknown_rank) return std::nullopt;
  std::vector<std::ptrdiff_t> s;
  for (const auto& dim : l->shape[0].dim) s.push_back(dim.size < 0 ? -1 : static_cast<std::ptrdiff_t>(dim.size));
  return s;
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
    std::optional<std::vector<std::ptrdiff_t>> shape;       // nullopt: unknown rank
  };

  void index_nodes() {
    for (std::size_t i = 0; i < def_.node.size(); ++i) {
      const NodeDef& n = def_.node[i];
      if (n.name.empty()) throw invalid_argument("Node " + std::to_string(i) + " of the GraphDef has no name");
      if (!by_name_.emplace(n.name, i).second)
        throw invalid_argument("Node '" + n.name + "' is not unique in the GraphDef", n.name);
    }
    ids_.assign(def_.node.size(), no_node);
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
        (void)index;
        auto it = by_name_.find(name);
        if (it == by_name_.end())
          throw invalid_argument("Node '" + d.name + "': Unknown input node '" + in + "'", d.name);
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

  // Resolves a data input: the node it names (or input_map's replacement) and its shape.
  node_id resolve(const std::string& in, bool& fallback, std::string& reason,
                  std::optional<std::vector<std::ptrdiff_t>>& shape, const NodeDef*& const_def) {
    const_def = nullptr;
    if (auto m = opts_.input_map.find(in); m != opts_.input_map.end()) {
      mapped_.insert(m->first);
      if (m->second.output != 0) {
        fallback = true;
        reason = "input_map['" + in + "'] is output " + std::to_string(m->second.output) +
                 " of a node; nodes with several outputs are not yet supported by import";
      }
      const node& n = g_.at(m->second.node);
      shape = n.shape;
      return m->second.node;
    }
    const auto [name, index] = split_tensor_name(in);
    if (index == 0)
      if (auto m = opts_.input_map.find(name + ":0"); m != opts_.input_map.end())
        return resolve(m->first, fallback, reason, shape, const_def);
    const std::size_t j = by_name_.at(name);
    if (def_.node[j].op == "Const") const_def = &def_.node[j];
    if (index != 0) {
      fallback = true;
      reason = "its input '" + in + "' is output " + std::to_string(index) +
               " of a node; nodes with several outputs are not yet supported by import";
      shape = std::nullopt;
      return ids_[j];
    }
    if (state_[j].fallback) fallback_input_ = true;
    shape = state_[j].shape;
    return ids_[j];  // no_node for a folded constant
  }

  void import_one(std::size_t i) {
    const NodeDef& d = def_.node[i];
    if (is_inline_const(d)) {  // folded into its consumer (sessionlib's own structural constants)
      if (auto v = d.attr.find("value"); v != d.attr.end())
        if (const auto* t = v->second.get_if<TensorProto>()) {
          std::vector<std::ptrdiff_t> s;
          for (const auto& dim : t->tensor_shape.dim) s.push_back(static_cast<std::ptrdiff_t>(dim.size));
          state_[i].shape = s;
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
        const std::string name = in.substr(1);
        if (auto m = opts_.input_map.find(in); m != opts_.input_map.end()) {
          mapped_.insert(m->first);
          controls.push_back(m->second.node);
          continue;
        }
        const node_id c = ids_[by_name_.at(name)];
        if (c != no_node) controls.push_back(c);
        continue;
      }
      std::optional<std::vector<std::ptrdiff_t>> shape;
      const NodeDef* const_def = nullptr;
      const node_id id = resolve(in, fallback, reason, shape, const_def);
      ctx.inputs.push_back(id);
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
    if (fallback) out = fallback_node(ctx, reason);

    // Shapes: _output_shapes when known, else the importer's inference.
    std::optional<std::vector<std::ptrdiff_t>> shape = output_shape_hint(d);
    if (!shape) shape = out.shape;
    state_[i].fallback = fallback;
    state_[i].shape = shape;

    out.spec.name = d.name;
    for (node_id c : controls) out.spec.control_inputs.push_back(c);
    if (out.spec.op.empty()) out.spec.op = d.op;
    std::vector<std::ptrdiff_t> static_shape = shape.value_or(std::vector<std::ptrdiff_t>{});
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

  node_import fallback_node(const import_context& ctx, const std::string& reason) {
    node_import out;
    out.spec.op = ctx.def.op;
    for (node_id in : ctx.inputs)
      if (in != no_node) out.spec.inputs.push_back(in);
    out.spec.kernel = unimplemented_kernel;
    out.spec.attr.text = reason;
    out.spec.stateful = true;  // never folded nor merged: it must raise when run
    out.type = guess_output_type(ctx.def);
    out.shape = std::nullopt;
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
    if (index != 0)
      throw unimplemented("Requested return_element '" + want +
                              "' is output " + std::to_string(index) +
                              " of a node; nodes with several outputs are not yet supported by import",
                          want);
    e.node = ids_[it->second];
    if (e.node == no_node)
      throw invalid_argument("Requested return_element '" + want + "' was folded into its consumer", want);
    e.is_tensor = tensor;
    e.output = index;
    e.name = g_.at(e.node).name + (tensor ? ":" + std::to_string(index) : "");
    if (tensor && !g_.at(e.node).has_output)
      throw invalid_argument("Requested return_element '" + want + "' is an operation with no output", want);
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
  std::vector<import_state> state_;
  std::vector<variable_entry> variables_;
  std::set<std::string> mapped_;
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
