// The gradient of cond (ops/control_flow.hpp's If): another If on the same
// predicate whose branches are the gradients of each forward branch with
// respect to the values it captured, so the gradient takes the branch the
// forward took; the captured values only the other branch reads get zeros.
//
// A gradient branch recomputes its forward branch: the forward branch's nodes
// are copied into the gradient branch's frame (nodes are plain data), reading
// the captures through one Identity each, and sl::gradients runs there from the
// copies' results to those Identities, so no path outside the branch is
// counted twice. Copying is why a branch with a stateful op (an assignment, a
// random op) or a nested cond / while_loop has no gradient yet: a copy would
// run its effect again (sl::unimplemented says so). The gradients of
// while_loop and the scans are in grad_loops.hpp.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../ops/control_flow.hpp"
#include "grad_loops.hpp"
#include "grad_support.hpp"

namespace sessionlib::detail {

#if SESSIONLIB_DEFINITIONS
/// The gradient branch of forward branch `frame` (results `results`) of an If
/// node capturing `captures`: a body whose results are d(sum results * dys)/d
/// capture for each capture `wanted`.
SESSIONLIB_INLINE body_record cond_grad_branch(Graph& g, std::uint32_t frame, const std::vector<output_ref>& results,
                                               const std::vector<output_ref>& captures, const std::vector<output_ref>& dys,
                                               const std::vector<char>& wanted, const std::string& scope) {
  body_record rec;
  auto named = g.name_scope(scope);
  Graph::frame_guard body(g);
  rec.frame = body.id();
  const auto forward_end = static_cast<node_id>(g.size());
  rec.begin = forward_end;
  std::map<output_ref, output_ref> copy_of;  // forward value -> its value in this branch
  std::vector<output_ref> xs;
  for (output_ref c : captures) {
    const output_ref x = erased::identity(g, c);
    copy_of[c] = x;
    xs.push_back(x);
  }
  std::map<node_id, node_id> node_copy;
  for (node_id id = 0; id < forward_end; ++id) {
    const node& nd = g.at(id);
    if (nd.frame != frame) continue;
    if (nd.stateful)
      throw unimplemented("The gradient of a cond branch holding the stateful op '" + nd.name + "' (" + nd.op +
                              ") is not implemented",
                          nd.name);
    node copy = nd;
    copy.name = nd.name.substr(nd.name.rfind('/') + 1);
    copy.def = nullptr;
    for (output_ref& in : copy.inputs) {
      auto it = copy_of.find(in);
      if (it == copy_of.end())
        throw internal_error("cond gradient: input '" + g.tensor_name(in) + "' of '" + nd.name + "' is neither in the branch nor captured");
      in = it->second;
    }
    for (node_id& c : copy.control_inputs) c = node_copy.at(c);
    const node_id cid = g.add_node(std::move(copy));
    node_copy[id] = cid;
    for (std::uint32_t k = 0; k < std::max<std::uint32_t>(1, nd.num_outputs()); ++k) copy_of[output_ref{id, k}] = output_ref{cid, k};
  }
  std::vector<output_ref> ys;
  for (output_ref r : results) ys.push_back(copy_of.at(r));
  const auto grads = symbolic_gradients(g, ys, dys, xs, "grad", unconnected_gradients::zero);
  for (std::size_t k = 0; k < captures.size(); ++k)
    if (wanted[k]) rec.results.push_back(grads[k]);
  rec.end = static_cast<node_id>(g.size());
  return rec;
}

/// If's gradient (several outputs): one If on the forward's predicate whose
/// outputs are the gradients of the floating captured values.
SESSIONLIB_INLINE void cond_grad(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const auto a = n.attr.get<control_flow_attrs>();
  const auto ncap = static_cast<std::size_t>(a.captures);
  // A nested cond or while_loop would be copied with its bodies' frames shared: not yet.
  for (node_id id = 0; id < self; ++id) {
    const node& nd = g.at(id);
    const bool inside = nd.frame == static_cast<std::uint32_t>(a.frames[0]) || nd.frame == static_cast<std::uint32_t>(a.frames[1]);
    if (inside && (nd.op == "If" || nd.op == "While" || nd.op == "Scan"))
      throw unimplemented("The gradient of a cond holding another control-flow op ('" + nd.name + "') is not implemented",
                          n.name);
  }
  const std::vector<output_ref> captures(n.inputs.end() - static_cast<std::ptrdiff_t>(ncap), n.inputs.end());
  std::vector<char> wanted(ncap, 0);
  std::vector<output_spec> outputs;
  for (std::size_t k = 0; k < ncap; ++k) {
    const node& c = g.at(captures[k].node);
    wanted[k] = erased::is_floating(c.output_type(captures[k].index)) ? 1 : 0;
    if (wanted[k]) outputs.push_back({c.output_type(captures[k].index), c.output_shape(captures[k].index)});
  }
  if (outputs.empty()) return;
  const std::string base = n.name.substr(n.name.rfind('/') + 1);
  auto scope = g.name_scope(base + "_grad");
  std::vector<body_record> bodies;
  std::size_t off = 0;
  for (std::size_t b = 0; b < 2; ++b) {
    const auto count = static_cast<std::size_t>(a.result_counts[b]);
    std::vector<output_ref> results;
    for (std::size_t k = 0; k < count; ++k) {
      const auto packed = static_cast<std::uint64_t>(a.results[off + k]);
      results.push_back(output_ref{static_cast<node_id>(packed >> 32), static_cast<std::uint32_t>(packed & 0xffffffffu)});
    }
    off += count;
    bodies.push_back(cond_grad_branch(g, static_cast<std::uint32_t>(a.frames[b]), results, captures, dy, wanted,
                                      b == 0 ? "then" : "else"));
  }
  const node_id id = add_control_flow_node(g, "If", "If", {n.inputs[0]}, bodies, {}, kernels::if_kernel, std::move(outputs));
  std::uint32_t j = 0;
  for (std::size_t k = 0; k < ncap; ++k)
    if (wanted[k]) dx[1 + k] = output_ref{id, j++};
}

/// If's gradient when it has one output.
SESSIONLIB_INLINE void cond_grad_single(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  cond_grad(g, self, {dy}, dx);
}

/// The gradient builders of control flow, by op type name.
SESSIONLIB_INLINE void register_control_flow_grads(std::unordered_map<std::string, grad_fn>& m) {
  m["If"] = cond_grad_single;
  m["While"] = while_grad_single;
  m["Scan"] = scan_grad;
}
/// ... and of control-flow nodes with several outputs.
SESSIONLIB_INLINE void register_control_flow_multi_grads(std::unordered_map<std::string, multi_grad_fn>& m) {
  m["If"] = cond_grad;
  m["While"] = while_grad;
}
#endif  // SESSIONLIB_DEFINITIONS

}  // namespace sessionlib::detail
