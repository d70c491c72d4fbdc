// 1. Per-call overhead: c = a * b on two fed float scalars.
#include <benchmark/benchmark.h>

#include <sessionlib/sessionlib.hpp>

#include "common.hpp"

namespace sl = sessionlib;

namespace {

struct scalar_graph {
  sl::Graph g;
  sl::Tensor<float, sl::shape<>> a = sl::placeholder<float, sl::shape<>>(g, "a");
  sl::Tensor<float, sl::shape<>> b = sl::placeholder<float, sl::shape<>>(g, "b");
  sl::Tensor<float, sl::shape<>> c = a * b;
  sl::Session sess{g};
};

void callable(benchmark::State& state) {
  bench::set_threads(1);
  scalar_graph m;
  auto f = m.sess.make_callable(m.c, sl::feed_list(m.a, m.b));
  float a = 5.f, b = 6.f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    float c = f(a, b);
    benchmark::DoNotOptimize(c);
  }
}

void run_with_feeds(benchmark::State& state) {
  bench::set_threads(1);
  scalar_graph m;
  float a = 5.f, b = 6.f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    float c = m.sess.run(m.c, {{m.a, a}, {m.b, b}});
    benchmark::DoNotOptimize(c);
  }
}

[[gnu::noinline]] float multiply(float a, float b) { return a * b; }

void hand(benchmark::State& state) {
  float a = 5.f, b = 6.f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
    float c = multiply(a, b);
    benchmark::DoNotOptimize(c);
  }
}

void torch(benchmark::State& state) {
  if (!torch_peer::available()) return state.SkipWithError("libtorch not built");
  bench::set_threads(1);
  float a = 5.f, b = 6.f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    float c = torch_peer::mul_scalars(a, b);
    benchmark::DoNotOptimize(c);
  }
}

}  // namespace

BENCHMARK(callable)->Name("overhead/callable")->UseRealTime();
BENCHMARK(run_with_feeds)->Name("overhead/run")->UseRealTime();
BENCHMARK(hand)->Name("overhead/hand")->UseRealTime();
BENCHMARK(torch)->Name("overhead/torch")->UseRealTime();

BENCHMARK_MAIN();
