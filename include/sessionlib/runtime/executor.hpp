// The executor: runs a plan's steps in order on the calling thread, or, when
// the plan has independent heavy steps (plan::parallel) and the session allows
// more than one inter-op thread, as a dependency graph on oneTBB. Either way it
// checks the deadline at node boundaries and, only when asked, records step stats.
// Run in order, a dead slot's buffer goes to its heir (plan::passes, liveness.hpp)
// and an in-place step's output takes its dying input's buffer over first.
//
// OpenBLAS runs single-threaded (kernels/blas_threads.hpp): a large product is
// split into one OpenBLAS call per thread of the step's arena, as other
// kernels split their work (kernels/matmul.hpp), so matmuls side by side on
// inter-op threads never use more than the session's threads, and no idle BLAS
// worker spins on a core another thread needs.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "../config.hpp"

#if SESSIONLIB_DEFINITIONS
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#if defined(__SANITIZE_THREAD__)
#define SESSIONLIB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SESSIONLIB_TSAN 1
#endif
#endif
#ifdef SESSIONLIB_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#endif  // SESSIONLIB_DEFINITIONS

#include "run_options.hpp"
#include "kernel.hpp"
#include "plan.hpp"

namespace sessionlib {

namespace detail {
/// Deletes an arena where oneTBB is compiled (a separate unit, config.hpp, sees
/// oneTBB's arena by name only).
struct arena_deleter {
  SESSIONLIB_DECLARE void operator()(tbb::task_arena* a) const noexcept;
};
/// An owned oneTBB arena.
using arena_ptr = std::unique_ptr<tbb::task_arena, arena_deleter>;

/// What a session lends its runs: thread limits (0: all cores) and arenas.
struct exec_resources {
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  /// Where a parallel plan's steps run, inter_op_threads at a time; null: every
  /// plan runs sequentially on the calling thread.
  tbb::task_arena* inter_arena = nullptr;
  /// Where a kernel of a run in order splits its work (intra_op_threads > 0),
  /// entered only when it does (split_work); null: oneTBB's default arena.
  tbb::task_arena* intra_arena = nullptr;
  /// One arena of intra_op_threads per slot of inter_arena, entered by each step
  /// so a kernel's own splitting stays within intra_op_threads; empty when
  /// kernels may split across inter_arena (intra_op_threads 0 or not smaller).
  std::vector<arena_ptr> step_arenas;
};

/// A small, stable per-process id of the calling thread, for traces.
inline std::uint64_t trace_thread_id() {
  static std::atomic<std::uint64_t> next{1};
  thread_local std::uint64_t id = next++;
  return id;
}

/// Runs `p` with the feeds already placed in `rs`'s feed slots (defined below).
SESSIONLIB_DECLARE void execute(plan& p, run_state& rs, session_state& st, Graph& g, const RunOptions* opts, RunMetadata* md,
                               exec_resources* res = nullptr);

// The executor's body: compiled where definitions are (config.hpp's
// SESSIONLIB_DEFINITIONS), declared nowhere else.
#if SESSIONLIB_DEFINITIONS

SESSIONLIB_INLINE void arena_deleter::operator()(tbb::task_arena* a) const noexcept { delete a; }


using exec_clock = std::chrono::steady_clock;

/// oneTBB hands tasks between threads inside libtbb, which ThreadSanitizer
/// cannot see: these tell it (a release before each spawn and at each task's
/// end, an acquire at each task's start and after the wait). No-ops otherwise.
SESSIONLIB_INLINE void tsan_release([[maybe_unused]] void* p) noexcept {
#ifdef SESSIONLIB_TSAN
  __tsan_release(p);
#endif
}
SESSIONLIB_INLINE void tsan_acquire([[maybe_unused]] void* p) noexcept {
#ifdef SESSIONLIB_TSAN
  __tsan_acquire(p);
#endif
}

/// What every step of one run needs besides the plan and its run_state.
struct run_env {
  session_state& st;
  Graph& g;
  const RunOptions* opts;
  exec_resources* res;
  bool has_deadline, trace;
  exec_clock::time_point start, deadline;
  tbb::task_arena* split_arena;  // kernel_context::split_arena: null in a parallel run (steps are in arenas already)
  std::chrono::milliseconds timeout() const noexcept { return has_deadline ? opts->timeout : std::chrono::milliseconds{0}; }
};

/// Runs step `s` (its kernel or fused group); fills `stat` when tracing, and
/// `inner` with the stats of the sub-plans its kernel runs (a body's steps).
/// Returns false for a step that runs nothing (a NoOp or group).
// Inlined into run_step: the try block around it must add no call to the hot path.
[[gnu::always_inline]] inline bool run_step_unchecked(const plan& p, const plan_step& s, run_state& rs, const run_env& env,
                               NodeExecStats& stat, std::vector<NodeExecStats>* inner) {
  using clock = exec_clock;
  using us = std::chrono::microseconds;
  if (env.has_deadline && clock::now() > env.deadline)
    throw deadline_exceeded("Timed out waiting for the run to finish (RunOptions::timeout of " +
                                std::to_string(env.opts->timeout.count()) + " ms) before node " + s.n->name,
                            s.n->name);
  any_array& out = rs.slots[s.out_slot];
  exec_resources* res = env.res;
  if (s.fused >= 0) {
    const fused_group& fg = p.fused[static_cast<std::size_t>(s.fused)];
    const auto t0 = env.trace ? clock::now() : clock::time_point{};
    if (!run_fused(fg, rs.args.data() + s.in_off, out, res ? res->intra_op_threads : 0, env.split_arena)) {
      for (std::uint32_t idx : fg.fallback) {
        const plan_step& in = p.inner_steps[idx];
        kernel_context ctx{*in.n, rs.args.data() + in.in_off, in.nin, rs.slots[in.out_slot], env.st, env.g, res,
                           env.split_arena, in.id, env.deadline, env.timeout()};
        in.n->kernel(ctx);
      }
    }
    if (env.trace)
      stat = {s.n->name, "Fused(" + std::to_string(fg.fallback.size()) + ")",
              std::chrono::duration_cast<us>(t0 - env.start).count(),
              std::chrono::duration_cast<us>(clock::now() - env.start).count(), trace_thread_id(), out.nbytes()};
    return true;
  }
  if (!s.n->kernel) return false;
  kernel_context ctx{*s.n, rs.args.data() + s.in_off, s.nin, out, env.st, env.g, res, env.split_arena, s.id,
                     env.deadline, env.timeout()};
  if (!env.trace) {
    s.n->kernel(ctx);
    return true;
  }
  ctx.trace = inner;
  ctx.trace_start = env.start;
  const auto t0 = clock::now();
  s.n->kernel(ctx);
  const auto t1 = clock::now();
  stat = {s.n->name, s.n->op, std::chrono::duration_cast<us>(t0 - env.start).count(),
          std::chrono::duration_cast<us>(t1 - env.start).count(), trace_thread_id(), out.nbytes()};
  return true;
}

/// Runs step `s`; an error raised below its kernel (an allocation, a size that
/// overflows) is re-raised naming the node, and std::bad_alloc from a kernel's
/// own scratch memory becomes sl::resource_exhausted, as TF's OOM is. The
/// session stays usable: the run's state is dropped by its caller.
SESSIONLIB_INLINE bool run_step(const plan& p, const plan_step& s, run_state& rs, const run_env& env, NodeExecStats& stat,
                                std::vector<NodeExecStats>* inner) {
  try {
    return run_step_unchecked(p, s, rs, env, stat, inner);
  } catch (const error& e) {
    if (!e.node().empty()) throw;
    throw_error(e.code(), std::string(e.what()) + "\n\t [[node " + s.n->name + "]]", s.n->name);
  } catch (const std::bad_alloc&) {
    throw resource_exhausted("OOM when allocating memory for " + s.n->op + " node " + s.n->name +
                                 "\n\t [[node " + s.n->name + "]]",
                             s.n->name);
  }
}

/// Drops a dead slot's value when it shares another's buffer (a variable
/// value, another slot's buffer), so its owner can write in place; buffers the
/// slot allocated are kept for the next run, also while an alias still reads
/// them. A borrowed view (a feed) holds no reference: plan::give_back drops it.
SESSIONLIB_INLINE void release_slot(any_array& dead) noexcept {
  if (!dead.unique() && !dead.owner() && !dead.borrowed()) dead.reset();
}

/// Hands a dead slot's buffer to its heir when the run owns it alone (never a
/// lent, borrowed or shared one); the dead slot is left empty.
SESSIONLIB_INLINE void hand_on(any_array& dead, any_array& heir) noexcept {
  if (dead.unique()) heir = std::move(dead);
  dead.reset();
}

/// True when an operand of shape `small` broadcasts to shape `big` unchanged.
SESSIONLIB_INLINE bool broadcasts_into(const dims& small, const dims& big) noexcept {
  if (small.size() > big.size()) return false;
  const std::size_t off = big.size() - small.size();
  for (std::size_t i = 0; i < small.size(); ++i)
    if (small[i] != 1 && small[i] != big[i + off]) return false;
  return true;
}

/// Before an in-place step (plan_step::in_place, an elementwise map): when the
/// run owns the dying input's buffer alone and the output has its shape (the
/// other operand broadcasts into it), the output takes the buffer over and the
/// input stays a view of it, so ctx.input() still reads what the kernel overwrites.
SESSIONLIB_INLINE bool take_over(const plan& p, const plan_step& s, run_state& rs) {
  any_array& src = rs.slots[s.in_place];
  if (!src.unique()) return false;
  if (s.nin == 2) {
    const std::uint32_t first = p.args[s.in_off];
    const any_array& other = rs.slots[first == s.in_place ? p.args[s.in_off + 1] : first];
    if (!broadcasts_into(other.shape(), src.shape())) return false;
  }
  any_array view = any_array::borrow(src.dtype(), src.shape(), src.raw());
  rs.slots[s.out_slot] = std::move(src);
  src = std::move(view);
  return true;
}

/// Bytes of a fused step's interior values (written when it fell back to its
/// nodes' kernels), which die with the step.
SESSIONLIB_INLINE std::size_t interior_bytes(const plan& p, const plan_step& s, const run_state& rs) noexcept {
  std::size_t total = 0;
  for (std::uint32_t idx : p.fused[static_cast<std::size_t>(s.fused)].fallback) {
    const any_array& v = rs.slots[p.inner_steps[idx].out_slot];
    if (p.inner_steps[idx].out_slot != s.out_slot && !v.empty_handle()) total += v.nbytes();
  }
  return total;
}

/// Bytes of the owned buffers `rs` keeps for the next run (fetched slots aside:
/// their buffers go to the results or are copied from).
SESSIONLIB_INLINE std::size_t resident_bytes(const plan& p, const run_state& rs) noexcept {
  std::size_t total = 0;
  for (std::uint32_t s = 0; s < rs.slots.size(); ++s)
    if (rs.slots[s].unique() && !p.fetched[s])
      total += rs.slots[s].capacity();
  return total;
}

/// One run of a parallel plan: steps become tasks of a task_group as their
/// inputs become ready. A finished step continues with one newly ready
/// successor on the same thread and spawns the others. The first exception
/// stops the run (steps not started are skipped) and is rethrown to the caller.
///
/// oneTBB's own hand-offs (spawn, wait) happen inside libtbb, which
/// ThreadSanitizer cannot see: tsan_release / tsan_acquire mark them.
class parallel_run {
 public:
  parallel_run(plan& p, run_state& rs, const run_env& env, RunMetadata* md) : p_(p), rs_(rs), env_(env), md_(md) {}

  /// Runs every step; call inside the inter-op arena. Rethrows the first error.
  void run(std::size_t live_bytes) {
    const step_graph& sg = p_.graph;
    for (std::size_t i = 0; i < p_.steps.size(); ++i) rs_.waiting[i].store(sg.waits[i], std::memory_order_relaxed);
    for (std::size_t i = 0; i < p_.slot_count; ++i) rs_.readers_left[i].store(sg.readers[i], std::memory_order_relaxed);
    live_.store(live_bytes, std::memory_order_relaxed);
    peak_.store(live_bytes, std::memory_order_relaxed);
    for (std::size_t r = 1; r < sg.roots.size(); ++r) spawn(sg.roots[r]);
    task(sg.roots[0]);
    tasks_.wait();
    tsan_acquire(this);
    if (md_) md_->peak_bytes = std::max(md_->peak_bytes, peak_.load(std::memory_order_relaxed));
    std::lock_guard lock(error_m_);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr std::uint32_t none = ~std::uint32_t{0};

  /// A spawned step. libtbb copies it to another thread where ThreadSanitizer
  /// cannot see, so its fields are only ever accessed as relaxed atomics
  /// (plain moves on every target we build for).
  class spawned {
   public:
    spawned(parallel_run* r, std::uint32_t i) noexcept { set(r, i); }
    spawned(const spawned& o) noexcept { set(o.run(), o.step()); }
    spawned& operator=(const spawned&) = delete;
    void operator()() const {
      parallel_run* r = run();
      tsan_acquire(r);
      r->task(step());
      tsan_release(r);
    }

   private:
    void set(parallel_run* r, std::uint32_t i) noexcept {
      std::atomic_ref(run_).store(r, std::memory_order_relaxed);
      std::atomic_ref(step_).store(i, std::memory_order_relaxed);
    }
    parallel_run* run() const noexcept { return std::atomic_ref(run_).load(std::memory_order_relaxed); }
    std::uint32_t step() const noexcept { return std::atomic_ref(step_).load(std::memory_order_relaxed); }
    mutable parallel_run* run_;
    mutable std::uint32_t step_;
  };

  void spawn(std::uint32_t i) {
    tsan_release(this);
    tasks_.run(spawned{this, i});
  }

  void task(std::uint32_t i) {
    while (i != none && !stop_.load(std::memory_order_relaxed)) {
      try {
        run_one(i);
      } catch (...) {
        fail();
        break;
      }
      i = next_ready(i);
    }
  }

  void run_one(std::uint32_t i) {
    const plan_step& s = p_.steps[i];
    NodeExecStats stat;
    std::vector<NodeExecStats> inner;
    std::vector<NodeExecStats>* in = env_.trace ? &inner : nullptr;
    bool ran = false;
    if (!env_.res->step_arenas.empty()) {
      const int slot = tbb::this_task_arena::current_thread_index();
      env_.res->step_arenas[static_cast<std::size_t>(slot)]->execute([&] { ran = run_step(p_, s, rs_, env_, stat, in); });
    } else {
      ran = run_step(p_, s, rs_, env_, stat, in);
    }
    if (ran && env_.trace) {
      std::lock_guard lock(trace_m_);
      for (NodeExecStats& x : inner) md_->step_stats.push_back(std::move(x));
      md_->step_stats.push_back(std::move(stat));
    }
    if (md_) {
      // Approximate: another thread's step may add or release bytes in between.
      std::size_t wrote = 0;
      for (std::uint32_t k = 0; k < s.nout; ++k) wrote += rs_.slots[s.out_slot + k].nbytes();
      const std::size_t now = live_.fetch_add(wrote, std::memory_order_relaxed) + wrote;
      std::size_t seen = peak_.load(std::memory_order_relaxed);
      while (now > seen && !peak_.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
      }
    }
    const step_graph& sg = p_.graph;
    for (std::uint32_t k = sg.read_off[i]; k < sg.read_off[i + 1]; ++k) {
      const std::uint32_t slot = sg.reads[k];
      if (sg.readers[slot] != 0 && rs_.readers_left[slot].fetch_sub(1, std::memory_order_acq_rel) == 1) release(slot);
    }
    for (std::uint32_t k = 0; k < s.nout; ++k)
      if (sg.dies_unread[s.out_slot + k]) release(s.out_slot + k);
  }

  void release(std::uint32_t slot) {
    any_array& dead = rs_.slots[slot];
    if (md_) live_.fetch_sub(std::min(dead.nbytes(), live_.load(std::memory_order_relaxed)), std::memory_order_relaxed);
    release_slot(dead);
  }

  /// Counts step `i` as done for its successors: spawns all newly ready ones
  /// but the last, which it returns (none: nothing ready).
  std::uint32_t next_ready(std::uint32_t i) {
    const step_graph& sg = p_.graph;
    std::uint32_t next = none;
    for (std::uint32_t k = sg.succ_off[i]; k < sg.succ_off[i + 1]; ++k) {
      const std::uint32_t succ = sg.successors[k];
      if (rs_.waiting[succ].fetch_sub(1, std::memory_order_acq_rel) != 1) continue;
      if (next != none) spawn(next);
      next = succ;
    }
    return next;
  }

  void fail() noexcept {
    std::lock_guard lock(error_m_);
    if (!error_) error_ = std::current_exception();
    stop_.store(true, std::memory_order_relaxed);
  }

  plan& p_;
  run_state& rs_;
  const run_env& env_;
  RunMetadata* md_;
  tbb::task_group tasks_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> live_{0}, peak_{0};
  std::mutex error_m_, trace_m_;
  std::exception_ptr error_;
};
/// Runs `p` with the feeds already placed in `rs`'s feed slots: as a dependency
/// graph inside `res->inter_arena` when the plan is parallel and the session
/// has one, else step by step on the calling thread, handing dead buffers on
/// (plan::passes) and writing in place (plan_step::in_place). With independent
/// steps side by side, RunMetadata::peak_bytes is approximate.
SESSIONLIB_INLINE void execute(plan& p, run_state& rs, session_state& st, Graph& g, const RunOptions* opts, RunMetadata* md,
                    exec_resources* res) {
  using clock = exec_clock;
  const bool has_deadline = opts && opts->timeout.count() > 0;
  const bool trace = md && opts && opts->trace_level != RunOptions::TraceLevel::no_trace;
  const auto start = has_deadline || trace ? clock::now() : clock::time_point{};
  const bool in_parallel = p.parallel && res && res->inter_arena;
  const detail::run_env env{st, g, opts, res, has_deadline, trace, start,
                            has_deadline ? start + opts->timeout : clock::time_point::max(),
                            in_parallel || !res ? nullptr : res->intra_arena};
  for (std::size_t i = 0; i < p.folded_slots.size(); ++i) rs.slots[p.folded_slots[i]] = p.folded_values[i];
  std::size_t live_bytes = 0, peak = 0;
  if (md) {
    for (std::uint32_t s : p.feed_slots) live_bytes += rs.slots[s].nbytes();
    peak = live_bytes;
  }
  if (in_parallel) {
    detail::parallel_run run(p, rs, env, md);
    res->inter_arena->execute([&] { run.run(live_bytes); });
    if (md) md->resident_bytes = detail::resident_bytes(p, rs);
    return;
  }
  NodeExecStats stat;
  std::vector<NodeExecStats> inner;  // a body's steps, traced before the step that ran them
  for (const plan_step& s : p.steps) {
    bool in_place = false;
    if (s.in_place != no_slot) in_place = detail::take_over(p, s, rs);
    const bool ran = detail::run_step(p, s, rs, env, stat, trace ? &inner : nullptr);
    if (trace && ran) {
      for (NodeExecStats& x : inner) md->step_stats.push_back(std::move(x));
      inner.clear();
      md->step_stats.push_back(std::move(stat));
    }
    if (md) {
      for (std::uint32_t k = 0; k < s.nout; ++k) live_bytes += rs.slots[s.out_slot + k].nbytes();
      if (in_place) live_bytes -= rs.slots[s.in_place].nbytes();  // one buffer, not two
      if (s.fused >= 0) live_bytes += detail::interior_bytes(p, s, rs);
      peak = std::max(peak, live_bytes);
    }
    if (in_place) rs.slots[s.in_place].reset();  // the view; it dies at this step
    for (std::uint32_t i = 0; i < s.nrel; ++i) {
      any_array& dead = rs.slots[p.releases[s.rel_off + i]];
      if (md && !dead.empty_handle()) live_bytes -= dead.nbytes();
      detail::release_slot(dead);
    }
    for (std::uint32_t i = 0; i < s.npass; ++i) {
      const buffer_pass& pass = p.passes[s.pass_off + i];
      any_array& dead = rs.slots[pass.dead];
      if (md && !dead.empty_handle()) live_bytes -= dead.nbytes();
      detail::hand_on(dead, rs.slots[pass.heir]);
    }
  }
  if (md) {
    md->peak_bytes = std::max(md->peak_bytes, peak);
    md->resident_bytes = detail::resident_bytes(p, rs);
  }
}

#endif  // SESSIONLIB_DEFINITIONS
}  // namespace detail

}  // namespace sessionlib
