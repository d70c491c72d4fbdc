// Static shapes (`shape<D...>` with `dyn`) and the shape algebra that computes
// result types: constexpr functions over std::array, turned back into a
// `shape<...>` by `shape_from`. Run-time shapes are `dims`.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>

#include "../fwd.hpp"
#include "error.hpp"

namespace sessionlib {

/// A static shape; `dyn` marks a dimension known only at run time.
/// Vocabulary as std::mdspan's extents: rank(), rank_dynamic(), static_extent(i).
template <std::ptrdiff_t... D>
struct shape {
  static_assert(((D >= 0 || D == dyn) && ...), "sessionlib: shape: a dimension must be >= 0 or sl::dyn");
  static constexpr std::array<std::ptrdiff_t, sizeof...(D)> extents{D...};
  static constexpr std::size_t rank() noexcept { return sizeof...(D); }
  static constexpr std::size_t rank_dynamic() noexcept { return ((D == dyn ? 1u : 0u) + ... + 0u); }
  static constexpr std::ptrdiff_t static_extent(std::size_t i) noexcept { return extents[i]; }
  /// Element count, or dyn when any dimension is dynamic.
  static constexpr std::ptrdiff_t static_size() noexcept {
    std::ptrdiff_t n = 1;
    for (auto d : extents) {
      if (d == dyn) return dyn;
      n *= d;
    }
    return n;
  }
};

namespace detail {
template <class S> struct is_shape_impl : std::false_type {};
template <std::ptrdiff_t... D> struct is_shape_impl<shape<D...>> : std::true_type {};

template <class Fn, class Idx = std::make_index_sequence<Fn::value.size()>> struct shape_from_impl;
template <class Fn, std::size_t... I>
struct shape_from_impl<Fn, std::index_sequence<I...>> {
  using type = shape<Fn::value[I]...>;
};
}  // namespace detail

template <class S>
concept Shape = detail::is_shape_impl<S>::value;

/// `shape<Fn::value[0], ...>` for a type whose `static constexpr std::array value`
/// holds the dimensions: how constexpr shape functions return types.
template <class Fn> using shape_from = typename detail::shape_from_impl<Fn>::type;

namespace detail {
template <std::size_t N> struct dyn_dims {
  static constexpr auto value = [] { std::array<std::ptrdiff_t, N> a{}; a.fill(dyn); return a; }();
};
}  // namespace detail

/// A shape of `N` dynamic dimensions.
template <std::size_t N> using dyn_shape = shape_from<detail::dyn_dims<N>>;

/// A run-time shape of rank at most 8; fixed capacity, so it never allocates.
class dims {
 public:
  static constexpr std::size_t max_rank = 8;
  constexpr dims() = default;
  constexpr dims(std::initializer_list<std::size_t> l) : n_(static_cast<std::uint8_t>(l.size())) {
    if (l.size() > max_rank) too_many(l.size());
    std::copy(l.begin(), l.end(), d_.begin());
  }
  /// From a shape of any rank, e.g. an xt::xarray's: more than max_rank
  /// dimensions is sl::invalid_argument (a fed value of rank 9 must not overrun).
  template <class It>
  constexpr dims(It first, It last) {
    if constexpr (std::forward_iterator<It>) {
      const auto rank = static_cast<std::size_t>(std::distance(first, last));
      if (rank > max_rank) too_many(rank);
    }
    for (; first != last; ++first) {
      if (n_ == max_rank) too_many(max_rank + 1);
      push_back(static_cast<std::size_t>(*first));
    }
  }
  constexpr std::size_t size() const noexcept { return n_; }
  constexpr std::size_t rank() const noexcept { return n_; }
  constexpr std::size_t& operator[](std::size_t i) noexcept { return d_[i]; }
  constexpr std::size_t operator[](std::size_t i) const noexcept { return d_[i]; }
  constexpr const std::size_t* begin() const noexcept { return d_.data(); }
  constexpr const std::size_t* end() const noexcept { return d_.data() + n_; }
  constexpr std::size_t* begin() noexcept { return d_.data(); }
  constexpr std::size_t* end() noexcept { return d_.data() + n_; }
  constexpr void push_back(std::size_t v) noexcept { d_[n_++] = v; }
  constexpr void resize(std::size_t n) noexcept { n_ = static_cast<std::uint8_t>(n); }
  /// Number of elements (1 for rank 0).
  constexpr std::size_t elements() const noexcept {
    std::size_t e = 1;
    for (std::size_t i = 0; i < n_; ++i) e *= d_[i];
    return e;
  }
  // A plain loop: std::equal becomes a memcmp call, costly for a few extents.
  friend constexpr bool operator==(const dims& a, const dims& b) noexcept {
    if (a.n_ != b.n_) return false;
    for (std::size_t i = 0; i < a.n_; ++i)
      if (a.d_[i] != b.d_[i]) return false;
    return true;
  }

 private:
  [[noreturn]] static void too_many(std::size_t rank) {
    throw invalid_argument("A tensor of rank " + std::to_string(rank) + " exceeds sessionlib's maximum rank of " +
                           std::to_string(max_rank));
  }
  std::array<std::size_t, max_rank> d_{};
  std::uint8_t n_ = 0;
};

/// "(50, 2352)": a run-time shape as TF prints it.
inline std::string to_string(const dims& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(d[i]);
  }
  if (d.size() == 1) s += ",";
  return s + ")";
}

/// "(?, 784)": a static shape as TF prints it, `?` for dynamic dimensions.
template <class Range>
std::string static_shape_string(const Range& r) {
  std::string s = "(";
  std::size_t i = 0;
  for (auto d : r) {
    if (i++) s += ", ";
    s += d < 0 ? std::string("?") : std::to_string(d);
  }
  if (i == 1) s += ",";
  return s + ")";
}

/// True when run-time shape `d` fits static shape `s` (same rank; static dims equal).
template <class Range>
bool shape_fits(const Range& s, const dims& d) {
  if (std::size(s) != d.size()) return false;
  std::size_t i = 0;
  for (auto e : s) {
    if (e >= 0 && static_cast<std::size_t>(e) != d[i]) return false;
    ++i;
  }
  return true;
}

}  // namespace sessionlib
