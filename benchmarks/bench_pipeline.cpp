// 6. The flagship's training step (examples/fashion_mnist.cpp: the 784-256-10
//    MLP, Adam, batch 64) fed from an input pipeline in the graph -- gzip'd IDX
//    files, IdxRecordReader's read_up_to (a batch of records per run), decode_raw
//    and cast, shuffle_batch (enqueue_many) filled by one runner thread -- against the same step fed batches prepared in advance
//    (target: within 5%: the input never starves the step), at 1 and 2 threads.
// 7. The pipeline alone: dequeues of 64 examples, no training; its throughput
//    in examples/s is the rate one runner thread reads, decodes and enqueues.
// The IDX files are synthetic (10000 random 28x28 images), written once to a
// temporary directory, so the benchmark needs no data set.
#include <benchmark/benchmark.h>

#include <sessionlib/input.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "common.hpp"

namespace {

namespace sl = sessionlib;

constexpr std::size_t batch = 64, images = 10000;

/// The IDX files, gzip'd as Debian ships Fashion-MNIST; removed at exit.
struct idx_files {
  std::filesystem::path dir, images_path, labels_path;
  idx_files() {
    dir = std::filesystem::temp_directory_path() / ("sl_bench_pipeline_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    images_path = dir / "train-images-idx3-ubyte.gz";
    labels_path = dir / "train-labels-idx1-ubyte.gz";
    const auto pixels = bench::labels(images * 784, 256, 1);
    const auto classes = bench::labels(images, 10, 2);
    write(images_path, {images, 28, 28}, pixels);
    write(labels_path, {images}, classes);
  }
  ~idx_files() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static void write(const std::filesystem::path& p, const std::vector<std::uint32_t>& dims,
                    const std::vector<std::int64_t>& values) {
    std::string bytes{'\0', '\0', '\x08', static_cast<char>(dims.size())};
    for (auto d : dims)
      for (int s = 24; s >= 0; s -= 8) bytes += static_cast<char>(d >> s);
    for (auto v : values) bytes += static_cast<char>(v);
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  }
};

const idx_files& files() {
  static const idx_files f;
  return f;
}

/// The flagship's input pipeline (examples/fashion_mnist.cpp, --pipeline).
auto input_pipeline(sl::Graph& g) {
  auto image_files = sl::train::string_input_producer(g, {files().images_path.string()}, 0, false);
  auto label_files = sl::train::string_input_producer(g, {files().labels_path.string()}, 0, false);
  sl::IdxRecordReader image_reader(g, 784), label_reader(g, 1);
  const auto image_bytes = std::get<1>(image_reader.read_up_to(image_files, batch));
  const auto label_bytes = std::get<1>(label_reader.read_up_to(label_files, batch));
  auto images = sl::cast<float>(sl::reshape<sl::shape<sl::dyn, 784>>(sl::decode_raw<std::uint8_t>(image_bytes))) / 255.f;
  auto labels = sl::cast<std::int64_t>(sl::reshape<sl::shape<sl::dyn>>(sl::decode_raw<std::uint8_t>(label_bytes)));
  constexpr std::int64_t min_after_dequeue = 2000;
  constexpr std::int64_t slack_batches = 3;  // room above min_after_dequeue, as examples/fashion_mnist.cpp
  return sl::train::shuffle_batch<batch>(sl::train::enqueue_many(std::tuple{images, labels}),
                                         min_after_dequeue + slack_batches * batch, min_after_dequeue, 42, {.num_threads = 1});
}

/// The flagship's model on x, y; its training op.
template <class X, class Y>
sl::Operation flagship(sl::Graph& g, const X& x, const Y& y) {
  sl::Variable<float, sl::shape<784, 256>> w1(g, sl::init::glorot_uniform<float>(1), "dense1/w");
  sl::Variable<float, sl::shape<256>> b1(g, sl::init::zeros<float>(), "dense1/b");
  sl::Variable<float, sl::shape<256, 10>> w2(g, sl::init::glorot_uniform<float>(2), "dense2/w");
  sl::Variable<float, sl::shape<10>> b2(g, sl::init::zeros<float>(), "dense2/b");
  auto logits = sl::matmul(sl::nn::relu(sl::matmul(x, w1) + b1), w2) + b2;
  auto loss = sl::reduce_mean(sl::nn::sparse_softmax_cross_entropy_with_logits(y, logits));
  return sl::train::AdamOptimizer(1e-3f).minimize(loss);
}

sl::SessionConfig config(int threads) {
  sl::SessionConfig c;
  c.intra_op_threads = threads;
  c.inter_op_threads = threads;
  return c;
}

/// The process's CPU time so far (every thread's), in seconds.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

/// Counts the cores the process used while the benchmark ran (its CPU time
/// over the wall time): on an idle 2-core machine the runner thread has a core
/// of its own beside the step; when other work holds a core, the two share one.
struct cores_counter {
  benchmark::State& state;
  double cpu0 = process_cpu_seconds();
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  explicit cores_counter(benchmark::State& s) : state(s) {}
  ~cores_counter() {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.counters["cores"] = wall > 0 ? (process_cpu_seconds() - cpu0) / wall : 0;
  }
};

/// A session whose queue runners run from construction to destruction.
struct running_pipeline {
  sl::Session sess;
  sl::train::Coordinator coord;
  std::vector<std::thread> runners;
  running_pipeline(sl::Graph& g, int threads) : sess(g, config(threads)) {
    sess.run(sl::global_variables_initializer(g));
    runners = sl::train::start_queue_runners(sess, coord);
  }
  ~running_pipeline() {
    coord.request_stop();
    coord.join(runners);
  }
};

void step_prepared(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  bench::set_threads(threads);
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 784>>(g, "x");
  auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g, "y");
  auto train = flagship(g, x, y);
  sl::Session sess(g, config(threads));
  sess.run(sl::global_variables_initializer(g));
  auto step = sess.make_callable(train, sl::feed_list(x, y));
  // 16 batches prepared in advance, as the plain flagship's are (copied out of the loaded set).
  constexpr std::size_t prepared = 16;
  std::vector<xt::xtensor<float, 2>> xs;
  std::vector<xt::xtensor<std::int64_t, 1>> ys;
  for (std::size_t i = 0; i < prepared; ++i) {
    const auto px = bench::uniform(batch * 784, static_cast<std::uint32_t>(10 + i), 0.f, 1.f);
    const auto py = bench::labels(batch, 10, static_cast<std::uint32_t>(100 + i));
    xs.push_back(xt::adapt(px, std::array<std::size_t, 2>{batch, 784}));
    ys.push_back(xt::adapt(py, std::array<std::size_t, 1>{batch}));
  }
  std::size_t i = 0;
  const cores_counter cores(state);
  for (auto _ : state) {
    step(xs[i], ys[i]);
    i = (i + 1) % prepared;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void step_queue(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  bench::set_threads(threads);
  sl::Graph g;
  const auto [images_batch, labels_batch] = input_pipeline(g);
  auto train = flagship(g, images_batch, labels_batch);
  running_pipeline p(g, threads);
  auto step = p.sess.make_callable(train);
  for (int w = 0; w < 50; ++w) step();  // the queue's first min_after_dequeue examples are read before timing
  {
    const cores_counter cores(state);
    for (auto _ : state) step();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

/// step_queue traced (RunOptions full_trace): how long each step's dequeue of
/// its batch took. A queue that keeps up hands over a batch in the time of a
/// copy; a starved step waits there. Counters: dequeue_us per step, and its
/// share of the step's time.
void step_queue_dequeue_time(benchmark::State& state) {
  bench::set_threads(1);
  sl::Graph g;
  const auto [images_batch, labels_batch] = input_pipeline(g);
  auto train = flagship(g, images_batch, labels_batch);
  running_pipeline p(g, 1);
  auto step = p.sess.make_callable(train, sl::accept_options);
  sl::RunOptions options;
  options.trace_level = sl::RunOptions::TraceLevel::full_trace;
  sl::RunMetadata md;
  for (int w = 0; w < 50; ++w) step(options, &md);
  std::int64_t dequeue_us = 0, step_us = 0;
  for (auto _ : state) {
    step(options, &md);
    std::int64_t run_us = 0;
    for (const auto& n : md.step_stats) {
      if (n.op == "QueueDequeueManyV2") dequeue_us += n.end_us - n.start_us;
      run_us = std::max(run_us, n.end_us);
    }
    step_us += run_us;
  }
  const auto steps = static_cast<double>(state.iterations());
  state.counters["dequeue_us"] = static_cast<double>(dequeue_us) / steps;
  state.counters["dequeue_share"] = static_cast<double>(dequeue_us) / static_cast<double>(std::max<std::int64_t>(step_us, 1));
}

void throughput(benchmark::State& state) {
  bench::set_threads(1);
  sl::Graph g;
  const auto [images_batch, labels_batch] = input_pipeline(g);
  running_pipeline p(g, 1);
  auto dequeue = p.sess.make_callable(std::tuple{images_batch, labels_batch});
  for (int w = 0; w < 50; ++w) dequeue();
  for (auto _ : state) benchmark::DoNotOptimize(dequeue());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

void threads(benchmark::internal::Benchmark* b) { b->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime(); }

}  // namespace

BENCHMARK(step_prepared)->Name("pipeline/step_prepared")->Apply(threads);
BENCHMARK(step_queue)->Name("pipeline/step_queue")->Apply(threads);
BENCHMARK(step_queue_dequeue_time)->Name("pipeline/step_queue_dequeue_time")->UseRealTime();
BENCHMARK(throughput)->Name("pipeline/throughput")->UseRealTime();

BENCHMARK_MAIN();
