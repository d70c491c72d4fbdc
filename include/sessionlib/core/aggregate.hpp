// Aggregates' fields, for what takes a struct of tensors where a std::tuple
// would do: fetches and feeds (session/fetch.hpp, session/feed.hpp) and
// while_loop's variables (ops/control_flow.hpp). field_count<T>() counts the
// fields, tie_fields<N>(t) ties them in declaration order (core/fields.hpp).
#pragma once

#include <cstddef>
#include <utility>

#include "fields.hpp"

namespace sessionlib::detail {

// Field count: the largest N for which T{any, ...N} compiles (Boost.PFR's technique).
struct any_field {
  template <class U> constexpr operator U() const noexcept;  // declared only: unevaluated use
};
template <class T, std::size_t... I>
constexpr bool braces_with(std::index_sequence<I...>) {
  return requires { T{(void(I), any_field{})...}; };
}
/// The number of fields of aggregate T (at most max_aggregate_fields).
template <class T, std::size_t N = max_aggregate_fields>
constexpr std::size_t field_count() {
  if constexpr (N == 0) return 0;
  else if constexpr (braces_with<T>(std::make_index_sequence<N>{})) return N;
  else return field_count<T, N - 1>();
}

}  // namespace sessionlib::detail
