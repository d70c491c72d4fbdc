// The MPI process state behind sessionlib's MPI part: MPI initialised once per
// process (MPI_Init_thread, asking for MPI_THREAD_MULTIPLE) on first use and
// finalised at exit, communicators of our own (duplicates of MPI_COMM_WORLD: one
// for the collectives run on the executor's thread, one for the allreduces the
// communication thread runs, mpi/overlap.hpp) whose error handler returns, so
// that a failed call becomes an exception, and
// this process's rank and the number of ranks. The only header of sessionlib
// that includes <mpi.h>.
#pragma once

// The C API only: without these, Open MPI's and MPICH's <mpi.h> also declare
// the deprecated C++ bindings, whose symbols live in libmpi_cxx (not linked).
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../core/dtype.hpp"
#include "../core/error.hpp"

namespace sessionlib::mpi {

namespace detail {

/// The process's MPI state: initialised on first use, finalised at exit.
class world {
 public:
  /// The one instance, initialising MPI on first use.
  static world& get() {
    static world w;
    return w;
  }
  world(const world&) = delete;
  world& operator=(const world&) = delete;
  ~world() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    if (!broken_) {  // (a timed-out collective may still be pending on them)
      MPI_Comm_free(&comm_);
      MPI_Comm_free(&overlap_comm_);
    }
    if (owns_) MPI_Finalize();
  }

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  /// The communicator sessionlib's collectives use (errors return).
  MPI_Comm comm() const noexcept { return comm_; }
  /// The communicator of the communication thread's allreduces (errors return):
  /// its own, so they never interleave with the executor thread's collectives.
  MPI_Comm overlap_comm() const noexcept { return overlap_comm_; }
  /// The thread level MPI provides (MPI_THREAD_MULTIPLE where it can).
  int thread_level() const noexcept { return level_; }
  /// A lock held around each MPI call when MPI is not MPI_THREAD_MULTIPLE
  /// (then calls from several threads must not overlap); no lock otherwise.
  std::unique_lock<std::mutex> serialize() {
    return level_ >= MPI_THREAD_MULTIPLE ? std::unique_lock<std::mutex>() : std::unique_lock<std::mutex>(m_);
  }

  /// The default bound on a collective's wait where the run has no deadline (0: none).
  std::chrono::milliseconds default_timeout() const noexcept { return std::chrono::milliseconds(default_timeout_ms_.load()); }
  void set_default_timeout(std::chrono::milliseconds t) noexcept { default_timeout_ms_ = t.count(); }
  /// True once a collective timed out: the ranks' collectives are out of step for good.
  bool broken() const noexcept { return broken_; }
  /// What timed out first (for the sl::aborted of later collectives).
  const std::string& broken_by() const noexcept { return broken_by_; }
  /// Marks the communicator out of step after a timed-out collective `what`
  /// whose barrier `req` is still pending (MPI cannot cancel it).
  void abandon(MPI_Request req, const std::string& what) {
    std::lock_guard lock(abandoned_m_);
    if (!broken_.exchange(true)) broken_by_ = what;
    abandoned_.push_back(req);
  }

 private:
  world() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      // Not MPI_Init: a session runs kernels on its pools' threads.
      if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &level_) != MPI_SUCCESS)
        throw unavailable("MPI_Init_thread failed");
      owns_ = true;
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    } else {
      MPI_Query_thread(&level_);  // the program initialised MPI itself: it finalises it too
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_dup(MPI_COMM_WORLD, &overlap_comm_);
    MPI_Comm_set_errhandler(overlap_comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  MPI_Comm comm_ = MPI_COMM_NULL, overlap_comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, level_ = MPI_THREAD_SINGLE;
  bool owns_ = false;
  std::mutex m_;
  std::atomic<std::int64_t> default_timeout_ms_{0};
  std::atomic<bool> broken_{false};
  std::string broken_by_;
  std::mutex abandoned_m_;
  std::vector<MPI_Request> abandoned_;
};

/// Throws sl::unavailable naming the call and MPI's message when `rc` is not MPI_SUCCESS.
inline void check(int rc, const char* call, const std::string& node = "") {
  if (rc == MPI_SUCCESS) [[likely]]
    return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw unavailable(std::string(call) + " failed: " + std::string(text, static_cast<std::size_t>(len)), node);
}

/// MPI's datatype for element type `t`; sl::invalid_argument for one MPI cannot reduce.
inline MPI_Datatype datatype(dtype t, const std::string& node = "") {
  switch (t) {
    case dtype::float32: return MPI_FLOAT;
    case dtype::float64: return MPI_DOUBLE;
    case dtype::int32: return MPI_INT32_T;
    case dtype::int64: return MPI_INT64_T;
    default:
      throw invalid_argument("MPI collectives support float32, float64, int32 and int64, not " +
                                 std::string(dtype_name(t)),
                             node);
  }
}

/// An element count as MPI's int; sl::invalid_argument past INT_MAX.
inline int count(std::size_t n, const std::string& node = "") {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw invalid_argument("MPI collective of " + std::to_string(n) + " elements: more than INT_MAX", node);
  return static_cast<int>(n);
}

/// How long a collective may wait: its deadline (max: none) and the timeout it came from.
struct wait_bound {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds timeout{0};
};

/// The bound of a collective in a run of deadline `run_deadline` and timeout
/// `run_timeout` (RunOptions::timeout; max and 0: none): the earlier of it and
/// now + the default collective timeout (set_collective_timeout), when one is set.
inline wait_bound collective_bound(std::chrono::steady_clock::time_point run_deadline, std::chrono::milliseconds run_timeout) {
  const auto d = world::get().default_timeout();
  if (d.count() <= 0) return {run_deadline, run_timeout};
  const auto mine = std::chrono::steady_clock::now() + d;
  return mine < run_deadline ? wait_bound{mine, d} : wait_bound{run_deadline, run_timeout};
}

/// Throws sl::aborted on every collective after one timed out on this process.
inline void check_in_step(const std::string& node) {
  world& w = world::get();
  if (w.broken()) [[unlikely]]
    throw aborted("An earlier collective timed out (" + w.broken_by() +
                      "): the ranks' collectives are out of step; restart the job (mpirun) to go on",
                  node);
}

/// Runs one collective, the blocking MPI call `blocking()`, on sessionlib's
/// communicator. With a deadline the ranks first meet in an MPI_Ibarrier polled
/// with MPI_Test: past the deadline it is sl::deadline_exceeded in TF's words,
/// the barrier abandoned and the communicator out of step. Once every rank is
/// there, the collective itself is the blocking call (the tuned algorithms;
/// Open MPI's nonblocking MPI_Iallreduce was 3-10x slower from 4 KiB to 1 MiB).
/// `call` names the MPI call for errors ("MPI_Allreduce"), `node` the node;
/// `comm` is the communicator `blocking` uses (world::comm() or overlap_comm()).
/// `sleepy` (the communication thread): the ranks always meet in the barrier
/// first, and a wait for a late peer sleeps between polls, leaving the core to
/// this rank's compute thread instead of busy-polling in the blocking call.
template <class Blocking>
void run_collective_on(MPI_Comm comm, const char* call, const std::string& node, const wait_bound& bound,
                       Blocking&& blocking, bool sleepy = false) {
  check_in_step(node);
  world& w = world::get();
  if ((sleepy || bound.deadline != std::chrono::steady_clock::time_point::max()) && w.size() > 1) {
    MPI_Request req = MPI_REQUEST_NULL;
    {
      auto lock = w.serialize();
      check(MPI_Ibarrier(comm, &req), "MPI_Ibarrier", node);
    }
    for (int spins = 0;; ++spins) {
      int done = 0;
      {
        auto lock = w.serialize();
        check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test", node);
      }
      if (done) break;
      if (std::chrono::steady_clock::now() >= bound.deadline) {
        const std::string what = std::string(call) + (node.empty() ? "" : " of node " + node);
        w.abandon(req, what);
        throw deadline_exceeded("Collective has timed out waiting for other workers. " + what + " waited " +
                                    (bound.timeout.count() > 0 ? std::to_string(bound.timeout.count()) + " ms"
                                                               : std::string("its timeout")) +
                                    ": a rank has died, or does not run the same collectives",
                                node);
      }
      if (sleepy && spins > 16) std::this_thread::sleep_for(std::chrono::microseconds(50));
      else if (spins > 64) std::this_thread::yield();  // a peer that is late: leave the core to it
    }
  }
  auto lock = w.serialize();
  check(blocking(), call, node);
}

/// run_collective_on sessionlib's communicator (world::comm()).
template <class Blocking>
void run_collective(const char* call, const std::string& node, const wait_bound& bound, Blocking&& blocking) {
  run_collective_on(world::get().comm(), call, node, bound, std::forward<Blocking>(blocking));
}

}  // namespace detail

/// Bounds every collective's wait in runs without RunOptions::timeout (0: wait
/// for ever, the default): past it the collective fails with
/// sl::deadline_exceeded, and every later collective of the process with sl::aborted.
inline void set_collective_timeout(std::chrono::milliseconds timeout) { detail::world::get().set_default_timeout(timeout); }

/// This process's rank in MPI_COMM_WORLD (initialises MPI on first use).
inline int rank() { return detail::world::get().rank(); }
/// The number of ranks (initialises MPI on first use).
inline int size() { return detail::world::get().size(); }

}  // namespace sessionlib::mpi
