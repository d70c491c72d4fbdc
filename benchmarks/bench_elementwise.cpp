// 2. The elementwise chain relu(a * b + c) * d - e on float32 vectors.
// Counters: GB/s over the 6 arrays of n floats moved (5 inputs, 1 output).
#include <benchmark/benchmark.h>

#include <thread>

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include <sessionlib/sessionlib.hpp>

#include "common.hpp"

namespace sl = sessionlib;

namespace {

using vec = xt::xtensor<float, 1>;

struct inputs {
  vec a, b, c, d, e;
  explicit inputs(std::size_t n)
      : a(make(n, 1)), b(make(n, 2)), c(make(n, 3)), d(make(n, 4)), e(make(n, 5)) {}
  static vec make(std::size_t n, std::uint32_t seed) {
    auto v = bench::uniform(n, seed);
    return xt::adapt(v, std::array<std::size_t, 1>{n});
  }
};

void bytes_moved(benchmark::State& state, std::size_t n) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 6 * static_cast<std::int64_t>(n) *
                          static_cast<std::int64_t>(sizeof(float)));
}

int all_cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

/// The chain's graph and a session over it. intra_op_threads: 0 is the default
/// config (all cores).
struct chain_model {
  sl::Graph g;
  sl::Tensor<float, sl::shape<sl::dyn>> a = sl::placeholder<float, sl::shape<sl::dyn>>(g, "a"),
                                        b = sl::placeholder<float, sl::shape<sl::dyn>>(g, "b"),
                                        c = sl::placeholder<float, sl::shape<sl::dyn>>(g, "c"),
                                        d = sl::placeholder<float, sl::shape<sl::dyn>>(g, "d"),
                                        e = sl::placeholder<float, sl::shape<sl::dyn>>(g, "e");
  sl::Tensor<float, sl::shape<sl::dyn>> out = sl::nn::relu(a * b + c) * d - e;
  sl::Session sess;
  chain_model(bool fusion, int intra_op_threads) : sess(g, config(fusion, intra_op_threads)) {
    bench::set_threads(intra_op_threads > 0 ? intra_op_threads : all_cores());
  }
  static sl::SessionConfig config(bool fusion, int intra_op_threads) {
    sl::SessionConfig c;
    c.optimizer.fusion = fusion;
    c.intra_op_threads = intra_op_threads;
    return c;
  }
};

void run_sessionlib(benchmark::State& state, bool fusion, int intra_op_threads) {
  const auto n = static_cast<std::size_t>(state.range(0));
  chain_model m(fusion, intra_op_threads);
  inputs in(n);
  auto f = m.sess.make_callable(m.out, sl::feed_list(m.a, m.b, m.c, m.d, m.e));
  for (auto _ : state) {
    vec r = f(in.a, in.b, in.c, in.d, in.e);
    benchmark::DoNotOptimize(r.data());
  }
  bytes_moved(state, n);
}

// The same graph through make_callable(..., sl::into): the result array is
// kept from call to call and the fused step writes straight into it, as the
// hand-written loop writes into its preallocated output.
void run_into(benchmark::State& state, int intra_op_threads) {
  const auto n = static_cast<std::size_t>(state.range(0));
  chain_model m(true, intra_op_threads);
  inputs in(n);
  auto f = m.sess.make_callable(m.out, sl::feed_list(m.a, m.b, m.c, m.d, m.e), sl::into);
  vec r;
  for (auto _ : state) {
    f(r, in.a, in.b, in.c, in.d, in.e);
    benchmark::DoNotOptimize(r.data());
    benchmark::ClobberMemory();
  }
  bytes_moved(state, n);
}

void fused(benchmark::State& state) { run_sessionlib(state, true, 0); }
void fused_into(benchmark::State& state) { run_into(state, 0); }
void fused_into_1thread(benchmark::State& state) { run_into(state, 1); }
void fused_1thread(benchmark::State& state) { run_sessionlib(state, true, 1); }
void unfused(benchmark::State& state) { run_sessionlib(state, false, 0); }

void hand(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  inputs in(n);
  vec out = xt::empty<float>({n});
  const float *a = in.a.data(), *b = in.b.data(), *c = in.c.data(), *d = in.d.data(), *e = in.e.data();
  float* o = out.data();
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) o[i] = std::max(a[i] * b[i] + c[i], 0.f) * d[i] - e[i];
    benchmark::ClobberMemory();
  }
  bytes_moved(state, n);
}

void xtensor_lazy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  inputs in(n);
  vec out = xt::empty<float>({n});
  for (auto _ : state) {
    xt::noalias(out) = xt::maximum(in.a * in.b + in.c, 0.f) * in.d - in.e;
    benchmark::ClobberMemory();
  }
  bytes_moved(state, n);
}

// Every intermediate a fresh array, as an eager framework computes it.
void xtensor_materialised(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  inputs in(n);
  for (auto _ : state) {
    vec t1 = in.a * in.b;
    vec t2 = t1 + in.c;
    vec t3 = xt::maximum(t2, 0.f);
    vec t4 = t3 * in.d;
    vec out = t4 - in.e;
    benchmark::DoNotOptimize(out.data());
  }
  bytes_moved(state, n);
}

void torch(benchmark::State& state) {
  if (!torch_peer::available()) return state.SkipWithError("libtorch not built");
  const auto n = static_cast<std::size_t>(state.range(0));
  bench::set_threads(all_cores());
  inputs in(n);
  torch_peer::Chain chain(in.a.data(), in.b.data(), in.c.data(), in.d.data(), in.e.data(), n);
  for (auto _ : state) benchmark::DoNotOptimize(chain.run());
  bytes_moved(state, n);
}

void sizes(benchmark::internal::Benchmark* b) { b->Arg(1000)->Arg(100000)->Arg(10000000)->UseRealTime(); }

}  // namespace

BENCHMARK(fused)->Name("chain/fused")->Apply(sizes);
BENCHMARK(fused_into)->Name("chain/fused_into")->Apply(sizes);
BENCHMARK(fused_into_1thread)->Name("chain/fused_into_1thread")->Apply(sizes);
BENCHMARK(fused_1thread)->Name("chain/fused_1thread")->Apply(sizes);
BENCHMARK(unfused)->Name("chain/unfused")->Apply(sizes);
BENCHMARK(hand)->Name("chain/hand")->Apply(sizes);
BENCHMARK(xtensor_lazy)->Name("chain/xtensor_lazy")->Apply(sizes);
BENCHMARK(xtensor_materialised)->Name("chain/xtensor_materialised")->Apply(sizes);
BENCHMARK(torch)->Name("chain/torch")->Apply(sizes);

BENCHMARK_MAIN();
