// A rank that never arrives (suite `mpi`, 2 ranks, one test case per mpirun:
// after a timeout the ranks' collectives are out of step for the process):
// rank 1 skips a run, and rank 0's collective fails with sl::deadline_exceeded
// within its timeout instead of waiting for ever; later collectives there fail
// with sl::aborted.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <sessionlib/mpi.hpp>

namespace sl = sessionlib;
using sl::shape;
using clock_type = std::chrono::steady_clock;

namespace {
const int rank = sl::mpi::rank();

/// Seconds since `t0`.
double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

/// Rank 1's part: it skips what rank 0 runs, then waits long enough for rank 0
/// to time out and check what follows before the job ends (MPI_Finalize waits
/// for every rank anyway).
void skip_and_wait() { std::this_thread::sleep_for(std::chrono::seconds(3)); }
}  // namespace

TEST_CASE("mpi timeout: rank 1 skips a run, rank 0's allreduce fails within RunOptions::timeout") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<3>>(g, "x");
  auto sum = sl::mpi::allreduce(x, sl::mpi::reduce_op::sum, "sum");
  sl::Session s(g, {}, "mpi");
  const xt::xtensor<float, 1> mine = {1.f, 2.f, 3.f};
  sl::RunOptions opts{.timeout = std::chrono::milliseconds(500)};
  // Both ranks run it once: the plan check passes, the values add up.
  auto first = s.run(sum, {{x, mine}}, opts);
  CHECK(first(2) == doctest::Approx(3.f * static_cast<float>(sl::mpi::size())));
  if (rank != 0) return skip_and_wait();
  const auto t0 = clock_type::now();
  CHECK_THROWS_WITH_AS(s.run(sum, {{x, mine}}, opts),
                       "Collective has timed out waiting for other workers. MPI_Allreduce of node sum waited 500 ms: a "
                       "rank has died, or does not run the same collectives",
                       sl::deadline_exceeded);
  const double waited = since(t0);
  CHECK(waited >= 0.5);
  CHECK(waited < 2.5);
  // The ranks are out of step now: every later collective fails at once.
  CHECK_THROWS_WITH_AS(s.run(sum, {{x, mine}}, opts),
                       "An earlier collective timed out (MPI_Allreduce of node sum): the ranks' collectives are out of "
                       "step; restart the job (mpirun) to go on",
                       sl::aborted);
  CHECK_THROWS_AS(s.run(sum, {{x, mine}}), sl::aborted);  // without a deadline too: no hang
}

TEST_CASE("mpi timeout: a plan rank 1 never runs fails its first run's check within the default collective timeout") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<2>>(g, "x");
  auto top = sl::mpi::allreduce(x, sl::mpi::reduce_op::max, "top");
  sl::Session s(g, {}, "mpi");
  sl::mpi::set_collective_timeout(std::chrono::milliseconds(300));
  if (rank != 0) return skip_and_wait();
  const auto t0 = clock_type::now();
  CHECK_THROWS_WITH_AS(s.run(top, {{x, xt::xtensor<float, 1>{1.f, 2.f}}}),
                       "Collective has timed out waiting for other workers. MPI_Allreduce waited 300 ms: a rank has "
                       "died, or does not run the same collectives",
                       sl::deadline_exceeded);
  CHECK(since(t0) < 2.5);
  sl::mpi::set_collective_timeout(std::chrono::milliseconds(0));
}

TEST_CASE("mpi timeout: rank 1 skips a training step, rank 0's overlapped allreduce times out within RunOptions::timeout") {
  sl::Graph g;
  auto x = sl::placeholder<float, shape<3>>(g, "x");
  sl::Variable<float, shape<3>> w{g, 1.f, "w"};
  sl::mpi::DistributedOptimizer opt(sl::train::GradientDescentOptimizer(0.1));
  auto train = opt.minimize(sl::reduce_sum(w.value() * x));
  sl::Session s(g, {}, "mpi");
  s.run(sl::global_variables_initializer(g));
  const xt::xtensor<float, 1> mine = {1.f, 2.f, 3.f};
  sl::RunOptions opts{.timeout = std::chrono::milliseconds(500)};
  s.run(train, {{x, mine}}, opts);  // both ranks: the plan check passes, the step is taken
  CHECK(s.run(w.value())(2) == doctest::Approx(1.f - 0.1f * 3.f));
  if (rank != 0) return skip_and_wait();
  const auto t0 = clock_type::now();
  // The communication thread's allreduce times out; the optimizer's wait for it raises its error.
  CHECK_THROWS_WITH_AS(s.run(train, {{x, mine}}, opts),
                       "Collective has timed out waiting for other workers. MPI_Allreduce of node "
                       "w/DistributedOptimizer_Allreduce/Start waited 500 ms: a rank has died, or does not run the "
                       "same collectives",
                       sl::deadline_exceeded);
  const double waited = since(t0);
  CHECK(waited >= 0.5);
  CHECK(waited < 2.5);
  CHECK(s.run(w.value())(2) == doctest::Approx(1.f - 0.1f * 3.f));  // no step taken
  // Out of step: every later allreduce fails at once, overlapped or not, with or without a deadline.
  const char* aborted_message =
      "An earlier collective timed out (MPI_Allreduce of node w/DistributedOptimizer_Allreduce/Start): the ranks' "
      "collectives are out of step; restart the job (mpirun) to go on";
  CHECK_THROWS_WITH_AS(s.run(train, {{x, mine}}, opts), aborted_message, sl::aborted);
  CHECK_THROWS_WITH_AS(s.run(train, {{x, mine}}), aborted_message, sl::aborted);
  CHECK_THROWS_AS(s.run(sl::mpi::allreduce(x), {{x, mine}}), sl::aborted);
}
