// The graph passes a plan is built with (plan.hpp's build_plan): elementwise
// fusion groups, the post-order walk that prunes the graph to what the fetches
// need, common-subexpression merging, and constant folding.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "plan_types.hpp"

namespace sessionlib {

namespace detail {
/// Groups elementwise nodes into fused trees. A node is interior to a group when
/// it is fusable, used exactly once (by a fusable node of its dtype), not fetched
/// and not a control input; a fusable node that is not interior roots a group.
/// Returns, per node, the group it roots (>= 0), -2 if interior, -1 otherwise.
SESSIONLIB_INLINE std::vector<std::int32_t> find_fusion_groups(const Graph& g, const std::vector<node_id>& run_nodes,
                                                    const std::vector<std::vector<output_ref>>& inputs_of,
                                                    const std::vector<bool>& pinned_node, plan& p,
                                                    std::vector<std::vector<node_id>>& members) {
  const std::size_t n = g.size_unlocked();
  std::vector<std::int32_t> role(n, -1);
  std::vector<std::uint32_t> uses(n, 0);
  std::vector<node_id> consumer(n, no_node);
  std::vector<bool> in_plan(n, false), control_used(n, false);
  for (node_id id : run_nodes) in_plan[id] = true;
  for (node_id id : run_nodes) {
    for (output_ref in : inputs_of[id]) { ++uses[in.node]; consumer[in.node] = id; }
    for (node_id c : g.at_unlocked(id).control_inputs) control_used[c] = true;
  }
  auto fusable = [&](node_id id) {
    const node& nd = g.at_unlocked(id);
    if (!in_plan[id] || !nd.block || nd.num_outputs() != 1 || nd.inputs.empty() || nd.inputs.size() > 3 ||
        nd.type == dtype::string)
      return false;
    for (output_ref in : inputs_of[id])
      if (g.at_unlocked(in.node).output_type(in.index) != nd.type) return false;
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
      for (output_ref in : inputs_of[cur])
        if (interior(in.node) && std::find(group.begin(), group.end(), in.node) == group.end()) {
          group.push_back(in.node);
          stack.push_back(in.node);
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
/// Post-order DFS from `leaves`, through `canon` (merged duplicates). It does
/// not enter an input edge that is fed (`is_fed(output)`), nor the inputs of a
/// source (`is_source(node)`: every output fed, or folded). Iterative, so deep
/// graphs cannot overflow.
template <class IsSource, class IsFed>
std::vector<node_id> plan_order(const Graph& g, std::span<const fetch_leaf> leaves, const std::vector<node_id>& canon,
                                IsSource&& is_source, IsFed&& is_fed) {
  std::vector<std::uint8_t> state(g.size_unlocked(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<node_id> order;
  std::vector<std::pair<node_id, std::size_t>> stack;
  for (const auto& leaf : leaves) {
    const node_id root = canon[leaf.id];
    if (state[root] || (leaf.wants_value && is_fed(output_ref{root, leaf.index}))) continue;
    stack.push_back({root, 0});
    state[root] = 1;
    while (!stack.empty()) {
      auto& [id, next] = stack.back();
      const node& nd = g.at_unlocked(id);
      const std::size_t nin = is_source(id) ? 0 : nd.inputs.size() + nd.control_inputs.size();
      if (next < nin) {
        node_id child;
        if (next < nd.inputs.size()) {
          const output_ref in{canon[nd.inputs[next].node], nd.inputs[next].index};
          ++next;
          if (is_fed(in)) continue;  // the value comes from the feed: its producer is not needed for it
          child = in.node;
        } else {
          child = canon[nd.control_inputs[next - nd.inputs.size()]];
          ++next;
        }
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
/// attributes, canonical inputs) maps to it. Stateful nodes, placeholders, nodes
/// with a fed output (`any_fed`) and large constants never merge.
SESSIONLIB_INLINE void merge_duplicates(const Graph& g, const std::vector<node_id>& order, std::vector<node_id>& canon,
                             const std::function<bool(node_id)>& any_fed) {
  std::unordered_map<std::string, node_id> seen;
  for (node_id id : order) {
    const node& nd = g.at_unlocked(id);
    const bool constant = nd.def->is(op_flags::constant);
    if (!nd.has_output || !nd.kernel || nd.stateful || any_fed(id) || nd.def->is(op_flags::placeholder) ||
        (nd.inputs.empty() && !constant))
      continue;
    if (constant && nd.attr.value.nbytes() > 256) continue;
    std::string key = nd.op;
    key += '|' + std::to_string(reinterpret_cast<std::uintptr_t>(nd.kernel)) + '|' +
           std::to_string(static_cast<int>(nd.type)) + '|';
    for (auto d : nd.shape) key += std::to_string(d) + ',';
    key += '|' + std::to_string(nd.num_outputs()) + '|';
    for (output_ref in : nd.inputs) key += std::to_string(canon[in.node]) + ':' + std::to_string(in.index) + ',';
    key += '|';
    for (node_id in : nd.control_inputs) key += std::to_string(canon[in]) + ',';
    key += '|';
    append_attr_key(key, nd.attr.family);
    key += '|' + std::to_string(nd.attr.variable) + '|';
    if (constant) {
      key += std::to_string(static_cast<int>(nd.attr.value.dtype())) + ':' + to_string(nd.attr.value.shape());
      if (nd.attr.value.dtype() == dtype::string) {
        const auto* v = nd.attr.value.data<std::string>();
        for (std::size_t i = 0; i < nd.attr.value.size(); ++i) key += std::to_string(v[i].size()) + ':' + v[i];
      } else {
        key.append(static_cast<const char*>(nd.attr.value.raw()), nd.attr.value.nbytes());
      }
    }
    auto [it, inserted] = seen.try_emplace(std::move(key), id);
    if (!inserted) canon[id] = it->second;
  }
}

/// Constant folding: a deterministic single-output node whose inputs are all
/// constants (or folded) is evaluated once, now. Errors are left for run time,
/// which names the node; results over 16 MiB are not kept.
SESSIONLIB_INLINE void fold_constants(const Graph& g, const std::vector<node_id>& order, const std::vector<node_id>& canon,
                           const std::function<bool(node_id)>& any_fed, std::vector<std::int32_t>& folded_at,
                           std::vector<any_array>& values) {
  session_state scratch;
  std::vector<const any_array*> ins;
  auto is_const = [&](node_id id) { return g.at_unlocked(id).def->is(op_flags::constant) && !any_fed(id); };
  for (node_id id : order) {
    const node& nd = g.at_unlocked(id);
    if (canon[id] != id || nd.num_outputs() != 1 || !nd.kernel || nd.stateful || any_fed(id) ||
        nd.def->is(op_flags::constant) || nd.def->is(op_flags::placeholder) || !nd.control_inputs.empty())
      continue;
    ins.clear();
    bool all_constant = true;
    for (output_ref raw : nd.inputs) {
      const node_id in = canon[raw.node];  // constants and folded nodes have one output
      if (folded_at[in] >= 0) ins.push_back(&values[static_cast<std::size_t>(folded_at[in])]);
      else if (is_const(in)) ins.push_back(&g.at_unlocked(in).attr.value);
      else { all_constant = false; break; }
    }
    if (!all_constant) continue;
    any_array out;
    kernel_context ctx{nd, ins.data(), ins.size(), out, scratch, const_cast<Graph&>(g), nullptr, nullptr, id,
                       std::chrono::steady_clock::time_point::max(), {}};
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
}  // namespace detail

}  // namespace sessionlib
