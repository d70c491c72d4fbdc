// The executor: runs a plan's steps in order on the calling thread, checking
// the deadline at node boundaries and, only when asked, recording step stats.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "../session/options.hpp"
#include "kernel.hpp"
#include "plan.hpp"

namespace sessionlib {

/// What a session lends its runs: thread limits (0: all cores).
struct exec_resources {
  int intra_op_threads = 0;
  int inter_op_threads = 0;
};

namespace detail {
/// A small, stable per-process id of the calling thread, for traces.
inline std::uint64_t trace_thread_id() {
  static std::atomic<std::uint64_t> next{1};
  thread_local std::uint64_t id = next++;
  return id;
}
}  // namespace detail

/// Runs `p` with the feeds already placed in `rs`'s feed slots.
inline void execute(plan& p, run_state& rs, session_state& st, Graph& g, const RunOptions* opts, RunMetadata* md,
                    exec_resources* res = nullptr) {
  using clock = std::chrono::steady_clock;
  const bool has_deadline = opts && opts->timeout.count() > 0;
  const bool trace = md && opts && opts->trace_level != RunOptions::TraceLevel::no_trace;
  const auto start = has_deadline || trace ? clock::now() : clock::time_point{};
  const auto deadline = has_deadline ? start + opts->timeout : clock::time_point::max();
  for (std::size_t i = 0; i < p.folded_slots.size(); ++i) rs.slots[p.folded_slots[i]] = p.folded_values[i];
  std::size_t live_bytes = 0, peak = 0;
  if (md) {
    for (std::uint32_t s : p.feed_slots) live_bytes += rs.slots[s].nbytes();
    peak = live_bytes;
  }
  for (const plan_step& s : p.steps) {
    if (has_deadline && clock::now() > deadline)
      throw deadline_exceeded("Timed out waiting for the run to finish (RunOptions::timeout of " +
                                  std::to_string(opts->timeout.count()) + " ms) before node " + s.n->name,
                              s.n->name);
    any_array& out = rs.slots[s.out_slot];
    if (s.fused >= 0) {
      const fused_group& fg = p.fused[static_cast<std::size_t>(s.fused)];
      const auto t0 = trace ? clock::now() : clock::time_point{};
      if (!run_fused(fg, rs.args.data() + s.in_off, out, res ? res->intra_op_threads : 0)) {
        for (std::uint32_t idx : fg.fallback) {
          const plan_step& in = p.inner_steps[idx];
          kernel_context ctx{*in.n, rs.args.data() + in.in_off, in.nin, rs.slots[in.out_slot], st, g, res};
          in.n->kernel(ctx);
        }
      }
      if (trace) {
        using us = std::chrono::microseconds;
        md->step_stats.push_back({s.n->name, "Fused(" + std::to_string(fg.program.size()) + ")",
                                  std::chrono::duration_cast<us>(t0 - start).count(),
                                  std::chrono::duration_cast<us>(clock::now() - start).count(),
                                  detail::trace_thread_id(), out.nbytes()});
      }
    } else if (s.n->kernel) {
      kernel_context ctx{*s.n, rs.args.data() + s.in_off, s.nin, out, st, g, res};
      if (trace) {
        const auto t0 = clock::now();
        s.n->kernel(ctx);
        const auto t1 = clock::now();
        using us = std::chrono::microseconds;
        md->step_stats.push_back({s.n->name, s.n->op, std::chrono::duration_cast<us>(t0 - start).count(),
                                  std::chrono::duration_cast<us>(t1 - start).count(), detail::trace_thread_id(),
                                  out.nbytes()});
      } else {
        s.n->kernel(ctx);
      }
    }
    if (md) {
      live_bytes += out.nbytes();
      peak = std::max(peak, live_bytes);
    }
    for (std::uint32_t i = 0; i < s.nrel; ++i) {
      any_array& dead = rs.slots[p.releases[s.rel_off + i]];
      if (md) live_bytes -= dead.nbytes();
      // Aliases (feed views, variable values) are dropped so their owners can
      // write in place; buffers we own are kept for the next run.
      if (!dead.unique()) dead.reset();
    }
  }
  if (md) md->peak_bytes = std::max(md->peak_bytes, peak);
}

}  // namespace sessionlib
