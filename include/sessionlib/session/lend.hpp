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

#include "../config.hpp"
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

/// Calls leaf(f, out) for each leaf of fetch structure `fetches` with its part
/// of the result `out`, in collect order. Tuples, pairs, std::arrays and
/// std::vectors (a vector result is sized to its fetches) are walked; any
/// other fetch is one leaf, however many tensors it collects.
template <class F>
struct leaf_walk {
  template <class Leaf>
  static void walk(const F& f, fetch_result_t<F>& out, Leaf& leaf) { leaf(f, out); }
};
template <class... F>
struct leaf_walk<std::tuple<F...>> {
  template <class Leaf>
  static void walk(const std::tuple<F...>& f, fetch_result_t<std::tuple<F...>>& out, Leaf& leaf) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (leaf_walk<F>::walk(std::get<I>(f), std::get<I>(out), leaf), ...);
    }(std::index_sequence_for<F...>{});
  }
};
template <class A, class B>
struct leaf_walk<std::pair<A, B>> {
  template <class Leaf>
  static void walk(const std::pair<A, B>& f, fetch_result_t<std::pair<A, B>>& out, Leaf& leaf) {
    leaf_walk<A>::walk(f.first, out.first, leaf);
    leaf_walk<B>::walk(f.second, out.second, leaf);
  }
};
template <class F, std::size_t K>
struct leaf_walk<std::array<F, K>> {
  template <class Leaf>
  static void walk(const std::array<F, K>& f, fetch_result_t<std::array<F, K>>& out, Leaf& leaf) {
    for (std::size_t i = 0; i < K; ++i) leaf_walk<F>::walk(f[i], out[i], leaf);
  }
};
template <class F, class A>
struct leaf_walk<std::vector<F, A>> {
  template <class Leaf>
  static void walk(const std::vector<F, A>& f, fetch_result_t<std::vector<F, A>>& out, Leaf& leaf) {
    out.resize(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) leaf_walk<F>::walk(f[i], out[i], leaf);
  }
};

/// True when some leaf leaf_walk<F> visits is a tensor of rank 1 or more
/// (string tensors aside: their results are built after the run, never lent).
template <class F>
inline constexpr bool has_array_leaf = false;
template <TensorLike F>
inline constexpr bool has_array_leaf<F> = F::shape_type::rank() > 0 && !StringElement<typename F::value_type>;
template <class... F>
inline constexpr bool has_array_leaf<std::tuple<F...>> = (has_array_leaf<F> || ...);
template <class A, class B>
inline constexpr bool has_array_leaf<std::pair<A, B>> = has_array_leaf<A> || has_array_leaf<B>;
template <class F, std::size_t K>
inline constexpr bool has_array_leaf<std::array<F, K>> = has_array_leaf<F>;
template <class F, class A>
inline constexpr bool has_array_leaf<std::vector<F, A>> = has_array_leaf<F>;

/// Adds one empty entry to `lent` per fetch leaf of `f` (a leaf lent nothing).
template <class F>
void lend_nothing(const F& f, std::vector<lent_buffer>& lent) {
  if constexpr (TensorLike<F> || std::is_same_v<F, Operation>) {
    lent.push_back({});
  } else {
    fetch_collector c;
    c.count_only = true;  // a name leaf is counted, not looked up: no graph here
    fetch_impl<F>::collect(f, c);
    lent.resize(lent.size() + c.leaves.size());
  }
}

/// run_into: `lend` lends the caller's tensors (one lent_buffer per leaf),
/// `fill` writes the values in, in place where the kernel wrote there.
template <class F>
struct into_impl {
  static void lend(const F& f, fetch_result_t<F>& out, std::vector<lent_buffer>& lent) {
    auto leaf = [&]<class L>(const L& l, fetch_result_t<L>& res) {
      if constexpr (has_array_leaf<L> && TensorLike<L>)
        lent.push_back({res.data(), res.size() * sizeof(typename L::value_type), dtype_of<typename L::value_type>});
      else lend_nothing(l, lent);
    };
    leaf_walk<F>::walk(f, out, leaf);
  }
  static void fill(const F& f, fetch_reader& r, fetch_result_t<F>& out) {
    auto leaf = [&]<class L>(const L& l, fetch_result_t<L>& res) {
      if constexpr (has_array_leaf<L> && TensorLike<L>) fill_tensor<L>(r.next(), res);
      else res = fetch_impl<L>::build(l, r);
    };
    leaf_walk<F>::walk(f, out, leaf);
  }

 private:
  template <class L>
  static void fill_tensor(const any_array& a, fetch_result_t<L>& out) {
    const bool same = out.dimension() == a.rank() && std::equal(out.shape().begin(), out.shape().end(), a.shape().begin());
    if (same && a.raw() == out.data()) return;  // the kernel wrote here
    if (same) {
      if (a.nbytes()) std::memmove(out.data(), a.raw(), a.nbytes());
      return;
    }
    replace_result(a, out, false);  // also when a kernel filled part of out's storage
  }
};

#if SESSIONLIB_DEFINITIONS
/// Lends the caller's arrays to the fetched slots (not to fed ones, which
/// hold the feeds), each slot to its first leaf only. A slot whose value ends
/// up elsewhere (a folded constant, an alias of an input) is copied by fill.
SESSIONLIB_INLINE void lend_slots(const detail::plan& p, detail::run_state& rs, const std::vector<lent_buffer>& lent) {
  for (std::size_t i = 0; i < lent.size() && i < p.fetch_slots.size(); ++i) {
    const std::uint32_t s = p.fetch_slots[i];
    if (s == detail::no_slot || !lent[i].data || rs.slots[s].lent()) continue;
    if (std::find(p.feed_slots.begin(), p.feed_slots.end(), s) != p.feed_slots.end()) continue;
    rs.slots[s].assign_lent(lent[i].type, lent[i].data, lent[i].bytes);
  }
}
#else
SESSIONLIB_DECLARE void lend_slots(const detail::plan& p, detail::run_state& rs, const std::vector<lent_buffer>& lent);
#endif


// Fresh results. A run_state remembers, per fetch leaf, the shape a kernel
// last wrote into a buffer of the run's own or a lent one (run_state::
// fetch_shapes; rank 0 when there is none): the next run with that state
// lends a fresh result array of that shape. Leaves that alias other values (a
// fed array, a variable, a folded constant) are never presized, so they cost
// no wasted allocation. A different shape this time: the value is taken over
// or copied as without lending, and the next run uses the new shape.

/// Fresh results: `presize` makes each tensor leaf's array of its remembered
/// shape and lends it, `fill` keeps it where the kernel wrote there and
/// remembers the shape for the next run.
template <class F>
struct fresh_impl {
  static constexpr bool lends = has_array_leaf<F>;
  static void presize(const F& f, fetch_result_t<F>& out, std::span<const dims> shapes, std::vector<lent_buffer>& lent) {
    auto leaf = [&]<class L>(const L& l, fetch_result_t<L>& res) {
      if constexpr (has_array_leaf<L> && TensorLike<L>) presize_tensor<L>(res, shapes[lent.size()], lent);
      else lend_nothing(l, lent);
    };
    leaf_walk<F>::walk(f, out, leaf);
  }
  static void fill(const F& f, fetch_reader& r, fetch_result_t<F>& out, std::span<dims> shapes) {
    auto leaf = [&]<class L>(const L& l, fetch_result_t<L>& res) {
      if constexpr (has_array_leaf<L> && TensorLike<L>) {
        const std::size_t index = r.pos;
        fill_tensor<L>(r.next(), res, shapes[index]);
      } else {
        res = fetch_impl<L>::build(l, r);
      }
    };
    leaf_walk<F>::walk(f, out, leaf);
  }

 private:
  // The leaf's index is its position in `lent` (one entry per leaf, in collect order).
  template <class L>
  static void presize_tensor(fetch_result_t<L>& out, const dims& s, std::vector<lent_buffer>& lent) {
    using T = typename L::value_type;
    constexpr std::size_t N = L::shape_type::rank();
    if (s.size() != N) {
      lent.push_back({});
      return;
    }
    // Every extent written by a loop of N, not by a copy of s's run-time
    // length: GCC -O2 cannot tie s.size() to N through std::copy (a memmove of
    // size() * 8 bytes), so an array it copied into was "maybe uninitialized"
    // in xtensor's compute_strides, an error under -Werror in users' builds.
    std::array<std::size_t, N> sh{};
    for (std::size_t i = 0; i < N; ++i) sh[i] = s[i];
    out = fetch_result_t<L>(sh);  // the elements stay uninitialised: the kernel writes every one
    any_array::advise_huge_pages(out.data(), out.size() * sizeof(T));
    lent.push_back({out.data(), out.size() * sizeof(T), dtype_of<T>});
  }
  template <class L>
  static void fill_tensor(const any_array& a, fetch_result_t<L>& out, dims& shape) {
    constexpr std::size_t N = L::shape_type::rank();
    const bool written_here = out.size() && a.raw() == out.data();  // in the array lent for this leaf
    const bool in_place = written_here && a.rank() == N &&
                          std::equal(out.shape().begin(), out.shape().end(), a.shape().begin());
    shape = written_here || a.owner() ? a.shape() : dims{};
    if (!in_place) replace_result(a, out, true);
  }
};

/// Runs `fetches` through `run(build, lend)` (session_impl::run_placed's last
/// two arguments) and returns their values. When the structure has a tensor
/// leaf of rank >= 1, the result is made first and its tensors, sized from
/// the run state's last shapes, are lent to the run; otherwise the values are
/// built from the run's slots afterwards.
template <class F, class Run>
fetch_result_t<F> run_fresh(const detail::plan& p, const F& fetches, Run&& run) {
  if constexpr (!fresh_impl<F>::lends || !std::is_default_constructible_v<fetch_result_t<F>>) {
    return run([&](fetch_reader& r) { return fetch_impl<F>::build(fetches, r); }, [](detail::run_state&) {});
  } else {
    fetch_result_t<F> out;
    detail::run_state* state = nullptr;
    run([&](fetch_reader& r) { fresh_impl<F>::fill(fetches, r, out, state->fetch_shapes); },
        [&](detail::run_state& rs) {
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
