// The gradients of while_loop and of the scans (scan, map_fn, foldl, foldr):
// a WhileGrad / ScanGrad node (runtime/kernels/control_flow_grad.hpp) that
// runs the forward loop again keeping each iteration's values, then runs a
// gradient body backwards once per iteration.
//
// The gradient body is built in a new frame from the forward body's own nodes,
// which its plan recomputes per iteration from the forward body's _Arg nodes
// (fed the iteration's values): sl::gradients runs from the forward body's
// floating results, given one new _Arg each (the gradient of that result), to
// the body's floating arguments and captured values, and does not flow past
// the captured values (their gradients outside the loop are the outer walk's).
// A nested loop or cond inside the body gets its own gradient node inside the
// gradient body, the same way. Integer loop variables (counters) get no
// gradient, as TF's None; a body with a stateful op (an assignment, a random
// op) would run its effect again and is not differentiated (sl::unimplemented).
#pragma once

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "../config.hpp"
#include "../ops/control_flow.hpp"
#include "../runtime/kernels/control_flow_grad.hpp"
#include "grad_support.hpp"

namespace sessionlib::detail {

#if SESSIONLIB_DEFINITIONS
/// The _Arg node ids of body `b` of a control-flow node's attributes.
SESSIONLIB_INLINE std::vector<node_id> body_args(const control_flow_attrs& a, std::size_t b) {
  std::size_t off = 0;
  for (std::size_t k = 0; k < b; ++k) off += static_cast<std::size_t>(a.arg_counts[k]);
  std::vector<node_id> out;
  for (std::size_t k = 0; k < static_cast<std::size_t>(a.arg_counts[b]); ++k)
    out.push_back(static_cast<node_id>(a.args[off + k]));
  return out;
}

/// The results of body `b` of a control-flow node's attributes.
SESSIONLIB_INLINE std::vector<output_ref> body_results(const control_flow_attrs& a, std::size_t b) {
  std::size_t off = 0;
  for (std::size_t k = 0; k < b; ++k) off += static_cast<std::size_t>(a.result_counts[k]);
  std::vector<output_ref> out;
  for (std::size_t k = 0; k < static_cast<std::size_t>(a.result_counts[b]); ++k) {
    const auto packed = static_cast<std::uint64_t>(a.results[off + k]);
    out.push_back(output_ref{static_cast<node_id>(packed >> 32), static_cast<std::uint32_t>(packed & 0xffffffffu)});
  }
  return out;
}

/// The dtype and static shape of output `r`.
SESSIONLIB_INLINE output_spec spec_of(const Graph& g, output_ref r) {
  const node& n = g.at(r.node);
  return {n.output_type(r.index), n.output_shape(r.index)};
}

/// The gradient body of the forward body `frame` (arguments `args`, results
/// `results`) of loop node `loop` capturing `captures`. Its arguments are
/// `args`, then one gradient per floating result; its results the gradients
/// of the floating arguments, then of the floating captures.
SESSIONLIB_INLINE body_record loop_grad_body(Graph& g, const node& loop, std::uint32_t frame, const std::vector<node_id>& args,
                                             const std::vector<output_ref>& results,
                                             const std::vector<output_ref>& captures) {
  for (node_id id = 0; id < static_cast<node_id>(g.size()); ++id) {
    const node& nd = g.at(id);
    if (nd.frame == frame && nd.stateful && nd.op != "If" && nd.op != "While" && nd.op != "Scan")
      throw unimplemented("The gradient of a loop body holding the stateful op '" + nd.name + "' (" + nd.op +
                              ") is not implemented",
                          loop.name);
  }
  body_record rec;
  auto named = g.name_scope("body");
  Graph::frame_guard body(g, frame);  // inside the forward body: reads its values
  rec.frame = body.id();
  rec.begin = static_cast<node_id>(g.size());
  rec.args = args;
  std::vector<output_ref> ys, dys, xs;
  for (output_ref r : results) {
    const output_spec s = spec_of(g, r);
    if (!erased::is_floating(s.type)) continue;
    const node_id d = add_tensor_node(g, {.op = "_Arg", .name = "grad_arg", .kernel = kernels::arg_kernel}, s.type, s.shape);
    rec.args.push_back(d);
    ys.push_back(r);
    dys.push_back(output_ref{d, 0});
  }
  for (node_id a : args)
    if (erased::is_floating(g.at(a).type)) xs.push_back(output_ref{a, 0});
  for (output_ref c : captures)
    if (erased::is_floating(spec_of(g, c).type)) xs.push_back(c);
  rec.results = symbolic_gradients(g, ys, dys, xs, "grad", unconnected_gradients::zero, captures);
  rec.end = static_cast<node_id>(g.size());
  return rec;
}

/// Adds gradient node `op` of loop node `self`: inputs `lead` then the
/// captures of `bodies` (the forward node's first, in its order; then what
/// the gradient body reads from outside the forward body and itself), bodies
/// and loop attributes as the forward node's. Returns the node's id.
SESSIONLIB_INLINE node_id add_loop_grad_node(Graph& g, node_id self, std::string op, kernel_fn kernel,
                                             std::vector<output_ref> lead, const std::vector<body_record>& bodies,
                                             std::uint32_t forward_frame, std::vector<output_spec> outputs) {
  const node& n = g.at(self);
  const auto fa = n.attr.get<control_flow_attrs>();
  const auto ncap = static_cast<std::size_t>(fa.captures);
  std::vector<output_ref> captures(n.inputs.end() - static_cast<std::ptrdiff_t>(ncap), n.inputs.end());
  const body_record& gb = bodies.back();
  auto capture = [&](output_ref r) {
    const std::uint32_t f = g.at(r.node).frame;
    if (f != gb.frame && f != forward_frame && std::find(captures.begin(), captures.end(), r) == captures.end())
      captures.push_back(r);
  };
  for (node_id id = gb.begin; id < gb.end; ++id) {
    const node& nd = g.at(id);
    if (nd.frame != gb.frame) continue;  // a nested body's
    for (output_ref in : nd.inputs) capture(in);
  }
  for (output_ref r : gb.results) capture(r);
  control_flow_attrs attrs;
  attrs.maximum_iterations = fa.maximum_iterations;
  attrs.parallel_iterations = fa.parallel_iterations;
  attrs.reverse = fa.reverse;
  attrs.accumulates = fa.accumulates;
  attrs.stacks = fa.stacks;
  for (const body_record& b : bodies) record_body(attrs, b);
  attrs.captures = static_cast<std::int64_t>(captures.size());
  lead.insert(lead.end(), captures.begin(), captures.end());
  std::string name = op;
  return add_multi_output_node(g, {.op = std::move(op), .name = std::move(name), .inputs = std::move(lead), .kernel = kernel,
                                   .attr = {.family = std::move(attrs)}},
                               std::move(outputs));
}

/// A forward body as a record (its frame, arguments and results) from a node's attributes.
SESSIONLIB_INLINE body_record forward_body(const control_flow_attrs& a, std::size_t b) {
  body_record rec;
  rec.frame = static_cast<std::uint32_t>(a.frames[b]);
  rec.args = body_args(a, b);
  rec.results = body_results(a, b);
  return rec;
}

/// While's gradient: a WhileGrad node whose outputs are the gradients of the
/// floating loop variables' initial values and of the floating captures.
SESSIONLIB_INLINE void while_grad(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx) {
  const node n = g.at(self);
  const auto a = n.attr.get<control_flow_attrs>();
  const auto nvars = static_cast<std::size_t>(a.arg_counts[1]);
  const auto ncap = static_cast<std::size_t>(a.captures);
  const std::vector<output_ref> captures(n.inputs.end() - static_cast<std::ptrdiff_t>(ncap), n.inputs.end());
  const std::string base = n.name.substr(n.name.rfind('/') + 1);
  auto scope = g.name_scope(base + "_grad");
  std::vector<body_record> bodies{forward_body(a, 0), forward_body(a, 1)};
  bodies.push_back(loop_grad_body(g, n, bodies[1].frame, bodies[1].args, bodies[1].results, captures));
  std::vector<output_ref> lead(n.inputs.begin(), n.inputs.begin() + static_cast<std::ptrdiff_t>(nvars));
  std::vector<output_spec> outputs;
  std::vector<std::size_t> to_input;  // per output: the forward input it is the gradient of
  for (std::size_t k = 0; k < nvars; ++k) {
    const output_spec s = spec_of(g, n.inputs[k]);
    if (!erased::is_floating(s.type)) continue;
    lead.push_back(dy[k].valid() ? dy[k] : output_ref(erased::zeros_like(g, output_ref{self, static_cast<std::uint32_t>(k)})));
    outputs.push_back(s);
    to_input.push_back(k);
  }
  for (std::size_t c = 0; c < ncap; ++c) {
    const output_spec s = spec_of(g, captures[c]);
    if (!erased::is_floating(s.type)) continue;
    outputs.push_back(s);
    to_input.push_back(nvars + c);
  }
  if (outputs.empty()) return;
  const node_id id = add_loop_grad_node(g, self, "WhileGrad", kernels::while_grad_kernel, std::move(lead), bodies,
                                        bodies[1].frame, std::move(outputs));
  for (std::size_t j = 0; j < to_input.size(); ++j) dx[to_input[j]] = output_ref{id, static_cast<std::uint32_t>(j)};
}

/// While's gradient when it has one loop variable.
SESSIONLIB_INLINE void while_grad_single(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  while_grad(g, self, {dy}, dx);
}

/// Scan's gradient (scan, map_fn, foldl, foldr): a ScanGrad node whose outputs
/// are the gradients of elems (if floating), of the initializer (if fn
/// accumulates) and of the floating captures.
SESSIONLIB_INLINE void scan_grad(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node n = g.at(self);
  const auto a = n.attr.get<control_flow_attrs>();
  const auto ncap = static_cast<std::size_t>(a.captures);
  const std::vector<output_ref> captures(n.inputs.end() - static_cast<std::ptrdiff_t>(ncap), n.inputs.end());
  const std::string base = n.name.substr(n.name.rfind('/') + 1);
  auto scope = g.name_scope(base + "_grad");
  std::vector<body_record> bodies{forward_body(a, 0)};
  bodies.push_back(loop_grad_body(g, n, bodies[0].frame, bodies[0].args, bodies[0].results, captures));
  const std::size_t nlead = a.accumulates ? 2 : 1;
  std::vector<output_ref> lead(n.inputs.begin(), n.inputs.begin() + static_cast<std::ptrdiff_t>(nlead));
  lead.push_back(dy);
  std::vector<output_spec> outputs;
  std::vector<std::size_t> to_input;
  for (std::size_t k = 0; k < nlead + ncap; ++k) {
    const output_ref in = k < nlead ? n.inputs[k] : captures[k - nlead];
    const output_spec s = spec_of(g, in);
    if (!erased::is_floating(s.type)) continue;
    outputs.push_back(s);
    to_input.push_back(k);
  }
  if (outputs.empty()) return;
  const node_id id = add_loop_grad_node(g, self, "ScanGrad", kernels::scan_grad_kernel, std::move(lead), bodies,
                                        bodies[0].frame, std::move(outputs));
  for (std::size_t j = 0; j < to_input.size(); ++j) dx[to_input[j]] = output_ref{id, static_cast<std::uint32_t>(j)};
}
#endif  // SESSIONLIB_DEFINITIONS

}  // namespace sessionlib::detail
