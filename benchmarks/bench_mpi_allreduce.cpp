// Allreduce bandwidth: sl::mpi::allreduce run by a session (a callable writing
// into the caller's array) against a direct MPI_Allreduce on the same buffers,
// from 4 KiB to 64 MiB of float32. Run under mpirun, every rank the same loop
// (Google Benchmark's adaptive iteration counts would differ between ranks):
//   mpirun -np 2 --oversubscribe build/benchmarks/bench_mpi_allreduce [rounds] [timeout_ms]
// With timeout_ms (sl::mpi::set_collective_timeout), the session's allreduce is
// the bounded one: an MPI_Ibarrier polled with MPI_Test until its deadline, then MPI_Allreduce.
// Rounds interleave the two (these machines are noisy); rank 0 prints per size
// the median time of each and the median of the per-round ratios raw / session
// (1.0: as fast as MPI_Allreduce), the figure docs/performance.md reports.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <sessionlib/mpi.hpp>

namespace sl = sessionlib;

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// One size: N floats, `rounds` rounds of `reps` calls each way.
template <std::ptrdiff_t N>
void measure(int rounds) {
  constexpr std::size_t n = static_cast<std::size_t>(N);
  const int reps = std::max<int>(2, static_cast<int>((64u << 20) / (n * 4 * 8)));  // ~8 MB moved per round at 64 MiB
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<N>>(g, "x");
  auto y = sl::mpi::allreduce(x);
  sl::Session s(g, {}, "mpi");
  auto f = s.make_callable(y, sl::feed_list(x), sl::into);
  xt::xtensor<float, 1> in = xt::ones<float>({n}), out = xt::zeros<float>({n}), raw = xt::zeros<float>({n});
  f(out, in);  // warm up: the plan, the buffers, MPI's connections
  MPI_Allreduce(in.data(), raw.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  using clock = std::chrono::steady_clock;
  std::vector<double> t_raw, t_sl, ratio;
  for (int r = 0; r < rounds; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    auto t0 = clock::now();
    for (int i = 0; i < reps; ++i)
      MPI_Allreduce(in.data(), raw.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    const double a = std::chrono::duration<double>(clock::now() - t0).count() / reps;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = clock::now();
    for (int i = 0; i < reps; ++i) f(out, in);
    const double b = std::chrono::duration<double>(clock::now() - t0).count() / reps;
    t_raw.push_back(a);
    t_sl.push_back(b);
    ratio.push_back(a / b);
  }
  if (out != raw) std::fprintf(stderr, "bench_mpi_allreduce: results differ at %zu floats\n", n);
  if (sl::mpi::rank() == 0) {
    const double mib = static_cast<double>(n * 4) / (1 << 20);
    std::printf("%10.3f MiB  MPI_Allreduce %9.1f us %8.1f MB/s   sl::mpi::allreduce %9.1f us %8.1f MB/s   raw/sl %.3f\n",
                mib, median(t_raw) * 1e6, static_cast<double>(n * 4) / median(t_raw) / 1e6, median(t_sl) * 1e6,
                static_cast<double>(n * 4) / median(t_sl) / 1e6, median(ratio));
  }
}
}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  const int timeout_ms = argc > 2 ? std::atoi(argv[2]) : 0;
  sl::mpi::set_collective_timeout(std::chrono::milliseconds(timeout_ms));
  if (sl::mpi::rank() == 0)
    std::printf("%d ranks, %d rounds per size, medians (float32 sum)%s\n", sl::mpi::size(), rounds,
                timeout_ms > 0 ? ", collectives bounded (MPI_Ibarrier + MPI_Test, then MPI_Allreduce)" : "");
  measure<1024>(rounds);       // 4 KiB
  measure<16384>(rounds);      // 64 KiB
  measure<262144>(rounds);     // 1 MiB
  measure<4194304>(rounds);    // 16 MiB
  measure<16777216>(rounds);   // 64 MiB
}
