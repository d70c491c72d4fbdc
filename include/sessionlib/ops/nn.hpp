// nn ops (tf.nn.*): activations, softmax and log_softmax over the last axis,
// the cross-entropies, l2_loss, bias_add and dropout. relu, sigmoid and tanh are
// in ops/math.hpp; conv2d and the pools in ops/conv.hpp; gradients in
// train/grad_nn.hpp. Every reduction is computed stably (log-sum-exp).
#pragma once

#include <string>

#include "../runtime/kernels/nn.hpp"
#include "arithmetic.hpp"
#include "op_support.hpp"

namespace sessionlib::nn {

namespace detail {
template <class T>
constexpr void check_floating() {
  if constexpr (!Floating<T>) report::nn_not_floating<T>();  // T is the element type given
}

template <class S, std::size_t MinRank>
constexpr void check_min_rank() {
  if constexpr (S::rank() < MinRank) report::nn_rank<MinRank, S::rank()>();  // needs rank >= MinRank
}

template <class S> struct drop_last_fn {
  static constexpr auto value = [] {
    std::array<std::ptrdiff_t, S::rank() - 1> a{};
    for (std::size_t i = 0; i + 1 < S::rank(); ++i) a[i] = S::extents[i];
    return a;
  }();
};
/// `S` without its last axis (the per-example shape of a loss).
template <class S> using drop_last = shape_from<drop_last_fn<S>>;

/// The first pair of static dims that cannot be equal, or {0, 0}.
template <std::size_t N>
constexpr std::array<std::ptrdiff_t, 2> first_conflict(const std::array<std::ptrdiff_t, N>& a,
                                                       const std::array<std::ptrdiff_t, N>& b) {
  for (std::size_t i = 0; i < N; ++i)
    if (a[i] != dyn && b[i] != dyn && a[i] != b[i]) return {a[i], b[i]};
  return {0, 0};
}

template <class LabelsShape, class LogitsShape>
constexpr void check_same_shape() {
  if constexpr (LabelsShape::rank() != LogitsShape::rank()) {
    report::labels_logits_mismatch<LabelsShape::rank(), LogitsShape::rank()>();  // the two ranks differ
  } else {
    constexpr auto c = first_conflict(LabelsShape::extents, LogitsShape::extents);
    if constexpr (c[0] != c[1]) report::labels_logits_mismatch<c[0], c[1]>();  // labels' dim, logits' dim
  }
}

/// Adds a node that reads `x` and has x's dtype and static shape.
template <class T, class S>
Tensor<T, S> same_shape_node(const char* op, kernel_fn k, std::vector<output_ref> inputs, Graph& g,
                             const std::string& name, attributes a = {}) {
  return make_tensor<T, S>(g, {.op = op, .name = name, .inputs = std::move(inputs), .kernel = k, .attr = std::move(a)});
}
}  // namespace detail

/// min(max(x, 0), 6).
template <TensorLike X>
auto relu6(const X& x, const std::string& name = "") {
  detail::check_floating<value_type_of<X>>();
  return unary_op<value_type_of<X>, kernels::nn_fn::relu6>("Relu6", x, name);
}

/// x where x > 0, alpha * x elsewhere (TF's default alpha is 0.2).
template <TensorLike X>
auto leaky_relu(const X& x, double alpha = 0.2, const std::string& name = "") {
  using T = value_type_of<X>;
  detail::check_floating<T>();
  attributes a{.family = leaky_relu_attrs{.alpha = alpha}};
  return detail::same_shape_node<T, shape_of<X>>("LeakyRelu", kernels::leaky_relu_kernel<T>, {as_tensor(x).id()},
                                                  as_tensor(x).graph(), name, std::move(a));
}

/// x where x > 0, exp(x) - 1 elsewhere.
template <TensorLike X>
auto elu(const X& x, const std::string& name = "") {
  detail::check_floating<value_type_of<X>>();
  return unary_op<value_type_of<X>, kernels::nn_fn::elu>("Elu", x, name);
}

/// exp(logits) / sum(exp(logits)) over the last axis, computed stably.
template <TensorLike X>
auto softmax(const X& logits, const std::string& name = "") {
  using T = value_type_of<X>;
  detail::check_floating<T>();
  detail::check_min_rank<shape_of<X>, 1>();
  return detail::same_shape_node<T, shape_of<X>>("Softmax", kernels::softmax_kernel<T>, {as_tensor(logits).id()},
                                                  as_tensor(logits).graph(), name);
}

/// logits - log(sum(exp(logits))) over the last axis, computed stably.
template <TensorLike X>
auto log_softmax(const X& logits, const std::string& name = "") {
  using T = value_type_of<X>;
  detail::check_floating<T>();
  detail::check_min_rank<shape_of<X>, 1>();
  return detail::same_shape_node<T, shape_of<X>>("LogSoftmax", kernels::log_softmax_kernel<T>, {as_tensor(logits).id()},
                                                  as_tensor(logits).graph(), name);
}

namespace detail {
template <bool LabelsGrad, TensorLike L, TensorLike X>
auto softmax_xent(const L& labels, const X& logits, const std::string& name) {
  using T = value_type_of<X>;
  check_floating<T>();
  ::sessionlib::detail::check_same_dtype<value_type_of<L>, T>();
  check_min_rank<shape_of<X>, 1>();
  check_same_shape<shape_of<L>, shape_of<X>>();
  attributes a{.family = softmax_xent_attrs{.labels_gradient = LabelsGrad}};  // read by the gradient
  return make_tensor<T, drop_last<shape_of<X>>>(
      common_graph(labels, logits),
      {.op = "SoftmaxCrossEntropyWithLogits", .name = name, .inputs = {as_tensor(labels).id(), as_tensor(logits).id()},
       .kernel = kernels::softmax_xent_kernel<T>, .attr = std::move(a)});
}
}  // namespace detail

/// Per-example -sum(labels * log_softmax(logits)) over the last axis; the result
/// drops that axis ([batch] for [batch, classes]). As tf.compat.v1, the gradient
/// flows into the logits only (labels are treated as constants).
template <TensorLike L, TensorLike X>
auto softmax_cross_entropy_with_logits(const L& labels, const X& logits, const std::string& name = "") {
  return detail::softmax_xent<false>(labels, logits, name);
}

/// As softmax_cross_entropy_with_logits, with a gradient into the labels too.
template <TensorLike L, TensorLike X>
auto softmax_cross_entropy_with_logits_v2(const L& labels, const X& logits, const std::string& name = "") {
  return detail::softmax_xent<true>(labels, logits, name);
}

/// Per-example -log_softmax(logits)[label], for int32 or int64 class indices in
/// [0, classes); labels have the logits' shape without the last axis. A label
/// out of range is sl::invalid_argument at run time.
template <TensorLike L, TensorLike X>
auto sparse_softmax_cross_entropy_with_logits(const L& labels, const X& logits, const std::string& name = "") {
  using T = value_type_of<X>;
  using LT = value_type_of<L>;
  detail::check_floating<T>();
  if constexpr (!std::is_same_v<LT, std::int32_t> && !std::is_same_v<LT, std::int64_t>)
    report::sparse_labels_not_integer<LT>();  // LT is the labels' element type
  detail::check_min_rank<shape_of<X>, 1>();
  detail::check_same_shape<shape_of<L>, detail::drop_last<shape_of<X>>>();
  return ::sessionlib::detail::make_simple_tensor<T, detail::drop_last<shape_of<X>>>(
      common_graph(labels, logits), "SparseSoftmaxCrossEntropyWithLogits",
      {as_tensor(labels).id(), as_tensor(logits).id()}, kernels::sparse_softmax_xent_kernel<T, LT>, name);
}

/// Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x
/// and labels z of the same shape.
template <TensorLike L, TensorLike X>
auto sigmoid_cross_entropy_with_logits(const L& labels, const X& logits, const std::string& name = "") {
  using T = value_type_of<X>;
  detail::check_floating<T>();
  ::sessionlib::detail::check_same_dtype<value_type_of<L>, T>();
  detail::check_same_shape<shape_of<L>, shape_of<X>>();
  return detail::same_shape_node<T, shape_of<X>>("SigmoidCrossEntropyWithLogits", kernels::sigmoid_xent_kernel<T>,
                                                  {as_tensor(labels).id(), as_tensor(logits).id()},
                                                  common_graph(labels, logits), name);
}

/// sum(t^2) / 2, a scalar.
template <TensorLike X>
auto l2_loss(const X& t, const std::string& name = "") {
  using T = value_type_of<X>;
  detail::check_floating<T>();
  return make_tensor<T, shape<>>(as_tensor(t).graph(),
                                 {.op = "L2Loss", .name = name, .inputs = {as_tensor(t).id()}, .kernel = kernels::l2_loss_kernel<T>});
}

/// value + bias, the 1-D bias added along value's last axis.
template <TensorLike V, TensorLike B>
auto bias_add(const V& value, const B& bias, const std::string& name = "") {
  using T = value_type_of<V>;
  ::sessionlib::detail::check_same_dtype<value_type_of<B>, T>();
  detail::check_min_rank<shape_of<V>, 1>();
  using VS = shape_of<V>;
  using BS = shape_of<B>;
  if constexpr (BS::rank() != 1) {
    report::nn_rank<1, BS::rank()>();  // the bias must be 1-D
  } else {
    constexpr std::ptrdiff_t c = VS::static_extent(VS::rank() - 1), b = BS::static_extent(0);
    if constexpr (c != dyn && b != dyn && c != b) report::bias_add_mismatch<c, b>();  // last dim, bias length
  }
  return detail::same_shape_node<T, VS>("BiasAdd", kernels::bias_add_kernel<T>, {as_tensor(value).id(), as_tensor(bias).id()},
                                        common_graph(value, bias), name);
}

namespace detail {
template <class T, class S>
Tensor<T, S> dropout_mask(Graph& g, std::vector<output_ref> inputs, double rate, std::uint64_t seed) {
  attributes a{.family = dropout_attrs{.rate = rate, .seed2 = static_cast<std::int64_t>(seed ? seed : g.next_op_seed())}};
  // The generator is keyed in each session by the node's id (kernel_context::self).
  return make_tensor<T, S>(g, {.op = "DropoutMask", .name = "", .inputs = std::move(inputs),
                               .kernel = kernels::dropout_mask_kernel<T>, .attr = std::move(a), .stateful = true});
}
}  // namespace detail

/// Zeroes each element with probability `rate` and scales the others by
/// 1 / (1 - rate). The mask is drawn anew on each run from the op's generator in
/// the session, seeded from the graph seed and `seed` (0: a fresh op seed), so a
/// session's sequence of runs is reproducible. The gradient flows through the mask.
template <TensorLike X>
auto dropout(const X& x, double rate, std::uint64_t seed = 0, const std::string& name = "") {
  using T = value_type_of<X>;
  detail::check_floating<T>();
  if (!(rate >= 0.0 && rate < 1.0))
    throw invalid_argument("rate must be a scalar tensor or a float in the range [0, 1), got " + std::to_string(rate));
  Graph& g = as_tensor(x).graph();
  auto scope = g.name_scope(name.empty() ? "dropout" : name);
  const auto mask = detail::dropout_mask<T, shape_of<X>>(g, {as_tensor(x).id()}, rate, seed);
  return multiply(x, mask);
}

/// As dropout(x, rate, seed), with the rate a scalar tensor (feed 0 to disable).
template <TensorLike X, TensorLike R>
auto dropout(const X& x, const R& rate, std::uint64_t seed = 0, const std::string& name = "") {
  using T = value_type_of<X>;
  detail::check_floating<T>();
  ::sessionlib::detail::check_same_dtype<T, value_type_of<R>>();
  if constexpr (shape_of<R>::rank() != 0) report::nn_rank<0, shape_of<R>::rank()>();  // the rate must be a scalar
  Graph& g = common_graph(x, rate);
  auto scope = g.name_scope(name.empty() ? "dropout" : name);
  const auto mask = detail::dropout_mask<T, shape_of<X>>(g, {as_tensor(x).id(), as_tensor(rate).id()}, 0.0, seed);
  return multiply(x, mask);
}

}  // namespace sessionlib::nn
