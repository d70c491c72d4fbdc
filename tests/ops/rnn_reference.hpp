// Plain C++ references of the recurrent cells (tests of ops/rnn_cell.hpp and
// ops/rnn.hpp): loops over xtensor containers in double, written from TF's
// formulas, and fixed weights to load into a cell's variables.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>

#include <sessionlib/sessionlib.hpp>

namespace rnn_reference {

using mat = xt::xtensor<double, 2>;
using vec = xt::xtensor<double, 1>;

/// A fixed [rows, cols] matrix of values in about [-scale, scale].
inline mat weights(std::size_t rows, std::size_t cols, double scale = 0.5, double phase = 0.0) {
  mat w = mat::from_shape({rows, cols});
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) w(i, j) = scale * std::sin(0.7 * static_cast<double>(i) + 1.3 * static_cast<double>(j) + phase);
  return w;
}
inline vec bias(std::size_t n, double scale = 0.2, double phase = 0.5) {
  vec b = vec::from_shape({n});
  for (std::size_t j = 0; j < n; ++j) b(j) = scale * std::cos(1.1 * static_cast<double>(j) + phase);
  return b;
}

/// [a, b] side by side.
inline mat concat(const mat& a, const mat& b) {
  mat out = mat::from_shape({a.shape(0), a.shape(1) + b.shape(1)});
  for (std::size_t i = 0; i < a.shape(0); ++i) {
    for (std::size_t j = 0; j < a.shape(1); ++j) out(i, j) = a(i, j);
    for (std::size_t j = 0; j < b.shape(1); ++j) out(i, a.shape(1) + j) = b(i, j);
  }
  return out;
}
/// a k + bias.
inline mat affine(const mat& a, const mat& k, const vec& b) {
  mat out = mat::from_shape({a.shape(0), k.shape(1)});
  for (std::size_t i = 0; i < a.shape(0); ++i)
    for (std::size_t j = 0; j < k.shape(1); ++j) {
      double s = b(j);
      for (std::size_t r = 0; r < k.shape(0); ++r) s += a(i, r) * k(r, j);
      out(i, j) = s;
    }
  return out;
}
inline double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

/// BasicRNNCell: tanh([x, h] k + b).
inline mat rnn_step(const mat& x, const mat& h, const mat& k, const vec& b) {
  mat z = affine(concat(x, h), k, b);
  for (auto& v : z) v = std::tanh(v);
  return z;
}

/// An LSTM step (gates i, j, f, o); returns {c, h}.
inline std::pair<mat, mat> lstm_step(const mat& x, const mat& c, const mat& h, const mat& k, const vec& b,
                                     double forget_bias = 1.0, double clip = 0.0) {
  const std::size_t n = c.shape(0), u = c.shape(1);
  const mat z = affine(concat(x, h), k, b);
  mat c2 = mat::from_shape({n, u}), h2 = mat::from_shape({n, u});
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t j = 0; j < u; ++j) {
      const double i = z(r, j), g = z(r, u + j), f = z(r, 2 * u + j), o = z(r, 3 * u + j);
      double cv = c(r, j) * sigmoid(f + forget_bias) + sigmoid(i) * std::tanh(g);
      if (clip > 0) cv = std::min(std::max(cv, -clip), clip);
      c2(r, j) = cv;
      h2(r, j) = std::tanh(cv) * sigmoid(o);
    }
  return {c2, h2};
}

/// A GRU step: r, u from the gates; candidate from [x, r h].
inline mat gru_step(const mat& x, const mat& h, const mat& gk, const vec& gb, const mat& ck, const vec& cb) {
  const std::size_t n = h.shape(0), u = h.shape(1);
  const mat gates = affine(concat(x, h), gk, gb);
  mat rh = mat::from_shape({n, u}), upd = mat::from_shape({n, u});
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t j = 0; j < u; ++j) {
      rh(r, j) = sigmoid(gates(r, j)) * h(r, j);
      upd(r, j) = sigmoid(gates(r, u + j));
    }
  const mat cand = affine(concat(x, rh), ck, cb);
  mat out = mat::from_shape({n, u});
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t j = 0; j < u; ++j) out(r, j) = upd(r, j) * h(r, j) + (1 - upd(r, j)) * std::tanh(cand(r, j));
  return out;
}

/// Row t of x [batch, time, width] as [batch, width].
inline mat step_of(const xt::xtensor<double, 3>& x, std::size_t t) {
  mat out = mat::from_shape({x.shape(0), x.shape(2)});
  for (std::size_t b = 0; b < x.shape(0); ++b)
    for (std::size_t j = 0; j < x.shape(2); ++j) out(b, j) = x(b, t, j);
  return out;
}

/// A fixed input [batch, time, width].
inline xt::xtensor<double, 3> sequence(std::size_t batch, std::size_t time, std::size_t width) {
  auto x = xt::xtensor<double, 3>::from_shape({batch, time, width});
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::sin(0.37 * static_cast<double>(i) + 0.1);
  return x;
}

/// CHECKs that a and b agree elementwise within tol.
template <class A, class B>
void check_close(const A& a, const B& b, double tol = 1e-12) {
  REQUIRE(a.shape().size() == b.shape().size());
  for (std::size_t d = 0; d < a.shape().size(); ++d) REQUIRE(a.shape()[d] == b.shape()[d]);
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("element " << i << ": " << a.data()[i] << " vs " << b.data()[i]);
    CHECK(std::abs(a.data()[i] - b.data()[i]) <= tol);
  }
}

}  // namespace rnn_reference
