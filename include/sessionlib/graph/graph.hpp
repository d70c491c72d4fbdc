// Graph: an append-only table of complete nodes with unique names; name scopes
// and control-dependency scopes per thread; variables, collections and the
// per-thread default graph.
#pragma once

#include <any>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../core/error.hpp"
#include "node.hpp"

namespace sessionlib {

namespace detail {
/// Removes the entry of guard `token` from a stack of guard entries, wherever it
/// is: a guard released out of order removes exactly its own entry, and the
/// innermost entry still open stays in force (TF raises there; a destructor cannot).
template <class Entry>
void erase_guard_entry(std::vector<std::pair<const void*, Entry>>& stack, const void* token) {
  for (auto it = stack.end(); it != stack.begin();)
    if ((--it)->first == token) {
      stack.erase(it);
      return;
    }
}
}  // namespace detail

/// A variable of the graph: its node (op VariableV2, whose output is its value),
/// the op assigning its initial value, and the initial value's node.
struct variable_record {
  node_id node = no_node;
  node_id initializer = no_node;    // no_node while the variable is being created
  output_ref initial_value{};       // the output the initializer assigns
};

/// A dataflow graph. Nodes are only ever appended, so handles stay valid and a
/// session sees ops added after its first run.
///
/// Many threads may build one graph, as in TF. Name scopes and control
/// dependencies are per thread: a node gets the scopes its own thread opened.
/// A node is published complete: its op function builds all of it and
/// add_node names it, attaches the calling thread's control dependencies,
/// fills what needs its own id (op_spec::complete) and appends it under the
/// graph's lock; after that no one changes it (there is no mutable access), so
/// a reader needs the lock only to find it. A variable, three nodes, joins the
/// collections (and global_variables_initializer) only once all three exist.
class Graph {
 public:
  /// What add_node calls, under the graph's lock, to fill the fields of a node
  /// that need its own id (e.g. a random op's generator key) before it is seen.
  /// It must not call back into the graph.
  using complete_fn = void (*)(node& n, node_id self);

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  /// Adds a complete node; its name is made unique within the calling thread's
  /// name scope, and that thread's control-dependency scopes are attached.
  /// Throws when finalized.
  node_id add_node(node n, complete_fn complete = nullptr) {
    std::unique_lock lock(mutex_);
    return publish_locked(std::move(n), complete);
  }

  /// The node with id `id` (stable reference: nodes are never moved nor changed).
  const node& at(node_id id) const {
    std::shared_lock lock(mutex_);
    return t_->nodes.at(id);
  }
  std::size_t size() const {
    std::shared_lock lock(mutex_);
    return t_->nodes.size();
  }

  /// The node producing output `r`.
  const node& at(output_ref r) const { return at(r.node); }
#if SESSIONLIB_DEFINITIONS
  /// TF's name of output `r`: "name:index".
  SESSIONLIB_INLINE std::string tensor_name(output_ref r) const { return at(r.node).name + ":" + std::to_string(r.index); }

  /// Finds an output by tensor name ("x:1") or op name ("x": output 0, or the
  /// operation itself when it has no output); nothing when absent or when the
  /// node has no such output.
  SESSIONLIB_INLINE std::optional<output_ref> find(std::string_view name) const {
    std::uint32_t index = 0;
    bool explicit_index = false;
    if (auto colon = name.rfind(':'); colon != std::string_view::npos && colon + 1 < name.size()) {
      std::uint64_t k = 0;
      bool digits = true;
      for (char c : name.substr(colon + 1)) {
        if (c < '0' || c > '9' || k > 0xffffffffull / 10) { digits = false; break; }
        k = k * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (digits && k <= 0xffffffffull) {
        index = static_cast<std::uint32_t>(k);
        explicit_index = true;
        name = name.substr(0, colon);
      }
    }
    std::shared_lock lock(mutex_);
    auto it = t_->by_name.find(std::string(name));
    if (it == t_->by_name.end()) return std::nullopt;
    if (explicit_index && index >= t_->nodes[it->second].num_outputs()) return std::nullopt;
    return output_ref{it->second, index};
  }
  /// As find(), but `sl::not_found` when absent.
  SESSIONLIB_INLINE output_ref lookup(std::string_view name) const {
    auto r = find(name);
    if (!r) throw not_found("The name '" + std::string(name) + "' refers to a Tensor which does not exist.",
                            std::string(name));
    return *r;
  }
#else
  SESSIONLIB_DECLARE std::string tensor_name(output_ref r) const;
  SESSIONLIB_DECLARE std::optional<output_ref> find(std::string_view name) const;
  SESSIONLIB_DECLARE output_ref lookup(std::string_view name) const;
#endif

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
  void set_seed(std::uint64_t s) noexcept { seed_.store(s, std::memory_order_relaxed); }
  std::uint64_t seed() const noexcept { return seed_.load(std::memory_order_relaxed); }
  /// A fresh per-op seed for random ops created without one.
  std::uint64_t next_op_seed() noexcept { return op_seed_counter_.fetch_add(1, std::memory_order_relaxed) + 1; }

#if SESSIONLIB_DEFINITIONS
  /// Publishes variable node `n` (complete but for its index in each session's
  /// variable table, which this fills in attr.variable); returns its id and index.
  /// The variable joins the collections when publish_variable completes it.
  SESSIONLIB_INLINE std::pair<node_id, std::int32_t> add_variable_node(node n) {
    std::unique_lock lock(mutex_);
    const auto index = static_cast<std::int32_t>(t_->variables.size());
    n.attr.variable = index;
    // Its container: the one it names (an imported VariableV2's), else the calling thread's sl::container.
    const variable_attrs* given = n.attr.family.find<variable_attrs>();
    if (!given || given->container.empty()) {
      variable_attrs a = given ? *given : variable_attrs{};
      if (const thread_scopes* s = current_scopes_locked(); s && !s->containers.empty())
        a.container = s->containers.back().second;
      n.attr.family = std::move(a);
    }
    const node_id id = publish_locked(std::move(n), nullptr);
    t_->variables.push_back({id, no_node, no_node});
    return {id, index};
  }
  /// Completes variable `index` with its initializer and initial value and adds
  /// it to the collections "variables" (and "trainable_variables").
  SESSIONLIB_INLINE void publish_variable(std::int32_t index, node_id initializer, output_ref initial_value, bool trainable) {
    std::unique_lock lock(mutex_);
    auto& v = t_->variables.at(static_cast<std::size_t>(index));
    check_id(initializer);
    check_output(initial_value, t_->nodes[v.node].name);
    v.initializer = initializer;
    v.initial_value = initial_value;
    if (trainable) t_->collections["trainable_variables"].push_back(v.node);
    t_->collections["variables"].push_back(v.node);
  }
#else
  SESSIONLIB_DECLARE std::pair<node_id, std::int32_t> add_variable_node(node n);
  SESSIONLIB_DECLARE void publish_variable(std::int32_t index, node_id initializer, output_ref initial_value, bool trainable);
#endif
  std::size_t variable_count() const {
    std::shared_lock lock(mutex_);
    return t_->variables.size();
  }
  /// The node of variable `index` (the node that reads it).
  node_id variable_node(std::size_t index) const {
    std::shared_lock lock(mutex_);
    return t_->variables.at(index).node;
  }
  /// Variable `index`: its node, initializer and initial value.
  variable_record variable(std::size_t index) const {
    std::shared_lock lock(mutex_);
    return t_->variables.at(index);
  }

#if SESSIONLIB_DEFINITIONS
  /// Named collections of node ids (TF's tf.add_to_collection).
  SESSIONLIB_INLINE void add_to_collection(const std::string& key, node_id id) {
    std::unique_lock lock(mutex_);
    t_->collections[key].push_back(id);
  }
  SESSIONLIB_INLINE std::vector<node_id> collection(const std::string& key) const {
    std::shared_lock lock(mutex_);
    auto it = t_->collections.find(key);
    return it == t_->collections.end() ? std::vector<node_id>{} : it->second;
  }
  /// Collections of values that are not nodes, as TF's collections hold any
  /// Python object: "queue_runners" holds sl::train::QueueRunner values.
  SESSIONLIB_INLINE void add_to_object_collection(const std::string& key, std::any value) {
    std::unique_lock lock(mutex_);
    t_->object_collections[key].push_back(std::move(value));
  }
  SESSIONLIB_INLINE std::vector<std::any> object_collection(const std::string& key) const {
    std::shared_lock lock(mutex_);
    auto it = t_->object_collections.find(key);
    return it == t_->object_collections.end() ? std::vector<std::any>{} : it->second;
  }
#else
  SESSIONLIB_DECLARE void add_to_collection(const std::string& key, node_id id);
  SESSIONLIB_DECLARE std::vector<node_id> collection(const std::string& key) const;
  SESSIONLIB_DECLARE void add_to_object_collection(const std::string& key, std::any value);
  SESSIONLIB_DECLARE std::vector<std::any> object_collection(const std::string& key) const;
#endif

  /// RAII guard of a name scope in the calling thread: names it creates inside
  /// are prefixed ("layer1/"). Released out of order, it removes its own scope.
  class scope_guard {
   public:
    /// Opens name scope `name`, made unique like TF's `tf.name_scope`.
    scope_guard(Graph& g, std::string_view name) : g_(&g), thread_(std::this_thread::get_id()) {
      g.open_name_scope(this, thread_, name);
    }
    scope_guard(const scope_guard&) = delete;
    scope_guard& operator=(const scope_guard&) = delete;
    ~scope_guard() { g_->close_name_scope(this, thread_); }

   private:
    Graph* g_;
    std::thread::id thread_;
  };
  /// Opens name scope `name` in the calling thread (made unique like TF's `tf.name_scope`).
  [[nodiscard]] scope_guard name_scope(std::string_view name) { return scope_guard(*this, name); }

  /// RAII guard that attaches control inputs to every node the calling thread
  /// creates inside. Released out of order, it removes its own entry.
  class control_guard {
   public:
    control_guard(Graph& g, std::vector<node_id> deps) : g_(&g), thread_(std::this_thread::get_id()) {
      g.open_control_scope(this, thread_, std::move(deps));
    }
    control_guard(const control_guard&) = delete;
    control_guard& operator=(const control_guard&) = delete;
    ~control_guard() { g_->close_control_scope(this, thread_); }

   private:
    Graph* g_;
    std::thread::id thread_;
  };

  /// RAII guard of a resource container in the calling thread (TF's
  /// `tf.container`): variables it creates inside live in container `name`,
  /// which Session::reset clears. Released out of order, it removes its own entry.
  class container_guard {
   public:
    container_guard(Graph& g, std::string_view name) : g_(&g), thread_(std::this_thread::get_id()) {
      g.open_container_scope(this, thread_, name);
    }
    container_guard(const container_guard&) = delete;
    container_guard& operator=(const container_guard&) = delete;
    ~container_guard() { g_->close_container_scope(this, thread_); }

   private:
    Graph* g_;
    std::thread::id thread_;
  };
  /// Opens resource container `name` in the calling thread (TF's `tf.container`).
  [[nodiscard]] container_guard container(std::string_view name) { return container_guard(*this, name); }

  /// open_frame's `around` for the thread's innermost open frame.
  static constexpr std::uint32_t innermost_frame = 0xffffffffu;

  /// RAII guard of a control-flow body's frame in the calling thread
  /// (ops/control_flow.hpp): the nodes it creates inside belong to the frame
  /// (node::frame), take no control inputs from scopes opened outside it, and
  /// may read only values of this frame or of the frames around it (captures).
  /// Frames nest; released out of order, it removes its own entry.
  class frame_guard {
   public:
    explicit frame_guard(Graph& g) : g_(&g), thread_(std::this_thread::get_id()) {
      id_ = g.open_frame(this, thread_, innermost_frame);
    }
    /// A frame inside frame `around` rather than the innermost open one: its
    /// nodes may read `around`'s values too (a loop's gradient body reads the
    /// forward body's, which its plan recomputes).
    frame_guard(Graph& g, std::uint32_t around) : g_(&g), thread_(std::this_thread::get_id()) {
      id_ = g.open_frame(this, thread_, around);
    }
    frame_guard(const frame_guard&) = delete;
    frame_guard& operator=(const frame_guard&) = delete;
    ~frame_guard() { g_->close_frame(this, thread_); }
    /// The frame's id (never 0, the top level's).
    std::uint32_t id() const noexcept { return id_; }

   private:
    Graph* g_;
    std::thread::id thread_;
    std::uint32_t id_ = 0;
  };

  /// The calling thread's innermost open frame (0: the top level).
  std::uint32_t current_frame() const {
    std::shared_lock lock(mutex_);
    const thread_scopes* s = current_scopes_locked();
    return s == nullptr || s->frames.empty() ? 0 : s->frames.back().second.id;
  }
  /// The frame around frame `f` (0 for a frame opened at the top level).
  std::uint32_t frame_parent(std::uint32_t f) const {
    std::shared_lock lock(mutex_);
    return t_->frame_parents.at(f);
  }

  /// RAII guard making this graph the calling thread's default graph. Released
  /// out of order, it removes exactly its own entry (release it in its thread).
  class default_guard {
   public:
    explicit default_guard(Graph& g) { push_default(this, &g); }
    default_guard(const default_guard&) = delete;
    default_guard& operator=(const default_guard&) = delete;
    ~default_guard() { pop_default(this); }
  };
  /// Makes this the thread's default graph until the guard dies (nestable).
  [[nodiscard]] default_guard as_default() { return default_guard(*this); }

  /// The thread's default graph: the innermost as_default() still open, else the global one.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE static Graph& get_default() {
    const auto& stack = defaults();
    return stack.empty() ? global() : *stack.back().second;
  }
#else
  SESSIONLIB_DECLARE static Graph& get_default();
#endif

  /// Graphviz source (`dot -Tsvg`): one box per node (name, TF op type, dtype
  /// and static shape of each output), inside nested clusters for its name
  /// scopes; solid data edges (labelled ":k" from an output k > 0), dashed
  /// control edges, and dotted edges from a variable to the ops that read or
  /// update it by reference (assignments, optimizer updates). Labels are escaped.
  SESSIONLIB_DECLARE std::string to_dot() const;  // graph/dot.hpp

  /// TF's `g.as_graph_def()`: this graph as a GraphDef (sl::to_graph_def(g)).
  /// The GraphDef part is opt-in: include <sessionlib/graph_def.hpp> (it needs
  /// libprotobuf); without it, calling this is a compile error saying so.
  template <class Def = GraphDef>
  auto to_graph_def() const {
    // Found by argument-dependent lookup once the GraphDef part is included.
    if constexpr (requires(const Graph& g, Def* tag) { graph_def_of(g, tag); })
      return graph_def_of(*this, static_cast<Def*>(nullptr));
    else
      static_assert(sizeof(Def*) == 0,
                    "sessionlib: to_graph_def: #include <sessionlib/graph_def.hpp> (the opt-in GraphDef part, "
                    "dependency sessionlib-graphdef)");
  }

  /// Lock held by sessions while they read the node table to build a plan.
  std::shared_mutex& table_mutex() const noexcept { return mutex_; }
  /// Unlocked access for callers holding table_mutex().
  const node& at_unlocked(node_id id) const { return t_->nodes[id]; }
  std::size_t size_unlocked() const noexcept { return t_->nodes.size(); }

 private:
  // One thread's open scopes in this graph, innermost last; each entry is keyed
  // by the guard that opened it.
  struct frame_entry {
    std::uint32_t id;
    std::size_t controls_at;  // control scopes open when the frame opened: not attached inside it
  };
  struct thread_scopes {
    std::vector<std::pair<const void*, std::string>> names;  // full prefixes ("layer1/dense/")
    std::vector<std::pair<const void*, std::vector<node_id>>> controls;
    std::vector<std::pair<const void*, std::string>> containers;  // sl::container scopes
    std::vector<std::pair<const void*, frame_entry>> frames;  // control-flow bodies being built
  };

#if SESSIONLIB_DEFINITIONS
  // Used by marked functions only: separate units see neither (their statics
  // live in the library's copies of those functions' callees).
  static std::vector<std::pair<const void*, Graph*>>& defaults() {
    thread_local std::vector<std::pair<const void*, Graph*>> stack;
    return stack;
  }
  static Graph& global() {
    static Graph g;
    return g;
  }
#endif

  // What the guards above do, out of line in separate units (config.hpp).
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void open_name_scope(const void* guard, std::thread::id thread, std::string_view name) {
    std::unique_lock lock(mutex_);
    std::string full = unique_name_locked(std::string(name)) + "/";
    t_->scopes[thread].names.emplace_back(guard, std::move(full));
  }
  SESSIONLIB_INLINE void close_name_scope(const void* guard, std::thread::id thread) {
    std::unique_lock lock(mutex_);
    close_scope_locked(thread, [guard](thread_scopes& s) { detail::erase_guard_entry(s.names, guard); });
  }
  SESSIONLIB_INLINE void open_control_scope(const void* guard, std::thread::id thread, std::vector<node_id> deps) {
    std::unique_lock lock(mutex_);
    t_->scopes[thread].controls.emplace_back(guard, std::move(deps));
  }
  SESSIONLIB_INLINE void close_control_scope(const void* guard, std::thread::id thread) {
    std::unique_lock lock(mutex_);
    close_scope_locked(thread, [guard](thread_scopes& s) { detail::erase_guard_entry(s.controls, guard); });
  }
  SESSIONLIB_INLINE void open_container_scope(const void* guard, std::thread::id thread, std::string_view name) {
    std::unique_lock lock(mutex_);
    t_->scopes[thread].containers.emplace_back(guard, std::string(name));
  }
  SESSIONLIB_INLINE void close_container_scope(const void* guard, std::thread::id thread) {
    std::unique_lock lock(mutex_);
    close_scope_locked(thread, [guard](thread_scopes& s) { detail::erase_guard_entry(s.containers, guard); });
  }
  /// Opens a frame inside `around` (innermost_frame: the thread's innermost open frame).
  SESSIONLIB_INLINE std::uint32_t open_frame(const void* guard, std::thread::id thread, std::uint32_t around) {
    std::unique_lock lock(mutex_);
    thread_scopes& s = t_->scopes[thread];
    const auto id = static_cast<std::uint32_t>(t_->frame_parents.size());
    t_->frame_parents.push_back(around != innermost_frame ? around : s.frames.empty() ? 0 : s.frames.back().second.id);
    s.frames.emplace_back(guard, frame_entry{id, s.controls.size()});
    return id;
  }
  SESSIONLIB_INLINE void close_frame(const void* guard, std::thread::id thread) {
    std::unique_lock lock(mutex_);
    close_scope_locked(thread, [guard](thread_scopes& s) { detail::erase_guard_entry(s.frames, guard); });
  }
  SESSIONLIB_INLINE static void push_default(const void* guard, Graph* g) { defaults().emplace_back(guard, g); }
  SESSIONLIB_INLINE static void pop_default(const void* guard) { detail::erase_guard_entry(defaults(), guard); }
#else
  SESSIONLIB_DECLARE void open_name_scope(const void* guard, std::thread::id thread, std::string_view name);
  SESSIONLIB_DECLARE void close_name_scope(const void* guard, std::thread::id thread);
  SESSIONLIB_DECLARE void open_control_scope(const void* guard, std::thread::id thread, std::vector<node_id> deps);
  SESSIONLIB_DECLARE void close_control_scope(const void* guard, std::thread::id thread);
  SESSIONLIB_DECLARE void open_container_scope(const void* guard, std::thread::id thread, std::string_view name);
  SESSIONLIB_DECLARE void close_container_scope(const void* guard, std::thread::id thread);
  SESSIONLIB_DECLARE std::uint32_t open_frame(const void* guard, std::thread::id thread, std::uint32_t around);
  SESSIONLIB_DECLARE void close_frame(const void* guard, std::thread::id thread);
  SESSIONLIB_DECLARE static void push_default(const void* guard, Graph* g);
  SESSIONLIB_DECLARE static void pop_default(const void* guard);
#endif

  void check_id(node_id id) const {
    if (id >= t_->nodes.size()) throw invalid_argument("input node " + std::to_string(id) + " is not in this graph");
  }
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void check_output(output_ref r, const std::string& consumer) const {
    check_id(r.node);
    if (r.index >= t_->nodes[r.node].num_outputs())
      throw invalid_argument("Node '" + consumer + "' reads output " + std::to_string(r.index) + " of '" +
                                 t_->nodes[r.node].name + "', which has " +
                                 std::to_string(t_->nodes[r.node].num_outputs()) + " output(s)",
                             consumer);
  }

  // The one place a node becomes visible: caller holds mutex_ exclusively.
  SESSIONLIB_INLINE node_id publish_locked(node n, complete_fn complete) {
    if (finalized_) throw failed_precondition("Graph is finalized and cannot be modified.", n.name);
    for (output_ref in : n.inputs) check_output(in, n.name.empty() ? n.op : n.name);
    for (node_id in : n.control_inputs) check_id(in);
    const thread_scopes* s = current_scopes_locked();
    if (s) {
      // Inside a frame, only the control scopes opened inside it apply.
      const std::size_t from = s->frames.empty() ? 0 : s->frames.back().second.controls_at;
      for (std::size_t k = from; k < s->controls.size(); ++k)
        for (node_id c : s->controls[k].second) n.control_inputs.push_back(c);
    }
    n.frame = s == nullptr || s->frames.empty() ? 0 : s->frames.back().second.id;
    n.name = unique_name_locked(n.name.empty() ? n.op : n.name);
    check_frames_locked(n);
    // The op's definition (graph/op_def.hpp): passes read its flags, never the type name.
    n.def = &op_registry::global().resolve(n.op);
    if (n.def->is(op_flags::stateful)) n.stateful = true;
    const auto id = static_cast<node_id>(t_->nodes.size());
    if (complete) complete(n, id);
    t_->by_name.emplace(n.name, id);
    t_->nodes.push_back(std::move(n));
    return id;
  }

  // A node reads values of its own frame or of the frames around it (what a
  // body captures); its control inputs are of its own frame (a body
  // does not run nodes outside it).
  SESSIONLIB_INLINE void check_frames_locked(const node& n) const {
    auto encloses = [&](std::uint32_t outer, std::uint32_t f) {
      for (;; f = t_->frame_parents[f]) {
        if (f == outer) return true;
        if (f == 0) return false;
      }
    };
    for (output_ref in : n.inputs)
      if (!encloses(t_->nodes[in.node].frame, n.frame))
        throw invalid_argument("Cannot use '" + t_->nodes[in.node].name + "' as input to '" + n.name + "' because '" +
                                   t_->nodes[in.node].name +
                                   "' is inside a cond or while_loop body: use the control-flow op's outputs",
                               n.name);
    for (node_id c : n.control_inputs)
      if (t_->nodes[c].frame != n.frame)
        throw unimplemented("Node '" + n.name + "' has a control input '" + t_->nodes[c].name +
                                "' from another cond or while_loop body (or from outside its own)",
                            n.name);
  }
#else
  SESSIONLIB_DECLARE void check_frames_locked(const node& n) const;
  SESSIONLIB_DECLARE void check_output(output_ref r, const std::string& consumer) const;
  SESSIONLIB_DECLARE node_id publish_locked(node n, complete_fn complete);
#endif

  const thread_scopes* current_scopes_locked() const {
    if (t_->scopes.empty()) return nullptr;
    auto it = t_->scopes.find(std::this_thread::get_id());
    return it == t_->scopes.end() ? nullptr : &it->second;
  }
  template <class F>
  void close_scope_locked(std::thread::id thread, F&& erase) {
    auto it = t_->scopes.find(thread);
    if (it == t_->scopes.end()) return;
    erase(it->second);
    if (it->second.names.empty() && it->second.controls.empty() && it->second.containers.empty() &&
        it->second.frames.empty())
      t_->scopes.erase(it);
  }

#if SESSIONLIB_DEFINITIONS
  // TF's rule: "mul", then "mul_1", "mul_2", ...; the calling thread's innermost
  // name scope (a full path, "layer1/dense/") prefixes the name.
  SESSIONLIB_INLINE std::string unique_name_locked(const std::string& base) {
    const thread_scopes* s = current_scopes_locked();
    std::string name = (s == nullptr || s->names.empty() ? std::string() : s->names.back().second) + base;
    auto& count = t_->names_in_use[name];
    std::string candidate = name;
    if (count > 0) {
      do candidate = name + "_" + std::to_string(count++);
      while (t_->names_in_use.count(candidate) || t_->by_name.count(candidate));
      ++t_->names_in_use[candidate];
    } else {
      ++count;
    }
    return candidate;
  }
#else
  SESSIONLIB_DECLARE std::string unique_name_locked(const std::string& base);
#endif

  mutable std::shared_mutex mutex_;  // guards everything below but the seeds
  // Behind a pointer the library makes and frees: units never compile the tables' (de)construction.
  struct tables {
    std::deque<node> nodes;
    std::unordered_map<std::string, node_id> by_name;
    std::unordered_map<std::string, int> names_in_use;
    std::unordered_map<std::thread::id, thread_scopes> scopes;  // threads with a scope open
    std::vector<variable_record> variables;
    std::vector<std::uint32_t> frame_parents{0};  // per frame id: the frame around it (frame 0: the top level)
    std::map<std::string, std::vector<node_id>> collections;
    std::map<std::string, std::vector<std::any>> object_collections;
  };
  struct tables_delete {
    SESSIONLIB_DECLARE void operator()(tables* t) const noexcept;
  };
  SESSIONLIB_DECLARE static tables* new_tables();
  std::unique_ptr<tables, tables_delete> t_{new_tables()};
  bool finalized_ = false;
  std::atomic<std::uint64_t> seed_{0};
  std::atomic<std::uint64_t> op_seed_counter_{0};
};

/// The calling thread's default graph (TF's tf.get_default_graph()).
inline Graph& get_default_graph() { return Graph::get_default(); }

}  // namespace sessionlib

#if SESSIONLIB_DEFINITIONS
namespace sessionlib {
SESSIONLIB_INLINE Graph::tables* Graph::new_tables() { return new tables; }
SESSIONLIB_INLINE void Graph::tables_delete::operator()(tables* t) const noexcept { delete t; }
}  // namespace sessionlib

#include "dot.hpp"
#endif
