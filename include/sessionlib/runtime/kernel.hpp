// The interface between the executor and kernels. A kernel reads its inputs,
// sizes its output with `out.ensure` (which reuses last run's buffer when the
// shape did not change) and writes it. Errors name the node.
#pragma once

#include <string>

#include "../graph/graph.hpp"
#include "state.hpp"

namespace sessionlib {

struct exec_resources;

/// What a kernel sees of one step of a run.
struct kernel_context {
  const node& n;
  const any_array* const* in;  // inputs, in node order
  std::size_t nin;
  any_array& out;
  session_state& state;
  Graph& graph;
  exec_resources* resources = nullptr;  // thread arena etc. (null: run inline)

  const any_array& input(std::size_t i) const noexcept { return *in[i]; }
  /// Throws sl::invalid_argument naming this node.
  [[noreturn]] void fail(const std::string& message) const { throw invalid_argument(message, n.name); }
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
