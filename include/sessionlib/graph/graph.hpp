// Graph: an append-only table of nodes with unique names, name scopes, control
// dependency scopes, collections and the per-thread default graph.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../core/error.hpp"
#include "node.hpp"

namespace sessionlib {

/// A dataflow graph. Nodes are only ever appended, so handles stay valid and a
/// session sees ops added after its first run.
class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  /// Adds a node; its name is made unique within the current name scope, and the
  /// active control-dependency scopes are attached. Throws when finalized.
  node_id add_node(node n) {
    std::unique_lock lock(mutex_);
    if (finalized_) throw failed_precondition("Graph is finalized and cannot be modified.", n.name);
    for (node_id in : n.inputs) check_id(in);
    for (node_id in : n.control_inputs) check_id(in);
    n.name = unique_name_locked(n.name.empty() ? n.op : n.name);
    for (const auto& scope : control_scopes_)
      for (node_id c : scope) n.control_inputs.push_back(c);
    const auto id = static_cast<node_id>(nodes_.size());
    by_name_.emplace(n.name, id);
    nodes_.push_back(std::move(n));
    return id;
  }

  /// The node with id `id` (stable reference: nodes are never moved).
  const node& at(node_id id) const {
    std::shared_lock lock(mutex_);
    return nodes_.at(id);
  }
  /// Mutable access while building (control edges, attributes); not for ops in use.
  node& mutable_at(node_id id) {
    std::unique_lock lock(mutex_);
    if (finalized_) throw failed_precondition("Graph is finalized and cannot be modified.", nodes_.at(id).name);
    return nodes_.at(id);
  }
  std::size_t size() const {
    std::shared_lock lock(mutex_);
    return nodes_.size();
  }

  /// Finds a node by op name ("x") or tensor name ("x:0").
  std::optional<node_id> find(std::string_view name) const {
    if (auto colon = name.rfind(':'); colon != std::string_view::npos && name.substr(colon + 1) == "0")
      name = name.substr(0, colon);
    std::shared_lock lock(mutex_);
    auto it = by_name_.find(std::string(name));
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }
  /// As find(), but `sl::not_found` when absent.
  node_id lookup(std::string_view name) const {
    auto id = find(name);
    if (!id) throw not_found("The name '" + std::string(name) + "' refers to a Tensor which does not exist.",
                             std::string(name));
    return *id;
  }

  /// Typed lookup: `sl::not_found` if absent, `sl::invalid_argument` if its dtype or shape differ.
  template <class T, class S> Tensor<T, S> tensor(std::string_view name);
  /// The operation named `name` (any node, run for its effect).
  Operation operation(std::string_view name);

  /// Makes the graph read-only; later add_node calls throw failed_precondition.
  void finalize() {
    std::unique_lock lock(mutex_);
    finalized_ = true;
  }
  bool finalized() const {
    std::shared_lock lock(mutex_);
    return finalized_;
  }

  /// The graph-level seed (TF's tf.set_random_seed); 0 means none.
  void set_seed(std::uint64_t s) { seed_ = s; }
  std::uint64_t seed() const noexcept { return seed_; }
  /// A fresh per-op seed for random ops created without one.
  std::uint64_t next_op_seed() { return ++op_seed_counter_; }

  /// Registers a variable; returns its index in each session's variable table.
  std::int32_t add_variable(node_id read_node, bool trainable) {
    std::unique_lock lock(mutex_);
    variables_.push_back(read_node);
    if (trainable) collections_["trainable_variables"].push_back(read_node);
    collections_["variables"].push_back(read_node);
    return static_cast<std::int32_t>(variables_.size() - 1);
  }
  std::size_t variable_count() const {
    std::shared_lock lock(mutex_);
    return variables_.size();
  }
  /// The node of variable `index` (the node that reads it).
  node_id variable_node(std::size_t index) const {
    std::shared_lock lock(mutex_);
    return variables_.at(index);
  }

  /// Named collections of node ids (TF's tf.add_to_collection).
  void add_to_collection(const std::string& key, node_id id) {
    std::unique_lock lock(mutex_);
    collections_[key].push_back(id);
  }
  std::vector<node_id> collection(const std::string& key) const {
    std::shared_lock lock(mutex_);
    auto it = collections_.find(key);
    return it == collections_.end() ? std::vector<node_id>{} : it->second;
  }

  /// RAII guard of a name scope ("layer1/"): names created inside are prefixed.
  class scope_guard {
   public:
    scope_guard(Graph& g, std::string prefix) : g_(&g) { g.scopes_.push_back(std::move(prefix)); }
    scope_guard(const scope_guard&) = delete;
    scope_guard& operator=(const scope_guard&) = delete;
    ~scope_guard() { g_->scopes_.pop_back(); }

   private:
    Graph* g_;
  };
  /// Opens name scope `name` (made unique like TF's `tf.name_scope`).
  [[nodiscard]] scope_guard name_scope(std::string_view name) {
    std::unique_lock lock(mutex_);
    std::string full = unique_name_locked(std::string(name));
    return scope_guard(*this, full + "/");
  }

  /// RAII guard that attaches control inputs to every node created inside.
  class control_guard {
   public:
    control_guard(Graph& g, std::vector<node_id> deps) : g_(&g) { g.control_scopes_.push_back(std::move(deps)); }
    control_guard(const control_guard&) = delete;
    control_guard& operator=(const control_guard&) = delete;
    ~control_guard() { g_->control_scopes_.pop_back(); }

   private:
    Graph* g_;
  };

  /// RAII guard making this graph the calling thread's default graph.
  class default_guard {
   public:
    explicit default_guard(Graph& g) : prev_(current()) { current() = &g; }
    default_guard(const default_guard&) = delete;
    default_guard& operator=(const default_guard&) = delete;
    ~default_guard() { current() = prev_; }

   private:
    Graph* prev_;
  };
  /// Makes this the thread's default graph until the guard dies (nestable).
  [[nodiscard]] default_guard as_default() { return default_guard(*this); }

  /// The thread's default graph: the innermost as_default(), else the global one.
  static Graph& get_default() {
    if (Graph* g = current()) return *g;
    return global();
  }

  /// Graphviz source: one box per node, solid data edges, dashed control edges.
  std::string to_dot() const {
    std::shared_lock lock(mutex_);
    std::string s = "digraph G {\n  node [shape=box, fontname=\"Helvetica\"];\n";
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const node& n = nodes_[i];
      s += "  n" + std::to_string(i) + " [label=\"" + n.name + "\\n" + n.op;
      if (n.has_output) s += "\\n" + std::string(dtype_name(n.type)) + static_shape_string(n.shape);
      s += "\"];\n";
      for (node_id in : n.inputs) s += "  n" + std::to_string(in) + " -> n" + std::to_string(i) + ";\n";
      for (node_id in : n.control_inputs)
        s += "  n" + std::to_string(in) + " -> n" + std::to_string(i) + " [style=dashed];\n";
    }
    return s + "}\n";
  }

  /// Lock held by sessions while they read the node table to build a plan.
  std::shared_mutex& table_mutex() const noexcept { return mutex_; }
  /// Unlocked access for callers holding table_mutex().
  const node& at_unlocked(node_id id) const { return nodes_[id]; }
  std::size_t size_unlocked() const noexcept { return nodes_.size(); }

 private:
  static Graph*& current() {
    thread_local Graph* g = nullptr;
    return g;
  }
  static Graph& global() {
    static Graph g;
    return g;
  }

  void check_id(node_id id) const {
    if (id >= nodes_.size()) throw invalid_argument("input node " + std::to_string(id) + " is not in this graph");
  }

  // TF's rule: "mul", then "mul_1", "mul_2", ...; scopes prefix the name.
  std::string unique_name_locked(const std::string& base) {
    // scopes_ holds full paths ("layer1/dense/"): the innermost one is the prefix.
    std::string name = (scopes_.empty() ? std::string() : scopes_.back()) + base;
    auto& count = names_in_use_[name];
    std::string candidate = name;
    if (count > 0) {
      do candidate = name + "_" + std::to_string(count++);
      while (names_in_use_.count(candidate) || by_name_.count(candidate));
      ++names_in_use_[candidate];
    } else {
      ++count;
    }
    return candidate;
  }

  mutable std::shared_mutex mutex_;
  std::deque<node> nodes_;
  std::unordered_map<std::string, node_id> by_name_;
  std::unordered_map<std::string, int> names_in_use_;
  std::vector<std::string> scopes_;
  std::vector<std::vector<node_id>> control_scopes_;
  std::vector<node_id> variables_;
  std::map<std::string, std::vector<node_id>> collections_;
  bool finalized_ = false;
  std::uint64_t seed_ = 0;
  std::uint64_t op_seed_counter_ = 0;
};

/// The calling thread's default graph (TF's tf.get_default_graph()).
inline Graph& get_default_graph() { return Graph::get_default(); }

}  // namespace sessionlib
