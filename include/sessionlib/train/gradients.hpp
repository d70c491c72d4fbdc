// Symbolic gradients (tf.gradients): new graph nodes computing d(sum ys)/d xs,
// built by walking the graph backwards from ys and asking each node's gradient
// builder (its own `node.grad`, else the one registered for its op kind) for
// the gradients of its inputs. The result is an ordinary tensor: it can be
// fetched, fed, and differentiated again.
#pragma once

#include <algorithm>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../core/report.hpp"
#include "../graph/builder.hpp"

namespace sessionlib::detail {
/// What symbolic_gradients answers for an x the ys do not depend on (TF's
/// `unconnected_gradients`): zeros of x's shape, or no_node (TF's None).
enum class unconnected_gradients { zero, none };

/// The erased core of sl::gradients (defined below).
SESSIONLIB_DECLARE std::vector<output_ref> symbolic_gradients(Graph& g, const std::vector<output_ref>& ys,
                                                              const std::vector<output_ref>& grad_ys,
                                                              const std::vector<output_ref>& xs,
                                                              const std::string& scope = "gradients",
                                                              unconnected_gradients unconnected = unconnected_gradients::zero,
                                                              const std::vector<output_ref>& stop_gradients = {});
}  // namespace sessionlib::detail

// The gradient builders and the walk: compiled where definitions are
// (config.hpp's SESSIONLIB_DEFINITIONS); a separate unit sees the declaration above.
#if SESSIONLIB_DEFINITIONS
#include "grad_array.hpp"
#include "grad_control_flow.hpp"
#include "grad_math.hpp"
#include "grad_multi.hpp"
#include "grad_nn.hpp"
#include "grad_sparse.hpp"
#include "grad_support.hpp"
#endif

namespace sessionlib {

namespace detail {

#if SESSIONLIB_DEFINITIONS
/// The gradient builders by op definition, built on first use (no
/// static-initialisation order). Families register theirs by TF's op type name,
/// as TF's RegisterGradient does; each name is resolved to its op_def once.
inline const std::unordered_map<const op_def*, grad_fn>& grad_registry() {
  static const std::unordered_map<const op_def*, grad_fn> registry = [] {
    std::unordered_map<std::string, grad_fn> by_name;
    register_math_grads(by_name);
    register_array_grads(by_name);
    register_nn_grads(by_name);
    register_stack_grads(by_name);
    register_sparse_grads(by_name);
    register_control_flow_grads(by_name);
    std::unordered_map<const op_def*, grad_fn> m;
    for (const auto& [type, f] : by_name) m[&op_registry::global().resolve(type)] = f;
    return m;
  }();
  return registry;
}

/// The gradient builders of nodes with several outputs, by op definition.
inline const std::unordered_map<const op_def*, multi_grad_fn>& multi_grad_registry() {
  static const std::unordered_map<const op_def*, multi_grad_fn> registry = [] {
    std::unordered_map<std::string, multi_grad_fn> by_name;
    register_multi_grads(by_name);
    register_sparse_multi_grads(by_name);
    register_control_flow_multi_grads(by_name);
    std::unordered_map<const op_def*, multi_grad_fn> m;
    for (const auto& [type, f] : by_name) m[&op_registry::global().resolve(type)] = f;
    return m;
  }();
  return registry;
}

/// The gradient builder of node `n` (one output): its own, else the registered one, else null.
SESSIONLIB_INLINE grad_fn gradient_builder(const node& n) {
  if (n.grad) return n.grad;
  const auto& r = grad_registry();
  auto it = r.find(n.def);
  return it == r.end() ? nullptr : it->second;
}

/// The erased core of sl::gradients: for each of `xs`, the output computing
/// d(sum_i sum(ys[i] * grad_ys[i]))/dx (grad_ys[i] invalid: ones), or, when
/// x does not reach ys, zeros_like(x) or an invalid output_ref as `unconnected`
/// says. Gradients do not flow past the nodes of `stop_gradients` (TF's
/// stop_gradients: a loop's gradient body counts only the paths inside it).
/// Gradients flow per output: a node with several outputs gets one
/// gradient per output (zeros for those nothing depends on) in its multi_grad.
/// Optimizers call this directly.
SESSIONLIB_INLINE std::vector<output_ref> symbolic_gradients(Graph& g, const std::vector<output_ref>& ys,
                                                  const std::vector<output_ref>& grad_ys,
                                                  const std::vector<output_ref>& xs,
                                                  const std::string& scope,
                                                  unconnected_gradients unconnected,
                                                  const std::vector<output_ref>& stop_gradients) {
  const std::size_t n = g.size();
  auto guard = g.name_scope(scope);
  // Node ids are a topological order (inputs exist before their consumers), so
  // one pass up marks what xs reach and one pass down what ys need.
  std::vector<char> reached(n, 0), needed(n, 0);
  for (output_ref x : xs) reached[x.node] = 1;
  node_id lo = static_cast<node_id>(n);
  for (output_ref x : xs) lo = std::min(lo, x.node);
  for (std::size_t id = lo; id < n; ++id) {
    const node& nd = g.at(static_cast<node_id>(id));
    // Differentiable when some output is floating: SparseAdd's output 0 is its int64 indices.
    bool floating = false;
    for (std::uint32_t k = 0; k < nd.num_outputs(); ++k) floating = floating || erased::is_floating(nd.output_type(k));
    if (!floating) { reached[id] = 0; continue; }
    for (output_ref in : nd.inputs) reached[id] = reached[id] || reached[in.node];
  }
  for (output_ref y : ys) needed[y.node] = 1;
  for (std::size_t id = n; id-- > 0;) {
    if (!needed[id]) continue;
    for (output_ref in : g.at(static_cast<node_id>(id)).inputs) needed[in.node] = 1;
  }

  // Per node, the gradients arriving at each of its outputs: (output, value).
  std::vector<std::vector<std::pair<std::uint32_t, output_ref>>> pending(n);
  for (std::size_t i = 0; i < ys.size(); ++i) {
    if (!reached[ys[i].node]) continue;
    pending[ys[i].node].push_back(
        {ys[i].index, i < grad_ys.size() && grad_ys[i].valid() ? grad_ys[i] : output_ref(erased::ones_like(g, ys[i]))});
  }
  std::vector<std::vector<output_ref>> total(n);  // per node reached: the summed gradient of each output
  std::vector<output_ref> dx, dys, parts;
  for (std::size_t id = n; id-- > 0;) {
    if (!reached[id] || !needed[id] || pending[id].empty()) continue;
    const node& nd = g.at(static_cast<node_id>(id));
    const std::uint32_t nout = nd.num_outputs();
    dys.assign(nout, output_ref{});
    for (std::uint32_t k = 0; k < nout; ++k) {
      parts.clear();
      for (const auto& [out, v] : pending[id])
        if (out == k) parts.push_back(v);
      if (!parts.empty()) dys[k] = erased::add_n(g, parts);
    }
    pending[id].clear();
    total[id] = dys;
    if (nd.def->is(op_flags::stops_gradient)) continue;
    if (std::any_of(stop_gradients.begin(), stop_gradients.end(), [&](output_ref s) { return s.node == id; })) continue;
    bool flows = false;
    for (output_ref in : nd.inputs) flows = flows || (reached[in.node] && needed[in.node]);
    if (!flows) continue;
    dx.assign(nd.inputs.size(), output_ref{});
    if (nout > 1) {
      multi_grad_fn builder = nd.multi_grad;
      if (!builder) {
        const auto& r = multi_grad_registry();
        if (auto it = r.find(nd.def); it != r.end()) builder = it->second;
      }
      if (!builder)
        throw invalid_argument("No gradient defined for operation '" + nd.name + "' (op type: " + nd.op + ")", nd.name);
      for (std::uint32_t k = 0; k < nout; ++k)
        if (!dys[k].valid() && erased::is_floating(nd.output_type(k)))  // indices carry no gradient
          dys[k] = erased::zeros_like(g, output_ref{static_cast<node_id>(id), k});
      builder(g, static_cast<node_id>(id), dys, dx);
    } else {
      grad_fn builder = gradient_builder(nd);
      if (!builder)
        throw invalid_argument("No gradient defined for operation '" + nd.name + "' (op type: " + nd.op + ")", nd.name);
      builder(g, static_cast<node_id>(id), dys[0], dx);
    }
    for (std::size_t i = 0; i < nd.inputs.size(); ++i) {
      const output_ref in = nd.inputs[i];
      if (dx[i].valid() && reached[in.node] && needed[in.node]) pending[in.node].push_back({in.index, dx[i]});
    }
  }

  std::vector<output_ref> out;
  out.reserve(xs.size());
  for (output_ref x : xs) {
    const bool connected = x.node < n && x.index < total[x.node].size() && total[x.node][x.index].valid();
    if (!connected && unconnected == unconnected_gradients::none) {
      out.push_back(output_ref{});
      continue;
    }
    output_ref r = connected ? total[x.node][x.index] : output_ref(erased::zeros_like(g, x));
    // Keep the exact static shape of x on the result node.
    if (erased::shape_of(g, r) != erased::shape_of(g, x)) r = erased::reshape_like(g, r, x);
    out.push_back(r);
  }
  return out;
}
#endif  // SESSIONLIB_DEFINITIONS

template <class X>
constexpr void check_differentiable() {
  if constexpr (!Floating<value_type_of<X>>) report::gradient_not_floating<value_type_of<X>>();  // TF returns None here
}

template <class Ys> struct ys_ids;
template <TensorLike Y> struct ys_ids<Y> {
  static std::vector<output_ref> get(const Y& y) { return {as_tensor(y).id()}; }
  static Graph& graph(const Y& y) { return as_tensor(y).graph(); }
};
template <TensorLike... Y> struct ys_ids<std::tuple<Y...>> {
  static std::vector<output_ref> get(const std::tuple<Y...>& ys) {
    return std::apply([](const auto&... y) { return std::vector<output_ref>{as_tensor(y).id()...}; }, ys);
  }
  static Graph& graph(const std::tuple<Y...>& ys) { return as_tensor(std::get<0>(ys)).graph(); }
};

template <class X> using gradient_t = Tensor<value_type_of<X>, shape_of<X>>;
}  // namespace detail

/// What sl::gradients differentiates: a tensor-like or a std::tuple of them (summed).
template <class Ys>
concept GradientTargets = requires(const Ys& ys) { detail::ys_ids<Ys>::get(ys); };

/// d(sum of ys)/dx as a tensor of x's dtype and shape (TF's tf.gradients for
/// one x). When ys do not depend on x, zeros (TF returns None).
template <GradientTargets Ys, TensorLike X>
detail::gradient_t<X> gradients(const Ys& ys, const X& x, const std::string& name = "gradients") {
  detail::check_differentiable<X>();
  Graph& g = as_tensor(x).graph();
  auto ids = detail::symbolic_gradients(g, detail::ys_ids<Ys>::get(ys), {}, {as_tensor(x).id()}, name);
  return detail::gradient_t<X>(&g, ids[0]);
}

/// As gradients(y, x), the initial gradient being `grad_y` (TF's grad_ys)
/// instead of ones: d(sum(y * grad_y))/dx.
template <TensorLike Y, TensorLike X, TensorLike GY>
  requires std::is_same_v<value_type_of<GY>, value_type_of<Y>>
detail::gradient_t<X> gradients(const Y& y, const X& x, const GY& grad_y, const std::string& name = "gradients") {
  detail::check_differentiable<X>();
  Graph& g = common_graph(y, x, grad_y);
  auto ids = detail::symbolic_gradients(g, {as_tensor(y).id()}, {as_tensor(grad_y).id()}, {as_tensor(x).id()}, name);
  return detail::gradient_t<X>(&g, ids[0]);
}

/// The gradients for several xs at once: a tuple of tensors, one per x.
template <GradientTargets Ys, TensorLike... X>
std::tuple<detail::gradient_t<X>...> gradients(const Ys& ys, const std::tuple<X...>& xs,
                                               const std::string& name = "gradients") {
  static_assert(sizeof...(X) > 0, "sessionlib: gradients: the tuple of xs is empty");
  (detail::check_differentiable<X>(), ...);
  Graph& g = detail::ys_ids<Ys>::graph(ys);
  const std::vector<output_ref> x_ids =
      std::apply([](const auto&... x) { return std::vector<output_ref>{as_tensor(x).id()...}; }, xs);
  auto ids = detail::symbolic_gradients(g, detail::ys_ids<Ys>::get(ys), {}, x_ids, name);
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple<detail::gradient_t<X>...>{detail::gradient_t<X>(&g, ids[I])...};
  }(std::index_sequence_for<X...>{});
}

/// The gradients for a run-time list of same-typed xs (an optimizer's var_list).
template <GradientTargets Ys, TensorLike X>
std::vector<detail::gradient_t<X>> gradients(const Ys& ys, const std::vector<X>& xs, const std::string& name = "gradients") {
  detail::check_differentiable<X>();
  Graph& g = detail::ys_ids<Ys>::graph(ys);
  std::vector<output_ref> x_ids;
  for (const auto& x : xs) x_ids.push_back(as_tensor(x).id());
  auto ids = detail::symbolic_gradients(g, detail::ys_ids<Ys>::get(ys), {}, x_ids, name);
  std::vector<detail::gradient_t<X>> out;
  for (output_ref id : ids) out.emplace_back(&g, id);
  return out;
}

}  // namespace sessionlib
