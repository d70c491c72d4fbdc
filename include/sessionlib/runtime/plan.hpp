// A run plan: for one signature (fetches, feeds, targets), the nodes that must
// run, pruned and topologically ordered, with a value slot per node and the
// slots that die after each step. Built once, cached, then executed many times.
// A plan whose independent steps are heavy enough also carries its step graph
// (dependency counts, successors, per-slot reader counts) to run them side by side.
// Run in order, its slots share buffers by liveness (liveness.hpp).
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

#include "../graph/graph.hpp"
#include "fusion.hpp"
#include "liveness.hpp"
#include "state.hpp"

namespace sessionlib {

inline constexpr std::uint32_t no_slot = ~std::uint32_t{0};

/// One step of a plan: run `n->kernel` on the slots args[in_off, in_off+nin).
struct plan_step {
  const node* n;
  node_id id;
  std::uint32_t in_off, nin;
  std::uint32_t out_slot;
  std::uint32_t rel_off, nrel;  // releases[rel_off, rel_off+nrel): slots dead after this step
  std::int32_t fused = -1;      // >= 0: runs plan::fused[fused] instead of n->kernel
  std::uint32_t in_place = ~std::uint32_t{0};  // an input slot dying here whose buffer the output takes over
  std::uint32_t pass_off = 0, npass = 0;  // passes[pass_off, pass_off+npass): dead after this step, buffer handed on
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
  std::vector<std::uint8_t> dies_unread; // per step: its output slot is released right after it
  std::vector<std::uint32_t> roots;      // steps that wait for nothing
};

/// How a plan is built (from SessionConfig::optimizer).
struct plan_options {
  bool fusion = true;
  bool constant_folding = true;
  bool common_subexpressions = true;
};

/// A fetch leaf: a node id, and whether its value is wanted (false: a target).
struct fetch_leaf {
  node_id id;
  bool wants_value;
};

/// The per-run buffers of a plan; pooled, so a run allocates nothing when
/// shapes did not change (owned buffers stay between runs: passed from slot to
/// slot by plan::passes in a run in order, one per slot in a parallel run).
struct run_state {
  std::vector<any_array> slots;
  std::vector<const any_array*> args;
  // Parallel plans only: per step, the steps still awaited; per slot, readers still to finish.
  std::unique_ptr<std::atomic<std::uint32_t>[]> waiting, readers_left;
};

class plan {
 public:
  std::vector<plan_step> steps;
  std::vector<std::uint32_t> args;
  std::vector<std::uint32_t> releases;
  std::vector<buffer_pass> passes;       // dead slots handing their buffer on (runs in order; see build_plan)
  std::vector<node_id> feed_ids;         // sorted
  std::vector<std::uint32_t> feed_slots; // parallel to feed_ids
  std::vector<const node*> feed_nodes;   // parallel to feed_ids
  std::vector<std::uint32_t> fetch_slots;  // per fetch leaf; no_slot for targets
  std::vector<fused_group> fused;          // fused elementwise groups
  std::vector<plan_step> inner_steps;      // the groups' original steps (their fallback)
  std::vector<std::uint32_t> folded_slots; // values computed when the plan was built...
  std::vector<any_array> folded_values;    // ...placed in their slots at the start of each run
  std::uint32_t slot_count = 0;
  bool parallel = false;  // independent heavy steps exist: `graph` is filled
  step_graph graph;

  /// A run_state for one run; returned with give_back. The common case (one
  /// run at a time) swaps an atomic pointer and takes no lock.
  std::unique_ptr<run_state> take() {
    if (run_state* rs = cached_.exchange(nullptr, std::memory_order_acquire)) return std::unique_ptr<run_state>(rs);
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
    if (parallel) {
      rs->waiting = std::make_unique<std::atomic<std::uint32_t>[]>(steps.size());
      rs->readers_left = std::make_unique<std::atomic<std::uint32_t>[]>(slot_count);
    }
    return rs;
  }
  /// Returns a run_state after dropping every value that is not ours alone
  /// (feed views, fetched buffers, variable values), keeping owned buffers.
  void give_back(std::unique_ptr<run_state> rs) noexcept {
    for (auto& v : rs->slots)
      if (!v.unique()) v.reset();
    run_state* expected = nullptr;
    if (cached_.compare_exchange_strong(expected, rs.get(), std::memory_order_release)) {
      rs.release();
      return;
    }
    std::lock_guard lock(pool_m_);
    pool_.push_back(std::move(rs));
  }

  plan() = default;
  plan(const plan&) = delete;
  plan& operator=(const plan&) = delete;
  ~plan() { delete cached_.load(); }

 private:
  std::atomic<run_state*> cached_{nullptr};
  std::mutex pool_m_;
  std::vector<std::unique_ptr<run_state>> pool_;
};

namespace detail {
/// Groups elementwise nodes into fused trees. A node is interior to a group when
/// it is fusable, used exactly once (by a fusable node of its dtype), not fetched
/// and not a control input; a fusable node that is not interior roots a group.
/// Returns, per node, the group it roots (>= 0), -2 if interior, -1 otherwise.
inline std::vector<std::int32_t> find_fusion_groups(const Graph& g, const std::vector<node_id>& run_nodes,
                                                    const std::vector<std::vector<node_id>>& inputs_of,
                                                    const std::vector<bool>& pinned_node, plan& p,
                                                    std::vector<std::vector<node_id>>& members) {
  const std::size_t n = g.size_unlocked();
  std::vector<std::int32_t> role(n, -1);
  std::vector<std::uint32_t> uses(n, 0);
  std::vector<node_id> consumer(n, no_node);
  std::vector<bool> in_plan(n, false), control_used(n, false);
  for (node_id id : run_nodes) in_plan[id] = true;
  for (node_id id : run_nodes) {
    for (node_id in : inputs_of[id]) { ++uses[in]; consumer[in] = id; }
    for (node_id c : g.at_unlocked(id).control_inputs) control_used[c] = true;
  }
  auto fusable = [&](node_id id) {
    const node& nd = g.at_unlocked(id);
    if (!in_plan[id] || !nd.block || nd.inputs.empty() || nd.inputs.size() > 3) return false;
    for (node_id in : inputs_of[id]) if (g.at_unlocked(in).type != nd.type) return false;
    return true;
  };
  auto interior = [&](node_id id) {
    return fusable(id) && uses[id] == 1 && !pinned_node[id] && !control_used[id] && fusable(consumer[id]) &&
           g.at_unlocked(consumer[id]).type == g.at_unlocked(id).type;
  };
  for (auto it = run_nodes.rbegin(); it != run_nodes.rend(); ++it) {
    const node_id root = *it;
    if (!fusable(root) || interior(root)) continue;
    std::vector<node_id> group{root}, stack{root};
    while (!stack.empty()) {
      const node_id cur = stack.back();
      stack.pop_back();
      for (node_id in : inputs_of[cur])
        if (interior(in) && std::find(group.begin(), group.end(), in) == group.end()) {
          group.push_back(in);
          stack.push_back(in);
        }
    }
    if (group.size() < 2) continue;
    role[root] = static_cast<std::int32_t>(members.size());
    for (std::size_t i = 1; i < group.size(); ++i) role[group[i]] = -2;
    members.push_back(std::move(group));
    p.fused.push_back({g.at_unlocked(root).type, {}, {}, {}, {}, 0});
  }
  return role;
}
}  // namespace detail

namespace detail {
/// Post-order DFS from `leaves`, through `canon` (merged duplicates), stopping
/// at sources (fed or folded nodes). Iterative, so deep graphs cannot overflow.
template <class IsSource>
std::vector<node_id> plan_order(const Graph& g, std::span<const fetch_leaf> leaves, const std::vector<node_id>& canon,
                                IsSource&& is_source) {
  std::vector<std::uint8_t> state(g.size_unlocked(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<node_id> order;
  std::vector<std::pair<node_id, std::size_t>> stack;
  for (const auto& leaf : leaves) {
    const node_id root = canon[leaf.id];
    if (state[root]) continue;
    stack.push_back({root, 0});
    state[root] = 1;
    while (!stack.empty()) {
      auto& [id, next] = stack.back();
      const node& nd = g.at_unlocked(id);
      const std::size_t nin = is_source(id) ? 0 : nd.inputs.size() + nd.control_inputs.size();
      if (next < nin) {
        const node_id child =
            canon[next < nd.inputs.size() ? nd.inputs[next] : nd.control_inputs[next - nd.inputs.size()]];
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
  return order;
}

/// Common subexpressions: a node identical to an earlier one (op, kernel,
/// attributes, canonical inputs) maps to it. Stateful nodes, placeholders and
/// large constants never merge.
inline void merge_duplicates(const Graph& g, const std::vector<node_id>& order, std::vector<node_id>& canon,
                             const std::function<bool(node_id)>& is_fed) {
  std::unordered_map<std::string, node_id> seen;
  for (node_id id : order) {
    const node& nd = g.at_unlocked(id);
    if (!nd.has_output || !nd.kernel || nd.stateful || is_fed(id) || (nd.inputs.empty() && nd.op != "Const")) continue;
    if (nd.op == "Const" && nd.attr.value.nbytes() > 256) continue;
    std::string key = nd.op;
    key += '|' + std::to_string(reinterpret_cast<std::uintptr_t>(nd.kernel)) + '|' +
           std::to_string(static_cast<int>(nd.type)) + '|';
    for (auto d : nd.shape) key += std::to_string(d) + ',';
    key += '|';
    for (node_id in : nd.inputs) key += std::to_string(canon[in]) + ',';
    key += '|';
    for (node_id in : nd.control_inputs) key += std::to_string(canon[in]) + ',';
    key += '|';
    for (auto v : nd.attr.ints) key += std::to_string(v) + ',';
    key += '|';
    for (auto v : nd.attr.reals) key.append(reinterpret_cast<const char*>(&v), sizeof v);
    key += '|' + std::to_string(nd.attr.seed) + '|' + std::to_string(nd.attr.variable) + '|' + nd.attr.text + '|';
    if (nd.op == "Const") {
      key += std::to_string(static_cast<int>(nd.attr.value.dtype())) + ':' + to_string(nd.attr.value.shape());
      key.append(static_cast<const char*>(nd.attr.value.raw()), nd.attr.value.nbytes());
    }
    auto [it, inserted] = seen.try_emplace(std::move(key), id);
    if (!inserted) canon[id] = it->second;
  }
}

/// Constant folding: a deterministic node whose inputs are all constants (or
/// folded) is evaluated once, now. Errors are left for run time, which names
/// the node; results over 16 MiB are not kept.
inline void fold_constants(const Graph& g, const std::vector<node_id>& order, const std::vector<node_id>& canon,
                           const std::function<bool(node_id)>& is_fed, std::vector<std::int32_t>& folded_at,
                           std::vector<any_array>& values) {
  session_state scratch;
  std::vector<const any_array*> ins;
  auto is_const = [&](node_id id) { return g.at_unlocked(id).op == "Const" && !is_fed(id); };
  for (node_id id : order) {
    const node& nd = g.at_unlocked(id);
    if (canon[id] != id || !nd.has_output || !nd.kernel || nd.stateful || is_fed(id) || nd.op == "Const" ||
        nd.op == "Placeholder" || !nd.control_inputs.empty())
      continue;
    ins.clear();
    bool all_constant = true;
    for (node_id raw : nd.inputs) {
      const node_id in = canon[raw];
      if (folded_at[in] >= 0) ins.push_back(&values[static_cast<std::size_t>(folded_at[in])]);
      else if (is_const(in)) ins.push_back(&g.at_unlocked(in).attr.value);
      else { all_constant = false; break; }
    }
    if (!all_constant) continue;
    any_array out;
    kernel_context ctx{nd, ins.data(), ins.size(), out, scratch, const_cast<Graph&>(g), nullptr};
    try {
      nd.kernel(ctx);
    } catch (const std::exception&) {
      continue;
    }
    if (out.nbytes() > (std::size_t{16} << 20)) continue;
    if (out.borrowed()) out = out.clone();
    folded_at[id] = static_cast<std::int32_t>(values.size());
    values.push_back(std::move(out));
  }
}

/// Views and handles: their output is (or may be) another value's buffer.
inline bool is_view_op(const node& n) {
  for (const char* view : {"Const", "VariableV2", "Identity", "Reshape", "ReshapeLike", "ExpandDims", "Squeeze",
                           "StopGradient", "IsVariableInitialized"})
    if (n.op == view) return true;
  return false;
}

/// True for ops whose output is, or may be, another value's buffer: views,
/// variable reads and assignments, and the gradient helpers that forward their
/// input when nothing was broadcast. A buffer handed to them would be dropped.
inline bool may_alias_output(const node& n) {
  return is_view_op(n) || n.op.starts_with("Assign") || n.op == "SumToShape" || n.op == "BroadcastToShape";
}

/// A step's work from static shapes, in rough units of one elementwise
/// operation (a dynamic dimension counts as 64, a typical batch). A matmul's
/// multiply-adds count 1/16 each: BLAS runs them that much faster per element.
inline std::size_t step_cost(const Graph& g, const plan& p, const plan_step& s) {
  auto elements = [](const std::vector<std::ptrdiff_t>& shape) {
    std::size_t n = 1;
    for (auto d : shape) n *= d < 0 ? 64 : static_cast<std::size_t>(d);
    return n;
  };
  const node& n = *s.n;
  if (is_view_op(n)) return 0;  // no work whatever the shape
  if ((n.op == "MatMul" || n.op.starts_with("BatchMatMul")) && n.inputs.size() == 2) {
    // (m*k) * (k*n) * (m*n) = (m*k*n)^2, whatever the transposes.
    const double product = double(elements(g.at_unlocked(n.inputs[0]).shape)) *
                           double(elements(g.at_unlocked(n.inputs[1]).shape)) * double(elements(n.shape));
    return static_cast<std::size_t>(std::sqrt(product) / 16);
  }
  std::size_t work = elements(n.shape);
  for (node_id in : n.inputs) work = std::max(work, elements(g.at_unlocked(in).shape));
  if (s.fused >= 0) work *= p.fused[static_cast<std::size_t>(s.fused)].fallback.size();
  if (n.op.starts_with("Conv")) work *= 4;  // several multiply-adds per element
  return work;
}

/// Steps below this cost stay where they are: a task hop costs about as much.
inline constexpr std::size_t heavy_step_cost = std::size_t{1} << 15;

/// True when two heavy steps (by `heavy`) exist neither of which waits,
/// directly or not, for the other. Steps are in topological order, so heavy
/// step number k is independent of some earlier one exactly when it has fewer
/// than k heavy ancestors.
inline bool has_independent_heavy_steps(const std::vector<std::vector<std::uint32_t>>& preds,
                                        const std::vector<bool>& heavy) {
  std::vector<std::uint32_t> index(heavy.size(), no_slot);
  std::uint32_t count = 0;
  for (std::size_t i = 0; i < heavy.size(); ++i) index[i] = heavy[i] ? count++ : no_slot;
  if (count < 2) return false;
  if (count > 4096) return true;  // the bitsets would be large; such a plan has width somewhere
  const std::size_t words = (count + 63) / 64;
  std::vector<std::uint64_t> ancestors(heavy.size() * words, 0);
  for (std::size_t i = 0; i < heavy.size(); ++i) {
    std::uint64_t* mine = &ancestors[i * words];
    for (std::uint32_t d : preds[i]) {
      const std::uint64_t* theirs = &ancestors[std::size_t{d} * words];
      for (std::size_t w = 0; w < words; ++w) mine[w] |= theirs[w];
      if (heavy[d]) mine[index[d] / 64] |= std::uint64_t{1} << (index[d] % 64);
    }
    if (!heavy[i]) continue;
    std::uint32_t known = 0;
    for (std::size_t w = 0; w < words; ++w) known += static_cast<std::uint32_t>(std::popcount(mine[w]));
    if (known < index[i]) return true;
  }
  return false;
}

/// Fills `p.graph` and sets `p.parallel` when the plan has independent heavy steps.
inline void build_step_graph(const Graph& g, plan& p, const std::vector<bool>& pinned, const std::vector<node_id>& canon) {
  const std::size_t ns = p.steps.size();
  if (ns < 2) return;
  std::vector<std::uint32_t> producer(p.slot_count, no_slot), step_of(g.size_unlocked(), no_slot);
  for (std::uint32_t i = 0; i < ns; ++i) {
    const plan_step& s = p.steps[i];
    producer[s.out_slot] = i;
    step_of[s.id] = i;
    if (s.fused >= 0)
      for (std::uint32_t idx : p.fused[static_cast<std::size_t>(s.fused)].fallback) step_of[p.inner_steps[idx].id] = i;
  }
  std::vector<std::vector<std::uint32_t>> preds(ns);
  std::vector<bool> heavy(ns, false);
  std::uint32_t last_stateful = no_slot;
  for (std::uint32_t i = 0; i < ns; ++i) {
    const plan_step& s = p.steps[i];
    auto add = [&, &mine = preds[i]](std::uint32_t d) {
      if (d != no_slot && d != i && std::find(mine.begin(), mine.end(), d) == mine.end()) mine.push_back(d);
    };
    for (std::uint32_t k = 0; k < s.nin; ++k) add(producer[p.args[s.in_off + k]]);
    bool stateful = false;
    auto control = [&](const node& nd) {
      for (node_id c : nd.control_inputs) add(step_of[canon[c]]);
      stateful = stateful || nd.stateful;
    };
    if (s.fused < 0) control(*s.n);
    else for (std::uint32_t idx : p.fused[static_cast<std::size_t>(s.fused)].fallback) control(*p.inner_steps[idx].n);
    // Stateful steps keep their plan order among themselves: an assign and a
    // read of one variable give the values the sequential order gives.
    if (stateful) {
      add(last_stateful);
      last_stateful = i;
    }
    heavy[i] = step_cost(g, p, s) >= heavy_step_cost;
  }
  if (!has_independent_heavy_steps(preds, heavy)) return;

  step_graph& sg = p.graph;
  sg.waits.resize(ns);
  sg.succ_off.assign(ns + 1, 0);
  for (std::uint32_t i = 0; i < ns; ++i) {
    sg.waits[i] = static_cast<std::uint32_t>(preds[i].size());
    if (preds[i].empty()) sg.roots.push_back(i);
    for (std::uint32_t d : preds[i]) ++sg.succ_off[d + 1];
  }
  for (std::size_t i = 0; i < ns; ++i) sg.succ_off[i + 1] += sg.succ_off[i];
  sg.successors.resize(sg.succ_off[ns]);
  std::vector<std::uint32_t> fill(sg.succ_off.begin(), sg.succ_off.end() - 1);
  for (std::uint32_t i = 0; i < ns; ++i)
    for (std::uint32_t d : preds[i]) sg.successors[fill[d]++] = i;
  sg.readers.assign(p.slot_count, 0);
  sg.read_off.push_back(0);
  for (const plan_step& s : p.steps) {
    const auto first = sg.reads.size();
    for (std::uint32_t k = 0; k < s.nin; ++k) {
      const std::uint32_t slot = p.args[s.in_off + k];
      if (std::find(sg.reads.begin() + static_cast<std::ptrdiff_t>(first), sg.reads.end(), slot) != sg.reads.end()) continue;
      sg.reads.push_back(slot);
      if (!pinned[slot]) ++sg.readers[slot];
    }
    sg.read_off.push_back(static_cast<std::uint32_t>(sg.reads.size()));
  }
  for (const plan_step& s : p.steps) sg.dies_unread.push_back(!pinned[s.out_slot] && sg.readers[s.out_slot] == 0);
  p.parallel = true;
}
}  // namespace detail

namespace detail {
/// Sets the plan's heirs and in-place steps (liveness.hpp). A step owns its
/// output when it is not fetched, not read by a view and not a view itself; an
/// elementwise map (unary_kernel/binary_kernel) may write over an owned input
/// that dies at that step and has the output's dtype (and element count, when
/// static; executor.hpp's take_over checks the run-time shapes).
inline void share_plan_buffers(const Graph& g, plan& p, const std::vector<bool>& pinned,
                               const std::vector<std::uint32_t>& last_use) {
  auto static_elements = [](const std::vector<std::ptrdiff_t>& shape) {
    std::size_t n = 1;
    for (auto d : shape) n *= d < 0 ? 64 : static_cast<std::size_t>(d);
    return n;
  };
  auto fully_static = [](const std::vector<std::ptrdiff_t>& shape) {
    return std::none_of(shape.begin(), shape.end(), [](auto d) { return d < 0; });
  };
  // A slot read by a view may stay alive through the view after it dies: it
  // keeps its own buffer (release_slot), as one no colour could share. Views
  // share their first operand only (the others give a shape); assignments any.
  std::vector<bool> viewed(p.slot_count, false);
  for (const plan_step& s : p.steps)
    if (may_alias_output(*s.n))
      for (std::uint32_t k = 0; k < s.nin && (k == 0 || s.n->op.starts_with("Assign")); ++k)
        viewed[p.args[s.in_off + k]] = true;
  std::vector<step_life> lives;
  lives.reserve(p.steps.size());
  for (std::uint32_t i = 0; i < p.steps.size(); ++i) {
    const plan_step& s = p.steps[i];
    const node& n = *s.n;
    const bool owns = !pinned[s.out_slot] && !viewed[s.out_slot] && n.kernel && n.has_output && !may_alias_output(n);
    // A fused group's interior values live only within its step (when it falls back).
    if (s.fused >= 0)
      for (std::uint32_t idx : p.fused[static_cast<std::size_t>(s.fused)].fallback) {
        const plan_step& in = p.inner_steps[idx];
        if (in.out_slot != s.out_slot)
          lives.push_back({i, in.out_slot, true, no_slot, dtype_size(in.n->type) * static_elements(in.n->shape)});
      }
    step_life life{i, s.out_slot, owns, no_slot, dtype_size(n.type) * static_elements(n.shape)};
    if (owns && s.fused < 0 && n.block && (s.nin == 1 || s.nin == 2))
      for (std::uint32_t k = 0; k < s.nin && life.in_place_slot == no_slot; ++k) {
        const std::uint32_t in = p.args[s.in_off + k];
        const node& src = g.at_unlocked(n.inputs[k]);
        if (last_use[in] != i || pinned[in] || src.type != n.type) continue;
        if (fully_static(src.shape) && fully_static(n.shape) && static_elements(src.shape) != static_elements(n.shape))
          continue;
        life.in_place_slot = in;
      }
    lives.push_back(life);
  }
  buffer_sharing sharing = share_buffers(lives, last_use, p.slot_count, p.steps.size());
  // A release with an heir becomes a pass, so the executor's release loop stays as it was.
  std::vector<std::uint32_t> kept;
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    plan_step& s = p.steps[i];
    s.in_place = sharing.in_place[i];
    s.pass_off = static_cast<std::uint32_t>(p.passes.size());
    const std::uint32_t rel_off = static_cast<std::uint32_t>(kept.size());
    for (std::uint32_t r = s.rel_off; r < s.rel_off + s.nrel; ++r) {
      const std::uint32_t dead = p.releases[r];
      if (sharing.heir[dead] == no_slot) kept.push_back(dead);
      else p.passes.push_back({dead, sharing.heir[dead]});
    }
    s.rel_off = rel_off;
    s.nrel = static_cast<std::uint32_t>(kept.size()) - rel_off;
    s.npass = static_cast<std::uint32_t>(p.passes.size()) - s.pass_off;
  }
  p.releases = std::move(kept);
}
}  // namespace detail

/// Prunes the graph to what `leaves` need given `feeds` (sorted, unique), and
/// orders it: a fed node is a source, its inputs are not run. Then, as `opts`
/// asks, merges duplicates, folds constants and fuses elementwise trees.
inline std::unique_ptr<plan> build_plan(const Graph& g, std::span<const fetch_leaf> leaves, std::span<const node_id> feeds,
                                        const plan_options& opts = {}) {
  std::shared_lock lock(g.table_mutex());
  auto p = std::make_unique<plan>();
  const std::size_t n = g.size_unlocked();
  const std::function<bool(node_id)> is_fed = [&](node_id id) {
    return std::binary_search(feeds.begin(), feeds.end(), id);
  };
  std::vector<node_id> canon(n);
  for (std::size_t i = 0; i < n; ++i) canon[i] = static_cast<node_id>(i);
  std::vector<std::int32_t> folded_at(n, -1);
  auto is_source = [&](node_id id) { return is_fed(id) || folded_at[id] >= 0; };

  std::vector<node_id> order = detail::plan_order(g, leaves, canon, is_source);
  if (opts.common_subexpressions) detail::merge_duplicates(g, order, canon, is_fed);
  if (opts.constant_folding) detail::fold_constants(g, order, canon, is_fed, folded_at, p->folded_values);
  if (opts.common_subexpressions || opts.constant_folding) order = detail::plan_order(g, leaves, canon, is_source);

  std::vector<std::uint32_t> slot(n, no_slot);
  for (node_id id : order) slot[id] = p->slot_count++;
  for (node_id f : feeds) {
    p->feed_ids.push_back(f);
    p->feed_nodes.push_back(&g.at_unlocked(f));
    // A feed nobody needs still gets a slot, so the value is checked and fetchable.
    if (slot[f] == no_slot) slot[f] = p->slot_count++;
    p->feed_slots.push_back(slot[f]);
  }
  // Folded values reached by this plan are placed like feeds; the others are dropped.
  std::vector<any_array> kept;
  for (node_id id : order)
    if (folded_at[id] >= 0) {
      p->folded_slots.push_back(slot[id]);
      kept.push_back(std::move(p->folded_values[static_cast<std::size_t>(folded_at[id])]));
    }
  p->folded_values = std::move(kept);
  std::vector<std::vector<node_id>> inputs_of(n);
  for (node_id id : order)
    for (node_id in : g.at_unlocked(id).inputs) inputs_of[id].push_back(canon[in]);

  std::vector<bool> pinned(p->slot_count, false), pinned_node(n, false);
  for (const auto& leaf : leaves) {
    const node_id id = canon[leaf.id];
    p->fetch_slots.push_back(leaf.wants_value ? slot[id] : no_slot);
    if (leaf.wants_value) {
      pinned[slot[id]] = true;
      pinned_node[id] = true;
    }
  }
  std::vector<node_id> run_nodes;
  for (node_id id : order)
    if (!is_source(id)) run_nodes.push_back(id);

  std::vector<std::vector<node_id>> members;
  std::vector<std::int32_t> role(n, -1);
  if (opts.fusion) role = detail::find_fusion_groups(g, run_nodes, inputs_of, pinned_node, *p, members);

  auto make_step = [&](node_id id) {
    const node& nd = g.at_unlocked(id);
    plan_step s{&nd, id, static_cast<std::uint32_t>(p->args.size()), static_cast<std::uint32_t>(nd.inputs.size()),
                slot[id], 0, 0, -1, no_slot, 0, 0};
    for (node_id in : inputs_of[id]) p->args.push_back(slot[in]);
    return s;
  };
  // Each group: its program (members in plan order), externals, and fallback steps.
  std::vector<std::uint32_t> pos(n, 0);
  for (std::uint32_t i = 0; i < run_nodes.size(); ++i) pos[run_nodes[i]] = i;
  for (std::size_t gi = 0; gi < members.size(); ++gi) {
    auto& mem = members[gi];
    std::sort(mem.begin(), mem.end(), [&](node_id a, node_id b) { return pos[a] < pos[b]; });
    fused_group& fg = p->fused[gi];
    std::vector<node_id> ext_nodes;
    for (node_id m : mem) {
      const node& nd = g.at_unlocked(m);
      fused_instr ins{nd.block, static_cast<std::uint8_t>(nd.inputs.size()), {0, 0, 0}, &nd};
      for (std::size_t k = 0; k < nd.inputs.size(); ++k) {
        const node_id in = inputs_of[m][k];
        auto it = std::find(mem.begin(), mem.end(), in);
        if (it != mem.end()) {
          ins.operand[k] = static_cast<std::int32_t>(it - mem.begin());
        } else {
          auto e = std::find(ext_nodes.begin(), ext_nodes.end(), in);
          if (e == ext_nodes.end()) {
            ext_nodes.push_back(in);
            fg.externals.push_back(slot[in]);
            e = ext_nodes.end() - 1;
          }
          ins.operand[k] = -static_cast<std::int32_t>(e - ext_nodes.begin()) - 1;
        }
      }
      fg.program.push_back(ins);
      fg.fallback.push_back(static_cast<std::uint32_t>(p->inner_steps.size()));
      p->inner_steps.push_back(make_step(m));
    }
    detail::compile_program(fg);
  }

  std::vector<std::uint32_t> last_use(p->slot_count, no_slot);
  for (node_id id : run_nodes) {
    if (role[id] == -2) continue;  // runs inside its group's step
    plan_step s;
    if (role[id] >= 0) {
      const fused_group& fg = p->fused[static_cast<std::size_t>(role[id])];
      s = plan_step{&g.at_unlocked(id), id, static_cast<std::uint32_t>(p->args.size()),
                    static_cast<std::uint32_t>(fg.externals.size()), slot[id], 0, 0, role[id], no_slot, 0, 0};
      p->args.insert(p->args.end(), fg.externals.begin(), fg.externals.end());
    } else {
      s = make_step(id);
    }
    for (std::uint32_t i = 0; i < s.nin; ++i) last_use[p->args[s.in_off + i]] = static_cast<std::uint32_t>(p->steps.size());
    p->steps.push_back(s);
  }
  // A slot nobody reads dies right after its own step, unless it is fetched.
  for (std::size_t i = 0; i < p->steps.size(); ++i)
    if (last_use[p->steps[i].out_slot] == no_slot) last_use[p->steps[i].out_slot] = static_cast<std::uint32_t>(i);
  // A fused group's interior values (written only when it falls back to its
  // nodes' kernels) die with the group's step.
  for (std::uint32_t i = 0; i < p->steps.size(); ++i)
    if (p->steps[i].fused >= 0)
      for (std::uint32_t idx : p->fused[static_cast<std::size_t>(p->steps[i].fused)].fallback)
        if (p->inner_steps[idx].out_slot != p->steps[i].out_slot) last_use[p->inner_steps[idx].out_slot] = i;
  std::vector<std::vector<std::uint32_t>> dies_after(p->steps.size());
  for (std::uint32_t s = 0; s < p->slot_count; ++s)
    if (last_use[s] != no_slot && !pinned[s]) dies_after[last_use[s]].push_back(s);
  for (std::size_t i = 0; i < p->steps.size(); ++i) {
    p->steps[i].rel_off = static_cast<std::uint32_t>(p->releases.size());
    p->releases.insert(p->releases.end(), dies_after[i].begin(), dies_after[i].end());
    p->steps[i].nrel = static_cast<std::uint32_t>(dies_after[i].size());
  }
  detail::build_step_graph(g, *p, pinned, canon);
  // Heirs follow the steps' order: a parallel run, where which slot dies first
  // depends on the order steps finish in, ignores them and keeps one buffer
  // per slot; the same plan run in order (inter_op_threads = 1) shares.
  detail::share_plan_buffers(g, *p, pinned, last_use);
  return p;
}

}  // namespace sessionlib
