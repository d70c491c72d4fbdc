// The result type of a fetch, checked while a call is resolved. run(fetches)
// returns detail::checked_fetch_result_t<F>, computed by a function whose return
// type is deduced, so the compiler instantiates it at the call: an unfetchable
// leaf is reported there, before any use of the result (a `float v = sess.run(...)`
// of an unfetchable leaf would otherwise fail first on converting sl::none_t).
// The report names the first unfetchable leaf, or, for a name of another
// string-like type than std::string, std::string_view and const char*, says to
// write std::string.
#pragma once

#include <string_view>
#include <type_traits>

#include "fetch.hpp"

namespace sessionlib::detail {

/// The first leaf of fetch structure F that is not fetchable (F itself when F is
/// a leaf or a structure not walked here, e.g. an aggregate).
template <class F> struct first_unfetchable { using type = F; };
template <class... F> struct first_unfetchable_of;
template <> struct first_unfetchable_of<> { using type = void; };
template <class F, class... Rest>
struct first_unfetchable_of<F, Rest...> {
  using type = typename std::conditional_t<fetch_impl<F>::valid, first_unfetchable_of<Rest...>,
                                           first_unfetchable<F>>::type;
};
template <class... F> struct first_unfetchable<std::tuple<F...>> : first_unfetchable_of<F...> {};
template <class A, class B> struct first_unfetchable<std::pair<A, B>> : first_unfetchable_of<A, B> {};
template <class F, std::size_t K> struct first_unfetchable<std::array<F, K>> : first_unfetchable_of<F> {};
template <class F, class A> struct first_unfetchable<std::vector<F, A>> : first_unfetchable_of<F> {};
template <class K, class F, class C, class A> struct first_unfetchable<std::map<K, F, C, A>> : first_unfetchable_of<F> {};
template <class K, class F, class H, class E, class A>
struct first_unfetchable<std::unordered_map<K, F, H, E, A>> : first_unfetchable_of<F> {};
template <class... F> struct first_unfetchable<std::variant<F...>> : first_unfetchable_of<F...> {};

/// std::type_identity<fetch_result_t<F>>; reports F's first unfetchable leaf.
template <class F>
auto checked_fetch_result() {
  using G = std::remove_cvref_t<F>;
  if constexpr (!fetch_impl<G>::valid) {
    using Leaf = typename first_unfetchable<G>::type;
    // Evaluated as constants, so the compiler instantiates the report here and now
    // (g++ defers a plain call's instantiation past errors in the caller).
    if constexpr (std::is_convertible_v<const Leaf&, std::string_view>) {
      [[maybe_unused]] constexpr bool reported = (report::name_not_string<Leaf>(), true);  // fetch std::string(name)
    } else {
      [[maybe_unused]] constexpr bool reported = (report::not_fetchable<Leaf>(), true);  // the leaf that cannot be fetched
    }
  }
  return std::type_identity<fetch_result_t<G>>{};
}

/// What session.run returns for F, with F checked at the call.
template <class F>
using checked_fetch_result_t = typename decltype(checked_fetch_result<F>())::type;

}  // namespace sessionlib::detail
