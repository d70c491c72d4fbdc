// Sparse gradients (TF's IndexedSlices). The gradient of gather along axis 0
// (tf.gather, tf.nn.embedding_lookup) and of nn::embedding_lookup_sparse to
// its params is nonzero only in the rows the ids name. sl::gradients still
// returns it as a dense tensor (GatherGrad, EmbeddingLookupSparseGrad: they
// scatter the rows into zeros of the table's shape; fetching it yields
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
#include "grad_sparse.hpp"
#include "grad_support.hpp"

namespace sessionlib::train {

/// A variable's gradient as rows: rows `indices[k]` of the variable get
/// `values[k]` (TF's IndexedSlices; several parts are their concatenation, and
/// a row named twice gets the sum).
struct indexed_slices {
  /// One lookup's part: values shaped indices' shape + the variable's row, and the indices (int32 or int64).
  struct part {
    output_ref values, indices;
    /// What the part's dense form reads for its shape (the params looked up).
    output_ref params;
  };
  /// The lookups' parts, concatenated.
  std::vector<part> parts;
  /// The dense gradient these rows stand for (fetchable; an update that reads the rows never runs it).
  output_ref dense;
};

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// The gradient `grad` of `var` as rows, when it is rows: a GatherGrad along
/// axis 0 of the variable's shape, an EmbeddingLookupSparseGrad (whose rows it
/// adds as a node), or an AddN of those; else nullopt, and the graph is unchanged.
SESSIONLIB_INLINE std::optional<indexed_slices> indexed_slices_of(Graph& g, output_ref grad, const any_variable& var) {
  if (!grad.valid() || grad.index != 0) return std::nullopt;
  const op_def* const gather_grad = &op_registry::global().resolve("GatherGrad");
  const op_def* const embedding_grad = &op_registry::global().resolve("EmbeddingLookupSparseGrad");
  const op_def* const add_n = &op_registry::global().resolve("AddN");
  const auto is_rows = [&](output_ref r) {
    const node& p = g.at(r.node);
    if (r.index != 0 || p.shape != var.shape() || p.type != var.dtype()) return false;
    if (p.def == gather_grad)
      return p.inputs.size() == 3 && p.attr.family.holds<axis_attrs>() && p.attr.get<axis_attrs>().axis == 0;
    return p.def == embedding_grad && p.inputs.size() >= 5;
  };
  std::vector<output_ref> parts{grad};
  if (g.at(grad.node).def == add_n) parts = g.at(grad.node).inputs;
  for (output_ref r : parts)
    if (!is_rows(r)) return std::nullopt;
  indexed_slices out{.parts = {}, .dense = grad};
  for (output_ref r : parts) {
    if (g.at(r.node).def == gather_grad) {
      const std::vector<output_ref> in = g.at(r.node).inputs;  // dy, indices, params
      out.parts.push_back({in[0], in[1], in[2]});
    } else {
      const output_ref values = ::sessionlib::detail::sparse_grad::embedding_rows(g, r.node);
      const std::vector<output_ref> in = g.at(r.node).inputs;  // dy, params, indices, ids, shape[, weights]
      out.parts.push_back({values, in[3], in[1]});
    }
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
SESSIONLIB_DECLARE std::optional<indexed_slices> indexed_slices_of(Graph& g, output_ref grad, const any_variable& var);
SESSIONLIB_DECLARE std::vector<output_ref> update_waits(const std::vector<output_ref>& grads,
                                                        const std::vector<std::optional<indexed_slices>>& sparse);
#endif
}  // namespace detail

}  // namespace sessionlib::train
