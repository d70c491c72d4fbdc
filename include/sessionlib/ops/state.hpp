// Variables: Variable<T, S>, a small copyable handle to a value that lives in
// each session; assign / assign_add / assign_sub; initializers and the
// collections (global and trainable variables).
//
// A variable is three nodes: the variable itself ("w", op VariableV2), whose
// output is the session's current value; its initial value ("w/initial_value");
// and its initializer ("w/Assign"), an assign from the initial value.
#pragma once

#include <concepts>
#include <initializer_list>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../core/report.hpp"
#include "../graph/builder.hpp"
#include "../runtime/kernels/state.hpp"
#include "constant.hpp"
#include "init.hpp"

namespace sessionlib {

namespace detail {
#if SESSIONLIB_DEFINITIONS
// The node's final name relative to the current name scope: `requested` as
// made unique ("w", "w_1"), so child nodes are named "w_1/Assign" in the scope.
SESSIONLIB_INLINE std::string leaf_name(const std::string& final_name, const std::string& requested) {
  std::size_t pos = final_name.rfind(requested);
  while (pos != std::string::npos) {
    const std::string rest = final_name.substr(pos + requested.size());
    if (rest.empty() || (rest[0] == '_' && rest.find_first_not_of("0123456789", 1) == std::string::npos)) break;
    pos = pos == 0 ? std::string::npos : final_name.rfind(requested, pos - 1);
  }
  return pos == std::string::npos ? final_name : final_name.substr(pos);
}
#else
SESSIONLIB_DECLARE std::string leaf_name(const std::string& final_name, const std::string& requested);
#endif

template <class S, class V>
constexpr void check_assignable() {
  if constexpr (S::rank() != V::rank()) {
    report::assign_rank_mismatch<S::rank(), V::rank()>();  // the variable's rank, then the value's
  } else {
    constexpr auto bad = [] {
      for (std::size_t i = 0; i < S::rank(); ++i)
        if (S::extents[i] != dyn && V::extents[i] != dyn && S::extents[i] != V::extents[i]) return i;
      return S::rank();
    }();
    if constexpr (bad < S::rank()) report::assign_dim_mismatch<S::extents[bad], V::extents[bad]>();
  }
}

#if SESSIONLIB_DEFINITIONS
/// Publishes the node of a new variable (op VariableV2) and reserves its index;
/// returns both. The caller builds its initial value and initializer, then
/// completes it with Graph::publish_variable, which lists it in the collections.
SESSIONLIB_INLINE std::pair<node_id, std::int32_t> add_variable_node(Graph& g, const std::string& name, dtype type,
                                                          std::vector<std::ptrdiff_t> shape) {
  return g.add_variable_node(make_node({.op = "VariableV2", .name = name, .kernel = kernels::variable_read_kernel,
                                        .stateful = true},
                                       type, std::move(shape)));
}

SESSIONLIB_INLINE node_id state_node(Graph& g, const char* op, const std::string& name, std::vector<output_ref> inputs,
                          kernel_fn k, std::int32_t variable, dtype type, std::vector<std::ptrdiff_t> shape) {
  attributes a;
  a.variable = variable;
  return add_tensor_node(g, {.op = op, .name = name, .inputs = std::move(inputs), .kernel = k, .attr = std::move(a),
                             .stateful = true},
                         type, std::move(shape));
}
#else
SESSIONLIB_DECLARE std::pair<node_id, std::int32_t> add_variable_node(Graph& g, const std::string& name, dtype type,
                                                           std::vector<std::ptrdiff_t> shape);
SESSIONLIB_DECLARE node_id state_node(Graph& g, const char* op, const std::string& name, std::vector<output_ref> inputs,
                           kernel_fn k, std::int32_t variable, dtype type, std::vector<std::ptrdiff_t> shape);
#endif

/// What create_variable made: the variable's node and index, its initial value and its initializer.
struct variable_parts {
  node_id id = no_node;
  std::int32_t index = -1;
  output_ref initial{};
  node_id init = no_node;
};

#if SESSIONLIB_DEFINITIONS
/// Builds a variable of dtype `type` and the static shape `rank` extents at
/// `extents`: its node, its initial value (`build(context, name)`, the typed
/// initializer) and its initializer (`assign`), then publishes it. Variable<T, S>
/// checks its types at compile time and calls this, so a new static shape adds
/// no copy of it. The node is published first (complete, with its index), then
/// its initial value and initializer; publish_variable lists it in the
/// collections last, so global_variables never sees a variable half built.
SESSIONLIB_INLINE variable_parts create_variable(Graph& g, std::string_view name, bool trainable, dtype type,
                                                 const std::ptrdiff_t* extents, std::size_t rank, kernel_fn assign,
                                                 output_ref (*build)(void* context, const std::string& name),
                                                 void* context) {
  const std::string requested = name.empty() ? std::string("Variable") : std::string(name);
  const std::vector<std::ptrdiff_t> shape(extents, extents + rank);
  variable_parts p;
  std::tie(p.id, p.index) = add_variable_node(g, requested, type, shape);
  const std::string leaf = leaf_name(g.at(p.id).name, requested);
  p.initial = build(context, leaf + "/initial_value");
  p.init = state_node(g, "Assign", leaf + "/Assign", {p.initial}, assign, p.index, type, shape);
  g.publish_variable(p.index, p.init, p.initial, trainable);
  return p;
}
#else
SESSIONLIB_DECLARE variable_parts create_variable(Graph& g, std::string_view name, bool trainable, dtype type,
                                                  const std::ptrdiff_t* extents, std::size_t rank, kernel_fn assign,
                                                  output_ref (*build)(void* context, const std::string& name),
                                                  void* context);
#endif

/// An initializer that builds its node for any static shape given at run time
/// (every built-in one: build_node), so a Variable of a new shape adds no copy of it.
template <class I>
concept BuildsNode = requires(const I& i, Graph& g, const std::string& n, const std::ptrdiff_t* e, std::size_t r) {
  { i.build_node(g, n, e, r) } -> std::same_as<node_id>;
};

/// What create_variable's `build` reads for an initializer with build_node.
struct initializer_call {
  const void* initializer;
  Graph* graph;
  const std::ptrdiff_t* extents;
  std::size_t rank;
};
/// create_variable's `build` for initializer type I: one copy per initializer type.
template <class I>
output_ref build_initial_value(void* context, const std::string& name) {
  const auto& c = *static_cast<const initializer_call*>(context);
  return output_ref{static_cast<const I*>(c.initializer)->build_node(*c.graph, name, c.extents, c.rank)};
}
}  // namespace detail

/// A variable without its static type: what collections hold and what
/// variables_initializer takes. Every Variable converts to one.
class any_variable {
 public:
  any_variable() = default;
  any_variable(Graph* g, node_id id) noexcept : g_(g), id_(id) {}
  Graph& graph() const noexcept { return *g_; }
  /// The variable's node (whose output is its value).
  node_id id() const noexcept { return id_; }
  /// TF's name: "w:0".
  std::string name() const { return g_->at(id_).name + ":0"; }
  const std::string& op_name() const { return g_->at(id_).name; }
  /// Index of the variable in each session's variable table.
  std::int32_t index() const { return g_->at(id_).attr.variable; }
  sessionlib::dtype dtype() const { return g_->at(id_).type; }
  const std::vector<std::ptrdiff_t>& shape() const { return g_->at(id_).shape; }
  /// The op that assigns the initial value.
  Operation initializer() const { return Operation(g_, record().initializer); }
  /// The node of the initial value.
  output_ref initial_value_id() const { return record().initial_value; }
  friend bool operator==(const any_variable& a, const any_variable& b) noexcept { return a.g_ == b.g_ && a.id_ == b.id_; }

 private:
  // The graph's record of the variable; a variable another thread is still
  // creating (found by name, not yet in the collections) has no initializer yet.
  variable_record record() const {
    const node& n = g_->at(id_);
    if (!n.def->is(op_flags::variable) || n.attr.variable < 0)
      throw invalid_argument("'" + n.name + "' is not a variable", n.name);
    variable_record r = g_->variable(static_cast<std::size_t>(n.attr.variable));
    if (r.initializer == no_node)
      throw failed_precondition("Variable '" + n.name + "' is still being created", n.name);
    return r;
  }

  Graph* g_ = nullptr;
  node_id id_ = no_node;
};

/// A variable of element type T and static shape S (tf.Variable). Its value
/// lives in each session: initialise it there (its initializer(), or
/// global_variables_initializer) before reading it.
///
///     sl::Variable<float, sl::shape<784, 10>> w(g, sl::init::glorot_uniform<float>(), "w");
///     sl::Variable<int, sl::shape<>> foo(g, 42, "foo");    // a scalar fills any static shape
///     sl::Variable<float, sl::shape<sl::dyn>> v(g, xt::xtensor<float, 1>{1, 2, 3}, "v");
template <class T, class S>
class Variable {
  static_assert(TrivialElement<T>, "sessionlib: Variable: T must be float, double, int32, int64, uint8 or bool");  // string variables (and their checkpoints) are not supported
  static_assert(Shape<S>, "sessionlib: Variable: S must be sl::shape<...>");

 public:
  using value_type = T;
  using shape_type = S;
  static constexpr std::size_t rank = S::rank();

  Variable() = default;

  /// From an initializer (sl::init::zeros<T>(), glorot_uniform<T>(seed), ...).
  template <init::Initializer I>
  Variable(Graph& g, const I& initializer, std::string_view name = {}, bool trainable = true) {
    if constexpr (!std::is_same_v<typename I::value_type, T>) {
      report::dtype_mismatch<T, typename I::value_type>();  // the variable's dtype, then the initializer's
    } else if constexpr (S::rank_dynamic() != 0) {
      report::variable_needs_initial_shape<S>();  // S has a dyn dimension
    } else if constexpr (detail::BuildsNode<I>) {
      create_from(g, name, trainable, initializer);
    } else {
      create(g, name, trainable, [&](const std::string& n) { return initializer.template build<S>(g, n); });
    }
  }
  /// From a scalar, which fills the static shape S.
  template <class V>
    requires std::is_arithmetic_v<V>
  Variable(Graph& g, V value, std::string_view name = {}, bool trainable = true) {
    if constexpr (S::rank_dynamic() != 0) {
      report::variable_needs_initial_shape<S>();  // S has a dyn dimension
    } else {
      create_from(g, name, trainable, init::constant<T>(static_cast<T>(value)));
    }
  }
  /// From an xtensor expression of element type T; its shape must fit S (checked
  /// at run time: sl::invalid_argument) and gives S's dyn dimensions.
  template <class E>
    requires xt::is_xexpression<E>::value
  Variable(Graph& g, const E& value, std::string_view name = {}, bool trainable = true) {
    if constexpr (!std::is_same_v<typename E::value_type, T>) {
      report::dtype_mismatch<T, typename E::value_type>();  // the variable's dtype, then the value's
    } else {
      create(g, name, trainable, [&](const std::string& n) { return constant<S>(g, value, n); });
    }
  }
  /// Default-graph forms.
  template <init::Initializer I>
  explicit Variable(const I& initializer, std::string_view name = {}, bool trainable = true)
      : Variable(get_default_graph(), initializer, name, trainable) {}
  template <class V>
    requires std::is_arithmetic_v<V> || xt::is_xexpression<V>::value
  explicit Variable(const V& value, std::string_view name = {}, bool trainable = true)
      : Variable(get_default_graph(), value, name, trainable) {}

  Graph& graph() const noexcept { return *g_; }
  node_id id() const noexcept { return id_; }
  /// TF's name: "w:0".
  std::string name() const { return g_->at(id_).name + ":0"; }
  const std::string& op_name() const { return g_->at(id_).name; }
  Operation op() const noexcept { return Operation(g_, id_); }
  static constexpr sessionlib::dtype dtype() noexcept { return dtype_of<T>; }
  /// Index of the variable in each session's variable table.
  std::int32_t index() const noexcept { return index_; }

  /// The variable's value, as a tensor (what makes a Variable TensorLike).
  Tensor<T, S> tensor() const noexcept { return Tensor<T, S>(g_, id_); }
  Tensor<T, S> value() const noexcept { return tensor(); }
  Tensor<T, S> read_value() const noexcept { return tensor(); }
  /// The initial value's node.
  Tensor<T, S> initial_value() const noexcept { return Tensor<T, S>(g_, initial_); }
  /// The op that assigns the initial value (run it, or global_variables_initializer).
  Operation initializer() const noexcept { return Operation(g_, init_); }
  /// The type-erased handle.
  operator any_variable() const noexcept { return any_variable(g_, id_); }
  /// Evaluates in the thread's default session (session/default_session.hpp).
  auto eval(std::initializer_list<feed_entry> feeds = {}) const;
  /// Its value in `session` (TF's `v.eval(session=sess)`).
  auto eval(const Session& session, std::initializer_list<feed_entry> feeds = {}) const;

  /// Sets the value (tf.assign); fetching the result yields the new value.
  template <TensorLike V>
  Tensor<T, S> assign(const V& value, const std::string& name = "") const {
    return update<V>("Assign", kernels::assign_kernel<T>, value, name);
  }
  /// Adds to the value (tf.assign_add); the result is the new value.
  template <TensorLike V>
  Tensor<T, S> assign_add(const V& delta, const std::string& name = "") const {
    return update<V>("AssignAdd", kernels::assign_add_kernel<T>, delta, name);
  }
  /// Subtracts from the value (tf.assign_sub); the result is the new value.
  template <TensorLike V>
  Tensor<T, S> assign_sub(const V& delta, const std::string& name = "") const {
    return update<V>("AssignSub", kernels::assign_sub_kernel<T>, delta, name);
  }
  /// Scalar forms: the scalar fills the variable's static shape.
  template <class V> requires std::is_arithmetic_v<V>
  Tensor<T, S> assign(V value, const std::string& name = "") const { return assign(fill(value), name); }
  template <class V> requires std::is_arithmetic_v<V>
  Tensor<T, S> assign_add(V delta, const std::string& name = "") const { return assign_add(fill(delta), name); }
  template <class V> requires std::is_arithmetic_v<V>
  Tensor<T, S> assign_sub(V delta, const std::string& name = "") const { return assign_sub(fill(delta), name); }

  friend bool operator==(const Variable& a, const Variable& b) noexcept { return a.g_ == b.g_ && a.id_ == b.id_; }

 private:
  // detail::create_variable builds and publishes it; `build(name)` is the initial value.
  template <class Build>
  void create(Graph& g, std::string_view name, bool trainable, Build&& build) {
    g_ = &g;
    const detail::variable_parts p = detail::create_variable(
        g, name, trainable, dtype_of<T>, S::extents.data(), S::extents.size(), kernels::assign_kernel<T>,
        [](void* b, const std::string& n) { return (*static_cast<std::remove_reference_t<Build>*>(b))(n).id(); },
        &build);
    id_ = p.id;
    index_ = p.index;
    initial_ = p.initial;
    init_ = p.init;
  }

  // As create, from an initializer's build_node: nothing here depends on the shape but the extents.
  template <class I>
  void create_from(Graph& g, std::string_view name, bool trainable, const I& initializer) {
    detail::initializer_call call{&initializer, &g, S::extents.data(), S::extents.size()};
    adopt(g, detail::create_variable(g, name, trainable, dtype_of<T>, S::extents.data(), S::extents.size(),
                                     kernels::assign_kernel<T>, &detail::build_initial_value<I>, &call));
  }
  void adopt(Graph& g, const detail::variable_parts& p) noexcept {
    g_ = &g;
    id_ = p.id;
    index_ = p.index;
    initial_ = p.initial;
    init_ = p.init;
  }

  template <class V>
  Tensor<T, S> update(const char* op, kernel_fn k, const V& value, const std::string& name) const {
    if constexpr (!std::is_same_v<value_type_of<V>, T>) {
      report::dtype_mismatch<T, value_type_of<V>>();  // the variable's dtype, then the value's
      return {};
    } else {
      detail::check_assignable<S, shape_of<V>>();
      const auto v = as_tensor(value);
      if (&v.graph() != g_)
        throw invalid_argument("Tensors must be from the same graph as '" + this->name() + "'", v.op_name());
      return Tensor<T, S>(g_, detail::state_node(*g_, op, name, {v.id()}, k, index_, dtype_of<T>,
                                                 {S::extents.begin(), S::extents.end()}));
    }
  }

  template <class V>
  Tensor<T, S> fill(V value) const {
    if constexpr (S::rank_dynamic() != 0) {
      report::variable_needs_initial_shape<S>();  // a scalar cannot fill a shape with dyn dimensions
      return {};
    } else {
      return init::detail::filled<T, S>(*g_, static_cast<T>(value), "");
    }
  }

  Graph* g_ = nullptr;
  node_id id_ = no_node, init_ = no_node;
  output_ref initial_{};
  std::int32_t index_ = -1;
};

#if SESSIONLIB_DEFINITIONS
/// The variables of `g` (tf.global_variables), in creation order.
SESSIONLIB_INLINE std::vector<any_variable> global_variables(Graph& g = get_default_graph()) {
  std::vector<any_variable> out;
  for (node_id id : g.collection("variables")) out.emplace_back(&g, id);
  return out;
}
/// The variables of `g` created trainable (tf.trainable_variables).
SESSIONLIB_INLINE std::vector<any_variable> trainable_variables(Graph& g = get_default_graph()) {
  std::vector<any_variable> out;
  for (node_id id : g.collection("trainable_variables")) out.emplace_back(&g, id);
  return out;
}

/// An op that runs the initializers of `vars` (tf.variables_initializer).
SESSIONLIB_INLINE Operation variables_initializer(Graph& g, const std::vector<any_variable>& vars, const std::string& name = "init") {
  std::vector<node_id> inits;
  for (const auto& v : vars) {
    if (&v.graph() != &g) throw invalid_argument("variables_initializer: variable '" + v.name() + "' is of another graph");
    inits.push_back(v.initializer().id());
  }
  return make_operation(g, {.op = "NoOp", .name = name, .control_inputs = std::move(inits)});
}
SESSIONLIB_INLINE Operation variables_initializer(const std::vector<any_variable>& vars, const std::string& name = "init") {
  if (vars.empty()) return variables_initializer(get_default_graph(), vars, name);
  return variables_initializer(vars.front().graph(), vars, name);
}

/// An op that runs every variable's initializer (tf.global_variables_initializer).
SESSIONLIB_INLINE Operation global_variables_initializer(Graph& g = get_default_graph()) {
  return variables_initializer(g, global_variables(g), "init");
}
#else
SESSIONLIB_DECLARE std::vector<any_variable> global_variables(Graph& g = get_default_graph());
SESSIONLIB_DECLARE std::vector<any_variable> trainable_variables(Graph& g = get_default_graph());
SESSIONLIB_DECLARE Operation variables_initializer(Graph& g, const std::vector<any_variable>& vars, const std::string& name = "init");
SESSIONLIB_DECLARE Operation variables_initializer(const std::vector<any_variable>& vars, const std::string& name = "init");
SESSIONLIB_DECLARE Operation global_variables_initializer(Graph& g = get_default_graph());
#endif

/// True when the variable has a value in the session (tf.is_variable_initialized).
template <TensorLike V>
  requires std::is_convertible_v<V, any_variable>
Tensor<bool, shape<>> is_variable_initialized(const V& var, const std::string& name = "") {
  const any_variable v = var;
  return Tensor<bool, shape<>>(&v.graph(), detail::state_node(v.graph(), "IsVariableInitialized", name, {},
                                                              kernels::is_initialized_kernel, v.index(),
                                                              dtype::bool_, {}));
}

/// What report_uninitialized_variables returns: fetching it yields the names
/// (op names, as TF's) of the variables without a value in the session.
struct uninitialized_variables {
  Tensor<bool, shape<dyn>> mask;                    // true where uninitialized
  std::shared_ptr<const std::vector<std::string>> names;  // parallel to mask
};

#if SESSIONLIB_DEFINITIONS
/// The variables of `vars` (default: all of `g`) that the session has not
/// initialised (tf.report_uninitialized_variables); fetch it with run().
SESSIONLIB_INLINE uninitialized_variables report_uninitialized_variables(Graph& g, const std::vector<any_variable>& vars,
                                                              const std::string& name = "report_uninitialized_variables") {
  variables_attrs reported;
  auto names = std::make_shared<std::vector<std::string>>();
  for (const auto& v : vars) {
    reported.variables.push_back(v.index());
    names->push_back(v.op_name());
  }
  attributes a{.family = std::move(reported)};
  auto t = make_tensor<bool, shape<dyn>>(g, {.op = "ReportUninitializedVariables", .name = name,
                                              .kernel = kernels::report_uninitialized_kernel, .attr = std::move(a),
                                              .stateful = true});
  return {t, std::move(names)};
}
SESSIONLIB_INLINE uninitialized_variables report_uninitialized_variables(Graph& g = get_default_graph()) {
  return report_uninitialized_variables(g, global_variables(g));
}
#else
SESSIONLIB_DECLARE uninitialized_variables report_uninitialized_variables(Graph& g, const std::vector<any_variable>& vars,
                                                               const std::string& name = "report_uninitialized_variables");
SESSIONLIB_DECLARE uninitialized_variables report_uninitialized_variables(Graph& g = get_default_graph());
#endif

/// Fetching report_uninitialized_variables yields the names, through the public
/// customisation point (session/fetch.hpp), so this layer needs nothing of the session's.
template <>
struct fetch_traits<uninitialized_variables> {
  static Tensor<bool, shape<dyn>> fetches(const uninitialized_variables& u) { return u.mask; }
  static std::vector<std::string> result(const uninitialized_variables& u, xt::xtensor<bool, 1>&& mask) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < mask.size(); ++i)
      if (mask(i)) out.push_back((*u.names)[i]);
    return out;
  }
};

}  // namespace sessionlib
