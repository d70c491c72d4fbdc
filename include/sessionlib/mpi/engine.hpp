// The MPI engine: the Session target "mpi" (or "mpi://"), launched by mpirun.
// Every rank holds the whole graph and runs the same plans; the collectives
// (mpi/ops.hpp) are stateful, so a plan runs them one at a time in its own
// order, which is the same on every rank. The engine runs a plan holding a
// collective under a process-wide lock, so runs from several threads cannot
// interleave their collectives differently on different ranks.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../session/engine.hpp"
#include "runtime.hpp"

namespace sessionlib::mpi::detail {

/// The op types of the collectives (mpi/ops.hpp), which the engine looks for in a plan.
inline bool is_collective(const std::string& op) noexcept {
  return op == "MpiAllreduce" || op == "MpiAllgather" || op == "MpiBroadcast" || op == "MpiAllgatherGrad" ||
         op == "MpiBroadcastGrad";
}

/// The lock under which plans holding collectives run, one at a time per process.
inline std::mutex& collective_runs() {
  static std::mutex m;
  return m;
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
    for (const auto& s : p.steps) collective = collective || is_collective(s.n->op);
    std::unique_lock<std::mutex> lock;
    if (collective) lock = std::unique_lock(collective_runs());
    sessionlib::detail::execute(p, rs, st, g, opts, md, res);
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
