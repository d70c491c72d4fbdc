// torch_peer with libtorch (C++17 translation unit; see torch_peer.hpp).
#include "torch_peer.hpp"

#include <torch/torch.h>

namespace torch_peer {

bool available() { return true; }

void set_threads(int n) { torch::set_num_threads(n); }

float mul_scalars(float a, float b) {
  const at::Tensor ta = torch::scalar_tensor(a);
  const at::Tensor tb = torch::scalar_tensor(b);
  return (ta * tb).item<float>();
}

namespace {
at::Tensor wrap(const float* p, std::size_t n) {
  // from_blob does not write: the const_cast only satisfies its signature.
  return torch::from_blob(const_cast<float*>(p), {static_cast<std::int64_t>(n)}, torch::kFloat32);
}
}  // namespace

struct Chain::impl {
  at::Tensor a, b, c, d, e, out;
};

Chain::Chain(const float* a, const float* b, const float* c, const float* d, const float* e, std::size_t n)
    : p_(std::make_unique<impl>(impl{wrap(a, n), wrap(b, n), wrap(c, n), wrap(d, n), wrap(e, n), {}})) {}
Chain::~Chain() = default;

float Chain::run() {
  torch::NoGradGuard no_grad;
  p_->out = torch::relu(p_->a * p_->b + p_->c) * p_->d - p_->e;
  return p_->out.data_ptr<float>()[0];
}

struct Matmul::impl {
  at::Tensor a, b, out;
};

Matmul::Matmul(std::size_t n) : p_(std::make_unique<impl>()) {
  torch::manual_seed(1);
  const auto m = static_cast<std::int64_t>(n);
  p_->a = torch::rand({m, m});
  p_->b = torch::rand({m, m});
}
Matmul::~Matmul() = default;

float Matmul::run() {
  torch::NoGradGuard no_grad;
  p_->out = torch::mm(p_->a, p_->b);
  return p_->out.data_ptr<float>()[0];
}

struct Mlp::impl {
  torch::nn::Linear l1{784, 256};
  torch::nn::Linear l2{256, 10};
  at::Tensor x, y;
  std::unique_ptr<torch::optim::SGD> opt;
};

Mlp::Mlp(const float* x, const std::int64_t* y, std::size_t batch, float learning_rate)
    : p_(std::make_unique<impl>()) {
  const auto b = static_cast<std::int64_t>(batch);
  p_->x = torch::from_blob(const_cast<float*>(x), {b, 784}, torch::kFloat32);
  p_->y = torch::from_blob(const_cast<std::int64_t*>(y), {b}, torch::kInt64);
  std::vector<at::Tensor> params = p_->l1->parameters();
  for (const auto& t : p_->l2->parameters()) params.push_back(t);
  p_->opt = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(learning_rate));
}
Mlp::~Mlp() = default;

float Mlp::step() {
  p_->opt->zero_grad();
  const at::Tensor logits = p_->l2(torch::relu(p_->l1(p_->x)));
  at::Tensor loss = torch::nn::functional::cross_entropy(logits, p_->y);
  loss.backward();
  p_->opt->step();
  return loss.item<float>();
}

struct Lstm::impl {
  torch::nn::LSTM lstm{torch::nn::LSTMOptions(28, 128).batch_first(true)};
  torch::nn::Linear dense{128, 10};
  at::Tensor x, y;
  std::unique_ptr<torch::optim::Adam> opt;
};

Lstm::Lstm(const float* x, const std::int64_t* y, std::size_t batch, float learning_rate)
    : p_(std::make_unique<impl>()) {
  const auto b = static_cast<std::int64_t>(batch);
  p_->x = torch::from_blob(const_cast<float*>(x), {b, 28, 28}, torch::kFloat32);
  p_->y = torch::from_blob(const_cast<std::int64_t*>(y), {b}, torch::kInt64);
  std::vector<at::Tensor> params = p_->lstm->parameters();
  for (const auto& t : p_->dense->parameters()) params.push_back(t);
  p_->opt = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(learning_rate));
}
Lstm::~Lstm() = default;

float Lstm::step() {
  p_->opt->zero_grad();
  const at::Tensor outputs = std::get<0>(p_->lstm->forward(p_->x));  // [batch, 28, 128]
  const at::Tensor logits = p_->dense(outputs.select(1, 27));
  at::Tensor loss = torch::nn::functional::cross_entropy(logits, p_->y);
  loss.backward();
  p_->opt->step();
  return loss.item<float>();
}

}  // namespace torch_peer
