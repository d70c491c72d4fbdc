// A run plan: for one signature (fetches, feeds, targets), the nodes that must
// run, pruned and topologically ordered, with a value slot per node and the
// slots that die after each step. Built once, cached, then executed many times.
// A plan whose independent steps are heavy enough also carries its step graph
// (dependency counts, successors, per-slot reader counts) to run them side by side.
// Run in order, its slots share buffers by liveness (liveness.hpp).
// The structures are in plan_types.hpp, the graph passes in plan_passes.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "../config.hpp"
#include "plan_types.hpp"

namespace sessionlib::detail {
/// Builds the plan for `leaves` given `feeds` (defined below).
SESSIONLIB_DECLARE std::unique_ptr<plan> build_plan(const Graph& g, std::span<const fetch_leaf> leaves,
                                                    std::span<const output_ref> feeds, const plan_options& opts = {});
}  // namespace sessionlib::detail

// The planner's body: compiled where definitions are (config.hpp's
// SESSIONLIB_DEFINITIONS), declared nowhere else.
#if SESSIONLIB_DEFINITIONS
#include "liveness.hpp"
#include "plan_passes.hpp"

namespace sessionlib {

namespace detail {
/// Views and handles: their output is (or may be) another value's buffer.
SESSIONLIB_INLINE bool is_view_op(const node& n) { return n.def->is(op_flags::view); }

/// True for ops whose output is, or may be, another value's buffer: views,
/// variable reads and assignments, and the gradient helpers that forward their
/// input when nothing was broadcast. A buffer handed to them would be dropped.
SESSIONLIB_INLINE bool may_alias_output(const node& n) { return is_view_op(n) || n.def->is(op_flags::may_alias_input); }

/// The static shape of node `n`'s input `k` (the output it reads).
inline const std::vector<std::ptrdiff_t>& input_shape(const Graph& g, const node& n, std::size_t k) {
  const output_ref in = n.inputs[k];
  return g.at_unlocked(in.node).output_shape(in.index);
}

/// A step's work from static shapes, in rough units of one elementwise
/// operation (a dynamic dimension counts as 64, a typical batch). A matmul's
/// multiply-adds count 1/16 each: BLAS runs them that much faster per element.
SESSIONLIB_INLINE std::size_t step_cost(const Graph& g, const plan& p, const plan_step& s) {
  auto elements = [](const std::vector<std::ptrdiff_t>& shape) {
    std::size_t n = 1;
    for (auto d : shape) n *= d < 0 ? 64 : static_cast<std::size_t>(d);
    return n;
  };
  const node& n = *s.n;
  if (n.def->cost == op_cost::none) return 0;  // no work whatever the shape
  if (n.def->cost == op_cost::matmul && n.inputs.size() == 2) {
    // (m*k) * (k*n) * (m*n) = (m*k*n)^2, whatever the transposes.
    const double product = double(elements(input_shape(g, n, 0))) * double(elements(input_shape(g, n, 1))) *
                           double(elements(n.shape));
    return static_cast<std::size_t>(std::sqrt(product) / 16);
  }
  std::size_t work = elements(n.shape);
  for (std::size_t k = 0; k < n.inputs.size(); ++k) work = std::max(work, elements(input_shape(g, n, k)));
  if (s.fused >= 0) work *= p.fused[static_cast<std::size_t>(s.fused)].fallback.size();
  if (n.def->cost == op_cost::conv) work *= 4;  // several multiply-adds per element
  return work;
}

/// Steps below this cost stay where they are: a task hop costs about as much.
inline constexpr std::size_t heavy_step_cost = std::size_t{1} << 15;

/// True when two heavy steps (by `heavy`) exist neither of which waits,
/// directly or not, for the other. Steps are in topological order, so heavy
/// step number k is independent of some earlier one exactly when it has fewer
/// than k heavy ancestors.
SESSIONLIB_INLINE bool has_independent_heavy_steps(const std::vector<std::vector<std::uint32_t>>& preds,
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
SESSIONLIB_INLINE void build_step_graph(const Graph& g, plan& p, const std::vector<bool>& pinned, const std::vector<node_id>& canon) {
  const std::size_t ns = p.steps.size();
  if (ns < 2) return;
  // A step that may wait for another run (a dequeue) keeps the plan on the
  // calling thread: on the pool it would hold a thread other runs may need.
  for (const plan_step& s : p.steps)
    if (s.n->def->is(op_flags::blocking)) return;
  std::vector<std::uint32_t> producer(p.slot_count, no_slot), step_of(g.size_unlocked(), no_slot);
  for (std::uint32_t i = 0; i < ns; ++i) {
    const plan_step& s = p.steps[i];
    for (std::uint32_t k = 0; k < s.nout; ++k) producer[s.out_slot + k] = i;
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
  sg.dies_unread.assign(p.slot_count, 0);
  for (const plan_step& s : p.steps)
    for (std::uint32_t k = 0; k < s.nout; ++k)
      sg.dies_unread[s.out_slot + k] = !pinned[s.out_slot + k] && sg.readers[s.out_slot + k] == 0;
  p.parallel = true;
}
}  // namespace detail

namespace detail {
/// Sets the plan's heirs and in-place steps (liveness.hpp). A step owns its
/// output when it is not fetched, not read by a view and not a view itself; an
/// elementwise map (unary_kernel/binary_kernel) may write over an owned input
/// that dies at that step and has the output's dtype (and element count, when
/// static; executor.hpp's take_over checks the run-time shapes).
SESSIONLIB_INLINE void share_plan_buffers(const Graph& g, plan& p, const std::vector<bool>& pinned,
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
  // share their first operand only (the others give a shape); assignments (state
  // that may take over an input) any.
  std::vector<bool> viewed(p.slot_count, false);
  for (const plan_step& s : p.steps)
    if (may_alias_output(*s.n)) {
      const bool any_operand = s.n->def->is(op_flags::may_alias_input | op_flags::stateful);
      for (std::uint32_t k = 0; k < s.nin && (k == 0 || any_operand); ++k)
        viewed[p.args[s.in_off + k]] = true;
    }
  std::vector<step_life> lives;
  lives.reserve(p.steps.size());
  for (std::uint32_t i = 0; i < p.steps.size(); ++i) {
    const plan_step& s = p.steps[i];
    const node& n = *s.n;
    // String buffers are never shared: a colour's buffer changes dtype between its slots.
    bool strings = false;
    for (std::uint32_t k = 0; k < n.num_outputs(); ++k) strings = strings || n.output_type(k) == dtype::string;
    const bool owns = !pinned[s.out_slot] && !viewed[s.out_slot] && n.kernel && n.has_output &&
                      !may_alias_output(n) && !strings;
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
        const node& src = g.at_unlocked(n.inputs[k].node);
        const auto& src_shape = src.output_shape(n.inputs[k].index);
        if (last_use[in] != i || pinned[in] || src.output_type(n.inputs[k].index) != n.type) continue;
        if (fully_static(src_shape) && fully_static(n.shape) && static_elements(src_shape) != static_elements(n.shape))
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

namespace detail {
/// Prunes the graph to what `leaves` need given `feeds` (sorted, unique
/// outputs), and orders it: a fed output's consumers read the feed, and a node
/// all of whose outputs are fed is a source (its inputs are not run). Then, as
/// `opts` asks, merges duplicates, folds constants and fuses elementwise trees.
/// A node's outputs get consecutive slots (kernel_context::output).
SESSIONLIB_INLINE std::unique_ptr<plan> build_plan(const Graph& g, std::span<const fetch_leaf> leaves,
                                        std::span<const output_ref> feeds, const plan_options& opts) {
  std::shared_lock lock(g.table_mutex());
  auto p = std::make_unique<plan>();
  const std::size_t n = g.size_unlocked();
  // A body's values exist only while its cond or while_loop runs it (TF: such
  // tensors cannot be fetched from outside).
  if (!opts.body)
    for (const auto& leaf : leaves)
      if (const node& nd = g.at_unlocked(leaf.id); nd.frame != 0)
        throw invalid_argument("Operation '" + nd.name + "' has been marked as not fetchable: it is inside a cond or "
                                   "while_loop body; fetch the control-flow op's outputs",
                               nd.name);
  // Per node: how many of its outputs are fed.
  std::vector<std::uint32_t> fed_count(n, 0);
  for (output_ref f : feeds) ++fed_count[f.node];
  auto is_fed = [&](output_ref r) { return fed_count[r.node] && std::binary_search(feeds.begin(), feeds.end(), r); };
  const std::function<bool(node_id)> any_fed = [&](node_id id) { return fed_count[id] != 0; };
  auto fully_fed = [&](node_id id) { return fed_count[id] != 0 && fed_count[id] >= g.at_unlocked(id).num_outputs(); };
  std::vector<node_id> canon(n);
  for (std::size_t i = 0; i < n; ++i) canon[i] = static_cast<node_id>(i);
  std::vector<std::int32_t> folded_at(n, -1);
  auto is_source = [&](node_id id) { return fully_fed(id) || folded_at[id] >= 0; };

  std::vector<node_id> order = detail::plan_order(g, leaves, canon, is_source, is_fed);
  if (opts.common_subexpressions) detail::merge_duplicates(g, order, canon, any_fed);
  if (opts.constant_folding) detail::fold_constants(g, order, canon, any_fed, folded_at, p->folded_values);
  if (opts.common_subexpressions || opts.constant_folding) order = detail::plan_order(g, leaves, canon, is_source, is_fed);
  // Steps that start work elsewhere (op_flags::starts_early) come first, in
  // node order, each right after what it needs, so that their work (an MPI
  // allreduce of the last layer's gradients) overlaps the steps left (the rest
  // of the backward pass). Same steps; only their order changes.
  std::vector<fetch_leaf> early;
  for (node_id id : order)
    if (g.at_unlocked(id).def->is(op_flags::starts_early)) early.push_back({id, false});
  if (!early.empty()) {
    std::sort(early.begin(), early.end(), [](const fetch_leaf& a, const fetch_leaf& b) { return a.id < b.id; });
    early.insert(early.end(), leaves.begin(), leaves.end());
    order = detail::plan_order(g, early, canon, is_source, is_fed);
  }

  // A node that runs (or is folded) gets one slot per output (an operation one,
  // which nothing reads); each fed output gets its own slot.
  std::vector<std::uint32_t> slot(n, no_slot);
  for (node_id id : order)
    if (!fully_fed(id)) {
      slot[id] = p->slot_count;
      p->slot_count += std::max<std::uint32_t>(1, g.at_unlocked(id).num_outputs());
    }
  for (output_ref f : feeds) {
    p->feed_ids.push_back(f);
    p->feed_nodes.push_back(&g.at_unlocked(f.node));
    // A feed nobody needs still gets a slot, so the value is checked and fetchable.
    p->feed_slots.push_back(p->slot_count++);
  }
  // The slot holding output `r` (canonical) in a run: its feed's, else its producer's.
  auto value_slot = [&](output_ref r) {
    r.node = canon[r.node];
    if (is_fed(r))
      return p->feed_slots[static_cast<std::size_t>(std::lower_bound(feeds.begin(), feeds.end(), r) - feeds.begin())];
    return slot[r.node] + r.index;
  };
  // Folded values reached by this plan are placed like feeds; the others are dropped.
  std::vector<any_array> kept;
  for (node_id id : order)
    if (folded_at[id] >= 0) {
      p->folded_slots.push_back(slot[id]);
      kept.push_back(std::move(p->folded_values[static_cast<std::size_t>(folded_at[id])]));
    }
  p->folded_values = std::move(kept);
  std::vector<std::vector<output_ref>> inputs_of(n);
  for (node_id id : order)
    for (output_ref in : g.at_unlocked(id).inputs) inputs_of[id].push_back({canon[in.node], in.index});

  std::vector<bool> pinned(p->slot_count, false), pinned_node(n, false);
  p->fetched.assign(p->slot_count, false);
  for (const auto& leaf : leaves) {
    const node_id id = canon[leaf.id];
    const std::uint32_t s = leaf.wants_value ? value_slot({id, leaf.index}) : no_slot;
    p->fetch_slots.push_back(s);
    if (leaf.wants_value) {
      p->fetched[s] = true;
      pinned[s] = true;
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
                slot[id], 0, 0, -1, no_slot, 0, 0, std::max<std::uint32_t>(1, nd.num_outputs())};
    for (output_ref in : inputs_of[id]) p->args.push_back(value_slot(in));
    return s;
  };
  // Each group: its program (members in plan order), externals, and fallback steps.
  std::vector<std::uint32_t> pos(n, 0);
  for (std::uint32_t i = 0; i < run_nodes.size(); ++i) pos[run_nodes[i]] = i;
  for (std::size_t gi = 0; gi < members.size(); ++gi) {
    auto& mem = members[gi];
    std::sort(mem.begin(), mem.end(), [&](node_id a, node_id b) { return pos[a] < pos[b]; });
    fused_group& fg = p->fused[gi];
    std::vector<output_ref> ext_nodes;
    for (node_id m : mem) {
      const node& nd = g.at_unlocked(m);
      fused_instr ins{nd.block, static_cast<std::uint8_t>(nd.inputs.size()), {0, 0, 0}, &nd};
      for (std::size_t k = 0; k < nd.inputs.size(); ++k) {
        const output_ref in = inputs_of[m][k];
        auto it = std::find(mem.begin(), mem.end(), in.node);
        if (it != mem.end()) {
          ins.operand[k] = static_cast<std::int32_t>(it - mem.begin());
        } else {
          auto e = std::find(ext_nodes.begin(), ext_nodes.end(), in);
          if (e == ext_nodes.end()) {
            ext_nodes.push_back(in);
            fg.externals.push_back(value_slot(in));
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
    for (std::uint32_t k = 0; k < p->steps[i].nout; ++k)
      if (last_use[p->steps[i].out_slot + k] == no_slot) last_use[p->steps[i].out_slot + k] = static_cast<std::uint32_t>(i);
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
}  // namespace detail

}  // namespace sessionlib
#endif  // SESSIONLIB_DEFINITIONS
