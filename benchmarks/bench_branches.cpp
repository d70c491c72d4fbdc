// 5. Independent branches (issue 5): two or four 512x512 float matmuls of one
// fed matrix, summed, at intra_op_threads 1 with inter_op_threads 1 and 2 (the
// branches side by side), and at intra 2 / inter 1 (each matmul on two threads).
#include <benchmark/benchmark.h>

#include <sessionlib/sessionlib.hpp>

#include "common.hpp"

namespace sl = sessionlib;

namespace {

constexpr std::size_t n = 512;
using mat = xt::xtensor<float, 2>;
using fixed = sl::shape<512, 512>;

mat make(std::uint32_t seed) {
  auto v = bench::uniform(n * n, seed);
  return xt::adapt(v, std::array<std::size_t, 2>{n, n});
}

void session(benchmark::State& state) {
  const auto branches = static_cast<int>(state.range(0));
  const int intra = static_cast<int>(state.range(1)), inter = static_cast<int>(state.range(2));
  bench::set_threads(intra);
  const mat a = make(1), b0 = make(2), b1 = make(3), b2 = make(4), b3 = make(5);
  sl::Graph g;
  auto x = sl::placeholder<float, fixed>(g, "x");
  auto w0 = sl::constant(g, b0), w1 = sl::constant(g, b1), w2 = sl::constant(g, b2), w3 = sl::constant(g, b3);
  auto two = sl::matmul(x, w0) + sl::matmul(x, w1);
  auto four = two + sl::matmul(x, w2) + sl::matmul(x, w3);
  sl::SessionConfig config;
  config.intra_op_threads = intra;
  config.inter_op_threads = inter;
  sl::Session sess(g, config);
  auto f2 = sess.make_callable(two, sl::feed_list(x));
  auto f4 = sess.make_callable(four, sl::feed_list(x));
  for (auto _ : state) {
    mat r = branches == 2 ? f2(a) : f4(a);
    benchmark::DoNotOptimize(r.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * branches * static_cast<double>(n * n * n) * 1e-9 *
                                                     static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

void configs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"branches", "intra", "inter"})->UseRealTime();
  for (int branches : {2, 4})
    for (auto [intra, inter] : {std::pair{1, 1}, std::pair{1, 2}, std::pair{2, 1}}) b->Args({branches, intra, inter});
}

}  // namespace

BENCHMARK(session)->Name("branches/sessionlib")->Apply(configs);

BENCHMARK_MAIN();
