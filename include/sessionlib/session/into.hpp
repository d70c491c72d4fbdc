// Results written into the caller's arrays, as numpy's `out=`: a loop that runs
// the same fetches many times keeps its result arrays, and the kernels write
// straight into them instead of into a buffer that is then copied or handed to
// a fresh array (no allocation, no page faults, no copy).
//
//     xt::xtensor<float, 2> logits;                  // empty: sized by the first run
//     sess.run_into(logits, y, {{x, xb}});           // later runs reuse its storage
//
//     auto f = sess.make_callable(y, sl::feed_list(x), sl::into);
//     f(logits, xb);                                 // void(xt::xtensor<float, 2>&, const xt::xtensor<float, 2>&)
//
// `out` has the type run() would return. Tensor leaves, also inside tuples,
// pairs, std::arrays and vectors, are written in place when their shape is
// already right (resized otherwise); other structures are assigned a new value.
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>

#include "callable.hpp"

namespace sessionlib {

/// Tag of make_callable's form whose function writes into a result passed first.
struct into_t {
  explicit constexpr into_t() = default;
};
inline constexpr into_t into{};

namespace detail {
/// Whether Out (as deduced from run_into's first argument) is a modifiable
/// fetch_result_t<F>; reports the mismatch and returns false otherwise. A result
/// is written into the target as it is, so its dtype and rank must be the fetch's.
template <class F, class Out>
constexpr bool check_into_target() {
  using R = fetch_result_t<F>;
  using D = std::remove_cvref_t<Out>;
  if constexpr (!std::is_same_v<decltype(checked_fetch_result<F>()), std::type_identity<R>>) {
    return false;  // not fetchable, reported
  } else if constexpr (!std::is_same_v<D, R>) {
    report::into_target_mismatch<R, D>();  // what run() returns for the fetches, then the target given
    return false;
  } else if constexpr (!std::is_lvalue_reference_v<Out> || std::is_const_v<std::remove_reference_t<Out>>) {
    report::into_target_not_lvalue<R, Out>();
    return false;
  } else {
    return true;
  }
}
}  // namespace detail

template <class Out, class F>
void Session::run_into(Out&& out, const F& fetches, std::initializer_list<feed_entry> feeds) {
  if constexpr (detail::check_into_target<F, Out>())
    run_into_impl(out, fetches, std::span<const feed_entry>(feeds.begin(), feeds.size()));
}
template <class Out, class F>
void Session::run_into(Out&& out, const F& fetches, const feed_dict& feeds) {
  if constexpr (detail::check_into_target<F, Out>()) run_into_impl(out, fetches, std::span<const feed_entry>(feeds));
}

template <class F>
void Session::run_into_impl(fetch_result_t<F>& out, const F& fetches, std::span<const feed_entry> feeds) {
  using G = std::remove_cvref_t<F>;
  std::vector<any_array> values;
  detail::plan& p = prepare_run(fetches, feeds, values);
  std::vector<detail::lent_buffer> lent;
  detail::into_impl<G>::lend(fetches, out, lent);
  impl_->run_plan(
      p, values, nullptr, nullptr, [&](fetch_reader& r) { detail::into_impl<G>::fill(fetches, r, out); },
      [&](detail::run_state& rs) { detail::lend_slots(p, rs, lent); });
}

/// `sl::callable<void(fetch_result_t<F>& out, args...)>`: as make_callable,
/// writing the values into `out` (see run_into); a target of another type is a
/// compile error.
template <class F, class... X>
auto Session::make_callable(const F& fetches, const feed_list_t<X...>& feeds, into_t) const {
  using G = std::remove_cvref_t<F>;
  (void)detail::checked_fetch_result<F>();  // reports an unfetchable leaf first
  auto core = detail::prepare_callable(impl_, fetches, feeds);
  auto names = detail::callable_feed_names<1, 0>(feeds);
  using Sig = void(fetch_result_t<F>&, detail::callable_arg_t<X>...);
  return callable<Sig>(
      std::function<Sig>([core = std::move(core)](fetch_result_t<F>& out, detail::callable_arg_t<X>... args) {
        thread_local std::vector<detail::lent_buffer> lent;
        lent.clear();
        detail::into_impl<G>::lend(core.fetches, out, lent);
        core.run(nullptr, nullptr, [&](fetch_reader& r) { detail::into_impl<G>::fill(core.fetches, r, out); },
                 [&](detail::run_state& rs) { detail::lend_slots(*core.p, rs, lent); }, args...);
      }),
      std::move(names[0]), std::move(names[1]));
}

}  // namespace sessionlib
