// 4. One SGD training step of the 784-256-10 MLP (batch 64), at 1 and 2 threads.
// 5. One optimizer step (SGD, Adagrad) of a 100,000 x 64 float embedding on a
//    batch looking up 64 or 640 rows: the sparse update of the rows (the
//    gradient of the lookup as TF's IndexedSlices) against the dense update of
//    the same gradient made dense, which streams the whole table.
#include <benchmark/benchmark.h>

#include <memory>

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

constexpr std::size_t vocabulary = 100000, embedding_dim = 64;

/// loss = l2_loss(embedding_lookup(table, ids)), one optimizer step per call, 1 thread.
/// `dense`: the optimizer gets identity(gradient), so it updates the whole table.
class embedding_model {
 public:
  embedding_model(bool adagrad, bool dense, std::size_t rows) {
    namespace sl = sessionlib;
    sl::Variable<float, sl::shape<vocabulary, embedding_dim>> table(g_, sl::init::random_uniform<float>(-1.f, 1.f, 1),
                                                                     "table");
    auto ids = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g_, "ids");
    auto loss = sl::nn::l2_loss(sl::nn::embedding_lookup(table, ids));
    std::unique_ptr<sl::train::Optimizer> opt;
    if (adagrad) opt = std::make_unique<sl::train::AdagradOptimizer>(0.01);
    else opt = std::make_unique<sl::train::GradientDescentOptimizer>(0.01);
    auto grads = opt->compute_gradients(loss);
    if (dense) {
      auto grad = grads[0].gradient<float, sl::shape<vocabulary, embedding_dim>>();
      grads[0] = sl::train::grad_and_var::of(sl::identity(grad), table);
    }
    auto train = opt->apply_gradients(grads);
    sl::SessionConfig config;
    config.intra_op_threads = 1;
    config.inter_op_threads = 1;
    sess_ = std::make_unique<sl::Session>(g_, config);
    sess_->run(sl::global_variables_initializer(g_));
    step_ = sess_->make_callable(train, sl::feed_list(ids));
    const auto v = bench::labels(rows, vocabulary, 21);
    ids_ = xt::adapt(v, std::array<std::size_t, 1>{rows});
  }
  void step() { step_(ids_); }

 private:
  sessionlib::Graph g_;
  std::unique_ptr<sessionlib::Session> sess_;
  std::function<sessionlib::none_t(const xt::xtensor<std::int64_t, 1>&)> step_;
  xt::xtensor<std::int64_t, 1> ids_;
};

template <bool Adagrad, bool Dense>
void embedding(benchmark::State& state) {
  bench::set_threads(1);
  embedding_model model(Adagrad, Dense, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) model.step();
}

void rows(benchmark::internal::Benchmark* b) { b->ArgName("rows")->Arg(64)->Arg(640)->UseRealTime(); }

}  // namespace

BENCHMARK(session)->Name("mlp/sessionlib")->Apply(threads);
BENCHMARK(hand)->Name("mlp/hand")->Apply(threads);
BENCHMARK(torch)->Name("mlp/torch")->Apply(threads);
BENCHMARK(embedding<false, false>)->Name("embedding/sgd/sparse")->Apply(rows);
BENCHMARK(embedding<false, true>)->Name("embedding/sgd/dense")->Apply(rows);
BENCHMARK(embedding<true, false>)->Name("embedding/adagrad/sparse")->Apply(rows);
BENCHMARK(embedding<true, true>)->Name("embedding/adagrad/dense")->Apply(rows);

BENCHMARK_MAIN();
