// The MPI process state behind sessionlib's MPI part: MPI initialised once per
// process (MPI_Init_thread, asking for MPI_THREAD_MULTIPLE) on first use and
// finalised at exit, a communicator of our own (a duplicate of MPI_COMM_WORLD)
// whose error handler returns, so that a failed call becomes an exception, and
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

#include <climits>
#include <cstdint>
#include <mutex>
#include <string>

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
    MPI_Comm_free(&comm_);
    if (owns_) MPI_Finalize();
  }

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  /// The communicator sessionlib's collectives use (errors return).
  MPI_Comm comm() const noexcept { return comm_; }
  /// The thread level MPI provides (MPI_THREAD_MULTIPLE where it can).
  int thread_level() const noexcept { return level_; }
  /// A lock held around each MPI call when MPI is not MPI_THREAD_MULTIPLE
  /// (then calls from several threads must not overlap); no lock otherwise.
  std::unique_lock<std::mutex> serialize() {
    return level_ >= MPI_THREAD_MULTIPLE ? std::unique_lock<std::mutex>() : std::unique_lock<std::mutex>(m_);
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
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, level_ = MPI_THREAD_SINGLE;
  bool owns_ = false;
  std::mutex m_;
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

}  // namespace detail

/// This process's rank in MPI_COMM_WORLD (initialises MPI on first use).
inline int rank() { return detail::world::get().rank(); }
/// The number of ranks (initialises MPI on first use).
inline int size() { return detail::world::get().size(); }

}  // namespace sessionlib::mpi
