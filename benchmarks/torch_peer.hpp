// The libtorch comparison behind a plain C++ interface: torch's headers fail
// with clang 14 in C++20, so they stay in torch_peer.cpp, compiled as C++17.
// Without libtorch, torch_peer_none.cpp provides the same names and
// available() is false; the benchmarks then skip their libtorch rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace torch_peer {

/// Whether the benchmark was built against libtorch.
bool available();

/// torch::set_num_threads (intra-op).
void set_threads(int n);

/// c = a * b on scalars, eagerly: two 0-d tensors from the scalars, a mul,
/// and the result read back as a float.
float mul_scalars(float a, float b);

/// relu(a * b + c) * d - e over n floats read in place (torch::from_blob).
class Chain {
 public:
  Chain(const float* a, const float* b, const float* c, const float* d, const float* e, std::size_t n);
  ~Chain();
  /// Runs the chain; returns the result's first element.
  float run();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// torch::mm of two n x n float matrices.
class Matmul {
 public:
  explicit Matmul(std::size_t n);
  ~Matmul();
  /// One product; returns an element of the result.
  float run();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// A 784-256-10 ReLU MLP, sparse softmax cross-entropy, plain SGD: the same
/// model as the sessionlib and hand-written benchmarks, batch read in place.
class Mlp {
 public:
  Mlp(const float* x, const std::int64_t* y, std::size_t batch, float learning_rate);
  ~Mlp();
  /// One training step (zero_grad, forward, backward, update); returns the loss.
  float step();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// The LSTM example's model: nn::LSTM(28, 128, batch_first) over 28 rows of 28
/// pixels, the last output through nn::Linear(128, 10), cross-entropy, Adam;
/// batch read in place.
class Lstm {
 public:
  Lstm(const float* x, const std::int64_t* y, std::size_t batch, float learning_rate);
  ~Lstm();
  /// One training step (zero_grad, forward, backward, update); returns the loss.
  float step();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace torch_peer
