// The interface between the executor and kernels. A kernel reads its inputs,
// sizes its output with `out.ensure` (which reuses last run's buffer when the
// shape did not change) and writes it. Errors name the node.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "../config.hpp"
#include "../graph/graph.hpp"
#include "run_options.hpp"
#include "state.hpp"

// oneTBB's arena, by name: a kernel_context carries a pointer to one. Units
// that run kernels' split work include oneTBB itself (split_work.hpp, at the
// end); separate units (config.hpp) never do, and skip oneTBB's headers.
namespace tbb {
namespace detail::d1 {
class task_arena;
}  // namespace detail::d1
using detail::d1::task_arena;
}  // namespace tbb

namespace sessionlib {

namespace detail {
struct exec_resources;  // runtime/executor.hpp
}  // namespace detail

/// What a kernel sees of one step of a run.
struct kernel_context {
  const node& n;
  const any_array* const* in;  // inputs, in node order
  std::size_t nin;
  any_array& out;
  session_state& state;
  Graph& graph;
  detail::exec_resources* resources = nullptr;  // thread arena etc. (null: run inline)
  tbb::task_arena* split_arena = nullptr;  // where work split across threads runs (split_work)
  node_id self = no_node;  // the node's id (keys per-node session state, e.g. a random op's generator)
  /// The run's deadline (RunOptions::timeout; max: none) and its timeout, which
  /// bound a kernel that blocks (a queue's enqueue or dequeue).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds timeout{0};
  /// In a traced run, where a kernel that runs sub-plans (a cond's branch, a
  /// loop's body) adds their steps' stats, and when the run started; null
  /// otherwise.
  std::vector<NodeExecStats>* trace = nullptr;
  std::chrono::steady_clock::time_point trace_start{};

  const any_array& input(std::size_t i) const noexcept { return *in[i]; }
  /// Output `k` of a node with several outputs (0 is `out`): a step's outputs
  /// are consecutive slots of its run.
  any_array& output(std::size_t k) const noexcept { return (&out)[k]; }
  /// Throws sl::invalid_argument naming this node.
  [[noreturn]] void fail(const std::string& message) const { throw invalid_argument(message, n.name); }
  /// The node's family attributes (graph/op_attrs.hpp), e.g. `ctx.attrs<matmul_attrs>().transpose_a`.
  template <AttrStruct A>
  const A& attrs() const {
    return n.attr.get<A>();
  }
  /// The slot of the variable this node touches.
  variable_slot& variable() const { return state.variable(n.attr.variable); }
  /// The node's static shape, as a run-time shape when it has no dynamic dimension.
  bool static_shape(dims& d) const {
    d.resize(0);
    for (auto e : n.shape) {
      if (e < 0) return false;
      d.push_back(static_cast<std::size_t>(e));
    }
    return true;
  }
};

}  // namespace sessionlib

#if SESSIONLIB_DEFINITIONS
#include "split_work.hpp"
#endif
