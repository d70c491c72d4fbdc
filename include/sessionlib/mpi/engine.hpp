// The MPI engine: the Session target "mpi" (or "mpi://"), launched by mpirun.
// Every rank holds the whole graph and runs the same plans; the collectives
// (mpi/ops.hpp) are stateful, so a plan runs them one at a time in its own
// order, which is the same on every rank. The engine runs a plan holding a
// collective under a process-wide lock, so runs from several threads cannot
// interleave their collectives differently on different ranks. Before a plan
// holding collectives first runs, the ranks compare its signature (its op count
// and a hash of its collectives), so ranks that built different graphs fail
// alike with sl::failed_precondition instead of waiting on each other forever.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "../session/engine.hpp"
#include "ops.hpp"
#include "runtime.hpp"

namespace sessionlib::mpi::detail {

/// The lock under which plans holding collectives run, one at a time per process.
inline std::mutex& collective_runs() {
  static std::mutex m;
  return m;
}

/// A plan's signature: its step count, and a hash of its collectives in order
/// (op type, dtype, static shape, reduction, root, and their inputs' static
/// shapes: a fused allreduce's parts). {0, 0}: no collective.
struct plan_signature {
  std::uint64_t steps = 0, hash = 0;
};

inline plan_signature signature_of(const sessionlib::detail::plan& p, const Graph& g) {
  std::uint64_t h = 1469598103934665603ull;
  bool any = false;
  auto mix = [&](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (const auto& s : p.steps) {
    const node& n = *s.n;
    if (!is_collective(n)) continue;
    any = true;
    for (char c : n.op) mix(static_cast<unsigned char>(c));
    mix(static_cast<std::uint64_t>(n.type));
    for (auto d : n.shape) mix(static_cast<std::uint64_t>(d));
    const auto& a = n.attr.get<mpi_attrs>();
    mix(static_cast<std::uint64_t>(a.reduce_op));
    mix(static_cast<std::uint64_t>(a.root_rank));
    mix(n.inputs.size());
    for (output_ref in : n.inputs)
      for (auto d : erased::shape_of(g, in)) mix(static_cast<std::uint64_t>(d));
  }
  return any ? plan_signature{p.steps.size(), h} : plan_signature{};
}

/// Checks that every rank runs a plan of signature `mine`: one allreduce (max)
/// of the values and their complements, so every rank learns the same answer.
/// `bound` limits the wait for the other ranks (a rank that never runs the plan).
inline void check_same_plan(const plan_signature& mine, const wait_bound& bound) {
  world& w = world::get();
  std::uint64_t v[4] = {mine.steps, ~mine.steps, mine.hash, ~mine.hash}, top[4] = {};
  run_collective(
      "MPI_Allreduce", "", bound, [&] { return MPI_Allreduce(v, top, 4, MPI_UINT64_T, MPI_MAX, w.comm()); });
  if (top[0] != mine.steps || ~top[1] != mine.steps || top[2] != mine.hash || ~top[3] != mine.hash)
    throw failed_precondition(
        "The ranks' plans differ (in op count or in their collectives): under the Session target 'mpi' every rank "
        "must build the same graph and run the same fetches and feeds");
}

/// The engine of the target "mpi": the in-process executor on every rank,
/// collectives between them.
class engine final : public sessionlib::detail::engine {
 public:
  explicit engine(std::string target) : target_(std::move(target)) { world::get(); }
  const std::string& target() const noexcept override { return target_; }
  void execute(sessionlib::detail::plan& p, sessionlib::detail::run_state& rs, session_state& st, Graph& g,
               const RunOptions* opts, RunMetadata* md, sessionlib::detail::exec_resources* res) override {
    bool collective = false;
    for (const auto& s : p.steps) collective = collective || is_collective(*s.n);
    if (!collective) return sessionlib::detail::execute(p, rs, st, g, opts, md, res);
    std::unique_lock lock(collective_runs());
    if (!checked_.contains(&p)) {  // the first run of this plan: do the ranks agree?
      const bool timed = opts && opts->timeout.count() > 0;
      check_same_plan(signature_of(p, g),
                      collective_bound(timed ? std::chrono::steady_clock::now() + opts->timeout
                                             : std::chrono::steady_clock::time_point::max(),
                                       timed ? opts->timeout : std::chrono::milliseconds{0}));
      checked_.insert(&p);
    }
    sessionlib::detail::execute(p, rs, st, g, opts, md, res);
  }
  /// Rank 0 writes the checkpoint; every rank then gets its path, or its
  /// error (of the same code, "On rank 0: ..."). The broadcast that carries it
  /// is also the barrier after which every rank can restore the checkpoint.
  std::string write_checkpoint(const std::function<std::string()>& write) override {
    world& w = world::get();
    std::unique_lock lock(collective_runs());  // no collective of another thread between
    std::int64_t head[2] = {0, 0};             // rank 0's error code (0: none) and text length
    std::string text;                          // the path, or the error's message
    std::exception_ptr failure;
    if (w.rank() == 0) {
      try {
        text = write();
      } catch (const error& e) {
        failure = std::current_exception();
        head[0] = static_cast<std::int64_t>(e.code());
        text = e.what();
      } catch (const std::exception& e) {
        failure = std::current_exception();
        head[0] = static_cast<std::int64_t>(error_code::unknown);
        text = e.what();
      }
      head[1] = static_cast<std::int64_t>(text.size());
    }
    {
      check_in_step("");
      auto serial = w.serialize();
      check(MPI_Bcast(head, 2, MPI_INT64_T, 0, w.comm()), "MPI_Bcast");
      text.resize(static_cast<std::size_t>(head[1]));
      check(MPI_Bcast(text.data(), count(text.size()), MPI_CHAR, 0, w.comm()), "MPI_Bcast");
    }
    if (failure) std::rethrow_exception(failure);
    if (head[0] != 0) throw_error(static_cast<error_code>(head[0]), "On rank 0: " + text);
    return text;
  }
  /// A CPU per rank, as TF's workers name them.
  std::vector<std::string> device_names() const override {
    std::vector<std::string> names;
    for (int r = 0; r < world::get().size(); ++r)
      names.push_back("/job:worker/replica:0/task:" + std::to_string(r) + "/device:CPU:0");
    return names;
  }

 private:
  std::string target_;
  std::unordered_set<const sessionlib::detail::plan*> checked_;  // plans whose signature the ranks agreed on
};

/// The engine for `target`: "mpi" and "mpi://" (a host or path after the scheme
/// has no meaning: mpirun places the ranks).
inline std::unique_ptr<sessionlib::detail::engine> make_engine(const std::string& target) {
  if (target != "mpi" && target != "mpi://")
    throw invalid_argument("Session target '" + target +
                           "': the MPI engine takes \"mpi\" or \"mpi://\" (mpirun places the ranks)");
  return std::make_unique<engine>(target);
}

/// Registers the engine for the scheme "mpi" when the program starts (the
/// registry itself is made on first use, so the order of initialisation does
/// not matter; a Session made before main in another unit may not see it).
inline const bool registered = sessionlib::detail::register_engine("mpi", make_engine);

}  // namespace sessionlib::mpi::detail
