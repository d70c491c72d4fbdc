// Session: runs parts of a graph. `run(fetches, feeds)` returns the fetch
// structure with every leaf replaced by its value (DESIGN sections 2 and 3).
#pragma once

#include <memory>

#include "fetch_check.hpp"
#include "lend.hpp"
#include "registry.hpp"
#include "session_impl.hpp"

namespace sessionlib {

class partial_run_handle;     // session/partial_run.hpp
class default_session_guard;  // session/default_session.hpp
struct device_attributes;     // session/devices.hpp
struct accept_options_t;      // session/callable.hpp
struct into_t;                // session/into.hpp

namespace detail {
/// What a braced list given as fetches converts to, so that `sess.run({a, b})`
/// finds run's reporting overload (a braced list deduces no fetch type).
struct braced_fetch {
  template <class... A>
  braced_fetch(const A&...) {}  // NOLINT: implicit, to accept any braced list
};
}  // namespace detail

/// A session over a graph: holds variable values, caches run plans.
/// Copies share the same session (like TF's Python object); close() ends it.
class Session {
 public:
  /// A session over `g` (default: the thread's default graph). `target` picks
  /// the engine (session/engine.hpp): "" in process; "mpi" (or "mpi://") the
  /// MPI engine of <sessionlib/mpi.hpp>; another target is sl::unimplemented.
  explicit Session(Graph& g = get_default_graph(), SessionConfig config = {}, const std::string& target = "")
      : impl_(detail::open_session(g, config, target)) {}
  explicit Session(SessionConfig config) : Session(get_default_graph(), config) {}

  Graph& graph() const noexcept { return impl_->graph(); }
  /// TF's `sess.graph_def`: the session's graph as a GraphDef. Needs the opt-in
  /// GraphDef part (include <sessionlib/graph_def.hpp>); see Graph::to_graph_def.
  template <class Def = GraphDef>
  auto graph_def() const {
    return graph().template to_graph_def<Def>();
  }
  const SessionConfig& config() const noexcept { return impl_->config(); }
  /// The target the session was created with (TF's `sess.sess_str`): "" in process.
  const std::string& sess_str() const noexcept { return impl_->target(); }

  /// Runs what `fetches` need and returns their values in the same structure.
  template <class F>
  detail::checked_fetch_result_t<F> run(const F& fetches, std::initializer_list<feed_entry> feeds = {}) {
    return run_impl(fetches, std::span<const feed_entry>(feeds.begin(), feeds.size()), nullptr, nullptr);
  }
  /// As run(fetches, feeds), with a feed dict built at run time.
  template <class F>
  detail::checked_fetch_result_t<F> run(const F& fetches, const feed_dict& feeds) {
    return run_impl(fetches, std::span<const feed_entry>(feeds), nullptr, nullptr);
  }
  /// As run(fetches, feeds), with options (timeout, tracing) and metadata out.
  template <class F>
  detail::checked_fetch_result_t<F> run(const F& fetches, std::initializer_list<feed_entry> feeds,
                                        const RunOptions& options, RunMetadata* metadata = nullptr) {
    return run_impl(fetches, std::span<const feed_entry>(feeds.begin(), feeds.size()), &options, metadata);
  }
  template <class F>
  detail::checked_fetch_result_t<F> run(const F& fetches, const feed_dict& feeds, const RunOptions& options,
                                        RunMetadata* metadata = nullptr) {
    return run_impl(fetches, std::span<const feed_entry>(feeds), &options, metadata);
  }
  /// As run(fetches, feeds), filling `metadata` with default RunOptions (no
  /// trace: peak and resident bytes; step stats need RunOptions::trace_level).
  template <class F>
  detail::checked_fetch_result_t<F> run(const F& fetches, std::initializer_list<feed_entry> feeds,
                                        RunMetadata* metadata) {
    return run_impl(fetches, std::span<const feed_entry>(feeds.begin(), feeds.size()), nullptr, metadata);
  }
  template <class F>
  detail::checked_fetch_result_t<F> run(const F& fetches, const feed_dict& feeds, RunMetadata* metadata) {
    return run_impl(fetches, std::span<const feed_entry>(feeds), nullptr, metadata);
  }
  /// A braced list of fetches (`sess.run({train, loss})`) has no type: reported.
  template <int I = 0>
  auto run(detail::braced_fetch, std::initializer_list<feed_entry> = {}, const RunOptions& = {}, RunMetadata* = nullptr) {
    [[maybe_unused]] constexpr bool reported = (report::braced_fetch<I>(), true);  // write std::tuple{train, loss}
    return none_t{};
  }
  template <int I = 0>
  auto run(detail::braced_fetch, const feed_dict&, const RunOptions& = {}, RunMetadata* = nullptr) {
    [[maybe_unused]] constexpr bool reported = (report::braced_fetch<I>(), true);  // write std::tuple{train, loss}
    return none_t{};
  }

  // Defined in session/into.hpp, callable.hpp, partial_run.hpp, default_session.hpp, devices.hpp.
  /// As run(fetches, feeds), writing the values into `out`, which must have the
  /// type run returns (a compile error otherwise); arrays already of the right
  /// shape are written in place.
  template <class Out, class F>
  void run_into(Out&& out, const F& fetches, std::initializer_list<feed_entry> feeds = {});
  template <class Out, class F>
  void run_into(Out&& out, const F& fetches, const feed_dict& feeds);
  /// A prepared run: an sl::callable (a std::function whose arguments are
  /// checked at compile time) taking the fed values in feed_list order.
  template <class F, class... X>
  auto make_callable(const F& fetches, const feed_list_t<X...>& feeds) const;
  /// As make_callable, taking `const RunOptions&, RunMetadata*` after the fed values.
  template <class F, class... X>
  auto make_callable(const F& fetches, const feed_list_t<X...>& feeds, accept_options_t) const;
  /// As make_callable, the function writing into a result passed first:
  /// `void(fetch_result_t<F>& out, args...)` (see run_into).
  template <class F, class... X>
  auto make_callable(const F& fetches, const feed_list_t<X...>& feeds, into_t) const;
  /// As make_callable, fed a run-time-length list of same-typed tensors
  /// (`sl::feed_list(std::vector{x0, x1, ...})`): the callable takes one
  /// `const std::vector<xt::xtensor<T, N>>&` (`std::vector<T>` for rank 0)
  /// holding a value per tensor, in order.
  template <class F, class T, class S>
  auto make_callable(const F& fetches, const feed_vector_t<T, S>& feeds) const;
  /// partial_run_setup with a run-time-length list of same-typed fed tensors.
  template <class F, class T, class S>
  partial_run_handle partial_run_setup(const F& fetches, const feed_vector_t<T, S>& feeds) const;
  /// make_callable of a run fed nothing: a callable of no parameters (with
  /// `form` sl::accept_options or sl::into, as with a feed list).
  template <class F, class... Form>
    requires(sizeof...(Form) <= 1 && ((std::is_same_v<Form, accept_options_t> || std::is_same_v<Form, into_t>) && ...))
  auto make_callable(const F& fetches, Form... form) const {
    return make_callable(fetches, feed_list_t<>{}, form...);
  }
  /// partial_run_setup of a partial run fed nothing.
  template <class F>
  partial_run_handle partial_run_setup(const F& fetches) const;
  /// Starts a partial run that may fetch `fetches` and be fed `feeds` (tf partial_run_setup).
  template <class F, class... X>
  partial_run_handle partial_run_setup(const F& fetches, const feed_list_t<X...>& feeds) const;
  /// make_callable (any form) and partial_run_setup with the fed tensors named,
  /// `sl::feed_list<sl::Tensor<float, sl::shape<sl::dyn, 784>>>("x:0")`: each
  /// name is looked up and checked against its stated type first.
  template <class F, class... X, class... Form>
  auto make_callable(const F& fetches, const named_feed_list_t<X...>& feeds, Form... form) const {
    return make_callable(fetches, feeds.resolve(graph()), form...);
  }
  template <class F, class... X>
  partial_run_handle partial_run_setup(const F& fetches, const named_feed_list_t<X...>& feeds) const;
  /// Continues partial run `h`: feeds `feeds`, returns the values of `fetches`.
  template <class F>
  fetch_result_t<F> partial_run(const partial_run_handle& h, const F& fetches,
                                std::initializer_list<feed_entry> feeds = {}) const;
  /// Makes this the calling thread's default session until the guard dies (nestable).
  [[nodiscard]] default_session_guard as_default() const;
  /// The devices the session runs on: the CPU (in process), a CPU per rank (mpi).
  std::vector<device_attributes> list_devices() const;

  /// TF's `tf.Session.reset(target, containers)`: in every open session of
  /// `target` in this process, the variables of the named resource containers
  /// (sl::container; "" the default one; every container when none is named)
  /// lose their values: their next read is TF's uninitialised-value error
  /// until an initializer or a restore runs. Unlike TF, the sessions stay open
  /// (TF also closes them; here each session holds its own variables, so a
  /// cleared one would otherwise be unreachable). A target no engine serves is
  /// the error Session(g, {}, target) gives.
  static void reset(const std::string& target = "", const std::vector<std::string>& containers = {}) {
    detail::reset_containers(target, containers);
  }

  /// Ends the session; later runs throw sl::session_closed. Runs in flight finish;
  /// an op blocked on a queue (or blocking later in such a run) throws sl::cancelled.
  void close() noexcept { impl_->close(); }
  bool closed() const noexcept { return impl_->closed(); }

  /// The shared core (for callables, partial runs, the default-session stack).
  const std::shared_ptr<session_impl>& impl() const noexcept { return impl_; }

 private:
  template <class F>
  void run_into_impl(fetch_result_t<F>& out, const F& fetches, std::span<const feed_entry> feeds);
  template <class F>
  fetch_result_t<F> run_impl(const F& fetches, std::span<const feed_entry> feeds, const RunOptions* opts,
                             RunMetadata* md) {
    std::vector<any_array> values;
    detail::plan& p = prepare_run(fetches, feeds, values);
    return detail::run_fresh(p, fetches, [&](auto&& build, auto&& lend) -> decltype(auto) {
      return impl_->run_plan(p, values, opts, md, build, lend);
    });
  }

  /// What run and run_into share: the plan for `fetches` and `feeds`, and the
  /// fed values as views in the plan's feed order.
  template <class F>
  detail::plan& prepare_run(const F& fetches, std::span<const feed_entry> feeds, std::vector<any_array>& values) {
    impl_->check_open();
    fetch_collector c;
    c.graph = &impl_->graph();
    detail::fetch_impl<std::remove_cvref_t<F>>::collect(fetches, c);
    return impl_->prepare(c.leaves, feeds, values);
  }

  std::shared_ptr<session_impl> impl_;
};

}  // namespace sessionlib
