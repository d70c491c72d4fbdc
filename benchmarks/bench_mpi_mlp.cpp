// The flagship's training step data-parallel over MPI (issue 15): the
// 784-256-10 MLP of bench_mlp (mlp.hpp: global batch 64, sparse softmax
// cross-entropy, SGD 0.01), each of the ranks on its share of the batch
// (64 / ranks rows), one thread per rank (intra_op_threads = inter_op_threads
// = 1, so OpenBLAS runs single-threaded too). Run under mpirun, every rank the
// same loop (Google Benchmark's adaptive iteration counts would differ between ranks):
//   mpirun -np 1 build/benchmarks/bench_mpi_mlp [rounds] [fusion_threshold_bytes]
//   mpirun -np 2 --oversubscribe --bind-to none build/benchmarks/bench_mpi_mlp [rounds] [fusion_threshold_bytes] [variants]
// (variants: a comma-separated subset, e.g. "local,serial", to time only those)
// Each round times 20 steps of each variant in turn (these machines are noisy);
// rank 0 prints the median step of each:
//   local      the step on this rank's rows, gradients not averaged (no MPI)
//   serial     DistributedOptimizer{.overlap = false}: the allreduces on the
//              executor's thread, after the whole backward pass
//   late       DistributedOptimizer (overlap on) with the default threshold: one
//              fused allreduce on the communication thread, which the backward
//              pass's end starts (the overlap's machinery, nothing to overlap)
//   overlap    DistributedOptimizer (overlap on): each fused allreduce started on
//              the communication thread once its gradients are computed
//   allreduce  the serial variant's MPI_Allreduce calls alone (same sizes, back to back)
// and hidden = (serial - overlap) / allreduce, the share of the allreduce time
// that the overlap hides (and the same against late). The scaling ratio (throughput on 2 ranks over 1 rank,
// the global batch fixed) is local at -np 1 over overlap at -np 2: report.py
// runs both (benchmarks/report.py --only mpi).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sessionlib/mpi.hpp>

#include "mlp.hpp"

namespace sl = sessionlib;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// The MLP on `rows` rows of `data` from row `first`, trained by `make_train(loss)`.
class rank_mlp {
 public:
  template <class MakeTrain>
  rank_mlp(const bench::mlp_batch_data& data, std::size_t first, std::size_t rows, const std::string& target,
           MakeTrain&& make_train) {
    using bench::mlp_in;
    auto x = sl::placeholder<float, sl::shape<sl::dyn, mlp_in>>(g_, "x");
    auto y = sl::placeholder<std::int64_t, sl::shape<sl::dyn>>(g_, "y");
    auto train = make_train(bench::mlp_loss(g_, x, y));
    sl::SessionConfig config;
    config.intra_op_threads = 1;
    config.inter_op_threads = 1;
    sess_ = std::make_unique<sl::Session>(g_, config, target);
    sess_->run(sl::global_variables_initializer(g_));
    step_ = sess_->make_callable(train, sl::feed_list(x, y));
    x_ = xt::adapt(data.x.data() + first * mlp_in, rows * mlp_in, xt::no_ownership(),
                   std::array<std::size_t, 2>{rows, mlp_in});
    y_ = xt::adapt(data.y.data() + first, rows, xt::no_ownership(), std::array<std::size_t, 1>{rows});
  }

  void step() { step_(x_, y_); }

  /// The element counts of the graph's blocking allreduces (serial variant), in node order.
  std::vector<int> allreduce_sizes() const {
    std::vector<int> sizes;
    for (std::size_t id = 0; id < g_.size(); ++id) {
      const sl::node& n = g_.at(static_cast<sl::node_id>(id));
      if (n.op != "MpiAllreduce" && n.op != "MpiAllreduceFused") continue;
      std::size_t elements = 0;
      for (sl::output_ref in : n.inputs) {
        std::size_t e = 1;
        for (auto d : sl::erased::shape_of(g_, in)) e *= static_cast<std::size_t>(d);
        elements += e;
      }
      sizes.push_back(static_cast<int>(elements));
    }
    return sizes;
  }

 private:
  sl::Graph g_;
  std::unique_ptr<sl::Session> sess_;
  std::function<sl::none_t(const xt::xtensor<float, 2>&, const xt::xtensor<std::int64_t, 1>&)> step_;
  xt::xtensor<float, 2> x_;
  xt::xtensor<std::int64_t, 1> y_;
};
}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 21;
  // 64 KiB: the last layer's gradients and b1's (11 KiB) in one allreduce, w1's (784 KiB) in another.
  const std::size_t threshold = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::size_t{64} << 10;
  constexpr int reps = 20;
  const int rank = sl::mpi::rank(), size = sl::mpi::size();
  const std::size_t rows = bench::mlp_batch / static_cast<std::size_t>(size);
  const std::size_t first = rows * static_cast<std::size_t>(rank);
  const bench::mlp_batch_data data;
  auto distributed = [&](bool overlap, std::size_t bytes) {
    return [=](const auto& loss) {
      sl::mpi::DistributedOptimizer opt(sl::train::GradientDescentOptimizer(bench::mlp_rate),
                                        {.fusion_threshold_bytes = bytes, .overlap = overlap});
      return opt.minimize(loss);
    };
  };
  rank_mlp local(data, first, rows, "", [](const auto& loss) {
    return sl::train::GradientDescentOptimizer(bench::mlp_rate).minimize(loss);
  });
  rank_mlp serial(data, first, rows, "mpi", distributed(false, threshold));
  rank_mlp late(data, first, rows, "mpi", distributed(true, sl::mpi::distributed_options{}.fusion_threshold_bytes));
  rank_mlp overlap(data, first, rows, "mpi", distributed(true, threshold));
  const std::vector<int> sizes = serial.allreduce_sizes();
  std::vector<std::vector<float>> buffers;
  for (int n : sizes) buffers.emplace_back(static_cast<std::size_t>(n), 1.f);
  auto allreduces = [&] {
    for (auto& b : buffers)
      MPI_Allreduce(MPI_IN_PLACE, b.data(), static_cast<int>(b.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  };
  std::vector<std::pair<const char*, std::function<void()>>> variants = {
      {"local", [&] { local.step(); }},
      {"serial", [&] { serial.step(); }},
      {"late", [&] { late.step(); }},
      {"overlap", [&] { overlap.step(); }},
      {"allreduce", allreduces}};
  if (argc > 3) {  // only the variants named in argv[3] ("serial,overlap"): each alone, for a closer look
    const std::string only = std::string(",") + argv[3] + ",";
    std::erase_if(variants, [&](const auto& v) { return only.find(std::string(",") + v.first + ",") == std::string::npos; });
  }
  for (auto& [name, run] : variants) run();  // warm up: plans, buffers, MPI's connections
  using clock = std::chrono::steady_clock;
  std::vector<std::vector<double>> times(variants.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t v = 0; v < variants.size(); ++v) {
      MPI_Barrier(MPI_COMM_WORLD);
      const auto t0 = clock::now();
      for (int i = 0; i < reps; ++i) variants[v].second();
      times[v].push_back(std::chrono::duration<double>(clock::now() - t0).count() / reps);
    }
  if (rank != 0) return 0;
  std::printf("%d rank(s), %zu rows each, fusion threshold %zu bytes, allreduces of", size, rows, threshold);
  for (int n : sizes) std::printf(" %d", n);
  std::printf(" floats; %d rounds of %d steps, medians\n", rounds, reps);
  std::vector<double> med;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    med.push_back(median(times[v]));
    std::printf("%-10s %9.1f us\n", variants[v].first, med.back() * 1e6);
  }
  if (variants.size() != 5) return 0;
  // The share of the allreduce time hidden under the backward pass, per round then the median.
  std::vector<double> hidden, hidden_late;
  for (int r = 0; r < rounds; ++r) {
    const auto i = static_cast<std::size_t>(r);
    hidden.push_back((times[1][i] - times[3][i]) / times[4][i]);
    hidden_late.push_back((times[2][i] - times[3][i]) / times[4][i]);
  }
  std::printf("hidden     %9.3f  (serial - overlap) / allreduce, median of rounds\n", median(hidden));
  std::printf("hidden_late %8.3f  (late - overlap) / allreduce, median of rounds\n", median(hidden_late));
}
