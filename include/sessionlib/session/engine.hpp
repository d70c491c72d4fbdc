// The engine seam: how a session runs its plans, chosen by the session's target
// (TF's `Session(target=...)`, DESIGN section 7). "" is the in-process engine;
// an opt-in part registers others by scheme ("mpi", <sessionlib/mpi.hpp>).
// Every way of running (run, run_into, callables, partial runs) reaches the
// engine through session_impl::run_placed, so an engine sees each run's plan:
// where a distributed engine checks that its ranks agree, orders its collectives
// or watches for a dead peer.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "../runtime/executor.hpp"

namespace sessionlib::detail {

/// How a session runs its plans (the in-process engine, or one a part registers).
class engine {
 public:
  virtual ~engine() = default;
  /// The target the session was created with (TF's `sess.sess_str`).
  virtual const std::string& target() const noexcept = 0;
  /// Runs plan `p` with its feeds placed in `rs` (detail::execute's contract).
  virtual void execute(plan& p, run_state& rs, session_state& st, Graph& g, const RunOptions* opts, RunMetadata* md,
                       exec_resources* res) = 0;
  /// The names of the devices the session runs on (Session::list_devices).
  virtual std::vector<std::string> device_names() const = 0;
  /// Runs `write` (a Saver's save, which returns the checkpoint's path) where
  /// this engine's checkpoints are written and returns the path on every
  /// process: here in process; the MPI engine writes on rank 0 only and hands
  /// every rank rank 0's path, or its error.
  virtual std::string write_checkpoint(const std::function<std::string()>& write) { return write(); }
};

/// The in-process engine (target ""): the executor on this machine's CPU.
class in_process_engine final : public engine {
 public:
  const std::string& target() const noexcept override { return target_; }
  void execute(plan& p, run_state& rs, session_state& st, Graph& g, const RunOptions* opts, RunMetadata* md,
               exec_resources* res) override {
    detail::execute(p, rs, st, g, opts, md, res);
  }
  std::vector<std::string> device_names() const override { return {"/job:localhost/replica:0/task:0/device:CPU:0"}; }

 private:
  std::string target_;
};

/// Makes the engine for a target of a registered scheme (the whole target is passed).
using engine_factory = std::unique_ptr<engine> (*)(const std::string& target);

/// The engines parts registered, by scheme (what precedes "://", or the whole target).
struct engine_registry {
  std::mutex m;
  std::vector<std::pair<std::string, engine_factory>> by_scheme;
};

#if SESSIONLIB_DEFINITIONS
// engines() is used by marked functions only: separate units see neither it nor its static.
/// The process's engine registry, made on first use (no static-initialisation order).
inline engine_registry& engines() {
  static engine_registry r;
  return r;
}

/// Registers `make` for targets of `scheme`; an opt-in part calls it once (true: to initialise a variable).
SESSIONLIB_INLINE bool register_engine(std::string scheme, engine_factory make) {
  engine_registry& r = engines();
  std::lock_guard lock(r.m);
  for (auto& [s, f] : r.by_scheme)
    if (s == scheme) return (f = make), true;
  r.by_scheme.emplace_back(std::move(scheme), make);
  return true;
}

/// The scheme of `target`: what precedes "://", else the whole target ("mpi", "grpc").
SESSIONLIB_INLINE std::string target_scheme(const std::string& target) {
  const auto colon = target.find("://");
  return colon == std::string::npos ? target : target.substr(0, colon);
}

#else
SESSIONLIB_DECLARE bool register_engine(std::string scheme, engine_factory make);
SESSIONLIB_DECLARE std::string target_scheme(const std::string& target);
#endif

#if SESSIONLIB_DEFINITIONS
/// The factory for a non-empty `target`'s scheme, else sl::unimplemented
/// (TF's wording for a target no factory accepts).
SESSIONLIB_INLINE engine_factory engine_factory_for(const std::string& target) {
  const std::string scheme = target_scheme(target);
  engine_registry& r = engines();
  std::string known = "DIRECT_SESSION (\"\")";
  {
    std::lock_guard lock(r.m);
    for (const auto& [s, make] : r.by_scheme) {
      if (s == scheme) return make;
      known += ", " + s;
    }
  }
  if (scheme == "mpi")
    throw unimplemented("Session target '" + target +
                        "' needs the MPI engine, which this program does not include: #include "
                        "<sessionlib/mpi.hpp> and build with MPI (Meson: -Dmpi=enabled and the sessionlib-mpi "
                        "dependency; CMake: COMPONENTS mpi, target sessionlib::mpi; pkg-config: sessionlib-mpi)");
  throw unimplemented("No session factory registered for the given session options: {target: \"" + target +
                      "\"} Registered factories are {" + known + "}.");
}

/// The engine for `target`: "" in process, else the one its scheme's factory makes.
SESSIONLIB_INLINE std::unique_ptr<engine> make_engine(const std::string& target) {
  if (target.empty()) return std::make_unique<in_process_engine>();
  return engine_factory_for(target)(target);
}
#else
SESSIONLIB_DECLARE engine_factory engine_factory_for(const std::string& target);
SESSIONLIB_DECLARE std::unique_ptr<engine> make_engine(const std::string& target);
#endif

}  // namespace sessionlib::detail
