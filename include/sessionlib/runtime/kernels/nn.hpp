// Kernels of the nn ops (ops/nn.hpp) and of the nodes their gradients build
// (train/grad_nn.hpp): activations, softmax and log-softmax over the last axis,
// the cross-entropies, l2_loss, bias_add and dropout's mask. Row kernels treat
// the input as [rows, last axis]; every reduction subtracts the row maximum
// first, so exp never overflows (log-sum-exp).
#pragma once

#include <algorithm>
#include <cmath>

#include "../kernel.hpp"
#include "grad.hpp"

namespace sessionlib::kernels {

namespace nn_fn {
struct relu6 { template <class T> static T apply(T a) noexcept { return std::min(std::max(a, T(0)), T(6)); } };
struct elu { template <class T> static T apply(T a) noexcept { return a > T(0) ? a : std::expm1(a); } };
}  // namespace nn_fn

/// out = leaky_relu(x) = x > 0 ? x : alpha * x; alpha in leaky_relu_attrs.
template <class T>
void leaky_relu_kernel(kernel_context& ctx);

/// Relu6Grad(dy, x): dy where 0 < x < 6.
template <class T>
void relu6_grad_kernel(kernel_context& ctx);

/// LeakyReluGrad(dy, x): dy where x > 0, alpha * dy elsewhere.
template <class T>
void leaky_relu_grad_kernel(kernel_context& ctx);

/// EluGrad(dy, y): dy where y > 0, dy * (y + 1) elsewhere (y + 1 = exp(x)).
template <class T>
void elu_grad_kernel(kernel_context& ctx);

/// Softmax over the last axis.
template <class T>
void softmax_kernel(kernel_context& ctx);

/// LogSoftmax over the last axis: x - max - log(sum(exp(x - max))).
template <class T>
void log_softmax_kernel(kernel_context& ctx);

/// SoftmaxGrad(y, dy): (dy - sum(dy * y)) * y per row.
template <class T>
void softmax_grad_kernel(kernel_context& ctx);

/// LogSoftmaxGrad(y, dy): dy - exp(y) * sum(dy) per row (y is the log-softmax).
template <class T>
void log_softmax_grad_kernel(kernel_context& ctx);

/// SoftmaxCrossEntropyWithLogits(labels, logits) -> per-row loss
/// sum(labels * (log_sum_exp(logits) - logits)).
template <class T>
void softmax_xent_kernel(kernel_context& ctx);

/// SoftmaxCrossEntropyWithLogitsGrad(labels, logits, dloss):
/// (softmax(logits) * sum(labels) - labels) * dloss per row (sum(labels) is 1 for
/// distributions; keeping it makes the gradient exact for any labels).
template <class T>
void softmax_xent_grad_kernel(kernel_context& ctx);

/// SoftmaxCrossEntropyWithLogitsLabelsGrad(logits, dloss): -log_softmax(logits) * dloss
/// (the gradient into the labels, which softmax_cross_entropy_with_logits_v2 has).
template <class T>
void softmax_xent_labels_grad_kernel(kernel_context& ctx);

/// SparseSoftmaxCrossEntropyWithLogits(labels, logits): log_sum_exp(row) - row[label].
template <class T, class L>
void sparse_softmax_xent_kernel(kernel_context& ctx);

/// SparseSoftmaxCrossEntropyWithLogitsGrad(labels, logits, dloss):
/// (softmax(logits) - onehot(labels)) * dloss, recomputed rather than kept from
/// the forward pass, because a node has one output.
template <class T, class L>
void sparse_softmax_xent_grad_kernel(kernel_context& ctx);

/// SigmoidCrossEntropyWithLogits(labels, logits): max(x, 0) - x * z + log1p(exp(-|x|)).
template <class T>
void sigmoid_xent_kernel(kernel_context& ctx);

/// SigmoidCrossEntropyWithLogitsGrad(labels, logits, dy): (sigmoid(x) - z) * dy.
template <class T>
void sigmoid_xent_grad_kernel(kernel_context& ctx);

/// L2Loss: sum(x^2) / 2, a scalar.
template <class T>
void l2_loss_kernel(kernel_context& ctx);

/// BiasAdd(value, bias): bias added along the last axis.
template <class T>
void bias_add_kernel(kernel_context& ctx);

/// BiasAddGrad(dy): dy summed over every axis but the last.
template <class T>
void bias_add_grad_kernel(kernel_context& ctx);

/// DropoutMask(x[, rate]): 0 with probability `rate`, else 1 / (1 - rate), in
/// x's shape; the rate is dropout_attrs' or the scalar second input. Drawn from
/// the op's generator in this session (seeded from the graph and op seeds),
/// keyed by the node's own id.
template <class T>
void dropout_mask_kernel(kernel_context& ctx);

}  // namespace sessionlib::kernels

#if SESSIONLIB_DEFINITIONS
#include "nn_impl.hpp"
#endif
