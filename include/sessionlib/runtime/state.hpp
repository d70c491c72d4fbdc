// What a session owns at run time besides plans: one slot per variable of the
// graph (values live in each session), the random generators of its ops, and
// its resources (queues, runtime/queue.hpp), which ops may block on until the
// session closes and cancels them.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>
#include <vector>

#include "../graph/node.hpp"

namespace sessionlib {

/// One variable's value in one session. Writers hold `m`; readers take a shared
/// reference to the buffer under `m`, and writers copy on write when a reader
/// still holds it, so no reader ever sees a torn value.
struct variable_slot {
  std::mutex m;
  any_array value;
  bool initialized = false;
};

/// A resource that ops of a session share across runs (a queue), kept by the
/// session (or, shared by name, by every session that uses it).
class session_resource {
 public:
  virtual ~session_resource() = default;
  /// Wakes every op blocked on the resource, so that each checks whether its
  /// session was cancelled (session_state::cancel).
  virtual void wake_all() noexcept = 0;
};

/// Per-session run-time state shared by all runs of the session.
class session_state {
 public:
  /// The slot of variable `index`, created on first use (the graph may grow).
  variable_slot& variable(std::int32_t index) {
    std::lock_guard lock(grow_);
    while (vars_.size() <= static_cast<std::size_t>(index)) vars_.emplace_back();
    return vars_[static_cast<std::size_t>(index)];
  }
  std::size_t variable_count() {
    std::lock_guard lock(grow_);
    return vars_.size();
  }

  /// Runs `f(engine)` with the generator of random op `id`, seeded once from the
  /// graph seed and the op seed, so a session's sequence of runs is reproducible.
  template <class F>
  decltype(auto) with_rng(node_id id, std::uint64_t graph_seed, std::uint64_t op_seed, F&& f) {
    std::lock_guard lock(rng_m_);
    auto it = rngs_.find(id);
    if (it == rngs_.end()) {
      std::seed_seq seq{static_cast<std::uint32_t>(graph_seed), static_cast<std::uint32_t>(graph_seed >> 32),
                        static_cast<std::uint32_t>(op_seed), static_cast<std::uint32_t>(op_seed >> 32)};
      it = rngs_.emplace(id, std::mt19937_64(seq)).first;
    }
    return f(it->second);
  }

  /// The resource of node `id`, made by `make()` (a std::shared_ptr<R>) on first use.
  template <class R, class Make>
  std::shared_ptr<R> resource(node_id id, Make&& make) {
    std::lock_guard lock(res_m_);
    auto it = resources_.find(id);
    if (it == resources_.end()) it = resources_.emplace(id, std::shared_ptr<session_resource>(make())).first;
    return std::static_pointer_cast<R>(it->second);
  }

  /// Cancels every op of this session blocked on a resource, now and later:
  /// what Session::close does. Blocked ops see cancelled() and throw sl::cancelled.
  void cancel() noexcept {
    cancelled_.store(true, std::memory_order_release);
    std::vector<std::shared_ptr<session_resource>> all;
    {
      std::lock_guard lock(res_m_);
      for (auto& [id, r] : resources_) all.push_back(r);
    }
    for (auto& r : all) r->wake_all();
  }
  /// The flag cancel() sets; blocked ops read it under their resource's lock.
  const std::atomic<bool>& cancelled() const noexcept { return cancelled_; }

 private:
  std::mutex grow_;
  std::deque<variable_slot> vars_;
  std::mutex rng_m_;
  std::unordered_map<node_id, std::mt19937_64> rngs_;
  std::mutex res_m_;
  std::unordered_map<node_id, std::shared_ptr<session_resource>> resources_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace sessionlib
