// Gradient builders of the nn ops (ops/nn.hpp, ops/conv.hpp). Where TF fuses
// the backprop into the forward kernel (the cross-entropies), the gradient node
// recomputes it instead (softmax - labels is one cheap pass over the logits),
// because a node has one output. Gradients built from erased:: arithmetic
// (l2_loss, sigmoid_cross_entropy's labels) can be differentiated again; the
// dedicated *Grad nodes cannot.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../runtime/kernels/conv.hpp"
#include "../runtime/kernels/nn.hpp"
#include "grad_support.hpp"

namespace sessionlib::detail {

namespace nn_grads {

#define SESSIONLIB_NN_KERNEL(kernel_name) [&]<class T>() -> kernel_fn { return kernels::kernel_name<T>; }

SESSIONLIB_INLINE output_ref input(const Graph& g, node_id self, std::size_t i) { return g.at(self).inputs.at(i); }

/// A gradient node of dtype `t` and the static shape of `like`, carrying `self`'s attributes.
SESSIONLIB_INLINE output_ref grad_node(Graph& g, node_id self, const char* op, std::vector<output_ref> inputs, kernel_fn k, dtype t,
                         output_ref like) {
  attributes a = g.at(self).attr;
  return erased::make(g, op, std::move(inputs), k, t, erased::shape_of(g, like), std::move(a));
}

SESSIONLIB_INLINE void relu6(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0);
  const dtype t = erased::type_of(g, x);
  dx[0] = grad_node(g, self, "Relu6Grad", {dy, x}, erased::visit_floating(t, SESSIONLIB_NN_KERNEL(relu6_grad_kernel)), t, x);
}
SESSIONLIB_INLINE void leaky_relu(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0);
  const dtype t = erased::type_of(g, x);
  dx[0] = grad_node(g, self, "LeakyReluGrad", {dy, x}, erased::visit_floating(t, SESSIONLIB_NN_KERNEL(leaky_relu_grad_kernel)),
                    t, x);
}
SESSIONLIB_INLINE void elu(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const dtype t = erased::type_of(g, self);
  dx[0] = grad_node(g, self, "EluGrad", {dy, self}, erased::visit_floating(t, SESSIONLIB_NN_KERNEL(elu_grad_kernel)), t, self);
}
SESSIONLIB_INLINE void softmax(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const dtype t = erased::type_of(g, self);
  dx[0] = grad_node(g, self, "SoftmaxGrad", {self, dy}, erased::visit_floating(t, SESSIONLIB_NN_KERNEL(softmax_grad_kernel)),
                    t, self);
}
SESSIONLIB_INLINE void log_softmax(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const dtype t = erased::type_of(g, self);
  dx[0] = grad_node(g, self, "LogSoftmaxGrad", {self, dy},
                    erased::visit_floating(t, SESSIONLIB_NN_KERNEL(log_softmax_grad_kernel)), t, self);
}

/// d loss / d logits = (softmax(logits) - labels) * dloss; into the labels
/// (the _v2 form only: softmax_xent_attrs::labels_gradient): -log_softmax(logits) * dloss.
SESSIONLIB_INLINE void softmax_xent(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref labels = input(g, self, 0), logits = input(g, self, 1);
  const dtype t = erased::type_of(g, logits);
  dx[1] = grad_node(g, self, "SoftmaxCrossEntropyWithLogitsGrad", {labels, logits, dy},
                    erased::visit_floating(t, SESSIONLIB_NN_KERNEL(softmax_xent_grad_kernel)), t, logits);
  if (g.at(self).attr.get<softmax_xent_attrs>().labels_gradient)
    dx[0] = grad_node(g, self, "SoftmaxCrossEntropyWithLogitsLabelsGrad", {logits, dy},
                      erased::visit_floating(t, SESSIONLIB_NN_KERNEL(softmax_xent_labels_grad_kernel)), t, labels);
}

/// d loss / d logits = (softmax(logits) - onehot(labels)) * dloss; labels get none.
SESSIONLIB_INLINE void sparse_softmax_xent(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref labels = input(g, self, 0), logits = input(g, self, 1);
  const dtype t = erased::type_of(g, logits);
  const dtype lt = erased::type_of(g, labels);
  const kernel_fn k = erased::visit_floating(t, [&]<class T>() -> kernel_fn {
    if (lt == dtype::int32) return kernels::sparse_softmax_xent_grad_kernel<T, std::int32_t>;
    return kernels::sparse_softmax_xent_grad_kernel<T, std::int64_t>;
  });
  dx[1] = grad_node(g, self, "SparseSoftmaxCrossEntropyWithLogitsGrad", {labels, logits, dy}, k, t, logits);
}

/// d / d logits = (sigmoid(x) - z) * dy; d / d labels = -x * dy.
SESSIONLIB_INLINE void sigmoid_xent(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref z = input(g, self, 0), x = input(g, self, 1);
  const dtype t = erased::type_of(g, x);
  dx[1] = grad_node(g, self, "SigmoidCrossEntropyWithLogitsGrad", {z, x, dy},
                    erased::visit_floating(t, SESSIONLIB_NN_KERNEL(sigmoid_xent_grad_kernel)), t, x);
  dx[0] = erased::neg(g, erased::mul(g, x, dy));
}

SESSIONLIB_INLINE void l2_loss(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  dx[0] = erased::mul(g, input(g, self, 0), dy);
}

SESSIONLIB_INLINE void bias_add(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref b = input(g, self, 1);
  const dtype t = erased::type_of(g, dy);
  dx[0] = dy;
  dx[1] = grad_node(g, self, "BiasAddGrad", {dy}, erased::visit_floating(t, SESSIONLIB_NN_KERNEL(bias_add_grad_kernel)), t, b);
}

/// The mask is a constant of the run: the gradient flows through dropout's
/// multiply by it, not into the mask's shape source.
SESSIONLIB_INLINE void dropout_mask(Graph&, node_id, output_ref, std::vector<output_ref>&) {}

SESSIONLIB_INLINE void conv2d(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0), f = input(g, self, 1);
  const dtype t = erased::type_of(g, x);
  dx[0] = grad_node(g, self, "Conv2DBackpropInput", {x, f, dy},
                    erased::visit_floating(t, SESSIONLIB_NN_KERNEL(conv2d_backprop_input_kernel)), t, x);
  dx[1] = grad_node(g, self, "Conv2DBackpropFilter", {x, f, dy},
                    erased::visit_floating(t, SESSIONLIB_NN_KERNEL(conv2d_backprop_filter_kernel)), t, f);
}

SESSIONLIB_INLINE void max_pool(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0);
  const dtype t = erased::type_of(g, x);
  dx[0] = grad_node(g, self, "MaxPoolGrad", {x, self, dy}, erased::visit_floating(t, SESSIONLIB_NN_KERNEL(max_pool_grad_kernel)),
                    t, x);
}

SESSIONLIB_INLINE void avg_pool(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const output_ref x = input(g, self, 0);
  const dtype t = erased::type_of(g, x);
  dx[0] = grad_node(g, self, "AvgPoolGrad", {x, dy}, erased::visit_floating(t, SESSIONLIB_NN_KERNEL(avg_pool_grad_kernel)), t, x);
}

#undef SESSIONLIB_NN_KERNEL

}  // namespace nn_grads

/// Adds the nn ops' gradient builders to the registry (train/gradients.hpp).
SESSIONLIB_INLINE void register_nn_grads(std::unordered_map<std::string, grad_fn>& registry) {
  registry["Relu6"] = nn_grads::relu6;
  registry["LeakyRelu"] = nn_grads::leaky_relu;
  registry["Elu"] = nn_grads::elu;
  registry["Softmax"] = nn_grads::softmax;
  registry["LogSoftmax"] = nn_grads::log_softmax;
  registry["SoftmaxCrossEntropyWithLogits"] = nn_grads::softmax_xent;
  registry["SparseSoftmaxCrossEntropyWithLogits"] = nn_grads::sparse_softmax_xent;
  registry["SigmoidCrossEntropyWithLogits"] = nn_grads::sigmoid_xent;
  registry["L2Loss"] = nn_grads::l2_loss;
  registry["BiasAdd"] = nn_grads::bias_add;
  registry["DropoutMask"] = nn_grads::dropout_mask;
  registry["Conv2D"] = nn_grads::conv2d;
  registry["MaxPool"] = nn_grads::max_pool;
  registry["AvgPool"] = nn_grads::avg_pool;
}

}  // namespace sessionlib::detail
