// Control ops: identity, stop_gradient, placeholder_with_default, no_op, group
// and control_dependencies.
#pragma once

#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "../config.hpp"
#include "../graph/builder.hpp"
#include "../runtime/kernels/elementwise.hpp"
#include "constant.hpp"

namespace sessionlib {

/// x itself as a new node (TF's tf.identity); the output shares x's buffer.
template <TensorLike X>
Tensor<value_type_of<X>, shape_of<X>> identity(const X& x, const std::string& name = "") {
  return make_tensor<value_type_of<X>, shape_of<X>>(
      as_tensor(x).graph(), {.op = "Identity", .name = name, .inputs = {as_tensor(x).id()}, .kernel = kernels::identity_kernel});
}

/// x, with no gradient flowing back through it (TF's tf.stop_gradient).
template <TensorLike X>
Tensor<value_type_of<X>, shape_of<X>> stop_gradient(const X& x, const std::string& name = "") {
  return make_tensor<value_type_of<X>, shape_of<X>>(
      as_tensor(x).graph(), {.op = "StopGradient", .name = name, .inputs = {as_tensor(x).id()}, .kernel = kernels::identity_kernel});
}

namespace detail {
/// placeholder_with_default's shape argument when none is stated: the default's.
struct default_shape {};
/// True when shape `Stated` is `Default` or looser: the same rank, each static
/// dimension of Stated equal to Default's.
template <class Default, class Stated>
constexpr bool same_or_looser() {
  if constexpr (Default::rank() != Stated::rank()) {
    return false;
  } else {
    for (std::size_t i = 0; i < Stated::rank(); ++i)
      if (Stated::extents[i] != dyn && Stated::extents[i] != Default::extents[i]) return false;
    return true;
  }
}
}  // namespace detail

namespace report {
template <class Default, class Stated>
constexpr void placeholder_default_shape() {
  // Default is the default value's shape, Stated the shape given.
  static_assert(always_false<Default, Stated>,
                "sessionlib: placeholder_with_default: the stated shape must be the default's or looser (the same "
                "rank; sl::dyn or the default's dimension)");
}
}  // namespace report

/// TF's placeholder_with_default: `input`'s value unless the result is fed. The
/// result has input's shape, or the shape `S` stated when it is looser
/// (`placeholder_with_default<sl::shape<sl::dyn, 3>>(x)` for x of shape (2, 3)),
/// which is what a fed value must fit.
template <class S = detail::default_shape, TensorLike X>
auto placeholder_with_default(const X& input, const std::string& name = "") {
  using T = value_type_of<X>;
  using D = shape_of<X>;
  using R = std::conditional_t<std::is_same_v<S, detail::default_shape>, D, S>;
  static_assert(Shape<R>, "sessionlib: placeholder_with_default: the stated shape must be sl::shape<...>");
  if constexpr (!detail::same_or_looser<D, R>()) {
    report::placeholder_default_shape<D, R>();  // give sl::dyn (or the default's extent) where they differ
    return Tensor<T, R>();
  } else {
    const auto t = as_tensor(input);
    return make_tensor<T, R>(t.graph(), {.op = "PlaceholderWithDefault", .name = name, .inputs = {t.id()},
                                         .kernel = kernels::identity_kernel});
  }
}

/// placeholder_with_default of a value (a number, a C array, an xtensor
/// container): a constant of it is the default.
template <class S = detail::default_shape, class V>
  requires(!TensorLike<V>) && requires(Graph& g, const V& v) { constant(g, v); }
auto placeholder_with_default(Graph& g, const V& value, const std::string& name = "") {
  return placeholder_with_default<S>(constant(g, value), name);
}

#if SESSIONLIB_DEFINITIONS
/// An operation that does nothing (TF's tf.no_op); fetching it yields sl::none.
SESSIONLIB_INLINE Operation no_op(Graph& g, const std::string& name = "") { return make_operation(g, {.op = "NoOp", .name = name}); }
/// no_op in the thread's default graph.
SESSIONLIB_INLINE Operation no_op(const std::string& name = "") { return no_op(get_default_graph(), name); }
#else
SESSIONLIB_DECLARE Operation no_op(Graph& g, const std::string& name = "");
SESSIONLIB_DECLARE Operation no_op(const std::string& name = "");
#endif

/// Something that can be a control input: an Operation or a tensor-like (whose
/// producing node is meant, as in TF).
class control_input {
 public:
  // Implicit, so a braced list may mix operations and tensors.
  control_input(const Operation& op) noexcept : g_(&op.graph()), id_(op.id()) {}
  template <TensorLike X>
  control_input(const X& x) noexcept : g_(&as_tensor(x).graph()), id_(as_tensor(x).id().node) {}
  Graph& graph() const noexcept { return *g_; }
  node_id id() const noexcept { return id_; }

 private:
  Graph* g_;
  node_id id_;
};

namespace detail {
template <class X>
concept ControlInputRange = requires(const X& r) {
  r.begin();
  r.end();
  control_input(*r.begin());
};

template <class X>
void add_control_inputs(std::vector<control_input>& out, const X& x) {
  if constexpr (ControlInputRange<X>)
    for (const auto& e : x) out.emplace_back(e);
  else
    out.emplace_back(x);
}

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE std::vector<node_id> control_ids(Graph& g, const std::vector<control_input>& deps) {
  std::vector<node_id> ids;
  ids.reserve(deps.size());
  for (const auto& d : deps) {
    if (&d.graph() != &g) throw invalid_argument("Control inputs must be from the same graph", g.at(d.id()).name);
    ids.push_back(d.id());
  }
  return ids;
}
#else
SESSIONLIB_DECLARE std::vector<node_id> control_ids(Graph& g, const std::vector<control_input>& deps);
#endif
}  // namespace detail

#if SESSIONLIB_DEFINITIONS
/// group over a list built at run time; an empty list needs the graph: group(g, {}).
SESSIONLIB_INLINE Operation group(const std::vector<control_input>& deps, const std::string& name = "group_deps") {
  Graph& g = deps.empty() ? get_default_graph() : deps.front().graph();
  return make_operation(g, {.op = "NoOp", .name = name, .control_inputs = detail::control_ids(g, deps)});
}
/// group in graph `g` (accepts an empty list).
SESSIONLIB_INLINE Operation group(Graph& g, const std::vector<control_input>& deps, const std::string& name = "group_deps") {
  return make_operation(g, {.op = "NoOp", .name = name, .control_inputs = detail::control_ids(g, deps)});
}
#else
SESSIONLIB_DECLARE Operation group(const std::vector<control_input>& deps, const std::string& name = "group_deps");
SESSIONLIB_DECLARE Operation group(Graph& g, const std::vector<control_input>& deps, const std::string& name = "group_deps");
#endif

/// An operation that runs after all of `inputs` (TF's tf.group): each may be an
/// Operation, a tensor-like or a range of those (e.g. std::vector<Operation>).
/// Named "group_deps" unless `name` is given.
template <class... In>
  requires(sizeof...(In) > 0) && ((detail::ControlInputRange<In> || std::is_convertible_v<const In&, control_input>) && ...)
Operation group(const In&... inputs) {
  std::vector<control_input> deps;
  (detail::add_control_inputs(deps, inputs), ...);
  return group(deps);
}

/// TF's `tf.container(name)`: variables the calling thread creates in `g`
/// while the guard lives are in resource container `name`, which
/// Session::reset(target, {name}) clears: `auto c = sl::container(g, "stage1");`.
[[nodiscard]] inline Graph::container_guard container(Graph& g, std::string_view name) { return g.container(name); }
/// sl::container on the thread's default graph.
[[nodiscard]] inline Graph::container_guard container(std::string_view name) {
  return get_default_graph().container(name);
}

#if SESSIONLIB_DEFINITIONS
/// Nodes created while the returned guard lives run after `deps` (TF's
/// `with tf.control_dependencies([...])`): `auto guard = sl::control_dependencies({train, loss});`.
[[nodiscard]] SESSIONLIB_INLINE Graph::control_guard control_dependencies(Graph& g, std::initializer_list<control_input> deps) {
  return Graph::control_guard(g, detail::control_ids(g, std::vector<control_input>(deps)));
}
/// As above, in the graph of the first dependency (the default graph when empty).
[[nodiscard]] SESSIONLIB_INLINE Graph::control_guard control_dependencies(std::initializer_list<control_input> deps) {
  Graph& g = deps.size() ? deps.begin()->graph() : get_default_graph();
  return control_dependencies(g, deps);
}
/// As above, with a list built at run time.
[[nodiscard]] SESSIONLIB_INLINE Graph::control_guard control_dependencies(Graph& g, const std::vector<control_input>& deps) {
  return Graph::control_guard(g, detail::control_ids(g, deps));
}
#else
[[nodiscard]] SESSIONLIB_DECLARE Graph::control_guard control_dependencies(Graph& g, std::initializer_list<control_input> deps);
[[nodiscard]] SESSIONLIB_DECLARE Graph::control_guard control_dependencies(std::initializer_list<control_input> deps);
[[nodiscard]] SESSIONLIB_DECLARE Graph::control_guard control_dependencies(Graph& g, const std::vector<control_input>& deps);
#endif

}  // namespace sessionlib
