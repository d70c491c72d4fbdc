// The shared core of a Session: its graph, config, per-session state and plan
// cache, and the one routine every way of running goes through (run_plan).
// Callables and partial runs hold a shared_ptr to it.
#pragma once

#include <algorithm>
#include <atomic>
#include <shared_mutex>
#include <span>
#include <unordered_map>

#include "../config.hpp"
#include "../runtime/executor.hpp"
#include "../runtime/kernels/blas_threads.hpp"
#include "engine.hpp"
#include "feed.hpp"
#include "fetch.hpp"
#include "options.hpp"
#include "trace.hpp"

namespace sessionlib {

namespace detail {
struct key_hash {
  std::size_t operator()(const std::vector<std::uint64_t>& k) const noexcept {
    std::uint64_t h = 1469598103934665603ull;
    for (auto v : k) h = (h ^ v) * 1099511628211ull;
    return static_cast<std::size_t>(h);
  }
};
}  // namespace detail

class session_impl {
 public:
  // Not SESSIONLIB_INLINE: clang emits a used inline constructor in the library
  // only as the base-object variant, and separate units call the complete one.
  // Its body is start(), compiled where oneTBB is (config.hpp's SESSIONLIB_DEFINITIONS).
  // `eng` runs the plans (session/engine.hpp); null: the in-process engine.
  // Separate units construct none (detail::open_session does, in the library):
  // they see a declaration only, so they instantiate none of the members'
  // destructors its exception path needs (the plan cache's, the engine's).
#if SESSIONLIB_DEFINITIONS
  session_impl(Graph& g, SessionConfig config, std::unique_ptr<detail::engine> eng = nullptr)
      : graph_(&g), config_(config), engine_(eng ? std::move(eng) : std::make_unique<detail::in_process_engine>()) {
    start(config);
  }
#else
  session_impl(Graph& g, SessionConfig config, std::unique_ptr<detail::engine> eng = nullptr);
#endif

  Graph& graph() const noexcept { return *graph_; }
  const SessionConfig& config() const noexcept { return config_; }
  /// The engine's target string ("" in process).
  const std::string& target() const noexcept { return engine_->target(); }
  /// The engine that runs this session's plans (session/engine.hpp).
  detail::engine& engine() const noexcept { return *engine_; }
  /// The planner's options from this session's SessionConfig::optimizer: every
  /// plan the session makes (runs, callables, partial runs) is built with them.
  detail::plan_options plan_opts() const noexcept {
    return {config_.optimizer.fusion, config_.optimizer.constant_folding, config_.optimizer.common_subexpressions};
  }
  session_state& state() noexcept { return state_; }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  /// Ends the session: later runs throw sl::session_closed, ops blocked on its
  /// queues wake and throw sl::cancelled, so no thread is left waiting, and
  /// the tensors kept by handle are dropped.
  void close() noexcept {
    closed_.store(true, std::memory_order_release);
    state_.cancel();
    state_.tensors()->close();
  }
  void check_open() const {
    if (closed()) throw session_closed();
  }

#if SESSIONLIB_DEFINITIONS
  /// The cached plan for this signature, built on first use.
  SESSIONLIB_INLINE detail::plan& get_plan(std::span<const detail::fetch_leaf> leaves, std::span<const output_ref> sorted_feeds) {
    std::vector<std::uint64_t> key;
    key.reserve(leaves.size() + sorted_feeds.size() + 1);
    for (const auto& l : leaves)
      key.push_back((std::uint64_t{l.index} << 33) | (std::uint64_t{l.id} << 1) | (l.wants_value ? 1 : 0));
    key.push_back(~std::uint64_t{0});
    for (output_ref f : sorted_feeds) key.push_back((std::uint64_t{f.index} << 32) | f.node);
    {
      std::shared_lock lock(plans_m_);
      if (auto it = plans_.find(key); it != plans_.end()) return *it->second;
    }
    auto p = detail::build_plan(*graph_, leaves, sorted_feeds, plan_opts());
    std::unique_lock lock(plans_m_);
    auto [it, inserted] = plans_.try_emplace(std::move(key), std::move(p));
    if (inserted && config_.log_device_placement) detail::log_device_placement(*it->second);
    return *it->second;
  }

  /// Sorts feeds by output, rejecting duplicates and other graphs' tensors.
  SESSIONLIB_INLINE void sort_feeds(std::span<const feed_entry> feeds, std::vector<output_ref>& ids,
                  std::vector<const feed_entry*>& by_id) const {
    by_id.clear();
    for (const auto& entry : feeds) {
      for (const feed_entry& f : entry.parts()) {  // a sparse feed is three, a nested key several
        f.resolve(*graph_);  // a key given by name: now its output
        if (f.graph != graph_) throw invalid_argument("Cannot feed a tensor of another graph", f.graph->at(f.id).name);
        by_id.push_back(&f);
      }
    }
    std::sort(by_id.begin(), by_id.end(), [](auto* a, auto* b) { return a->id < b->id; });
    ids.clear();
    for (auto* f : by_id) {
      if (!ids.empty() && ids.back() == f->id)
        throw invalid_argument("Tensor '" + graph_->tensor_name(f->id) + "' is fed more than once",
                               graph_->at(f->id).name);
      ids.push_back(f->id);
    }
  }

  /// Checks a value of dtype `t` and shape `shape` fed for output `index` of node `n`.
  SESSIONLIB_INLINE static void check_feed(const node& n, std::uint32_t index, dtype t, const dims& shape) {
    if (!n.has_output) throw invalid_argument("Cannot feed operation '" + n.name + "': it has no output", n.name);
    // The tensor's name only when it is wrong: this runs on every fed value.
    auto name = [&] { return n.name + ":" + std::to_string(index); };
    if (t != n.output_type(index))
      throw invalid_argument("Cannot feed value of dtype " + std::string(dtype_name(t)) + " for Tensor '" + name() +
                                 "', which has dtype " + std::string(dtype_name(n.output_type(index))),
                             n.name);
    if (!(index == 0 && n.unknown_rank) && !shape_fits(n.output_shape(index), shape))
      throw invalid_argument("Cannot feed value of shape " + to_string(shape) + " for Tensor '" + name() +
                                 "', which has shape " + static_shape_string(n.output_shape(index)),
                             n.name);
  }

  /// Checks a value fed for output `index` of node `n` and places it in its slot.
  SESSIONLIB_INLINE static void place_feed(const node& n, std::uint32_t index, any_array value, any_array& slot) {
    check_feed(n, index, value.dtype(), value.shape());
    slot = std::move(value);
  }
#else
  SESSIONLIB_DECLARE detail::plan& get_plan(std::span<const detail::fetch_leaf> leaves, std::span<const output_ref> sorted_feeds);
  SESSIONLIB_DECLARE void sort_feeds(std::span<const feed_entry> feeds, std::vector<output_ref>& ids,
                   std::vector<const feed_entry*>& by_id) const;
  SESSIONLIB_DECLARE static void check_feed(const node& n, std::uint32_t index, dtype t, const dims& shape);
  SESSIONLIB_DECLARE static void place_feed(const node& n, std::uint32_t index, any_array value, any_array& slot);
#endif

  /// Runs plan `p` with `feed_values` (parallel to p.feed_ids), then calls
  /// `build(reader)` while the values are still in their slots. `lend(rs)`
  /// runs once the feeds are placed (run_into lends the caller's arrays).
  template <class Build, class Lend = void (*)(detail::run_state&)>
  decltype(auto) run_plan(detail::plan& p, std::span<const any_array> feed_values, const RunOptions* opts, RunMetadata* md,
                          Build&& build, Lend&& lend = [](detail::run_state&) {}) {
    return run_placed(
        p,
        [&](detail::run_state& rs) {
          for (std::size_t i = 0; i < p.feed_ids.size(); ++i)
            place_feed(*p.feed_nodes[i], p.feed_ids[i].index, feed_values[i], rs.slots[p.feed_slots[i]]);
        },
        opts, md, std::forward<Build>(build), std::forward<Lend>(lend));
  }

  /// As run_plan, with `place(rs)` putting the fed values in p's feed slots
  /// (checked): how a callable places views of its arguments in one pass.
  template <class Place, class Build, class Lend>
  decltype(auto) run_placed(detail::plan& p, Place&& place, const RunOptions* opts, RunMetadata* md, Build&& build,
                            Lend&& lend) {
    // The run's untyped steps are library functions (begin_run, execute_run,
    // end_run): a unit instantiates only the placing, lending and building.
    struct returner {
      session_impl& s;
      detail::plan& p;
      detail::run_state* rs;
      ~returner() { s.end_run(p, rs); }
    } guard{*this, p, begin_run(p)};
    detail::run_state& rs = *guard.rs;
    place(rs);
    lend(rs);
    fetch_reader reader = execute_run(p, rs, opts, md);
    return build(reader);
  }

#if SESSIONLIB_DEFINITIONS
  /// A run's state from plan `p`, once the session is known to be open.
  SESSIONLIB_INLINE detail::run_state* begin_run(detail::plan& p) {
    check_open();
    return p.take().release();
  }
  /// Runs plan `p` on `rs` (its feeds placed) and reads its fetched values.
  SESSIONLIB_INLINE fetch_reader execute_run(detail::plan& p, detail::run_state& rs, const RunOptions* opts,
                                             RunMetadata* md) {
    if (md) md->clear();  // a run replaces the metadata it is given (TF's)
    // The engine runs the plan (in process: detail::execute). A parallel plan
    // enters the inter-op arena itself, a kernel splitting its work the
    // intra-op one (execute, split_work): small runs enter neither.
    engine_->execute(p, rs, state_, *graph_, opts, md, &resources_);
    thread_local std::vector<const any_array*> values;
    values.resize(p.fetch_slots.size());
    for (std::size_t i = 0; i < p.fetch_slots.size(); ++i)
      values[i] = p.fetch_slots[i] == detail::no_slot ? nullptr : &rs.slots[p.fetch_slots[i]];
    fetch_reader reader{values.data()};
    reader.tensors = &state_.tensors();
    return reader;
  }
  /// Gives `rs` back to plan `p` for its next run.
  SESSIONLIB_INLINE void end_run(detail::plan& p, detail::run_state* rs) noexcept {
    p.give_back(std::unique_ptr<detail::run_state>(rs));
  }
  /// prepare_run's untyped part: the plan of `leaves` with `feeds`, whose
  /// values (views) go to `values` in the plan's feed order.
  SESSIONLIB_INLINE detail::plan& prepare(std::span<const detail::fetch_leaf> leaves, std::span<const feed_entry> feeds,
                                          std::vector<any_array>& values) {
    check_open();
    std::vector<output_ref> ids;
    std::vector<const feed_entry*> by_id;
    sort_feeds(feeds, ids, by_id);
    detail::plan& p = get_plan(leaves, ids);
    values.reserve(by_id.size());
    for (auto* f : by_id) values.push_back(f->view());
    return p;
  }
#else
  SESSIONLIB_DECLARE detail::run_state* begin_run(detail::plan& p);
  SESSIONLIB_DECLARE fetch_reader execute_run(detail::plan& p, detail::run_state& rs, const RunOptions* opts,
                                              RunMetadata* md);
  SESSIONLIB_DECLARE void end_run(detail::plan& p, detail::run_state* rs) noexcept;
  SESSIONLIB_DECLARE detail::plan& prepare(std::span<const detail::fetch_leaf> leaves, std::span<const feed_entry> feeds,
                                           std::vector<any_array>& values);
#endif

 private:
  /// The constructor's body: the session's arenas and OpenBLAS's thread count.
  SESSIONLIB_DECLARE void start(const SessionConfig& config);

  Graph* graph_;
  SessionConfig config_;
  std::unique_ptr<detail::engine> engine_;
  detail::exec_resources resources_;
  detail::arena_ptr arena_, inter_arena_;
  session_state state_;
  std::atomic<bool> closed_{false};
  std::shared_mutex plans_m_;
  std::unordered_map<std::vector<std::uint64_t>, std::unique_ptr<detail::plan>, detail::key_hash> plans_;
};

#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE void session_impl::start(const SessionConfig& config) {
  resources_.intra_op_threads = config.intra_op_threads;
  resources_.inter_op_threads = config.inter_op_threads;
  // An explicit thread count gets its own arena; 0 shares oneTBB's default one.
  // Kernels enter it only when they split their work (kernel.hpp's split_work).
  if (config.intra_op_threads > 0) arena_ = detail::arena_ptr(new tbb::task_arena(config.intra_op_threads));
  resources_.intra_arena = arena_.get();
  // Plans with independent heavy steps run them side by side in an arena of
  // inter_op_threads; 1 keeps every plan on the calling thread.
  if (config.inter_op_threads != 1) {
    // (A copy of `automatic`: the constant has no definition to bind a reference to.)
    const int automatic = tbb::task_arena::automatic;
    inter_arena_ = detail::arena_ptr(new tbb::task_arena(config.inter_op_threads > 0 ? config.inter_op_threads : automatic));
    resources_.inter_arena = inter_arena_.get();
    const int slots = inter_arena_->max_concurrency();
    if (config.intra_op_threads > 0 && config.intra_op_threads < slots)
      for (int i = 0; i < slots; ++i)
        resources_.step_arenas.push_back(detail::arena_ptr(new tbb::task_arena(config.intra_op_threads)));
  }
  // OpenBLAS runs single-threaded: matmul splits its products over the
  // session's intra-op threads itself (kernels/matmul.hpp).
  kernels::set_blas_threads(1);
}
#endif  // SESSIONLIB_DEFINITIONS

}  // namespace sessionlib
