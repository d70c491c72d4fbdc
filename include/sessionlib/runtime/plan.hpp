// A run plan: for one signature (fetches, feeds, targets), the nodes that must
// run, pruned and topologically ordered, with a value slot per node and the
// slots that die after each step. Built once, cached, then executed many times.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "../graph/graph.hpp"

namespace sessionlib {

inline constexpr std::uint32_t no_slot = ~std::uint32_t{0};

/// One step of a plan: run `n->kernel` on the slots args[in_off, in_off+nin).
struct plan_step {
  const node* n;
  node_id id;
  std::uint32_t in_off, nin;
  std::uint32_t out_slot;
  std::uint32_t rel_off, nrel;  // releases[rel_off, rel_off+nrel): slots dead after this step
};

/// A fetch leaf: a node id, and whether its value is wanted (false: a target).
struct fetch_leaf {
  node_id id;
  bool wants_value;
};

/// The per-run buffers of a plan; pooled, so a run allocates nothing when
/// shapes did not change (each slot keeps its owned buffer between runs).
struct run_state {
  std::vector<any_array> slots;
  std::vector<const any_array*> args;
};

class plan {
 public:
  std::vector<plan_step> steps;
  std::vector<std::uint32_t> args;
  std::vector<std::uint32_t> releases;
  std::vector<node_id> feed_ids;         // sorted
  std::vector<std::uint32_t> feed_slots; // parallel to feed_ids
  std::vector<const node*> feed_nodes;   // parallel to feed_ids
  std::vector<std::uint32_t> fetch_slots;  // per fetch leaf; no_slot for targets
  std::uint32_t slot_count = 0;

  /// A run_state for one run; returned with give_back.
  std::unique_ptr<run_state> take() {
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
    for (std::size_t i = 0; i < args.size(); ++i) rs->args[i] = &rs->slots[args[i]];
    return rs;
  }
  /// Returns a run_state after dropping every value that is not ours alone
  /// (feed views, fetched buffers, variable values), keeping owned buffers.
  void give_back(std::unique_ptr<run_state> rs) noexcept {
    for (auto& v : rs->slots)
      if (!v.unique()) v.reset();
    std::lock_guard lock(pool_m_);
    pool_.push_back(std::move(rs));
  }

 private:
  std::mutex pool_m_;
  std::vector<std::unique_ptr<run_state>> pool_;
};

/// Prunes the graph to what `leaves` need given `feeds` (sorted, unique), and
/// orders it: a fed node is a source, its inputs are not run.
inline std::unique_ptr<plan> build_plan(const Graph& g, std::span<const fetch_leaf> leaves, std::span<const node_id> feeds) {
  std::shared_lock lock(g.table_mutex());
  auto p = std::make_unique<plan>();
  const std::size_t n = g.size_unlocked();
  std::vector<std::uint32_t> slot(n, no_slot);
  std::vector<std::uint8_t> state(n, 0);  // 0 new, 1 on stack, 2 done
  auto is_fed = [&](node_id id) { return std::binary_search(feeds.begin(), feeds.end(), id); };
  std::vector<node_id> order;

  // Iterative post-order DFS, so deep graphs cannot overflow the stack.
  std::vector<std::pair<node_id, std::size_t>> stack;
  for (const auto& leaf : leaves) {
    if (state[leaf.id]) continue;
    stack.push_back({leaf.id, 0});
    state[leaf.id] = 1;
    while (!stack.empty()) {
      auto& [id, next] = stack.back();
      const node& nd = g.at_unlocked(id);
      const std::size_t nin = is_fed(id) ? 0 : nd.inputs.size() + nd.control_inputs.size();
      if (next < nin) {
        const node_id child = next < nd.inputs.size() ? nd.inputs[next] : nd.control_inputs[next - nd.inputs.size()];
        ++next;
        if (state[child] == 1) throw invalid_argument("the graph has a cycle through node '" + g.at_unlocked(child).name + "'");
        if (state[child] == 0) {
          state[child] = 1;
          stack.push_back({child, 0});
        }
        continue;
      }
      state[id] = 2;
      order.push_back(id);
      stack.pop_back();
    }
  }

  for (node_id id : order) slot[id] = p->slot_count++;
  for (node_id f : feeds) {
    p->feed_ids.push_back(f);
    p->feed_nodes.push_back(&g.at_unlocked(f));
    // A feed nobody needs still gets a slot, so the value is checked and fetchable.
    if (slot[f] == no_slot) slot[f] = p->slot_count++;
    p->feed_slots.push_back(slot[f]);
  }

  std::vector<std::uint32_t> last_use(p->slot_count, no_slot);
  std::vector<bool> pinned(p->slot_count, false);
  for (const auto& leaf : leaves) {
    p->fetch_slots.push_back(leaf.wants_value ? slot[leaf.id] : no_slot);
    if (leaf.wants_value) pinned[slot[leaf.id]] = true;
  }
  for (node_id id : order) {
    if (is_fed(id)) continue;
    const node& nd = g.at_unlocked(id);
    plan_step s{&nd, id, static_cast<std::uint32_t>(p->args.size()), static_cast<std::uint32_t>(nd.inputs.size()),
                slot[id], 0, 0};
    for (node_id in : nd.inputs) {
      p->args.push_back(slot[in]);
      last_use[slot[in]] = static_cast<std::uint32_t>(p->steps.size());
    }
    p->steps.push_back(s);
  }
  // A slot nobody reads dies right after its own step, unless it is fetched.
  for (std::size_t i = 0; i < p->steps.size(); ++i)
    if (last_use[p->steps[i].out_slot] == no_slot) last_use[p->steps[i].out_slot] = static_cast<std::uint32_t>(i);
  std::vector<std::vector<std::uint32_t>> dies_after(p->steps.size());
  for (std::uint32_t s = 0; s < p->slot_count; ++s)
    if (last_use[s] != no_slot && !pinned[s]) dies_after[last_use[s]].push_back(s);
  for (std::size_t i = 0; i < p->steps.size(); ++i) {
    p->steps[i].rel_off = static_cast<std::uint32_t>(p->releases.size());
    p->releases.insert(p->releases.end(), dies_after[i].begin(), dies_after[i].end());
    p->steps[i].nrel = static_cast<std::uint32_t>(dies_after[i].size());
  }
  return p;
}

}  // namespace sessionlib
