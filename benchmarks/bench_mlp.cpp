// 4. One SGD training step of the 784-256-10 MLP (batch 64), at 1 and 2 threads.
#include <benchmark/benchmark.h>

#include "mlp.hpp"

namespace {

void session(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  bench::set_threads(threads);
  const bench::mlp_batch_data data;
  bench::sessionlib_mlp model(data, threads);
  for (auto _ : state) model.step();
}

void hand(benchmark::State& state) {
  bench::set_threads(static_cast<int>(state.range(0)));
  const bench::mlp_batch_data data;
  bench::hand_mlp model(data);
  for (auto _ : state) benchmark::DoNotOptimize(model.step());
}

void torch(benchmark::State& state) {
  if (!torch_peer::available()) return state.SkipWithError("libtorch not built");
  bench::set_threads(static_cast<int>(state.range(0)));
  const bench::mlp_batch_data data;
  torch_peer::Mlp model(data.x.data(), data.y.data(), bench::mlp_batch, bench::mlp_rate);
  for (auto _ : state) benchmark::DoNotOptimize(model.step());
}

void threads(benchmark::internal::Benchmark* b) { b->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime(); }

}  // namespace

BENCHMARK(session)->Name("mlp/sessionlib")->Apply(threads);
BENCHMARK(hand)->Name("mlp/hand")->Apply(threads);
BENCHMARK(torch)->Name("mlp/torch")->Apply(threads);

BENCHMARK_MAIN();
