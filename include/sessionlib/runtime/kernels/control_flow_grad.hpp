// Kernels of the gradients of while_loop and scan (train/grad_loops.hpp):
// WhileGrad and ScanGrad. Each runs its forward loop again from the same
// inputs, keeping the values that enter every iteration (TF's stacks: memory
// grows with the iterations, maximum_iterations bounds it), then runs the
// gradient body once per iteration from the last to the first: the body's
// gradient given the iteration's values and the gradients of its results,
// answering the gradients of its arguments (carried to the iteration before)
// and of the captured values (summed over iterations).
//
// The bodies are the forward node's (planned again for this node: plans are
// per node) plus the gradient body; all read the same captures. The stacks
// are kept between runs (one per concurrent run, in the node's
// control_flow_state), so a loop whose shapes do not change writes each
// iteration into the previous run's buffers.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "../../config.hpp"
#include "control_flow.hpp"

namespace sessionlib::kernels {

/// A gradient node's stack for one run (per iteration: the values entering
/// it), taken from the node's spare stacks and given back when this dies.
struct stack_lease {
  /// Takes a spare stack of the node whose state is `st` (an empty one if none).
  explicit stack_lease(std::shared_ptr<control_flow_state> st) : state(std::move(st)) {
    std::lock_guard lock(state->m);
    if (!state->spare_stacks.empty()) {
      entries = std::move(state->spare_stacks.back());
      state->spare_stacks.pop_back();
    }
  }
  stack_lease(const stack_lease&) = delete;
  stack_lease& operator=(const stack_lease&) = delete;
  ~stack_lease() {
    std::lock_guard lock(state->m);
    state->spare_stacks.push_back(std::move(entries));
  }
  std::shared_ptr<control_flow_state> state;
  std::vector<std::vector<any_array>> entries;
};

/// True for the dtypes gradients flow through (float, double).
constexpr bool carries_gradient(dtype t) noexcept { return t == dtype::float32 || t == dtype::float64; }

#if SESSIONLIB_DEFINITIONS
/// `into += v` elementwise (float or double); an empty `into` becomes a copy of v.
SESSIONLIB_INLINE void accumulate(const kernel_context& ctx, any_array& into, const any_array& v) {
  if (into.empty_handle()) {
    into = v.clone();
    return;
  }
  if (into.shape() != v.shape() || into.dtype() != v.dtype())
    ctx.fail("loop gradient: an iteration's gradient has shape " + to_string(v.shape()) + " but an earlier one " +
             to_string(into.shape()));
  const std::size_t n = v.size();
  if (v.dtype() == dtype::float64) {
    double* a = into.data<double>();
    const double* b = v.data<double>();
    for (std::size_t i = 0; i < n; ++i) a[i] += b[i];
  } else {
    float* a = into.data<float>();
    const float* b = v.data<float>();
    for (std::size_t i = 0; i < n; ++i) a[i] += b[i];
  }
}

/// `out = a + b` elementwise into out's own buffer (reused when it is out's alone).
SESSIONLIB_INLINE void add_into(any_array& out, const any_array& a, const any_array& b) {
  out.ensure(a.dtype(), a.shape());
  const std::size_t n = a.size();
  if (a.dtype() == dtype::float64) {
    for (std::size_t i = 0; i < n; ++i) out.data<double>()[i] = a.data<double>()[i] + b.data<double>()[i];
  } else {
    for (std::size_t i = 0; i < n; ++i) out.data<float>()[i] = a.data<float>()[i] + b.data<float>()[i];
  }
}

/// Zeros of `like`'s dtype and shape, in `out`.
SESSIONLIB_INLINE void zeros_into(any_array& out, const any_array& like) {
  out.ensure(like.dtype(), like.shape());
  any_array::zero_elements(like.dtype(), out.raw(), out.size());
}

/// The state (bodies, spare stacks) of gradient node `ctx.n`.
SESSIONLIB_INLINE std::shared_ptr<control_flow_state> loop_state_of(kernel_context& ctx) {
  return ctx.state.resource<control_flow_state>(ctx.self, [] { return std::make_shared<control_flow_state>(); });
}

/// The captures (positions among the node's) whose gradients the gradient
/// body answers after its first `before` results: the floating ones, in order
/// (the forward node's captures come first; any after them get none).
SESSIONLIB_INLINE std::vector<std::size_t> differentiated_captures(const kernel_context& ctx, std::size_t before) {
  const auto& a = ctx.attrs<control_flow_attrs>();
  const auto ncap = static_cast<std::size_t>(a.captures);
  const auto count = static_cast<std::size_t>(a.result_counts.back()) - before;
  std::vector<std::size_t> out;
  for (std::size_t c = 0; c < ncap && out.size() < count; ++c)
    if (carries_gradient(ctx.input(ctx.nin - ncap + c).dtype())) out.push_back(c);
  return out;
}

/// Gives the result slot `res` of a body the buffer `spare` for its next value
/// when nobody else holds it (the previous run's stack entry, or a gradient
/// already consumed), so the step writes there instead of allocating.
SESSIONLIB_INLINE void hand_over(any_array& res, any_array& spare) {
  if (spare.unique()) res = std::move(spare);
  else res.reset();
}

/// WhileGrad: inputs (the loop variables' initial values..., the gradients of
/// the floating variables' final values..., captures...); bodies: the forward
/// condition, the forward body, the gradient body (arguments: the body's, then
/// the gradients of its floating results; results: the gradients of its
/// floating arguments, then of the floating captures). Outputs: the gradients
/// of the floating initial values, then of the floating captures.
SESSIONLIB_INLINE void while_grad_kernel(kernel_context& ctx) {
  const auto& a = ctx.attrs<control_flow_attrs>();
  const auto nvars = static_cast<std::size_t>(a.arg_counts[1]);
  const auto ncap = static_cast<std::size_t>(a.captures);
  std::vector<std::size_t> floating;  // positions of the floating loop variables
  for (std::size_t k = 0; k < nvars; ++k)
    if (carries_gradient(ctx.input(k).dtype())) floating.push_back(k);
  body_plan& cond = body_of(ctx, 0);
  body_plan& body = body_of(ctx, 1);
  body_plan& grad = body_of(ctx, 2);
  stack_lease lease(loop_state_of(ctx));
  auto& stack = lease.entries;

  // Forward: stack[i] holds the variables entering iteration i.
  std::vector<any_array> vars;
  for (std::size_t k = 0; k < nvars; ++k) vars.push_back(shared(ctx.input(k)));
  std::size_t n = 0;
  {
    body_run crun(*cond.p), brun(*body.p);
    for (; a.maximum_iterations < 0 || static_cast<std::int64_t>(n) < a.maximum_iterations; ++n) {
      check_deadline(ctx);
      run_body(ctx, cond, *crun.rs, vars, static_cast<std::int64_t>(n));
      const any_array& go = crun.rs->slots[cond.result_slots[0]];
      if (go.size() != 1) ctx.fail("while_loop: the condition must return a scalar, got shape " + to_string(go.shape()));
      if (!*go.data<bool>()) break;
      if (stack.size() <= n) stack.emplace_back(nvars);
      // The entry this run replaces: its buffer, if ours alone, takes the body's next value.
      std::vector<any_array>& entry = stack[n];
      std::vector<any_array>* next = n + 1 < stack.size() ? &stack[n + 1] : nullptr;
      for (std::size_t k = 0; k < nvars; ++k) {
        if (body.hand_back[k] && next != nullptr) hand_over(brun.rs->slots[body.result_slots[k]], (*next)[k]);
        entry[k] = vars[k];
      }
      run_body(ctx, body, *brun.rs, vars, static_cast<std::int64_t>(n));
      for (std::size_t k = 0; k < nvars; ++k) vars[k] = brun.rs->slots[body.result_slots[k]];
    }
    for (std::uint32_t s : body.result_slots) brun.rs->slots[s].reset();
  }
  if (stack.size() > n + 1) stack.resize(n + 1);  // a shorter run: keep one spare for the next
  vars.clear();

  // Backward: from the last iteration to the first.
  std::vector<any_array> dvars;
  for (std::size_t j = 0; j < floating.size(); ++j) dvars.push_back(shared(ctx.input(nvars + j)));
  std::vector<any_array> dcaps;  // per floating capture: the sum over iterations
  const std::vector<std::size_t> floating_caps = differentiated_captures(ctx, floating.size());
  dcaps.resize(floating_caps.size());
  std::vector<any_array> args(nvars + floating.size());
  {
    body_run grun(*grad.p);
    for (std::size_t i = n; i-- > 0;) {
      check_deadline(ctx);
      for (std::size_t k = 0; k < nvars; ++k) args[k] = stack[i][k];
      for (std::size_t j = 0; j < floating.size(); ++j) args[nvars + j] = std::move(dvars[j]);
      run_body(ctx, grad, *grun.rs, args, static_cast<std::int64_t>(i));
      for (std::size_t j = 0; j < floating.size(); ++j) {
        any_array& res = grun.rs->slots[grad.result_slots[j]];
        // The gradient this iteration consumed goes back to the step that writes the next.
        if (grad.hand_back[j]) {
          any_array used = std::move(args[nvars + j]);
          dvars[j] = std::move(res);
          hand_over(res, used);
        } else {
          dvars[j] = res;
        }
      }
      for (std::size_t c = 0; c < floating_caps.size(); ++c)
        accumulate(ctx, dcaps[c], grun.rs->slots[grad.result_slots[floating.size() + c]]);
    }
  }
  for (std::size_t j = 0; j < floating.size(); ++j) ctx.output(j) = std::move(dvars[j]);
  for (std::size_t c = 0; c < floating_caps.size(); ++c) {
    any_array& out = ctx.output(floating.size() + c);
    if (dcaps[c].empty_handle()) zeros_into(out, ctx.input(ctx.nin - ncap + floating_caps[c]));
    else out = std::move(dcaps[c]);
  }
}

/// ScanGrad: inputs (elems, initializer if the scan accumulates, the gradient
/// of its output, captures...); bodies: the forward fn, the gradient fn
/// (arguments: fn's, then the gradient of its result; results: the gradients of
/// the accumulator if it accumulates, of the element if floating, then of the
/// floating captures). Outputs: the gradients of elems (if floating), of the
/// initializer (if it accumulates), then of the floating captures.
SESSIONLIB_INLINE void scan_grad_kernel(kernel_context& ctx) {
  const auto& a = ctx.attrs<control_flow_attrs>();
  const auto ncap = static_cast<std::size_t>(a.captures);
  const any_array& elems = ctx.input(0);
  const std::size_t n = elems.shape()[0];
  dims row;
  for (std::size_t k = 1; k < elems.rank(); ++k) row.push_back(elems.shape()[k]);
  const std::size_t row_bytes = row.elements() * dtype_size(elems.dtype());
  const bool delems = carries_gradient(elems.dtype());
  const any_array& dy = ctx.input(a.accumulates ? 2 : 1);
  body_plan& fn = body_of(ctx, 0);
  body_plan& grad = body_of(ctx, 1);
  stack_lease lease(loop_state_of(ctx));
  auto& stack = lease.entries;
  auto element = [&](std::size_t i) {
    return any_array::borrow(elems.dtype(), row, static_cast<const char*>(elems.raw()) + i * row_bytes);
  };

  // Forward (when fn accumulates): stack[step] holds the accumulator entering step `step`.
  if (a.accumulates) {
    any_array acc = shared(ctx.input(1));
    body_run run(*fn.p);
    std::vector<any_array> args(2);
    if (stack.size() < n + 1) stack.resize(n + 1);
    for (std::size_t step = 0; step < n; ++step) {
      check_deadline(ctx);
      const std::size_t i = a.reverse ? n - 1 - step : step;
      if (stack[step].empty()) stack[step].resize(1);
      stack[step][0] = acc;
      if (fn.hand_back[0] && !stack[step + 1].empty()) hand_over(run.rs->slots[fn.result_slots[0]], stack[step + 1][0]);
      args[0] = acc;
      args[1] = element(i);
      run_body(ctx, fn, *run.rs, args, static_cast<std::int64_t>(step));
      acc = run.rs->slots[fn.result_slots[0]];
    }
    run.rs->slots[fn.result_slots[0]].reset();
  }

  // Backward: from the last step to the first.
  dims dy_row;
  for (std::size_t k = 1; k < dy.rank(); ++k) dy_row.push_back(dy.shape()[k]);
  const std::size_t dy_row_bytes = a.stacks ? dy_row.elements() * dtype_size(dy.dtype()) : 0;
  any_array dacc;  // the gradient of the accumulator after the current step
  if (a.accumulates) {
    if (a.stacks) zeros_into(dacc, ctx.input(1));
    else dacc = shared(dy);
  }
  std::size_t out = 0;
  any_array* delems_out = nullptr;
  if (delems) {
    delems_out = &ctx.output(out++);
    delems_out->ensure(elems.dtype(), elems.shape());
    if (n == 0) any_array::zero_elements(elems.dtype(), delems_out->raw(), delems_out->size());
  }
  const std::size_t dinit_out = a.accumulates ? out++ : 0;
  const std::vector<std::size_t> floating_caps =
      differentiated_captures(ctx, (a.accumulates ? 1 : 0) + (delems ? 1 : 0));
  std::vector<any_array> dcaps(floating_caps.size());
  std::vector<any_array> args(a.accumulates ? 3 : 2);
  any_array dr;  // the gradient of the step's result
  {
    body_run grun(*grad.p);
    for (std::size_t step = n; step-- > 0;) {
      check_deadline(ctx);
      const std::size_t i = a.reverse ? n - 1 - step : step;
      std::size_t k = 0;
      if (a.accumulates) args[k++] = stack[step][0];
      args[k++] = element(i);
      if (a.stacks) {
        any_array d_row = any_array::borrow(dy.dtype(), dy_row, static_cast<const char*>(dy.raw()) + i * dy_row_bytes);
        if (a.accumulates) add_into(dr, d_row, dacc);
        else dr = d_row;
      } else {
        dr = dacc;
      }
      args[k] = dr;
      run_body(ctx, grad, *grun.rs, args, static_cast<std::int64_t>(step));
      args[k].reset();
      std::size_t r = 0;
      if (a.accumulates) dacc = grun.rs->slots[grad.result_slots[r++]];
      if (delems) {
        const any_array& dx = grun.rs->slots[grad.result_slots[r++]];
        if (dx.nbytes() != row_bytes)
          ctx.fail("scan gradient: the gradient of element " + std::to_string(i) + " has shape " + to_string(dx.shape()));
        std::memcpy(static_cast<char*>(delems_out->raw()) + i * row_bytes, dx.raw(), row_bytes);
      }
      for (std::size_t c = 0; c < floating_caps.size(); ++c) accumulate(ctx, dcaps[c], grun.rs->slots[grad.result_slots[r + c]]);
    }
  }
  if (a.accumulates) {
    if (n == 0 && a.stacks) zeros_into(ctx.output(dinit_out), ctx.input(1));
    else ctx.output(dinit_out) = std::move(dacc);
  }
  for (std::size_t c = 0; c < floating_caps.size(); ++c) {
    any_array& o = ctx.output(out + c);
    if (dcaps[c].empty_handle()) zeros_into(o, ctx.input(ctx.nin - ncap + floating_caps[c]));
    else o = std::move(dcaps[c]);
  }
}
#else
SESSIONLIB_DECLARE void accumulate(const kernel_context& ctx, any_array& into, const any_array& v);
SESSIONLIB_DECLARE void add_into(any_array& out, const any_array& a, const any_array& b);
SESSIONLIB_DECLARE void zeros_into(any_array& out, const any_array& like);
SESSIONLIB_DECLARE std::shared_ptr<control_flow_state> loop_state_of(kernel_context& ctx);
SESSIONLIB_DECLARE std::vector<std::size_t> differentiated_captures(const kernel_context& ctx, std::size_t before);
SESSIONLIB_DECLARE void hand_over(any_array& res, any_array& spare);
SESSIONLIB_DECLARE void while_grad_kernel(kernel_context& ctx);
SESSIONLIB_DECLARE void scan_grad_kernel(kernel_context& ctx);
#endif

}  // namespace sessionlib::kernels
