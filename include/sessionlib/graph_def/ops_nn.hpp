// GraphDef import and export of matmul and the nn family: MatMul,
// BatchMatMulV2 (and BatchMatMul), Relu6, Elu, LeakyRelu, Softmax, LogSoftmax,
// BiasAdd, SoftmaxCrossEntropyWithLogits, SparseSoftmaxCrossEntropyWithLogits,
// L2Loss, Conv2D, MaxPool, AvgPool (NHWC), and sessionlib's own
// SigmoidCrossEntropyWithLogits and DropoutMask.
//
// TF's cross-entropy ops take (features, labels) and also output the gradient
// (output 1); sessionlib's nodes take (labels, logits) and output the loss
// only: import and export swap the two inputs.
#pragma once

#include "../ops/conv.hpp"
#include "../ops/linalg.hpp"
#include "../ops/nn.hpp"
// The importers name kernels for every dtype a NodeDef may carry, not only
// those the implementation library holds: their bodies too (kernels/*_impl.hpp).
#include "../runtime/kernels/conv_impl.hpp"
#include "../runtime/kernels/matmul_impl.hpp"
#include "../runtime/kernels/nn_impl.hpp"
#include "ops_support.hpp"

namespace sessionlib::detail::gd {

inline node_import import_matmul(import_context& c) {
  c.need_inputs(2);
  same_type(c, 0, 1);
  const bool batch = c.def.op != "MatMul";
  const matmul_attrs a = batch ? matmul_attrs{c.attr_bool("adj_x", false), c.attr_bool("adj_y", false)}
                               : c.family<matmul_attrs>();
  const bool ta = a.transpose_a, tb = a.transpose_b;
  const auto shape = infer::matmul(c, c.input_shape(0), c.input_shape(1), ta, tb);
  return dispatch<types::numeric>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(2, kernels::matmul_kernel<T>);
    s.attr.family = a;
    return make(std::move(s), dtype_of<T>, shape);
  });
}

/// A floating node of x's shape with kernel K<T> over the first `count` inputs.
template <template <class> class K>
struct same_shape {
  static node_import import(import_context& c) {
    c.need_inputs(1);
    return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
      return make(c.spec(1, K<T>::fn), dtype_of<T>, c.input_shape(0));
    });
  }
};
template <class T> struct softmax_k { static constexpr kernel_fn fn = kernels::softmax_kernel<T>; };
template <class T> struct log_softmax_k { static constexpr kernel_fn fn = kernels::log_softmax_kernel<T>; };

inline node_import import_leaky_relu(import_context& c) {
  c.need_inputs(1);
  const leaky_relu_attrs a = c.family<leaky_relu_attrs>();
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, kernels::leaky_relu_kernel<T>);
    s.attr.family = a;
    return make(std::move(s), dtype_of<T>, c.input_shape(0));
  });
}

inline node_import import_bias_add(import_context& c) {
  c.need_inputs(2);
  same_type(c, 0, 1);
  if (c.attr_string("data_format", "NHWC") != "NHWC") throw import_unsupported("BiasAdd in data_format NCHW");
  return dispatch<types::numeric>(c, c.input_type(0), [&]<class T>() {
    return make(c.spec(2, kernels::bias_add_kernel<T>), dtype_of<T>, c.input_shape(0));
  });
}

/// (features, labels) in TF's order -> sessionlib's {labels, logits}.
inline decltype(op_spec{}.inputs) swapped(const import_context& c) {
  decltype(op_spec{}.inputs) in;
  in.push_back(c.input(1));
  in.push_back(c.input(0));
  return in;
}
inline std::optional<std::vector<std::ptrdiff_t>> drop_last(const std::optional<std::vector<std::ptrdiff_t>>& s) {
  if (!s || s->empty()) return s;
  return std::vector<std::ptrdiff_t>(s->begin(), s->end() - 1);
}

inline node_import import_softmax_xent(import_context& c) {
  c.need_inputs(2);
  same_type(c, 0, 1);
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(0, kernels::softmax_xent_kernel<T>);
    s.inputs = swapped(c);
    s.attr.family = c.family<softmax_xent_attrs>();
    return make(std::move(s), dtype_of<T>, drop_last(c.input_shape(0)));
  });
}

inline node_import import_sparse_xent(import_context& c) {
  c.need_inputs(2);
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    return dispatch<types::index>(c, c.input_type(1), [&]<class L>() {
      op_spec s = c.spec(0, kernels::sparse_softmax_xent_kernel<T, L>);
      s.inputs = swapped(c);
      return make(std::move(s), dtype_of<T>, drop_last(c.input_shape(0)));
    });
  });
}

// sessionlib's SigmoidCrossEntropyWithLogits (TF composes it): {labels, logits}.
inline node_import import_sigmoid_xent(import_context& c) {
  c.need_inputs(2);
  same_type(c, 0, 1);
  return dispatch<types::floating>(c, c.input_type(1), [&]<class T>() {
    return make(c.spec(2, kernels::sigmoid_xent_kernel<T>), dtype_of<T>, c.input_shape(1));
  });
}

inline node_import import_l2_loss(import_context& c) {
  c.need_inputs(1);
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    return make(c.spec(1, kernels::l2_loss_kernel<T>), dtype_of<T>, std::vector<std::ptrdiff_t>{});
  });
}

// Conv2D, MaxPool, AvgPool: NHWC, strides (and ksize) [1, h, w, 1], SAME or VALID.
inline std::array<std::int64_t, 2> spatial(const import_context& c, const char* key) {
  const auto v = c.attr_ints(key);
  if (v.size() != 4) c.fail(std::string(key) + " must have 4 elements");
  if (v[0] != 1 || v[3] != 1) throw import_unsupported(std::string(key) + " over the batch or channel dimension");
  if (v[1] < 1 || v[2] < 1) c.fail(std::string(key) + " must be positive");
  return {v[1], v[2]};
}
inline bool same_padding(const import_context& c) {
  const std::string p = c.attr_string("padding", "");
  if (p != "SAME" && p != "VALID") throw import_unsupported("padding '" + p + "' (sessionlib has SAME and VALID)");
  if (c.attr_string("data_format", "NHWC") != "NHWC") throw import_unsupported("data_format other than NHWC");
  return p == "SAME";
}

inline node_import import_conv2d(import_context& c) {
  c.need_inputs(2);
  same_type(c, 0, 1);
  const auto st = spatial(c, "strides");
  const bool same = same_padding(c);
  for (auto d : c.attr_ints("dilations"))
    if (d != 1) throw import_unsupported("Conv2D with dilations");
  const auto& x = c.input_shape(0);
  const auto& f = c.input_shape(1);
  std::optional<std::vector<std::ptrdiff_t>> out;
  if (x && f) {
    if (x->size() != 4 || f->size() != 4) c.fail("input and filter must be 4-D");
    out = std::vector<std::ptrdiff_t>{(*x)[0], infer::window((*x)[1], (*f)[0], st[0], same),
                                      infer::window((*x)[2], (*f)[1], st[1], same), (*f)[3]};
  }
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(2, kernels::conv2d_kernel<T>);
    s.attr.family = window_attrs{.stride_h = st[0], .stride_w = st[1], .same = same};
    return make(std::move(s), dtype_of<T>, out);
  });
}
inline node_import import_pool(import_context& c) {
  c.need_inputs(1);
  const auto k = spatial(c, "ksize");
  const auto st = spatial(c, "strides");
  const bool same = same_padding(c);
  const auto& x = c.input_shape(0);
  std::optional<std::vector<std::ptrdiff_t>> out;
  if (x) {
    if (x->size() != 4) c.fail("input must be 4-D");
    out = std::vector<std::ptrdiff_t>{(*x)[0], infer::window((*x)[1], k[0], st[0], same),
                                      infer::window((*x)[2], k[1], st[1], same), (*x)[3]};
  }
  const bool max = c.def.op == "MaxPool";
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(1, max ? kernels::max_pool_kernel<T> : kernels::avg_pool_kernel<T>);
    s.attr.family = window_attrs{.window_h = k[0], .window_w = k[1], .stride_h = st[0], .stride_w = st[1], .same = same};
    return make(std::move(s), dtype_of<T>, out);
  });
}

// sessionlib's DropoutMask: {x} or {x, rate}; its generator is keyed by its own id.
inline node_import import_dropout_mask(import_context& c) {
  c.need_inputs(1);
  dropout_attrs a = c.family<dropout_attrs>({.rate = 0.0});
  if (a.seed2 == 0) a.seed2 = static_cast<std::int64_t>(c.graph.next_op_seed());
  return dispatch<types::floating>(c, c.input_type(0), [&]<class T>() {
    op_spec s = c.spec(c.input_count(), kernels::dropout_mask_kernel<T>);
    s.attr.family = a;
    s.stateful = true;
    return make(std::move(s), dtype_of<T>, c.input_shape(0));
  });
}

inline const bool nn_ops_registered = [] {
  register_graph_def_op({"MatMul", "BatchMatMulV2", "BatchMatMul"}, import_matmul, nullptr);
  register_graph_def_op({"Relu6"}, unary<kernels::nn_fn::relu6, types::floating>, nullptr);
  register_graph_def_op({"Elu"}, unary<kernels::nn_fn::elu, types::floating>, nullptr);
  register_graph_def_op({"LeakyRelu"}, import_leaky_relu, nullptr);
  register_graph_def_op({"Softmax"}, same_shape<softmax_k>::import, nullptr);
  register_graph_def_op({"LogSoftmax"}, same_shape<log_softmax_k>::import, nullptr);
  register_graph_def_op({"BiasAdd", "BiasAddV1"}, import_bias_add, nullptr);
  register_graph_def_op({"SoftmaxCrossEntropyWithLogits"}, import_softmax_xent, nullptr);
  register_graph_def_op({"SparseSoftmaxCrossEntropyWithLogits"}, import_sparse_xent, nullptr);
  register_graph_def_op({"SigmoidCrossEntropyWithLogits"}, import_sigmoid_xent, nullptr);
  register_graph_def_op({"L2Loss"}, import_l2_loss, nullptr);
  register_graph_def_op({"Conv2D"}, import_conv2d, nullptr);
  register_graph_def_op({"MaxPool", "AvgPool"}, import_pool, nullptr);
  register_graph_def_op({"DropoutMask"}, import_dropout_mask, nullptr);
  return true;
}();

}  // namespace sessionlib::detail::gd
