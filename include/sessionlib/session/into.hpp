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

/// Where each fetch leaf (in collect order) may be written: the caller's array,
/// or null where the leaf is not a tensor held in place.
struct lent_buffer {
  void* data = nullptr;
  std::size_t bytes = 0;
  dtype type = dtype::float32;
};

template <class F>
struct into_impl {
  using result = fetch_result_t<F>;
  /// One entry per leaf that fetch_impl<F>::collect adds.
  static void lend(const F& f, result&, std::vector<lent_buffer>& out) {
    fetch_collector c;
    fetch_impl<F>::collect(f, c);
    out.resize(out.size() + c.leaves.size());
  }
  static void fill(const F& f, fetch_reader& r, result& out) { out = fetch_impl<F>::build(f, r); }
};

template <TensorLike F>
struct into_impl<F> {
  using T = typename F::value_type;
  static constexpr std::size_t N = F::shape_type::rank();
  using result = fetch_result_t<F>;
  static void lend(const F&, result& out, std::vector<lent_buffer>& lent) {
    if constexpr (N == 0) lent.push_back({});
    else lent.push_back({out.data(), out.size() * sizeof(T), dtype_of<T>});
  }
  static void fill(const F&, fetch_reader& r, result& out) {
    const any_array& a = r.next();
    if constexpr (N == 0) {
      out = a.scalar<T>();
    } else {
      const bool same = out.dimension() == a.rank() && std::equal(out.shape().begin(), out.shape().end(), a.shape().begin());
      if (same && a.raw() == out.data()) return;  // the kernel wrote here
      if (same) {
        if (a.nbytes()) std::memmove(out.data(), a.raw(), a.nbytes());
        return;
      }
      out = a.to_xtensor<T, N>();  // also when a kernel filled part of out's storage
    }
  }
};

template <class... F>
struct into_impl<std::tuple<F...>> {
  using result = fetch_result_t<std::tuple<F...>>;
  static void lend(const std::tuple<F...>& f, result& out, std::vector<lent_buffer>& lent) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (into_impl<F>::lend(std::get<I>(f), std::get<I>(out), lent), ...);
    }(std::index_sequence_for<F...>{});
  }
  static void fill(const std::tuple<F...>& f, fetch_reader& r, result& out) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (into_impl<F>::fill(std::get<I>(f), r, std::get<I>(out)), ...);
    }(std::index_sequence_for<F...>{});
  }
};

template <class A, class B>
struct into_impl<std::pair<A, B>> {
  using result = fetch_result_t<std::pair<A, B>>;
  static void lend(const std::pair<A, B>& f, result& out, std::vector<lent_buffer>& lent) {
    into_impl<A>::lend(f.first, out.first, lent);
    into_impl<B>::lend(f.second, out.second, lent);
  }
  static void fill(const std::pair<A, B>& f, fetch_reader& r, result& out) {
    into_impl<A>::fill(f.first, r, out.first);
    into_impl<B>::fill(f.second, r, out.second);
  }
};

template <class F, std::size_t K>
struct into_impl<std::array<F, K>> {
  using result = fetch_result_t<std::array<F, K>>;
  static void lend(const std::array<F, K>& f, result& out, std::vector<lent_buffer>& lent) {
    for (std::size_t i = 0; i < K; ++i) into_impl<F>::lend(f[i], out[i], lent);
  }
  static void fill(const std::array<F, K>& f, fetch_reader& r, result& out) {
    for (std::size_t i = 0; i < K; ++i) into_impl<F>::fill(f[i], r, out[i]);
  }
};

template <class F, class A>
struct into_impl<std::vector<F, A>> {
  using result = fetch_result_t<std::vector<F, A>>;
  static void lend(const std::vector<F, A>& f, result& out, std::vector<lent_buffer>& lent) {
    out.resize(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) into_impl<F>::lend(f[i], out[i], lent);
  }
  static void fill(const std::vector<F, A>& f, fetch_reader& r, result& out) {
    for (std::size_t i = 0; i < f.size(); ++i) into_impl<F>::fill(f[i], r, out[i]);
  }
};

/// Lends the caller's arrays to the fetched slots (not to fed ones, which
/// hold the feeds), each slot to its first leaf only. A slot whose value ends
/// up elsewhere (a folded constant, an alias of an input) is copied by fill.
inline void lend_slots(const plan& p, run_state& rs, const std::vector<lent_buffer>& lent) {
  for (std::size_t i = 0; i < lent.size() && i < p.fetch_slots.size(); ++i) {
    const std::uint32_t s = p.fetch_slots[i];
    if (s == no_slot || !lent[i].data || rs.slots[s].lent()) continue;
    if (std::find(p.feed_slots.begin(), p.feed_slots.end(), s) != p.feed_slots.end()) continue;
    rs.slots[s].assign_lent(lent[i].type, lent[i].data, lent[i].bytes);
  }
}

}  // namespace detail

template <class F>
void Session::run_into(fetch_result_t<F>& out, const F& fetches, std::initializer_list<feed_entry> feeds) {
  run_into_impl(out, fetches, std::span<const feed_entry>(feeds.begin(), feeds.size()));
}
template <class F>
void Session::run_into(fetch_result_t<F>& out, const F& fetches, const feed_dict& feeds) {
  run_into_impl(out, fetches, std::span<const feed_entry>(feeds));
}

template <class F>
void Session::run_into_impl(fetch_result_t<F>& out, const F& fetches, std::span<const feed_entry> feeds) {
  using G = std::remove_cvref_t<F>;
  std::vector<any_array> values;
  plan& p = prepare_run(fetches, feeds, values);
  std::vector<detail::lent_buffer> lent;
  detail::into_impl<G>::lend(fetches, out, lent);
  impl_->run_plan(
      p, values, nullptr, nullptr, [&](fetch_reader& r) { detail::into_impl<G>::fill(fetches, r, out); },
      [&](run_state& rs) { detail::lend_slots(p, rs, lent); });
}

/// `std::function<void(fetch_result_t<F>& out, args...)>`: as make_callable,
/// writing the values into `out` (see run_into).
template <class F, class... X>
auto Session::make_callable(const F& fetches, const feed_list_t<X...>& feeds, into_t) const {
  using G = std::remove_cvref_t<F>;
  auto core = detail::prepare_callable(impl_, fetches, feeds);
  return std::function<void(fetch_result_t<F>&, detail::callable_arg_t<X>...)>(
      [core = std::move(core)](fetch_result_t<F>& out, detail::callable_arg_t<X>... args) {
        thread_local std::vector<detail::lent_buffer> lent;
        lent.clear();
        detail::into_impl<G>::lend(core.fetches, out, lent);
        core.run(nullptr, nullptr, [&](fetch_reader& r) { detail::into_impl<G>::fill(core.fetches, r, out); },
                 [&](run_state& rs) { detail::lend_slots(*core.p, rs, lent); }, args...);
      });
}

}  // namespace sessionlib
