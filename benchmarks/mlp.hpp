// The 784-256-10 ReLU MLP of the training benchmarks (batch 64, sparse
// softmax cross-entropy, plain SGD), written twice: as a sessionlib graph run
// through make_callable, and by hand over OpenBLAS with preallocated buffers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include <cblas.h>

#include <sessionlib/sessionlib.hpp>

#include "common.hpp"

namespace bench {

inline constexpr std::size_t mlp_in = 784, mlp_hidden = 256, mlp_out = 10, mlp_batch = 64;
inline constexpr float mlp_rate = 0.01f;

/// One fixed batch: inputs in [0, 1), labels in [0, 10).
struct mlp_batch_data {
  std::vector<float> x = uniform(mlp_batch * mlp_in, 11, 0.f, 1.f);
  std::vector<std::int64_t> y = labels(mlp_batch, mlp_out, 12);
};

/// The model's mean cross-entropy loss on x [batch, mlp_in] and labels y, with
/// its variables w1, b1, w2, b2 made in `g` (bench_mpi_mlp builds the same).
template <class X, class Y>
auto mlp_loss(sessionlib::Graph& g, const X& x, const Y& y) {
  namespace sl = sessionlib;
  sl::Variable<float, sl::shape<mlp_in, mlp_hidden>> w1(g, sl::init::glorot_uniform<float>(1), "w1");
  sl::Variable<float, sl::shape<mlp_hidden>> b1(g, sl::init::zeros<float>(), "b1");
  sl::Variable<float, sl::shape<mlp_hidden, mlp_out>> w2(g, sl::init::glorot_uniform<float>(2), "w2");
  sl::Variable<float, sl::shape<mlp_out>> b2(g, sl::init::zeros<float>(), "b2");
  auto hidden = sl::nn::relu(sl::matmul(x, w1) + b1);
  auto logits = sl::matmul(hidden, w2) + b2;
  return sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
}

/// A sessionlib training step on one batch of `data`: `build(g, x, y)` adds
/// the model on placeholders x [batch, mlp_in] and y (labels) and returns its
/// train op; `step()` runs it with the batch fed. bench_lstm's model uses it too.
class session_step {
 public:
  template <class Build>
  session_step(const mlp_batch_data& data, int threads, Build&& build) {
    namespace sl = sessionlib;
    auto x = sl::placeholder<float, sl::shape<sl::dyn, mlp_in>>(g_, "x");
    auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g_, "y");
    auto train = build(g_, x, y);
    sl::SessionConfig config;
    config.intra_op_threads = threads;
    config.inter_op_threads = threads;
    sess_ = std::make_unique<sl::Session>(g_, config);
    sess_->run(sl::global_variables_initializer(g_));
    step_ = sess_->make_callable(train, sl::feed_list(x, y));
    x_ = xt::adapt(data.x, std::array<std::size_t, 2>{mlp_batch, mlp_in});
    y_ = xt::adapt(data.y, std::array<std::size_t, 1>{mlp_batch});
  }

  void step() { step_(x_, y_); }

 private:
  sessionlib::Graph g_;
  std::unique_ptr<sessionlib::Session> sess_;
  std::function<sessionlib::none_t(const xt::xtensor<float, 2>&, const xt::xtensor<std::int64_t, 1>&)> step_;
  xt::xtensor<float, 2> x_;
  xt::xtensor<std::int64_t, 1> y_;
};

/// The sessionlib model; `step()` runs the train op with x and y fed.
class sessionlib_mlp : public session_step {
 public:
  sessionlib_mlp(const mlp_batch_data& data, int threads)
      : session_step(data, threads, [](sessionlib::Graph& g, const auto& x, const auto& y) {
          return sessionlib::train::GradientDescentOptimizer(mlp_rate).minimize(mlp_loss(g, x, y));
        }) {}
};

/// The same step written by hand: forward, backward and update with
/// cblas_sgemm and plain loops into buffers allocated once.
class hand_mlp {
 public:
  explicit hand_mlp(const mlp_batch_data& data)
      : x_(data.x.data()), y_(data.y.data()),
        w1_(uniform(mlp_in * mlp_hidden, 1, -limit(mlp_in, mlp_hidden), limit(mlp_in, mlp_hidden))),
        b1_(mlp_hidden, 0.f),
        w2_(uniform(mlp_hidden * mlp_out, 2, -limit(mlp_hidden, mlp_out), limit(mlp_hidden, mlp_out))),
        b2_(mlp_out, 0.f), h_(mlp_batch * mlp_hidden), logits_(mlp_batch * mlp_out), dh_(mlp_batch * mlp_hidden),
        dw1_(mlp_in * mlp_hidden), dw2_(mlp_hidden * mlp_out), db1_(mlp_hidden), db2_(mlp_out) {}

  /// One step; returns the mean loss.
  float step() {
    constexpr int B = mlp_batch, I = mlp_in, H = mlp_hidden, O = mlp_out;
    // h = relu(x w1 + b1)
    for (int r = 0; r < B; ++r) std::copy(b1_.begin(), b1_.end(), h_.begin() + r * H);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, I, 1.f, x_, I, w1_.data(), H, 1.f, h_.data(), H);
    for (float& v : h_) v = std::max(v, 0.f);
    // logits = h w2 + b2
    for (int r = 0; r < B; ++r) std::copy(b2_.begin(), b2_.end(), logits_.begin() + r * O);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, O, H, 1.f, h_.data(), H, w2_.data(), O, 1.f,
                logits_.data(), O);
    // loss and dlogits = (softmax - onehot) / B, in place of logits
    float loss = 0.f;
    for (int r = 0; r < B; ++r) {
      float* l = logits_.data() + r * O;
      const float m = *std::max_element(l, l + O);
      float sum = 0.f;
      for (int k = 0; k < O; ++k) sum += (l[k] = std::exp(l[k] - m));
      const auto label = static_cast<int>(y_[r]);
      loss += std::log(sum) - std::log(l[label]);
      for (int k = 0; k < O; ++k) l[k] = (l[k] / sum - (k == label ? 1.f : 0.f)) / B;
    }
    // dw2 = h^T dlogits, db2 = column sums, dh = dlogits w2^T masked by relu
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, O, B, 1.f, h_.data(), H, logits_.data(), O, 0.f,
                dw2_.data(), O);
    column_sums(logits_.data(), B, O, db2_.data());
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, O, 1.f, logits_.data(), O, w2_.data(), O, 0.f,
                dh_.data(), H);
    for (std::size_t i = 0; i < dh_.size(); ++i)
      if (h_[i] <= 0.f) dh_[i] = 0.f;
    // dw1 = x^T dh, db1 = column sums
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, I, H, B, 1.f, x_, I, dh_.data(), H, 0.f, dw1_.data(), H);
    column_sums(dh_.data(), B, H, db1_.data());
    // SGD
    cblas_saxpy(static_cast<int>(w1_.size()), -mlp_rate, dw1_.data(), 1, w1_.data(), 1);
    cblas_saxpy(H, -mlp_rate, db1_.data(), 1, b1_.data(), 1);
    cblas_saxpy(static_cast<int>(w2_.size()), -mlp_rate, dw2_.data(), 1, w2_.data(), 1);
    cblas_saxpy(O, -mlp_rate, db2_.data(), 1, b2_.data(), 1);
    return loss / B;
  }

 private:
  static float limit(std::size_t fan_in, std::size_t fan_out) {
    return std::sqrt(6.f / static_cast<float>(fan_in + fan_out));
  }
  static void column_sums(const float* m, int rows, int cols, float* out) {
    std::fill(out, out + cols, 0.f);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) out[c] += m[r * cols + c];
  }

  const float* x_;
  const std::int64_t* y_;
  std::vector<float> w1_, b1_, w2_, b2_, h_, logits_, dh_, dw1_, dw2_, db1_, db2_;
};

}  // namespace bench
