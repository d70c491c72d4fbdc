// make_callable: a run prepared once. The plan is resolved when the callable is
// made and the fed tensors' order in the plan is precomputed, so a call places
// borrowed views of its arguments (no copy) and runs: no name lookup, no
// sorting, no structure walk besides building the result.
//
//     auto step = sess.make_callable(std::tuple{train, loss}, sl::feed_list(x, y));
//     auto [_, l] = step(xb, yb);      // (const xt::xtensor<float, 2>&, const xt::xtensor<std::int64_t, 1>&)
//
// The returned sl::callable checks its arguments' dtypes, ranks and count at
// compile time (typed_callable.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <memory>

#include "session.hpp"
#include "typed_callable.hpp"

namespace sessionlib {

/// Tag of make_callable's form that takes `const RunOptions&, RunMetadata*`
/// after the fed values (TF's `accept_options=True`).
struct accept_options_t {
  explicit constexpr accept_options_t() = default;
};
inline constexpr accept_options_t accept_options{};

namespace detail {

/// A callable's parameter type for fed tensor-like X: T for rank 0, else
/// `const xt::xtensor<T, N>&`.
template <class X>
using callable_arg_t = std::conditional_t<X::shape_type::rank() == 0, typename X::value_type,
                                          const xt::xtensor<typename X::value_type, X::shape_type::rank()>&>;

/// Places a borrowed view of argument `v` in `slot` (no copy of the data).
template <class T>
void callable_view(any_array& slot, const T& v) {
  if constexpr (std::is_arithmetic_v<T>) slot.assign_borrowed(dtype_of<T>, nullptr, 0, &v);
  else slot.assign_borrowed(dtype_of<typename T::value_type>, v.shape().data(), v.shape().size(), v.data());
}

/// What a callable owns: the session core, the prepared plan, the fetch
/// structure, and for each parameter its position in the plan's feed order.
template <class F, std::size_t N>
struct callable_core {
  std::shared_ptr<session_impl> impl;
  detail::plan* p = nullptr;
  F fetches;
  std::array<std::size_t, N> feed_pos{};

  template <class... A>
  fetch_result_t<F> operator()(const RunOptions* opts, RunMetadata* md, const A&... args) const {
    return run_fresh(*p, fetches, [&](auto&& build, auto&& lend) -> decltype(auto) {
      return run(opts, md, build, lend, args...);
    });
  }

  /// Places the arguments, runs, and returns build(reader); `lend` sees the run
  /// state after the feeds are placed (session_impl::run_placed). Each argument
  /// becomes a view in its feed slot; its dtype and rank are right by type, so
  /// only its extents are checked against the fed tensor's static shape.
  template <class Build, class Lend, class... A>
  decltype(auto) run(const RunOptions* opts, RunMetadata* md, Build&& build, Lend&& lend, const A&... args) const {
    const detail::plan& pl = *p;
    auto place = [&](detail::run_state& rs) {
      std::size_t i = 0;
      (place_arg(pl, rs, feed_pos[i++], args), ...);
    };
    return impl->run_placed(*p, place, opts, md, std::forward<Build>(build), std::forward<Lend>(lend));
  }

  template <class T>
  static void place_arg(const detail::plan& pl, detail::run_state& rs, std::size_t pos, const T& v) {
    any_array& slot = rs.slots[pl.feed_slots[pos]];
    callable_view(slot, v);
    if constexpr (!std::is_arithmetic_v<T>) {
      const node& n = *pl.feed_nodes[pos];
      const std::uint32_t k = pl.feed_ids[pos].index;
      if (!shape_fits(n.output_shape(k), slot.shape())) session_impl::check_feed(n, k, slot.dtype(), slot.shape());
    }
  }
};

template <class F, class... X>
callable_core<std::remove_cvref_t<F>, sizeof...(X)> prepare_callable(const std::shared_ptr<session_impl>& impl,
                                                                     const F& fetches, const feed_list_t<X...>& feeds) {
  constexpr std::size_t N = sizeof...(X);
  impl->check_open();
  fetch_collector c;
  c.graph = &impl->graph();
  fetch_impl<std::remove_cvref_t<F>>::collect(fetches, c);
  const std::array<output_ref, N> ids =
      std::apply([](const auto&... t) { return std::array<output_ref, N>{t.id()...}; }, feeds.tensors);
  std::apply(
      [&](const auto&... t) {
        ((&t.graph() != &impl->graph() ? throw invalid_argument("Cannot feed a tensor of another graph", t.op_name())
                                       : void()),
         ...);
      },
      feeds.tensors);
  std::array<output_ref, N> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  if (auto d = std::adjacent_find(sorted.begin(), sorted.end()); d != sorted.end())
    throw invalid_argument("Tensor '" + impl->graph().tensor_name(*d) + "' is fed more than once",
                           impl->graph().at(*d).name);
  callable_core<std::remove_cvref_t<F>, N> core{impl, &impl->get_plan(c.leaves, sorted), fetches, {}};
  for (std::size_t i = 0; i < N; ++i)
    core.feed_pos[i] = static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), ids[i]) - sorted.begin());
  return core;
}

}  // namespace detail

namespace detail {
/// A callable's element type for a run-time-length feed list of Tensor<T, S>:
/// T for rank 0, else xt::xtensor<T, N>.
template <class T, class S>
using vector_arg_t = std::conditional_t<S::rank() == 0, T, xt::xtensor<T, S::rank()>>;

/// What a callable fed a run-time-length list owns: as callable_core, with the
/// parameters' positions in the plan's feed order in a vector.
template <class F>
struct vector_callable_core {
  std::shared_ptr<session_impl> impl;
  detail::plan* p = nullptr;
  F fetches;
  std::vector<std::size_t> feed_pos;
  std::string first_name;  // the first fed tensor's name, for the count message

  /// Places `args[i]` as the value of fed tensor i (views, no copy) and runs.
  template <class A>
  fetch_result_t<F> operator()(const std::vector<A>& args) const {
    if (args.size() != feed_pos.size())
      throw invalid_argument("The callable takes " + std::to_string(feed_pos.size()) +
                                 " values (one per fed tensor), but was given " + std::to_string(args.size()),
                             first_name);
    return run_fresh(*p, fetches, [&](auto&& build, auto&& lend) -> decltype(auto) {
      const detail::plan& pl = *p;
      auto place = [&](detail::run_state& rs) {
        for (std::size_t i = 0; i < args.size(); ++i) callable_core<F, 0>::place_arg(pl, rs, feed_pos[i], args[i]);
      };
      return impl->run_placed(*p, place, nullptr, nullptr, build, lend);
    });
  }
};
}  // namespace detail

template <class F, class T, class S>
auto Session::make_callable(const F& fetches, const feed_vector_t<T, S>& feeds) const {
  (void)detail::checked_fetch_result<F>();
  impl_->check_open();
  fetch_collector c;
  c.graph = &impl_->graph();
  detail::fetch_impl<std::remove_cvref_t<F>>::collect(fetches, c);
  std::vector<output_ref> ids;
  ids.reserve(feeds.tensors.size());
  for (const auto& t : feeds.tensors) {
    if (&t.graph() != &impl_->graph()) throw invalid_argument("Cannot feed a tensor of another graph", t.op_name());
    ids.push_back(t.id());
  }
  std::vector<output_ref> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  if (auto d = std::adjacent_find(sorted.begin(), sorted.end()); d != sorted.end())
    throw invalid_argument("Tensor '" + graph().tensor_name(*d) + "' is fed more than once", graph().at(*d).name);
  detail::vector_callable_core<std::remove_cvref_t<F>> core{impl_, &impl_->get_plan(c.leaves, sorted), fetches, {}, {}};
  core.feed_pos.reserve(ids.size());
  for (output_ref id : ids)
    core.feed_pos.push_back(static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), id) - sorted.begin()));
  if (!ids.empty()) core.first_name = graph().at(ids.front()).name;
  using Arg = const std::vector<detail::vector_arg_t<T, S>>&;
  using Sig = fetch_result_t<F>(Arg);
  // (Appended, not "[" + ... + "]": g++ 12 at -O3 warns falsely (-Wrestrict) on
  // a literal plus a temporary string here.)
  std::string shape(1, '[');
  shape += static_shape_string(S::extents);
  shape += ']';
  return callable<Sig>(std::function<Sig>([core = std::move(core)](Arg args) { return core(args); }),
                       {std::string("a list of ") + std::to_string(ids.size()) + " tensors"}, {std::move(shape)});
}

namespace detail {
/// Each fed tensor's name and static shape ("x:0", "(?, 784)"), at its parameter's
/// position: after Before leading parameters (sl::into's target), then After
/// trailing ones (RunOptions, RunMetadata*) left empty.
template <std::size_t Before, std::size_t After, class... X>
std::array<std::array<std::string, Before + sizeof...(X) + After>, 2> callable_feed_names(
    const feed_list_t<X...>& feeds) {
  std::array<std::array<std::string, Before + sizeof...(X) + After>, 2> r;
  std::size_t i = Before;
  std::apply(
      [&](const auto&... t) {
        ((r[0][i] = t.name(), r[1][i] = static_shape_string(std::remove_cvref_t<decltype(t)>::shape_type::extents), ++i),
         ...);
      },
      feeds.tensors);
  return r;
}
}  // namespace detail

/// `sl::callable<fetch_result_t<F>(args...)>`, args: one per fed tensor (T for
/// rank 0, `const xt::xtensor<T, N>&` otherwise), checked at compile time
/// (session/typed_callable.hpp); it converts to the std::function of that
/// signature. Throws sl::session_closed when called after the session is closed.
template <class F, class... X>
auto Session::make_callable(const F& fetches, const feed_list_t<X...>& feeds) const {
  (void)detail::checked_fetch_result<F>();  // reports an unfetchable leaf first
  auto core = detail::prepare_callable(impl_, fetches, feeds);
  auto names = detail::callable_feed_names<0, 0>(feeds);
  using Sig = fetch_result_t<F>(detail::callable_arg_t<X>...);
  return callable<Sig>(std::function<Sig>([core = std::move(core)](detail::callable_arg_t<X>... args) {
                         return core(nullptr, nullptr, args...);
                       }),
                       std::move(names[0]), std::move(names[1]));
}

/// As make_callable, the function also taking `const RunOptions&, RunMetadata*`.
template <class F, class... X>
auto Session::make_callable(const F& fetches, const feed_list_t<X...>& feeds, accept_options_t) const {
  (void)detail::checked_fetch_result<F>();
  auto core = detail::prepare_callable(impl_, fetches, feeds);
  auto names = detail::callable_feed_names<0, 2>(feeds);
  using Sig = fetch_result_t<F>(detail::callable_arg_t<X>..., const RunOptions&, RunMetadata*);
  return callable<Sig>(std::function<Sig>([core = std::move(core)](detail::callable_arg_t<X>... args,
                                                                   const RunOptions& opts, RunMetadata* md) {
                         return core(&opts, md, args...);
                       }),
                       std::move(names[0]), std::move(names[1]));
}

}  // namespace sessionlib
