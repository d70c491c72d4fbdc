// One Adam training step of the LSTM example's model (examples/lstm_fashion_mnist.cpp):
// 28 rows of 28 pixels through a 128-unit LSTM, the last output through a dense
// layer to 10 classes, sparse softmax cross-entropy, batch 64, against PyTorch's
// nn.LSTM (batch_first) + nn.Linear + Adam in libtorch (the same model and batch,
// read in place), at 1 and 2 threads. sessionlib's LSTM is sl::nn::static_rnn of
// a BasicLSTMCell (the unrolled cell); libtorch's is its fused LSTM kernel.
#include <benchmark/benchmark.h>

#include <memory>

#include "mlp.hpp"

namespace {

constexpr std::ptrdiff_t rows = 28, width = 28, units = 128;
constexpr float lstm_rate = 1e-3f;

/// The sessionlib model; `step()` runs the train op with x and y fed.
class sessionlib_lstm : public bench::session_step {
 public:
  sessionlib_lstm(const bench::mlp_batch_data& data, int threads)
      : session_step(data, threads, [](sessionlib::Graph& g, const auto& x, const auto& y) {
          namespace sl = sessionlib;
          sl::nn::rnn_cell::BasicLSTMCell<units, width> cell(g, {.seed = 1});
          const auto [outputs, state] = sl::nn::static_rnn(cell, sl::unstack<1>(sl::reshape<sl::shape<sl::dyn, rows, width>>(x)));
          sl::Variable<float, sl::shape<units, 10>> w(g, sl::init::glorot_uniform<float>(2), "dense/w");
          sl::Variable<float, sl::shape<10>> b(g, sl::init::zeros<float>(), "dense/b");
          auto logits = sl::matmul(state.h, w) + b;
          auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
          return sl::train::AdamOptimizer(lstm_rate).minimize(loss);
        }) {}
};

void session(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  bench::set_threads(threads);
  const bench::mlp_batch_data data;  // 64 x 784 pixels: 64 sequences of 28 rows of 28
  sessionlib_lstm model(data, threads);
  for (auto _ : state) model.step();
}

void torch(benchmark::State& state) {
  if (!torch_peer::available()) return state.SkipWithError("libtorch not built");
  bench::set_threads(static_cast<int>(state.range(0)));
  const bench::mlp_batch_data data;
  torch_peer::Lstm model(data.x.data(), data.y.data(), bench::mlp_batch, lstm_rate);
  for (auto _ : state) benchmark::DoNotOptimize(model.step());
}

void threads(benchmark::internal::Benchmark* b) { b->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime(); }

}  // namespace

BENCHMARK(session)->Name("lstm/sessionlib")->Apply(threads);
BENCHMARK(torch)->Name("lstm/torch")->Apply(threads);

BENCHMARK_MAIN();
