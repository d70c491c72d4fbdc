// The per-op-type table of the GraphDef part: how a NodeDef of TF op type X
// becomes a sessionlib node (its importer) and how a node of type X writes
// TF's attributes (its exporter). Families register themselves when their
// header is included (graph_def/ops_*.hpp), through an inline variable whose
// initialiser calls register_graph_def_op; the table is a function-local static,
// so the order in which headers' variables are initialised does not matter.
//
// This header is light (no kernels): to_graph_def (graph_def/from_graph.hpp)
// reads it, and writes only the base attributes for a type no family exports.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../graph/graph.hpp"
#include "model.hpp"
#include "tensor.hpp"

namespace sessionlib {

struct import_context;
struct node_import;
struct export_context;

/// Builds the node of one NodeDef (graph_def/import.hpp says what it may assume).
using importer_fn = node_import (*)(import_context& ctx);
/// Writes one node's TF attributes (and structural constant inputs) into its NodeDef.
using exporter_fn = void (*)(export_context& ctx);

namespace detail {

/// The node of an input reference, whether the graph names inputs by node id
/// or by (node, output index).
template <class R>
constexpr node_id ref_node(const R& r) noexcept {
  if constexpr (std::is_integral_v<R>) return static_cast<node_id>(r);
  else return r.node;
}
/// The output index of an input reference (0 for a plain node id).
template <class R>
constexpr std::uint32_t ref_index(const R& r) noexcept {
  if constexpr (std::is_integral_v<R>) return 0;
  else return r.index;
}

/// One op type's entries.
struct graph_def_op {
  importer_fn import = nullptr;
  exporter_fn export_ = nullptr;
};

/// Op type -> importer and exporter, for the process.
class graph_def_op_table {
 public:
  static graph_def_op_table& global() {
    static graph_def_op_table t;
    return t;
  }
  void add(std::string_view type, importer_fn im, exporter_fn ex) {
    std::unique_lock lock(m_);
    auto& e = ops_[std::string(type)];
    if (im) e.import = im;
    if (ex) e.export_ = ex;
  }
  graph_def_op find(std::string_view type) const {
    std::shared_lock lock(m_);
    auto it = ops_.find(std::string(type));
    return it == ops_.end() ? graph_def_op{} : it->second;
  }
  /// The op types with an importer, sorted.
  std::vector<std::string> importable() const {
    std::shared_lock lock(m_);
    std::vector<std::string> out;
    for (const auto& [k, v] : ops_)
      if (v.import) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  mutable std::shared_mutex m_;
  std::unordered_map<std::string, graph_def_op> ops_;
};

}  // namespace detail

/// Registers `im` and `ex` (either may be null) for each op type of `types`;
/// returns true, so that a family header can write
/// `inline const bool registered = register_graph_def_op({"Relu"}, ...);`.
/// A later registration of a type replaces the earlier one.
inline bool register_graph_def_op(std::initializer_list<std::string_view> types, importer_fn im, exporter_fn ex) {
  for (auto t : types) detail::graph_def_op_table::global().add(t, im, ex);
  return true;
}

/// The op types import_graph_def can build, sorted (those of the families included).
inline std::vector<std::string> importable_op_types() { return detail::graph_def_op_table::global().importable(); }

/// What an exporter sees: the node, its NodeDef (name, op, data inputs and the
/// base attributes already written; control inputs come after), and the graph. The caller holds the
/// graph's table lock: read nodes with node_at.
struct export_context {
  const Graph& graph;
  const node& n;
  NodeDef& out;
  std::unordered_set<std::string>& names_taken;  // every node name of the graph and of `def` so far
  const node* variable = nullptr;                // state ops: the node of the variable they touch

  const node& node_at(node_id id) const { return graph.at_unlocked(id); }
  /// The node of data input `i`.
  const node& input(std::size_t i) const { return node_at(detail::ref_node(n.inputs.at(i))); }

  /// Appends a Const data input holding `value` (TF's structural inputs:
  /// Reshape's shape, Sum's reduction_indices). Its node is marked
  /// `_sessionlib_inline`, so that importing it again folds it into this node
  /// instead of adding a node the original graph did not have.
  /// `at`: its position among the inputs (default: after those written so far).
  void add_const_input(std::string_view suffix, const any_array& value, std::size_t at = ~std::size_t{0}) {
    std::string name = n.name + "/" + std::string(suffix);
    for (int k = 1; names_taken.count(name); ++k) name = n.name + "/" + std::string(suffix) + "_" + std::to_string(k);
    names_taken.insert(name);
    NodeDef c;
    c.name = name;
    c.op = "Const";
    c.attr["dtype"] = to_data_type(value.dtype());
    c.attr["value"] = to_tensor_proto(value);
    c.attr["_sessionlib_inline"] = true;
    AttrValue::ListValue shapes;
    TensorShapeProto s;
    for (std::size_t d : value.shape()) s.dim.push_back({static_cast<std::int64_t>(d), {}});
    shapes.shape.push_back(std::move(s));
    c.attr["_output_shapes"] = std::move(shapes);
    out.input.insert(out.input.begin() + static_cast<std::ptrdiff_t>(std::min(at, out.input.size())), name);
    pending.push_back(std::move(c));
  }
  /// add_const_input of an int32 vector (or a scalar when `scalar`).
  void add_int_input(std::string_view suffix, const std::vector<std::int64_t>& values, bool scalar = false,
                     std::size_t at = ~std::size_t{0}) {
    add_const_input(suffix, int_array<std::int32_t>(values, scalar), at);
  }
  /// add_int_input of int64 values, for the inputs TF declares int64
  /// (SparseReshape's new_shape, ReaderReadUpToV2's num_records).
  void add_int64_input(std::string_view suffix, const std::vector<std::int64_t>& values, bool scalar = false) {
    add_const_input(suffix, int_array<std::int64_t>(values, scalar));
  }
  /// `values` as an array of I: a vector, or a scalar (the first value) when `scalar`.
  template <class I>
  static any_array int_array(const std::vector<std::int64_t>& values, bool scalar) {
    any_array a(dtype_of<I>, scalar ? dims{} : dims{values.size()});
    for (std::size_t i = 0; i < values.size() && i < a.size(); ++i) a.data<I>()[i] = static_cast<I>(values[i]);
    return a;
  }

  /// The Const nodes add_const_input made, which the caller puts before `out`.
  std::vector<NodeDef> pending{};
};

}  // namespace sessionlib
