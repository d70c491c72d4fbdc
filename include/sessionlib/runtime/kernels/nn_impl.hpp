// The bodies of the kernels nn.hpp declares: included by nn.hpp where
// SESSIONLIB_DEFINITIONS is 1 (header-only units, src/sessionlib.cpp), and by
// code that instantiates these kernels for dtypes the library does not hold.
#pragma once

#include <limits>
#include <string>

#include "grad_impl.hpp"

#include "nn.hpp"

namespace sessionlib::kernels {

/// The last axis' size and the number of rows before it (1 row for rank 0).
inline void rows_cols(const dims& d, std::size_t& rows, std::size_t& cols) {
  cols = d.size() ? d[d.size() - 1] : 1;
  rows = cols ? d.elements() / cols : 0;
}

/// `d` without its last axis.
inline dims drop_last(const dims& d) {
  dims r = d;
  if (r.size()) r.resize(r.size() - 1);
  return r;
}

/// Fails unless `a` and `b` have the same shape (TF's wording for the op).
inline void check_same_shape(const kernel_context& ctx, const any_array& a, const any_array& b, const char* what) {
  if (!(a.shape() == b.shape()))
    ctx.fail(std::string(what) + " must have the same shape, received " + to_string(a.shape()) + " vs " +
             to_string(b.shape()) + ".");
}

/// out = leaky_relu(x) = x > 0 ? x : alpha * x; alpha in leaky_relu_attrs.
template <class T>
void leaky_relu_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  ctx.out.ensure(dtype_of<T>, x.shape());
  const T alpha = static_cast<T>(ctx.attrs<leaky_relu_attrs>().alpha);
  const T* px = x.data<T>();
  T* po = ctx.out.data<T>();
  const std::size_t n = x.size();
  for (std::size_t i = 0; i < n; ++i) po[i] = px[i] > T(0) ? px[i] : alpha * px[i];
}

/// Relu6Grad(dy, x): dy where 0 < x < 6.
template <class T>
void relu6_grad_kernel(kernel_context& ctx) {
  grad::activation_grad<T>(ctx, [](T d, T x) { return x > T(0) && x < T(6) ? d : T(0); });
}

/// LeakyReluGrad(dy, x): dy where x > 0, alpha * dy elsewhere.
template <class T>
void leaky_relu_grad_kernel(kernel_context& ctx) {
  const T alpha = static_cast<T>(ctx.attrs<leaky_relu_attrs>().alpha);
  grad::activation_grad<T>(ctx, [alpha](T d, T x) { return x > T(0) ? d : alpha * d; });
}

/// EluGrad(dy, y): dy where y > 0, dy * (y + 1) elsewhere (y + 1 = exp(x)).
template <class T>
void elu_grad_kernel(kernel_context& ctx) {
  grad::activation_grad<T>(ctx, [](T d, T y) { return y > T(0) ? d : d * (y + T(1)); });
}

namespace detail {
/// Writes softmax(x) of one row to `y`; returns log(sum(exp(x - max))) and the max.
template <class T>
inline void softmax_row(const T* x, T* y, std::size_t c, T& max_out, T& log_sum_out) {
  T m = -std::numeric_limits<T>::infinity();
  for (std::size_t j = 0; j < c; ++j) m = std::max(m, x[j]);
  T s = 0;
  for (std::size_t j = 0; j < c; ++j) {
    y[j] = std::exp(x[j] - m);
    s += y[j];
  }
  const T inv = T(1) / s;
  for (std::size_t j = 0; j < c; ++j) y[j] *= inv;
  max_out = m;
  log_sum_out = std::log(s);
}

/// log(sum(exp(x))) of one row, stably.
template <class T>
inline T log_sum_exp(const T* x, std::size_t c, T& max_out) {
  T m = -std::numeric_limits<T>::infinity();
  for (std::size_t j = 0; j < c; ++j) m = std::max(m, x[j]);
  T s = 0;
  for (std::size_t j = 0; j < c; ++j) s += std::exp(x[j] - m);
  max_out = m;
  return std::log(s);
}
}  // namespace detail

/// Softmax over the last axis.
template <class T>
void softmax_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  ctx.out.ensure(dtype_of<T>, x.shape());
  std::size_t rows, c;
  rows_cols(x.shape(), rows, c);
  const T* px = x.data<T>();
  T* po = ctx.out.data<T>();
  T m, ls;
  for (std::size_t r = 0; r < rows; ++r) detail::softmax_row(px + r * c, po + r * c, c, m, ls);
}

/// LogSoftmax over the last axis: x - max - log(sum(exp(x - max))).
template <class T>
void log_softmax_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  ctx.out.ensure(dtype_of<T>, x.shape());
  std::size_t rows, c;
  rows_cols(x.shape(), rows, c);
  const T* px = x.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    T m;
    const T ls = detail::log_sum_exp(px + r * c, c, m);
    for (std::size_t j = 0; j < c; ++j) po[r * c + j] = px[r * c + j] - m - ls;
  }
}

/// SoftmaxGrad(y, dy): (dy - sum(dy * y)) * y per row.
template <class T>
void softmax_grad_kernel(kernel_context& ctx) {
  const any_array& y = ctx.input(0);
  const any_array& dy = ctx.input(1);
  ctx.out.ensure(dtype_of<T>, y.shape());
  std::size_t rows, c;
  rows_cols(y.shape(), rows, c);
  const T* py = y.data<T>();
  const T* pd = dy.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    const T* yr = py + r * c;
    const T* dr = pd + r * c;
    T s = 0;
    for (std::size_t j = 0; j < c; ++j) s += dr[j] * yr[j];
    for (std::size_t j = 0; j < c; ++j) po[r * c + j] = (dr[j] - s) * yr[j];
  }
}

/// LogSoftmaxGrad(y, dy): dy - exp(y) * sum(dy) per row (y is the log-softmax).
template <class T>
void log_softmax_grad_kernel(kernel_context& ctx) {
  const any_array& y = ctx.input(0);
  const any_array& dy = ctx.input(1);
  ctx.out.ensure(dtype_of<T>, y.shape());
  std::size_t rows, c;
  rows_cols(y.shape(), rows, c);
  const T* py = y.data<T>();
  const T* pd = dy.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    const T* dr = pd + r * c;
    T s = 0;
    for (std::size_t j = 0; j < c; ++j) s += dr[j];
    for (std::size_t j = 0; j < c; ++j) po[r * c + j] = dr[j] - std::exp(py[r * c + j]) * s;
  }
}

/// SoftmaxCrossEntropyWithLogits(labels, logits) -> per-row loss
/// sum(labels * (log_sum_exp(logits) - logits)).
template <class T>
void softmax_xent_kernel(kernel_context& ctx) {
  const any_array& labels = ctx.input(0);
  const any_array& logits = ctx.input(1);
  check_same_shape(ctx, logits, labels, "logits and labels");
  std::size_t rows, c;
  rows_cols(logits.shape(), rows, c);
  ctx.out.ensure(dtype_of<T>, drop_last(logits.shape()));
  const T* pl = labels.data<T>();
  const T* px = logits.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    T m;
    const T ls = detail::log_sum_exp(px + r * c, c, m);
    T loss = 0;
    for (std::size_t j = 0; j < c; ++j) loss += pl[r * c + j] * (m + ls - px[r * c + j]);
    po[r] = loss;
  }
}

/// SoftmaxCrossEntropyWithLogitsGrad(labels, logits, dloss):
/// (softmax(logits) * sum(labels) - labels) * dloss per row (sum(labels) is 1 for
/// distributions; keeping it makes the gradient exact for any labels).
template <class T>
void softmax_xent_grad_kernel(kernel_context& ctx) {
  const any_array& labels = ctx.input(0);
  const any_array& logits = ctx.input(1);
  const any_array& dloss = ctx.input(2);
  std::size_t rows, c;
  rows_cols(logits.shape(), rows, c);
  ctx.out.ensure(dtype_of<T>, logits.shape());
  const T* pl = labels.data<T>();
  const T* px = logits.data<T>();
  const T* pd = dloss.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    T m, ls, s = 0;
    detail::softmax_row(px + r * c, po + r * c, c, m, ls);
    for (std::size_t j = 0; j < c; ++j) s += pl[r * c + j];
    const T d = pd[r];
    for (std::size_t j = 0; j < c; ++j) po[r * c + j] = (po[r * c + j] * s - pl[r * c + j]) * d;
  }
}

/// SoftmaxCrossEntropyWithLogitsLabelsGrad(logits, dloss): -log_softmax(logits) * dloss
/// (the gradient into the labels, which softmax_cross_entropy_with_logits_v2 has).
template <class T>
void softmax_xent_labels_grad_kernel(kernel_context& ctx) {
  const any_array& logits = ctx.input(0);
  const any_array& dloss = ctx.input(1);
  std::size_t rows, c;
  rows_cols(logits.shape(), rows, c);
  ctx.out.ensure(dtype_of<T>, logits.shape());
  const T* px = logits.data<T>();
  const T* pd = dloss.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    T m;
    const T ls = detail::log_sum_exp(px + r * c, c, m);
    for (std::size_t j = 0; j < c; ++j) po[r * c + j] = (m + ls - px[r * c + j]) * pd[r];
  }
}

/// Fails on the first label outside [0, classes), with TF's message.
template <class L>
void check_sparse_labels(const kernel_context& ctx, const L* labels, std::size_t rows, std::size_t classes) {
  for (std::size_t r = 0; r < rows; ++r)
    if (labels[r] < 0 || static_cast<std::size_t>(labels[r]) >= classes)
      ctx.fail("Received a label value of " + std::to_string(labels[r]) + " which is outside the valid range of [0, " +
               std::to_string(classes) + ").");
}

/// Fails unless the labels' shape is the logits' without the last axis.
inline void check_sparse_shapes(const kernel_context& ctx, const any_array& labels, const any_array& logits) {
  if (!(labels.shape() == drop_last(logits.shape())))
    ctx.fail("logits and labels must have the same first dimension, got logits shape " + to_string(logits.shape()) +
             " and labels shape " + to_string(labels.shape()));
}

/// SparseSoftmaxCrossEntropyWithLogits(labels, logits): log_sum_exp(row) - row[label].
template <class T, class L>
void sparse_softmax_xent_kernel(kernel_context& ctx) {
  const any_array& labels = ctx.input(0);
  const any_array& logits = ctx.input(1);
  check_sparse_shapes(ctx, labels, logits);
  std::size_t rows, c;
  rows_cols(logits.shape(), rows, c);
  const L* pl = labels.data<L>();
  check_sparse_labels(ctx, pl, rows, c);
  ctx.out.ensure(dtype_of<T>, labels.shape());
  const T* px = logits.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    T m;
    const T ls = detail::log_sum_exp(px + r * c, c, m);
    po[r] = m + ls - px[r * c + static_cast<std::size_t>(pl[r])];
  }
}

/// SparseSoftmaxCrossEntropyWithLogitsGrad(labels, logits, dloss):
/// (softmax(logits) - onehot(labels)) * dloss, recomputed rather than kept from
/// the forward pass, because a node has one output.
template <class T, class L>
void sparse_softmax_xent_grad_kernel(kernel_context& ctx) {
  const any_array& labels = ctx.input(0);
  const any_array& logits = ctx.input(1);
  const any_array& dloss = ctx.input(2);
  std::size_t rows, c;
  rows_cols(logits.shape(), rows, c);
  const L* pl = labels.data<L>();
  check_sparse_labels(ctx, pl, rows, c);
  ctx.out.ensure(dtype_of<T>, logits.shape());
  const T* px = logits.data<T>();
  const T* pd = dloss.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r) {
    T m, ls;
    T* orow = po + r * c;
    detail::softmax_row(px + r * c, orow, c, m, ls);
    orow[static_cast<std::size_t>(pl[r])] -= T(1);
    const T d = pd[r];
    for (std::size_t j = 0; j < c; ++j) orow[j] *= d;
  }
}

/// SigmoidCrossEntropyWithLogits(labels, logits): max(x, 0) - x * z + log1p(exp(-|x|)).
template <class T>
void sigmoid_xent_kernel(kernel_context& ctx) {
  const any_array& z = ctx.input(0);
  const any_array& x = ctx.input(1);
  check_same_shape(ctx, x, z, "logits and labels");
  ctx.out.ensure(dtype_of<T>, x.shape());
  const T* pz = z.data<T>();
  const T* px = x.data<T>();
  T* po = ctx.out.data<T>();
  const std::size_t n = x.size();
  for (std::size_t i = 0; i < n; ++i)
    po[i] = std::max(px[i], T(0)) - px[i] * pz[i] + std::log1p(std::exp(-std::abs(px[i])));
}

/// SigmoidCrossEntropyWithLogitsGrad(labels, logits, dy): (sigmoid(x) - z) * dy.
template <class T>
void sigmoid_xent_grad_kernel(kernel_context& ctx) {
  const any_array& z = ctx.input(0);
  const any_array& x = ctx.input(1);
  const any_array& dy = ctx.input(2);
  ctx.out.ensure(dtype_of<T>, x.shape());
  const T* pz = z.data<T>();
  const T* px = x.data<T>();
  const T* pd = dy.data<T>();
  T* po = ctx.out.data<T>();
  const std::size_t n = x.size();
  for (std::size_t i = 0; i < n; ++i) {
    // sigmoid without overflow for large |x|
    const T e = std::exp(-std::abs(px[i]));
    const T s = px[i] >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
    po[i] = (s - pz[i]) * pd[i];
  }
}

/// L2Loss: sum(x^2) / 2, a scalar.
template <class T>
void l2_loss_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  ctx.out.ensure(dtype_of<T>, dims{});
  const T* px = x.data<T>();
  const std::size_t n = x.size();
  T s = 0;
  for (std::size_t i = 0; i < n; ++i) s += px[i] * px[i];
  *ctx.out.data<T>() = s / T(2);
}

/// BiasAdd(value, bias): bias added along the last axis.
template <class T>
void bias_add_kernel(kernel_context& ctx) {
  const any_array& v = ctx.input(0);
  const any_array& b = ctx.input(1);
  std::size_t rows, c;
  rows_cols(v.shape(), rows, c);
  if (b.rank() != 1 || v.rank() < 1 || b.shape()[0] != c)
    ctx.fail("Must provide as many biases as the last dimension of the input tensor: " + to_string(b.shape()) +
             " vs. " + to_string(v.shape()));
  ctx.out.ensure(dtype_of<T>, v.shape());
  const T* pv = v.data<T>();
  const T* pb = b.data<T>();
  T* po = ctx.out.data<T>();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < c; ++j) po[r * c + j] = pv[r * c + j] + pb[j];
}

/// BiasAddGrad(dy): dy summed over every axis but the last.
template <class T>
void bias_add_grad_kernel(kernel_context& ctx) {
  const any_array& dy = ctx.input(0);
  std::size_t rows, c;
  rows_cols(dy.shape(), rows, c);
  ctx.out.ensure(dtype_of<T>, dims{c});
  const T* pd = dy.data<T>();
  T* po = ctx.out.data<T>();
  std::fill(po, po + c, T(0));
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < c; ++j) po[j] += pd[r * c + j];
}

/// DropoutMask(x[, rate]): 0 with probability `rate`, else 1 / (1 - rate), in
/// x's shape; the rate is dropout_attrs' or the scalar second input. Drawn from
/// the op's generator in this session (seeded from the graph and op seeds),
/// keyed by the node's own id.
template <class T>
void dropout_mask_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const double rate = ctx.nin > 1 ? static_cast<double>(*ctx.input(1).data<T>()) : ctx.attrs<dropout_attrs>().rate;
  if (!(rate >= 0.0 && rate < 1.0))
    ctx.fail("rate must be a scalar tensor or a float in the range [0, 1), got " + std::to_string(rate));
  ctx.out.ensure(dtype_of<T>, x.shape());
  T* po = ctx.out.data<T>();
  const std::size_t n = x.size();
  const T scale = static_cast<T>(1.0 / (1.0 - rate));
  if (rate == 0.0) {
    std::fill(po, po + n, T(1));
    return;
  }
  ctx.state.with_rng(ctx.self, ctx.graph.seed(), static_cast<std::uint64_t>(ctx.attrs<dropout_attrs>().seed2), [&](auto& engine) {
    for (std::size_t i = 0; i < n; ++i) {
      const double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
      po[i] = u >= rate ? scale : T(0);
    }
  });
}

}  // namespace sessionlib::kernels
