// 3. matmul of two n x n float32 matrices, both fed, at 1 and 2 threads.
#include <benchmark/benchmark.h>

#include <cblas.h>

#include <sessionlib/sessionlib.hpp>

#include "common.hpp"

namespace sl = sessionlib;

namespace {

using mat = xt::xtensor<float, 2>;

mat make(std::size_t n, std::uint32_t seed) {
  auto v = bench::uniform(n * n, seed);
  return xt::adapt(v, std::array<std::size_t, 2>{n, n});
}

void flops(benchmark::State& state, std::size_t n) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * n * n) * 1e-9 *
                                                     static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

void session(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  bench::set_threads(threads);
  const mat a = make(n, 1), b = make(n, 2);
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, sl::dyn>>(g, "x");
  auto w = sl::placeholder<float, sl::shape<sl::dyn, sl::dyn>>(g, "w");
  auto y = sl::matmul(x, w);
  sl::SessionConfig config;
  config.intra_op_threads = threads;
  config.inter_op_threads = threads;
  sl::Session sess(g, config);
  auto f = sess.make_callable(y, sl::feed_list(x, w));
  for (auto _ : state) {
    mat r = f(a, b);
    benchmark::DoNotOptimize(r.data());
  }
  flops(state, n);
}

void openblas(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  bench::set_threads(static_cast<int>(state.range(1)));
  const mat a = make(n, 1), b = make(n, 2);
  mat c = xt::empty<float>({n, n});
  const int m = static_cast<int>(n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.f, a.data(), m, b.data(), m, 0.f, c.data(), m);
    benchmark::ClobberMemory();
  }
  flops(state, n);
}

void torch(benchmark::State& state) {
  if (!torch_peer::available()) return state.SkipWithError("libtorch not built");
  const auto n = static_cast<std::size_t>(state.range(0));
  bench::set_threads(static_cast<int>(state.range(1)));
  torch_peer::Matmul mm(n);
  for (auto _ : state) benchmark::DoNotOptimize(mm.run());
  flops(state, n);
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads"})->ArgsProduct({{256, 1024}, {1, 2}})->UseRealTime();
}

}  // namespace

BENCHMARK(session)->Name("matmul/sessionlib")->Apply(sizes);
BENCHMARK(openblas)->Name("matmul/openblas")->Apply(sizes);
BENCHMARK(torch)->Name("matmul/torch")->Apply(sizes);

BENCHMARK_MAIN();
