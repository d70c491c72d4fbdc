// torch_peer without libtorch: nothing is available; the benchmarks skip
// their libtorch rows (see torch_peer.hpp).
#include "torch_peer.hpp"

namespace torch_peer {

bool available() { return false; }
void set_threads(int) {}
float mul_scalars(float a, float b) { return a * b; }

struct Chain::impl {};
Chain::Chain(const float*, const float*, const float*, const float*, const float*, std::size_t) {}
Chain::~Chain() = default;
float Chain::run() { return 0.f; }

struct Matmul::impl {};
Matmul::Matmul(std::size_t) {}
Matmul::~Matmul() = default;
float Matmul::run() { return 0.f; }

struct Mlp::impl {};
Mlp::Mlp(const float*, const std::int64_t*, std::size_t, float) {}
Mlp::~Mlp() = default;
float Mlp::step() { return 0.f; }

struct Lstm::impl {};
Lstm::Lstm(const float*, const std::int64_t*, std::size_t, float) {}
Lstm::~Lstm() = default;
float Lstm::step() { return 0.f; }

}  // namespace torch_peer
