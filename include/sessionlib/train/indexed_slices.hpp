// Sparse gradients (TF's IndexedSlices). The gradient of gather along axis 0
// (tf.gather, tf.nn.embedding_lookup) to its params is nonzero only in the
// rows the indices name. sl::gradients still returns it as a dense tensor
// (the GatherGrad node, which scatters the rows into zeros: fetching it yields
// the dense value, as tf.convert_to_tensor of an IndexedSlices does), but an
// optimizer reads it as (values, indices) and updates only those rows of the
// variable and of its slots, as TF's sparse apply ops do: the dense node is
// then never run. A sum of such gradients (a variable gathered twice) is one
// IndexedSlices of both parts, as TF concatenates them.
#pragma once

#include <optional>
#include <vector>

#include "../config.hpp"
#include "../graph/graph.hpp"
#include "../ops/state.hpp"
#include "grad_support.hpp"

namespace sessionlib::train {

/// A variable's gradient as rows: rows `indices[k]` of the variable get
/// `values[k]` (TF's IndexedSlices; several parts are their concatenation, and
/// a row named twice gets the sum).
struct indexed_slices {
  /// One gather's part: values shaped indices' shape + the variable's row, and the indices (int32 or int64).
  struct part {
    output_ref values, indices;
    /// The node the part's dense form reads besides values and indices (the gathered params).
    output_ref params;
  };
  std::vector<part> parts;
  /// The dense gradient these rows stand for (fetchable; an update that reads the rows never runs it).
  output_ref dense;
};

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// The gradient `grad` of `var` as rows, when it is one (a GatherGrad along
/// axis 0 of the variable's shape, or an AddN of those); else nullopt.
SESSIONLIB_INLINE std::optional<indexed_slices> indexed_slices_of(const Graph& g, output_ref grad, const any_variable& var) {
  if (!grad.valid() || grad.index != 0) return std::nullopt;
  const op_def* const gather_grad = &op_registry::global().resolve("GatherGrad");
  const op_def* const add_n = &op_registry::global().resolve("AddN");
  const node& n = g.at(grad.node);
  indexed_slices out{.parts = {}, .dense = grad};
  const auto add_part = [&](const node& p) {
    if (p.def != gather_grad || p.inputs.size() != 3 || !p.attr.family.holds<axis_attrs>() ||
        p.attr.get<axis_attrs>().axis != 0 || p.shape != var.shape() || p.type != var.dtype())
      return false;
    out.parts.push_back({p.inputs[0], p.inputs[1], p.inputs[2]});
    return true;
  };
  if (n.def == add_n) {
    for (output_ref in : n.inputs)
      if (in.index != 0 || !add_part(g.at(in.node))) return std::nullopt;
  } else if (!add_part(n)) {
    return std::nullopt;
  }
  return out;
}

/// What each update waits for so that no variable changes before every
/// gradient has read it: each gradient, or for one read as rows, the nodes
/// its rows come from (its dense node is then left out, so it does not run).
SESSIONLIB_INLINE std::vector<output_ref> update_waits(const std::vector<output_ref>& grads,
                                                       const std::vector<std::optional<indexed_slices>>& sparse) {
  std::vector<output_ref> out;
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!sparse[i]) {
      out.push_back(grads[i]);
      continue;
    }
    for (const auto& p : sparse[i]->parts) out.insert(out.end(), {p.values, p.indices, p.params});
  }
  return out;
}
#else
SESSIONLIB_DECLARE std::optional<indexed_slices> indexed_slices_of(const Graph& g, output_ref grad, const any_variable& var);
SESSIONLIB_DECLARE std::vector<output_ref> update_waits(const std::vector<output_ref>& grads,
                                                        const std::vector<std::optional<indexed_slices>>& sparse);
#endif
}  // namespace detail

}  // namespace sessionlib::train
