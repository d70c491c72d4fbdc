// Fetch structures: a structure of fetchables in, the same structure of arrays
// out (DESIGN section 2). `fetch_impl<F>` gives, for each supported F, the result
// type, `collect` (leaves in a fixed order) and `build` (the result, consuming
// values in the same order), so a prepared callable never walks names again.
#pragma once

#include <array>
#include <map>
#include <utility>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "../config.hpp"
#include "../core/report.hpp"
#include "../graph/handles.hpp"
#include "../graph/sparse.hpp"
#include "../runtime/plan.hpp"
#include "../core/aggregate.hpp"
#include "tensor_handle.hpp"

namespace sessionlib {

/// Customisation point for a user's own fetch type C: define
/// `static auto fetches(const C&)` returning a fetchable structure, and optionally
/// `static R result(fetch_result_t<that structure>&&)` to build the user's result.
template <class C>
struct fetch_traits {};

/// Gathers the leaves of a fetch structure, all from one graph.
struct fetch_collector {
  Graph* graph = nullptr;
  std::vector<detail::fetch_leaf> leaves;
  /// Only counts the leaves (what lending needs): names are not looked up.
  bool count_only = false;

#if SESSIONLIB_DEFINITIONS
  /// Adds output `r` (a target when !wants_value: its node is run for its effect).
  SESSIONLIB_INLINE void add(Graph& g, output_ref r, bool wants_value) {
    if (count_only) {
      leaves.push_back({r.node, wants_value, r.index});
      return;
    }
    if (graph && graph != &g) throw invalid_argument("Fetches must all come from the session's graph", g.at(r).name);
    graph = &g;
    leaves.push_back({r.node, wants_value, r.index});
  }
#else
  SESSIONLIB_DECLARE void add(Graph& g, output_ref r, bool wants_value);
#endif
};

/// Hands out fetched values in collect order (null for targets).
struct fetch_reader {
  const any_array* const* values;
  std::size_t pos = 0;
  /// The session's tensor store, where a fetched get_session_handle keeps its value.
  const std::shared_ptr<tensor_store>* tensors = nullptr;
  const any_array& next() { return *values[pos++]; }
  void skip() { ++pos; }
};

namespace detail {

/// Result of fetching a tensor of element type T and rank N.
template <class T, std::size_t N>
using tensor_result_t = std::conditional_t<N == 0, T, xt::xtensor<T, N>>;

// The reader's arrays are the run's own slots (fetch_reader points at them as
// const only so builders cannot change them by mistake): a result may take
// over a slot's buffer.
template <class T, std::size_t N>
tensor_result_t<T, N> tensor_result(const any_array& a) {
  if constexpr (N == 0) return a.scalar<T>();
  else return const_cast<any_array&>(a).take_xtensor<T, N>();
}

// Primary: not fetchable. `valid` is false and using it reports the leaf.
template <class F, class = void>
struct fetch_impl {
  static constexpr bool valid = false;
  using result = none_t;
  static void collect(const F&, fetch_collector&) {
    report::not_fetchable<F>();  // F is the leaf type that cannot be fetched
  }
  static result build(const F&, fetch_reader&) { return {}; }
};

// A tensor or variable: T for rank 0, xt::xtensor<T, N> otherwise.
template <TensorLike F>
struct fetch_impl<F> {
  static constexpr bool valid = true;
  using T = typename F::value_type;
  static constexpr std::size_t N = F::shape_type::rank();
  using result = tensor_result_t<T, N>;
  static void collect(const F& f, fetch_collector& c) {
    auto t = as_tensor(f);
    c.add(t.graph(), t.id(), true);
  }
  static result build(const F&, fetch_reader& r) { return tensor_result<T, N>(r.next()); }
};

// A sparse tensor: its three parts, as an sl::SparseTensorValue<T, rank>.
template <class T, class S>
struct fetch_impl<SparseTensor<T, S>> {
  static constexpr bool valid = true;
  using result = SparseTensorValue<T, S::rank()>;
  static void collect(const SparseTensor<T, S>& f, fetch_collector& c) {
    c.add(f.graph(), f.indices_id(), true);
    c.add(f.graph(), f.values_id(), true);
    c.add(f.graph(), f.dense_shape_id(), true);
  }
  static result build(const SparseTensor<T, S>&, fetch_reader& r) {
    result v;
    v.indices = tensor_result<std::int64_t, 2>(r.next());
    v.values = tensor_result<T, 1>(r.next());
    v.dense_shape = tensor_result<std::int64_t, 1>(r.next());
    return v;
  }
};

// A get_session_handle op: its value is kept in the session's store (a buffer
// the run owns is shared, a borrowed one copied), and the result is its handle.
// Only fetched handles keep a value, as TF's.
template <class T, class S>
struct fetch_impl<SessionHandle<T, S>> {
  static constexpr bool valid = true;
  using result = TensorHandle<T, S>;
  static void collect(const SessionHandle<T, S>& f, fetch_collector& c) { c.add(f.graph(), f.id(), true); }
  static result build(const SessionHandle<T, S>& f, fetch_reader& r) {
    const any_array& v = r.next();
    if (!r.tensors) throw internal("get_session_handle fetched without a session store");
    std::string h = (*r.tensors)->add(f.graph().at(f.id()).name, v.borrowed() ? v.clone() : v);
    return result(std::move(h), *r.tensors);
  }
};

/// A type-erased result outlives its run, but a value read straight from a feed
/// views the caller's memory, which may be a temporary (`{{x, 2.5f}}`): such a
/// view is copied. Owned values are shared, as before.
inline any_array detached(const any_array& a) { return a.borrowed() ? a.clone() : a; }

// A tensor of unknown rank: its value, type-erased.
template <class T>
struct fetch_impl<UnknownRankTensor<T>> {
  static constexpr bool valid = true;
  using result = any_array;
  static void collect(const UnknownRankTensor<T>& f, fetch_collector& c) { c.add(f.graph(), f.id(), true); }
  static result build(const UnknownRankTensor<T>&, fetch_reader& r) { return detached(r.next()); }
};

// An operation: run for its effect; TF's None.
template <>
struct fetch_impl<Operation> {
  static constexpr bool valid = true;
  using result = none_t;
  static void collect(const Operation& op, fetch_collector& c) { c.add(op.graph(), op.id(), false); }
  static result build(const Operation&, fetch_reader& r) {
    r.skip();
    return {};
  }
};

// A name: a tensor's ("x:0") is looked up when the plan is made and its value
// is type-erased; an operation's ("init", "mul": no ":k") is run for its effect
// and yields an empty any_array (empty_handle(): TF's None), as TF's.
struct name_fetch {
  static constexpr bool valid = true;
  using result = any_array;
  /// True when `name` ends in ":<digits>" (a tensor's name, TF's "op:k").
  static bool names_tensor(std::string_view name) noexcept {
    const auto colon = name.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == name.size()) return false;
    for (char ch : name.substr(colon + 1))
      if (ch < '0' || ch > '9') return false;
    return true;
  }
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE static void collect(std::string_view name, fetch_collector& c) {
    if (c.count_only) {
      c.leaves.push_back({0, true});
      return;
    }
    if (!c.graph) throw invalid_argument("fetch by name: the session has no graph");  // set by the session first
    const output_ref id = c.graph->lookup(name);
    if (!names_tensor(name)) {
      c.add(*c.graph, output_ref{id.node}, false);  // an operation: a target
      return;
    }
    if (!c.graph->at(id).has_output)
      throw invalid_argument("Can not convert '" + std::string(name) + "' into a Tensor: the operation has no output",
                             c.graph->at(id).name);
    c.add(*c.graph, id, true);
  }
#else
  SESSIONLIB_DECLARE static void collect(std::string_view name, fetch_collector& c);
#endif
  static result build(fetch_reader& r) {
    const any_array* v = r.values[r.pos++];
    return v ? detached(*v) : any_array{};
  }
};
template <>
struct fetch_impl<std::string_view> : name_fetch {
  static void collect(std::string_view s, fetch_collector& c) { name_fetch::collect(s, c); }
  static result build(std::string_view, fetch_reader& r) { return name_fetch::build(r); }
};
template <>
struct fetch_impl<std::string> : name_fetch {
  static void collect(const std::string& s, fetch_collector& c) { name_fetch::collect(s, c); }
  static result build(const std::string&, fetch_reader& r) { return name_fetch::build(r); }
};
template <>
struct fetch_impl<const char*> : name_fetch {
  static void collect(const char* s, fetch_collector& c) { name_fetch::collect(s, c); }
  static result build(const char*, fetch_reader& r) { return name_fetch::build(r); }
};
template <std::size_t K>
struct fetch_impl<char[K]> : name_fetch {
  static void collect(const char (&s)[K], fetch_collector& c) { name_fetch::collect(s, c); }
  static result build(const char (&)[K], fetch_reader& r) { return name_fetch::build(r); }
};

// std::tuple, std::pair: the same tuple or pair of results.
template <class... F>
struct fetch_impl<std::tuple<F...>> {
  static constexpr bool valid = (fetch_impl<F>::valid && ...);
  using result = std::tuple<typename fetch_impl<F>::result...>;
  static void collect(const std::tuple<F...>& t, fetch_collector& c) {
    std::apply([&](const F&... f) { (fetch_impl<F>::collect(f, c), ...); }, t);
  }
  static result build(const std::tuple<F...>& t, fetch_reader& r) {
    // Braced init evaluates left to right, matching collect's order.
    return std::apply([&](const F&... f) { return result{fetch_impl<F>::build(f, r)...}; }, t);
  }
};
template <class A, class B>
struct fetch_impl<std::pair<A, B>> {
  static constexpr bool valid = fetch_impl<A>::valid && fetch_impl<B>::valid;
  using result = std::pair<typename fetch_impl<A>::result, typename fetch_impl<B>::result>;
  static void collect(const std::pair<A, B>& p, fetch_collector& c) {
    fetch_impl<A>::collect(p.first, c);
    fetch_impl<B>::collect(p.second, c);
  }
  static result build(const std::pair<A, B>& p, fetch_reader& r) {
    return result{fetch_impl<A>::build(p.first, r), fetch_impl<B>::build(p.second, r)};
  }
};

// std::array, std::vector: the same sequence of results.
template <class F, std::size_t K>
struct fetch_impl<std::array<F, K>> {
  static constexpr bool valid = fetch_impl<F>::valid;
  using result = std::array<typename fetch_impl<F>::result, K>;
  static void collect(const std::array<F, K>& a, fetch_collector& c) {
    for (const auto& f : a) fetch_impl<F>::collect(f, c);
  }
  static result build(const std::array<F, K>& a, fetch_reader& r) {
    result out{};
    for (std::size_t i = 0; i < K; ++i) out[i] = fetch_impl<F>::build(a[i], r);
    return out;
  }
};
template <class F, class A>
struct fetch_impl<std::vector<F, A>> {
  static constexpr bool valid = fetch_impl<F>::valid;
  using result = std::vector<typename fetch_impl<F>::result>;
  static void collect(const std::vector<F, A>& v, fetch_collector& c) {
    for (const auto& f : v) fetch_impl<F>::collect(f, c);
  }
  static result build(const std::vector<F, A>& v, fetch_reader& r) {
    result out;
    out.reserve(v.size());
    for (const auto& f : v) out.push_back(fetch_impl<F>::build(f, r));
    return out;
  }
};

// std::map, std::unordered_map: the same keys, mapped to results.
template <template <class...> class M, class K, class F, class... Rest>
struct map_fetch {
  static constexpr bool valid = fetch_impl<F>::valid;
  using result = M<K, typename fetch_impl<F>::result>;
  static void collect(const M<K, F, Rest...>& m, fetch_collector& c) {
    for (const auto& [k, f] : m) fetch_impl<F>::collect(f, c);
  }
  static result build(const M<K, F, Rest...>& m, fetch_reader& r) {
    result out;
    for (const auto& [k, f] : m) out.emplace(k, fetch_impl<F>::build(f, r));
    return out;
  }
};
template <class K, class F, class C, class A>
struct fetch_impl<std::map<K, F, C, A>> : map_fetch<std::map, K, F, C, A> {};
template <class K, class F, class H, class E, class A>
struct fetch_impl<std::unordered_map<K, F, H, E, A>> : map_fetch<std::unordered_map, K, F, H, E, A> {};

// std::variant: the result alternative of the held alternative.
template <class... F>
struct fetch_impl<std::variant<F...>> {
  static constexpr bool valid = (fetch_impl<F>::valid && ...);
  using result = std::variant<typename fetch_impl<F>::result...>;
  static void collect(const std::variant<F...>& v, fetch_collector& c) {
    std::visit([&](const auto& f) { fetch_impl<std::decay_t<decltype(f)>>::collect(f, c); }, v);
  }
  static result build(const std::variant<F...>& v, fetch_reader& r) {
    return build_at(v, r, std::make_index_sequence<sizeof...(F)>{});
  }
  template <std::size_t... I>
  static result build_at(const std::variant<F...>& v, fetch_reader& r, std::index_sequence<I...>) {
    result out;
    ((v.index() == I ? (out.template emplace<I>(fetch_impl<F>::build(std::get<I>(v), r)), 0) : 0), ...);
    return out;
  }
};

// Aggregates, by structured binding (field_count, tie_fields: core/aggregate.hpp).

template <class T>
concept UserFetchTraits = requires(const T& t) { fetch_traits<T>::fetches(t); };

template <class T>
concept FetchAggregate = std::is_aggregate_v<T> && !std::is_array_v<T> && !TensorLike<T> && !UserFetchTraits<T>;

template <class T> using field_tuple_t = std::remove_cvref_t<decltype(tie_fields<field_count<T>()>(std::declval<const T&>()))>;
template <class Tup> struct decayed_fields;
template <class... F> struct decayed_fields<std::tuple<const F&...>> { using type = std::tuple<F...>; };

// C<F...> rebinds to C<R...> when the results fit C's fields; other aggregates give a tuple.
template <class T, class Results> struct rebind_aggregate { using type = Results; };
template <template <class...> class C, class... F, class... R>
  requires requires(R... r) { C<R...>{std::move(r)...}; }
struct rebind_aggregate<C<F...>, std::tuple<R...>> { using type = C<R...>; };

template <FetchAggregate T>
struct fetch_impl<T> {
  using fields = typename decayed_fields<field_tuple_t<T>>::type;
  static constexpr bool valid = fetch_impl<fields>::valid;
  using tuple_result = typename fetch_impl<fields>::result;
  using result = typename rebind_aggregate<T, tuple_result>::type;
  static void collect(const T& t, fetch_collector& c) {
    std::apply([&](const auto&... f) { (fetch_impl<std::decay_t<decltype(f)>>::collect(f, c), ...); },
               tie_fields<field_count<T>()>(t));
  }
  static result build(const T& t, fetch_reader& r) {
    return std::apply(
        [&](const auto&... f) { return result{fetch_impl<std::decay_t<decltype(f)>>::build(f, r)...}; },
        tie_fields<field_count<T>()>(t));
  }
};

// A user's fetch_traits<C>: `fetches(c)` gives a fetchable structure, and an
// optional `result(r)` (or `result(c, r)`, when the result needs the fetched
// object itself) turns its result into the user's type.
template <UserFetchTraits T>
struct fetch_impl<T> {
  using inner_t = std::decay_t<decltype(fetch_traits<T>::fetches(std::declval<const T&>()))>;
  using inner = fetch_impl<inner_t>;
  static constexpr bool valid = inner::valid;
  static constexpr bool converts = requires(typename inner::result r) { fetch_traits<T>::result(std::move(r)); };
  static constexpr bool converts_with_fetch = requires(const T& t, typename inner::result r) {
    fetch_traits<T>::result(t, std::move(r));
  };
  static auto make(const T& t, typename inner::result&& r) {
    if constexpr (converts_with_fetch) return fetch_traits<T>::result(t, std::move(r));
    else if constexpr (converts) return fetch_traits<T>::result(std::move(r));
    else return std::move(r);
  }
  using result = decltype(make(std::declval<const T&>(), std::declval<typename inner::result>()));
  static void collect(const T& t, fetch_collector& c) { inner::collect(fetch_traits<T>::fetches(t), c); }
  static result build(const T& t, fetch_reader& r) { return make(t, inner::build(fetch_traits<T>::fetches(t), r)); }
};

}  // namespace detail

/// A structure session.run can fetch (DESIGN section 2).
template <class F>
concept Fetchable = detail::fetch_impl<std::remove_cvref_t<F>>::valid;

/// What session.run returns for fetch structure F.
template <class F>
using fetch_result_t = typename detail::fetch_impl<std::remove_cvref_t<F>>::result;

}  // namespace sessionlib
