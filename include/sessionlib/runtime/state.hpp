// What a session owns at run time besides plans: one slot per variable of the
// graph (values live in each session), and the random generators of its ops.
#pragma once

#include <deque>
#include <mutex>
#include <random>
#include <unordered_map>

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

 private:
  std::mutex grow_;
  std::deque<variable_slot> vars_;
  std::mutex rng_m_;
  std::unordered_map<node_id, std::mt19937_64> rngs_;
};

}  // namespace sessionlib
