// 1. Per-call overhead: c = a * b on two fed float scalars.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

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

// The same call with the features a training program has on but unused: a
// variable and a Saver over it, a save and a traced run already done, the
// callable taking RunOptions (timeout and tracing off) and RunMetadata
// (null), and a second thread with its own callable on the same session,
// idle. It should cost what the plain callable costs.
void callable_features_idle(benchmark::State& state) {
  bench::set_threads(1);
  scalar_graph m;
  sl::Variable<float, sl::shape<4>> v(m.g, 1.0f, "v");
  m.sess.run(sl::global_variables_initializer(m.g));
  sl::train::Saver saver(m.g);
  const auto dir = std::filesystem::temp_directory_path() / ("sessionlib-bench-" + std::to_string(::getpid()));
  saver.save(m.sess, (dir / "model").string());
  sl::RunOptions traced;
  traced.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  (void)m.sess.run(m.c, {{m.a, 1.f}, {m.b, 2.f}}, traced, &md);
  auto f = m.sess.make_callable(m.c, sl::feed_list(m.a, m.b), sl::accept_options);
  std::atomic<bool> stop{false};
  std::thread idle([&] {
    auto g = m.sess.make_callable(m.c, sl::feed_list(m.a, m.b));
    benchmark::DoNotOptimize(g(1.f, 2.f));
    while (!stop.load(std::memory_order_relaxed)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  const sl::RunOptions plain;
  float a = 5.f, b = 6.f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    float c = f(a, b, plain, nullptr);
    benchmark::DoNotOptimize(c);
  }
  stop = true;
  idle.join();
  std::filesystem::remove_all(dir);
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
BENCHMARK(callable_features_idle)->Name("overhead/callable_features_idle")->UseRealTime();
BENCHMARK(run_with_feeds)->Name("overhead/run")->UseRealTime();
BENCHMARK(hand)->Name("overhead/hand")->UseRealTime();
BENCHMARK(torch)->Name("overhead/torch")->UseRealTime();

BENCHMARK_MAIN();
