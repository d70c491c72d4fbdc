// Lending result storage to a run, so the kernels that compute fetched values
// write straight into the arrays the caller gets back. run_into lends the
// caller's own arrays (into.hpp). run and make_callable lend fresh arrays
// sized as the last run's results were: a result is then neither copied out of
// the run's buffer nor handed over from it (which costs a shared storage
// object per run), and the run keeps no buffer for it between runs.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <vector>

#include "fetch.hpp"

namespace sessionlib::detail {

/// Where each fetch leaf (in collect order) may be written: the caller's array,
/// or null where the leaf is not a tensor held in place.
struct lent_buffer {
  void* data = nullptr;
  std::size_t bytes = 0;
  dtype type = dtype::float32;
};

/// Replaces `out` with a's values, taken over when `take` allows (fresh
/// results) or copied. When a kernel wrote them into out's own storage with
/// another shape, that storage dies with the assignment: the slot is pointed
/// at the new array first, so a later leaf reading the same slot (a tensor
/// fetched twice, or two fetches merged into one node) reads live values.
template <class T, std::size_t N>
void replace_result(const any_array& a, xt::xtensor<T, N>& out, bool take) {
  const bool ours = a.raw() != nullptr && a.raw() == out.data();
  xt::xtensor<T, N> v = take && !ours ? tensor_result<T, N>(a) : a.to_xtensor<T, N>();
  if (ours) {
    const dims shape = a.shape();
    const_cast<any_array&>(a).assign_borrowed(a.dtype(), shape.begin(), shape.size(), v.data());
  }
  out = std::move(v);  // moves the storage: v.data() stays valid
}

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
      replace_result(a, out, false);  // also when a kernel filled part of out's storage
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


// Fresh results. A run_state remembers, per fetch leaf, the shape a kernel
// last wrote into a buffer of the run's own or a lent one (run_state::
// fetch_shapes; rank 0 when there is none): the next run with that state
// lends a fresh result array of that shape. Leaves that alias other values (a
// fed array, a variable, a folded constant) are never presized, so they cost
// no wasted allocation. A different shape this time: the value is taken over
// or copied as without lending, and the next run uses the new shape.

/// Leaves fresh_impl<F> cannot lend: built as fetch_impl<F> builds them.
template <class F>
struct fresh_impl {
  static constexpr bool lends = false;
  using result = fetch_result_t<F>;
  static void presize(const F& f, result&, std::span<const dims>, std::vector<lent_buffer>& lent) {
    fetch_collector c;
    fetch_impl<F>::collect(f, c);
    lent.resize(lent.size() + c.leaves.size());
  }
  static void fill(const F& f, fetch_reader& r, result& out, std::span<dims>) { out = fetch_impl<F>::build(f, r); }
};

template <>
struct fresh_impl<Operation> {
  static constexpr bool lends = false;
  static void presize(const Operation&, none_t&, std::span<const dims>, std::vector<lent_buffer>& lent) {
    lent.push_back({});
  }
  static void fill(const Operation&, fetch_reader& r, none_t&, std::span<dims>) { r.skip(); }
};

template <TensorLike F>
struct fresh_impl<F> {
  using T = typename F::value_type;
  static constexpr std::size_t N = F::shape_type::rank();
  using result = fetch_result_t<F>;
  static constexpr bool lends = N > 0;
  // The leaf's index is its position in `lent` (one entry per leaf, in collect order).
  static void presize(const F&, result& out, std::span<const dims> shapes, std::vector<lent_buffer>& lent) {
    if constexpr (N > 0) {
      const dims& s = shapes[lent.size()];
      if (s.size() == N) {
        std::array<std::size_t, N> sh;
        std::copy(s.begin(), s.end(), sh.begin());
        out = result(sh);  // uninitialised: the kernel writes every element
        any_array::advise_huge_pages(out.data(), out.size() * sizeof(T));
        lent.push_back({out.data(), out.size() * sizeof(T), dtype_of<T>});
        return;
      }
    }
    lent.push_back({});
  }
  static void fill(const F&, fetch_reader& r, result& out, std::span<dims> shapes) {
    const std::size_t leaf = r.pos;
    const any_array& a = r.next();
    if constexpr (N == 0) {
      out = a.scalar<T>();
    } else {
      const bool written_here = out.size() && a.raw() == out.data();  // in the array lent for this leaf
      const bool in_place = written_here && a.rank() == N &&
                            std::equal(out.shape().begin(), out.shape().end(), a.shape().begin());
      shapes[leaf] = written_here || a.owner() ? a.shape() : dims{};
      if (!in_place) replace_result(a, out, true);
    }
  }
};

template <class... F>
struct fresh_impl<std::tuple<F...>> {
  static constexpr bool lends = (fresh_impl<F>::lends || ...);
  using result = fetch_result_t<std::tuple<F...>>;
  static void presize(const std::tuple<F...>& f, result& out, std::span<const dims> s, std::vector<lent_buffer>& lent) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (fresh_impl<F>::presize(std::get<I>(f), std::get<I>(out), s, lent), ...);
    }(std::index_sequence_for<F...>{});
  }
  static void fill(const std::tuple<F...>& f, fetch_reader& r, result& out, std::span<dims> s) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (fresh_impl<F>::fill(std::get<I>(f), r, std::get<I>(out), s), ...);
    }(std::index_sequence_for<F...>{});
  }
};

template <class A, class B>
struct fresh_impl<std::pair<A, B>> {
  static constexpr bool lends = fresh_impl<A>::lends || fresh_impl<B>::lends;
  using result = fetch_result_t<std::pair<A, B>>;
  static void presize(const std::pair<A, B>& f, result& out, std::span<const dims> s, std::vector<lent_buffer>& lent) {
    fresh_impl<A>::presize(f.first, out.first, s, lent);
    fresh_impl<B>::presize(f.second, out.second, s, lent);
  }
  static void fill(const std::pair<A, B>& f, fetch_reader& r, result& out, std::span<dims> s) {
    fresh_impl<A>::fill(f.first, r, out.first, s);
    fresh_impl<B>::fill(f.second, r, out.second, s);
  }
};

template <class F, std::size_t K>
struct fresh_impl<std::array<F, K>> {
  static constexpr bool lends = fresh_impl<F>::lends;
  using result = fetch_result_t<std::array<F, K>>;
  static void presize(const std::array<F, K>& f, result& out, std::span<const dims> s, std::vector<lent_buffer>& lent) {
    for (std::size_t i = 0; i < K; ++i) fresh_impl<F>::presize(f[i], out[i], s, lent);
  }
  static void fill(const std::array<F, K>& f, fetch_reader& r, result& out, std::span<dims> s) {
    for (std::size_t i = 0; i < K; ++i) fresh_impl<F>::fill(f[i], r, out[i], s);
  }
};

template <class F, class A>
struct fresh_impl<std::vector<F, A>> {
  static constexpr bool lends = fresh_impl<F>::lends;
  using result = fetch_result_t<std::vector<F, A>>;
  static void presize(const std::vector<F, A>& f, result& out, std::span<const dims> s, std::vector<lent_buffer>& lent) {
    out.resize(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) fresh_impl<F>::presize(f[i], out[i], s, lent);
  }
  static void fill(const std::vector<F, A>& f, fetch_reader& r, result& out, std::span<dims> s) {
    for (std::size_t i = 0; i < f.size(); ++i) fresh_impl<F>::fill(f[i], r, out[i], s);
  }
};

/// Runs `fetches` through `run(build, lend)` (session_impl::run_placed's last
/// two arguments) and returns their values. When the structure has a tensor
/// leaf of rank >= 1, the result is made first and its tensors, sized from
/// the run state's last shapes, are lent to the run; otherwise the values are
/// built from the run's slots afterwards.
template <class F, class Run>
fetch_result_t<F> run_fresh(const plan& p, const F& fetches, Run&& run) {
  if constexpr (!fresh_impl<F>::lends || !std::is_default_constructible_v<fetch_result_t<F>>) {
    return run([&](fetch_reader& r) { return fetch_impl<F>::build(fetches, r); }, [](run_state&) {});
  } else {
    fetch_result_t<F> out;
    run_state* state = nullptr;
    run([&](fetch_reader& r) { fresh_impl<F>::fill(fetches, r, out, state->fetch_shapes); },
        [&](run_state& rs) {
          state = &rs;
          thread_local std::vector<lent_buffer> lent;
          lent.clear();
          fresh_impl<F>::presize(fetches, out, rs.fetch_shapes, lent);
          lend_slots(p, rs, lent);
        });
    return out;
  }
}

}  // namespace sessionlib::detail
