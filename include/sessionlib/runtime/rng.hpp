// The random generators of a session's ops (session_state::with_rng): one
// std::mt19937_64 per random op, seeded once from the graph seed and the op's
// seed. Only units that run random kernels include it (runtime/state.hpp does
// where SESSIONLIB_DEFINITIONS is 1), so separate units skip <random>.
#pragma once

#include <mutex>
#include <random>
#include <unordered_map>

#include "state.hpp"

namespace sessionlib {

namespace detail {
struct rng_table {
  std::unordered_map<node_id, std::mt19937_64> engines;
};

SESSIONLIB_INLINE void rng_table_delete::operator()(rng_table* t) const noexcept { delete t; }
}  // namespace detail

template <class F>
decltype(auto) session_state::with_rng(node_id id, std::uint64_t graph_seed, std::uint64_t op_seed, F&& f) {
  std::lock_guard lock(rng_m_);
  if (!rngs_) rngs_.reset(new detail::rng_table);
  auto& engines = rngs_->engines;
  auto it = engines.find(id);
  if (it == engines.end()) {
    std::seed_seq seq{static_cast<std::uint32_t>(graph_seed), static_cast<std::uint32_t>(graph_seed >> 32),
                      static_cast<std::uint32_t>(op_seed), static_cast<std::uint32_t>(op_seed >> 32)};
    it = engines.emplace(id, std::mt19937_64(seq)).first;
  }
  return f(it->second);
}

}  // namespace sessionlib
