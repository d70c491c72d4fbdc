// Kernels of the functional control-flow ops (ops/control_flow.hpp): If, While
// and Scan. Each body is a frame of the graph; its kernel builds the body's
// sub-plan once per session (runtime/plan.hpp, fed the body's _Arg nodes and
// the node's captured inputs, fetching the body's results), keeps it as the
// node's session resource, and runs it with the executor, per branch taken or
// per iteration, without planning again. A loop checks the run's deadline
// (RunOptions::timeout) before every iteration.
//
// Values are handles (any_array shares buffers): a loop variable passes from
// one iteration to the next without a copy, and the buffer of the previous
// iteration goes back to the step that writes the next, so a loop whose shapes
// do not change reuses its buffers instead of allocating per iteration. Keeping each
// iteration's values for a gradient (TF's stacks) is a matter of holding on
// to these handles; nothing here frees them early.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "../../config.hpp"
#include "../executor.hpp"

namespace sessionlib::kernels {

/// One body's plan and where its values go: the slots of its arguments and of
/// the node's captures (fed), and of its results (fetched).
struct body_plan {
  std::unique_ptr<sessionlib::detail::plan> p;
  std::vector<std::uint32_t> arg_slots, capture_slots, result_slots;
  std::vector<std::uint8_t> hand_back;  // per result: its buffer may go back to its step (see while_kernel)
  std::vector<std::uint32_t> dropped;   // fed slots that are no result: emptied after each run
};

/// A control-flow node's bodies in one session, planned on first use.
class control_flow_state final : public session_resource {
 public:
  /// Nothing blocks on it.
  void wake_all() noexcept override {}
  std::mutex m;                                    // guards `bodies` while one is planned
  std::vector<std::unique_ptr<body_plan>> bodies;  // per body of the node; null until first run
  /// A loop gradient's per-iteration values no run holds, kept for the next
  /// run's buffers (runtime/kernels/control_flow_grad.hpp); guarded by `m`.
  std::vector<std::vector<std::vector<any_array>>> spare_stacks;
};

/// A run_state of a body's plan, given back when the kernel is done with it.
struct body_run {
  /// The plan and one of its run states, taken now and given back when this dies.
  sessionlib::detail::plan& p;
  std::unique_ptr<sessionlib::detail::run_state> rs;
  explicit body_run(sessionlib::detail::plan& plan) : p(plan), rs(plan.take()) {}
  body_run(const body_run&) = delete;
  body_run& operator=(const body_run&) = delete;
  ~body_run() { p.give_back(std::move(rs)); }
};

/// A second handle of `v`'s buffer that never writes through to memory lent
/// by a caller (run_into): what the kernels pass between runs and iterations.
inline any_array shared(const any_array& v) { return v.lent() ? v.reshaped(v.shape()) : v; }

#if SESSIONLIB_DEFINITIONS
/// _Arg: a body's argument, always fed by the kernel running the body.
SESSIONLIB_INLINE void arg_kernel(kernel_context& ctx) {
  ctx.fail("Argument '" + ctx.n.name + "' of a cond or while_loop body has no value outside its body");
}

/// Body `b` of the control-flow node `ctx.n`, its plan built on first use.
SESSIONLIB_INLINE body_plan& body_of(kernel_context& ctx, std::size_t b) {
  auto st = ctx.state.resource<control_flow_state>(ctx.self, [] { return std::make_shared<control_flow_state>(); });
  std::lock_guard lock(st->m);
  const auto& a = ctx.attrs<control_flow_attrs>();
  if (st->bodies.empty()) st->bodies.resize(a.frames.size());
  if (st->bodies[b]) return *st->bodies[b];
  std::size_t arg_off = 0, res_off = 0;
  for (std::size_t k = 0; k < b; ++k) {
    arg_off += static_cast<std::size_t>(a.arg_counts[k]);
    res_off += static_cast<std::size_t>(a.result_counts[k]);
  }
  const auto nargs = static_cast<std::size_t>(a.arg_counts[b]);
  const auto nres = static_cast<std::size_t>(a.result_counts[b]);
  const auto ncap = static_cast<std::size_t>(a.captures);
  std::vector<output_ref> mine;  // arguments, then captures
  for (std::size_t k = 0; k < nargs; ++k) mine.push_back(static_cast<node_id>(a.args[arg_off + k]));
  for (std::size_t k = 0; k < ncap; ++k) mine.push_back(ctx.n.inputs[ctx.n.inputs.size() - ncap + k]);
  std::vector<output_ref> feeds = mine;
  std::sort(feeds.begin(), feeds.end());
  std::vector<sessionlib::detail::fetch_leaf> leaves;
  for (std::size_t k = 0; k < nres; ++k) {
    const auto packed = static_cast<std::uint64_t>(a.results[res_off + k]);
    leaves.push_back({static_cast<node_id>(packed >> 32), true, static_cast<std::uint32_t>(packed & 0xffffffffu)});
  }
  auto bp = std::make_unique<body_plan>();
  sessionlib::detail::plan_options opts;
  opts.body = true;
  bp->p = sessionlib::detail::build_plan(ctx.graph, leaves, feeds, opts);
  // One iteration at a time on the calling thread: the outer run may be on the inter-op pool.
  bp->p->parallel = false;
  auto slot_of = [&](output_ref r) {
    return bp->p->feed_slots[static_cast<std::size_t>(std::lower_bound(feeds.begin(), feeds.end(), r) - feeds.begin())];
  };
  for (std::size_t k = 0; k < mine.size(); ++k) (k < nargs ? bp->arg_slots : bp->capture_slots).push_back(slot_of(mine[k]));
  bp->result_slots = bp->p->fetch_slots;
  for (std::uint32_t s : bp->p->feed_slots)
    if (std::find(bp->result_slots.begin(), bp->result_slots.end(), s) == bp->result_slots.end()) bp->dropped.push_back(s);
  for (std::size_t k = 0; k < nres; ++k) {
    const std::uint32_t s = bp->result_slots[k];
    bool alone = std::count(bp->result_slots.begin(), bp->result_slots.end(), s) == 1;
    alone = alone && std::find(bp->p->feed_slots.begin(), bp->p->feed_slots.end(), s) == bp->p->feed_slots.end();
    bp->hand_back.push_back(alone ? 1 : 0);
  }
  st->bodies[b] = std::move(bp);
  return *st->bodies[b];
}

/// Runs body `bp` once in `run` with arguments `args` and the node's captures;
/// its results stay in their slots. In a traced run the body's steps join the
/// trace, marked with `iteration` (a nested body's steps keep their own).
SESSIONLIB_INLINE void run_body(kernel_context& ctx, body_plan& bp, sessionlib::detail::run_state& rs, std::span<const any_array> args,
                                std::int64_t iteration) {
  const std::size_t ncap = bp.capture_slots.size();
  for (std::size_t k = 0; k < args.size(); ++k) rs.slots[bp.arg_slots[k]] = args[k];
  for (std::size_t k = 0; k < ncap; ++k) rs.slots[bp.capture_slots[k]] = shared(ctx.input(ctx.nin - ncap + k));
  RunOptions opts;
  opts.timeout = ctx.timeout;
  if (!ctx.trace) {
    sessionlib::detail::execute(*bp.p, rs, ctx.state, ctx.graph, ctx.timeout.count() > 0 ? &opts : nullptr, nullptr,
                                ctx.resources);
  } else {
    opts.trace_level = RunOptions::TraceLevel::full_trace;
    RunMetadata md;
    const auto started = std::chrono::steady_clock::now();  // what execute takes as its start, to a microsecond
    sessionlib::detail::execute(*bp.p, rs, ctx.state, ctx.graph, &opts, &md, ctx.resources);
    const auto shift = std::chrono::duration_cast<std::chrono::microseconds>(started - ctx.trace_start).count();
    for (NodeExecStats& s : md.step_stats) {
      s.start_us += shift;
      s.end_us += shift;
      if (s.iteration < 0) s.iteration = iteration;
      ctx.trace->push_back(std::move(s));
    }
  }
  // A fed value no step read still holds its buffer: drop it, so the buffer a
  // loop hands back to a step is that step's alone.
  for (std::uint32_t s : bp.dropped) rs.slots[s].reset();
}

/// Throws TF's deadline error when the run's deadline has passed.
SESSIONLIB_INLINE void check_deadline(const kernel_context& ctx) {
  if (ctx.deadline != std::chrono::steady_clock::time_point::max() && std::chrono::steady_clock::now() > ctx.deadline)
    throw deadline_exceeded("Timed out waiting for the run to finish (RunOptions::timeout of " +
                                std::to_string(ctx.timeout.count()) + " ms) in the loop of " + ctx.n.name,
                            ctx.n.name);
}

/// If: inputs (pred, captures...); runs the branch pred selects, its results are the outputs.
SESSIONLIB_INLINE void if_kernel(kernel_context& ctx) {
  const any_array& pred = ctx.input(0);
  if (pred.size() != 1) ctx.fail("cond: the predicate must be a scalar, got shape " + to_string(pred.shape()));
  const std::size_t b = *pred.data<bool>() ? 0 : 1;
  body_plan& bp = body_of(ctx, b);
  body_run run(*bp.p);
  run_body(ctx, bp, *run.rs, {}, 0);
  for (std::size_t k = 0; k < bp.result_slots.size(); ++k) ctx.output(k) = shared(run.rs->slots[bp.result_slots[k]]);
}

/// While: inputs (loop variables..., captures...); body 0 the condition, body 1
/// the body. The outputs are the loop variables when the condition is false or
/// maximum_iterations have run.
SESSIONLIB_INLINE void while_kernel(kernel_context& ctx) {
  const auto& a = ctx.attrs<control_flow_attrs>();
  const auto nvars = static_cast<std::size_t>(a.arg_counts[1]);
  body_plan& cond = body_of(ctx, 0);
  body_plan& body = body_of(ctx, 1);
  std::vector<any_array> vars;
  vars.reserve(nvars);
  for (std::size_t k = 0; k < nvars; ++k) vars.push_back(shared(ctx.input(k)));
  body_run crun(*cond.p), brun(*body.p);
  for (std::int64_t i = 0; a.maximum_iterations < 0 || i < a.maximum_iterations; ++i) {
    check_deadline(ctx);
    run_body(ctx, cond, *crun.rs, vars, i);
    const any_array& go = crun.rs->slots[cond.result_slots[0]];
    if (go.size() != 1) ctx.fail("while_loop: the condition must return a scalar, got shape " + to_string(go.shape()));
    if (!*go.data<bool>()) break;
    run_body(ctx, body, *brun.rs, vars, i);
    // The new values become the variables; where a result is its step's own
    // slot, the old variable's buffer goes back there (the argument slots have
    // dropped theirs), so the step writes the next iteration into it.
    for (std::size_t k = 0; k < nvars; ++k) {
      any_array& res = brun.rs->slots[body.result_slots[k]];
      if (body.hand_back[k]) std::swap(vars[k], res);
      else vars[k] = res;
    }
  }
  for (std::size_t k = 0; k < nvars; ++k) ctx.output(k) = std::move(vars[k]);
}

/// Scan: inputs (elems, initializer if it accumulates, captures...); runs fn
/// once per element of elems' first dimension (fn(acc, x) or fn(x)). The
/// output stacks each result (scan, map_fn) or is the last one (foldl, foldr).
SESSIONLIB_INLINE void scan_kernel(kernel_context& ctx) {
  const auto& a = ctx.attrs<control_flow_attrs>();
  const any_array& elems = ctx.input(0);
  if (elems.rank() == 0) ctx.fail("scan: elems must have at least one dimension");
  const std::size_t n = elems.shape()[0];
  dims row;
  for (std::size_t k = 1; k < elems.rank(); ++k) row.push_back(elems.shape()[k]);
  const std::size_t row_bytes = row.elements() * dtype_size(elems.dtype());
  if (!a.accumulates && !a.stacks) ctx.fail("scan: nothing to compute");
  body_plan& fn = body_of(ctx, 0);
  body_run run(*fn.p);
  std::vector<any_array> args(a.accumulates ? 2 : 1);
  if (a.accumulates) args[0] = shared(ctx.input(1));
  dims first;  // the first result's shape: every result must have it
  for (std::size_t step = 0; step < n; ++step) {
    check_deadline(ctx);
    const std::size_t i = a.reverse ? n - 1 - step : step;
    args.back() = any_array::borrow(elems.dtype(), row, static_cast<const char*>(elems.raw()) + i * row_bytes);
    run_body(ctx, fn, *run.rs, args, static_cast<std::int64_t>(step));
    any_array& res = run.rs->slots[fn.result_slots[0]];
    if (a.stacks) {
      if (step == 0) {
        first = res.shape();
        dims all{n};
        for (std::size_t k = 0; k < first.size(); ++k) all.push_back(first[k]);
        ctx.out.ensure(res.dtype(), all);
      } else if (res.shape() != first) {
        ctx.fail("scan: fn returned shape " + to_string(res.shape()) + " for element " + std::to_string(i) +
                 " but " + to_string(first) + " for the first");
      }
      const std::size_t bytes = res.nbytes();
      if (bytes) std::memcpy(static_cast<char*>(ctx.out.raw()) + i * bytes, res.raw(), bytes);
    }
    if (a.accumulates) {
      if (fn.hand_back[0]) std::swap(args[0], res);
      else args[0] = res;
    }
  }
  if (a.stacks && n == 0) {
    // No element: the stacked result's rows have the result's static shape (dyn: 0).
    const auto& shape = ctx.n.shape;
    dims all;
    for (auto d : shape) all.push_back(d < 0 ? 0 : static_cast<std::size_t>(d));
    ctx.out.ensure(ctx.n.type, all);
  }
  if (!a.stacks) ctx.out = std::move(args[0]);
}
#else
SESSIONLIB_DECLARE void arg_kernel(kernel_context& ctx);
SESSIONLIB_DECLARE body_plan& body_of(kernel_context& ctx, std::size_t b);
SESSIONLIB_DECLARE void run_body(kernel_context& ctx, body_plan& bp, sessionlib::detail::run_state& rs, std::span<const any_array> args,
                                 std::int64_t iteration);
SESSIONLIB_DECLARE void check_deadline(const kernel_context& ctx);
SESSIONLIB_DECLARE void if_kernel(kernel_context& ctx);
SESSIONLIB_DECLARE void while_kernel(kernel_context& ctx);
SESSIONLIB_DECLARE void scan_kernel(kernel_context& ctx);
#endif

}  // namespace sessionlib::kernels
