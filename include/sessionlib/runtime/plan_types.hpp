// What a run plan holds (built by plan.hpp's build_plan): its steps and slots,
// the step graph of a plan run side by side, the buffer passes of a plan run in
// order, and the pool of per-run states.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <mutex>
#include <span>
#include <vector>

#include "../config.hpp"
#include "../graph/graph.hpp"
#include "fusion.hpp"
#include "state.hpp"

namespace sessionlib::detail {

inline constexpr std::uint32_t no_slot = ~std::uint32_t{0};

/// One step of a plan: run `n->kernel` on the slots args[in_off, in_off+nin).
/// Its outputs are the consecutive slots [out_slot, out_slot + nout).
struct plan_step {
  const node* n;
  node_id id;
  std::uint32_t in_off, nin;
  std::uint32_t out_slot;
  std::uint32_t rel_off, nrel;  // releases[rel_off, rel_off+nrel): slots dead after this step
  std::int32_t fused = -1;      // >= 0: runs plan::fused[fused] instead of n->kernel
  std::uint32_t in_place = ~std::uint32_t{0};  // an input slot dying here whose buffer the output takes over
  std::uint32_t pass_off = 0, npass = 0;  // passes[pass_off, pass_off+npass): dead after this step, buffer handed on
  std::uint32_t nout = 1;       // how many outputs (slots from out_slot) it writes
};

/// A slot dead after a step whose buffer goes to `heir` (liveness.hpp).
struct buffer_pass {
  std::uint32_t dead, heir;
};

/// The dependencies of a plan's steps, for running independent steps side by
/// side (built only when the plan has two heavy steps neither of which needs the
/// other). A step waits for the steps producing its inputs, its control inputs,
/// and (stateful steps) the previous stateful step. A slot read by steps is
/// released once all its readers finished; one nobody reads, after its step.
struct step_graph {
  std::vector<std::uint32_t> waits;      // per step: how many steps it waits for
  std::vector<std::uint32_t> succ_off;   // per step + 1: successors[succ_off[i], succ_off[i + 1])
  std::vector<std::uint32_t> successors;
  std::vector<std::uint32_t> read_off;   // per step + 1: reads[read_off[i], read_off[i + 1]): its distinct input slots
  std::vector<std::uint32_t> reads;
  std::vector<std::uint32_t> readers;    // per slot: distinct steps reading it; 0 for slots never released
  std::vector<std::uint8_t> dies_unread; // per slot a step writes: released right after that step (nobody reads it)
  std::vector<std::uint32_t> roots;      // steps that wait for nothing
};

/// How a plan is built (from SessionConfig::optimizer).
struct plan_options {
  bool fusion = true;
  bool constant_folding = true;
  bool common_subexpressions = true;
  /// A control-flow body's plan (runtime/kernels/control_flow.hpp), whose
  /// fetches are nodes of its frame; a session's plans fetch none.
  bool body = false;
};

/// A fetch leaf: a node id, and whether its value is wanted (false: a target,
/// run for its effect); `index`: which of the node's outputs is fetched.
struct fetch_leaf {
  node_id id;
  bool wants_value;
  std::uint32_t index = 0;
};

/// The per-run buffers of a plan; pooled, so a run allocates nothing when
/// shapes did not change (owned buffers stay between runs: passed from slot to
/// slot by plan::passes in a run in order, one per slot in a parallel run).
struct run_state {
  std::vector<any_array> slots;
  std::vector<const any_array*> args;
  // Per fetch leaf: the shape its kernel last wrote into a buffer it could be
  // lent (rank 0: none). A fresh result of that shape is lent next run (session/lend.hpp).
  std::vector<dims> fetch_shapes;
  // Parallel plans only: per step, the steps still awaited; per slot, readers still to finish.
  std::unique_ptr<std::atomic<std::uint32_t>[]> waiting, readers_left;
};

class plan {
 public:
  std::vector<plan_step> steps;
  std::vector<std::uint32_t> args;
  std::vector<std::uint32_t> releases;
  std::vector<buffer_pass> passes;       // dead slots handing their buffer on (runs in order; see build_plan)
  std::vector<output_ref> feed_ids;      // sorted
  std::vector<std::uint32_t> feed_slots; // parallel to feed_ids
  std::vector<const node*> feed_nodes;   // parallel to feed_ids: the fed output's node
  std::vector<std::uint32_t> fetch_slots;  // per fetch leaf; no_slot for targets
  std::vector<bool> fetched;               // per slot: read by a fetch leaf
  std::vector<fused_group> fused;          // fused elementwise groups
  std::vector<plan_step> inner_steps;      // the groups' original steps (their fallback)
  std::vector<std::uint32_t> folded_slots; // values computed when the plan was built...
  std::vector<any_array> folded_values;    // ...placed in their slots at the start of each run
  std::uint32_t slot_count = 0;
  bool parallel = false;  // independent heavy steps exist: `graph` is filled
  step_graph graph;

#if SESSIONLIB_DEFINITIONS
  /// A run_state for one run; returned with give_back. The common case (one
  /// run at a time) swaps an atomic pointer and takes no lock.
  SESSIONLIB_INLINE std::unique_ptr<run_state> take() {
    if (run_state* rs = cached_.p.exchange(nullptr, std::memory_order_acquire)) return std::unique_ptr<run_state>(rs);
    {
      std::lock_guard lock(pool_m_);
      if (!pool_.empty()) {
        auto rs = std::move(pool_.back());
        pool_.pop_back();
        return rs;
      }
    }
    auto rs = std::make_unique<run_state>();
    rs->slots.resize(slot_count);
    rs->args.resize(args.size());
    rs->fetch_shapes.resize(fetch_slots.size());
    for (std::size_t i = 0; i < args.size(); ++i) rs->args[i] = &rs->slots[args[i]];
    if (parallel) {
      rs->waiting = std::make_unique<std::atomic<std::uint32_t>[]>(steps.size());
      rs->readers_left = std::make_unique<std::atomic<std::uint32_t>[]>(slot_count);
    }
    return rs;
  }
  /// Returns a run_state after dropping every value that is not ours alone
  /// (feed views, fetched buffers, variable values), keeping owned buffers.
  SESSIONLIB_INLINE void give_back(std::unique_ptr<run_state> rs) noexcept {
    for (auto& v : rs->slots)
      if (!v.unique()) v.reset();
    run_state* expected = nullptr;
    if (cached_.p.compare_exchange_strong(expected, rs.get(), std::memory_order_release)) {
      rs.release();
      return;
    }
    std::lock_guard lock(pool_m_);
    pool_.push_back(std::move(rs));
  }
#else
  SESSIONLIB_DECLARE std::unique_ptr<run_state> take();
  SESSIONLIB_DECLARE void give_back(std::unique_ptr<run_state> rs) noexcept;
#endif

  plan() = default;
  plan(const plan&) = delete;
  plan& operator=(const plan&) = delete;

 private:
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE static void drop_cached(run_state* rs) noexcept { delete rs; }
#else
  SESSIONLIB_DECLARE static void drop_cached(run_state* rs) noexcept;
#endif
  // The run_state cached for the next run, freed with the plan. Its own
  // destructor frees it, so the plan's stays implicit: defined only where a
  // plan is destroyed (the library), not in every separate unit.
  struct cached_state {
    std::atomic<run_state*> p{nullptr};
    cached_state() = default;
    cached_state(const cached_state&) = delete;
    cached_state& operator=(const cached_state&) = delete;
    ~cached_state() { drop_cached(p.load()); }
  };
  cached_state cached_;
  std::mutex pool_m_;
  std::vector<std::unique_ptr<run_state>> pool_;
};

}  // namespace sessionlib::detail
