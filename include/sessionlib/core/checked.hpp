// Checked sizes: every place that turns input (a feed's shape, a file header, an
// op attribute, a run-time shape) into an element count or a byte size goes
// through these, so a crafted or absurd shape is an exception, never a wrapped
// size and a too-small buffer. `Error` is the exception to throw (invalid_argument
// for shapes given by a program, data_loss for shapes read from a file); `where`
// names the node or file in the message.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "error.hpp"

namespace sessionlib {

/// The largest byte size sessionlib will allocate: what a signed pointer difference
/// can span, so that no later index arithmetic can wrap either.
inline constexpr std::size_t max_bytes = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());

namespace detail {

/// The byte size of `dims` elements of `element_size` bytes into `out`, or false
/// when it passes max_bytes. No exception: the executor's hot path calls it.
/// Its strides must fit too, so when a zero extent makes the array empty the
/// product of the non-zero extents is checked (out of line: rare).
template <class Dims>
[[gnu::noinline, gnu::cold]] constexpr bool empty_strides_fit(const Dims& dims, std::size_t element_size) noexcept {
  std::size_t strides = element_size;
  bool ok = true;
  for (auto d : dims)
    if (d != 0) ok &= !__builtin_mul_overflow(strides, static_cast<std::size_t>(d), &strides);
  return ok && strides <= max_bytes;
}
template <class Dims>
constexpr bool shape_bytes(const Dims& dims, std::size_t element_size, std::size_t& out) noexcept {
  std::size_t n = element_size;
  bool ok = true;
  for (auto d : dims) ok &= !__builtin_mul_overflow(n, static_cast<std::size_t>(d), &n);
  out = n;
  if (n == 0 && ok) [[unlikely]]
    return empty_strides_fit(dims, element_size);
  return ok && n <= max_bytes;
}

template <class Error>
[[noreturn]] inline void throw_size(std::string_view where, const std::string& what) {
  std::string message(where);
  if (!message.empty()) message += ": ";
  message += what;
  throw Error(message);
}

inline std::string dims_text(const auto& dims) {
  std::string s = "(";
  bool first = true;
  for (auto d : dims) {
    if (!first) s += ", ";
    first = false;
    s += std::to_string(d);
  }
  return s + (dims.size() == 1 ? ",)" : ")");
}

}  // namespace detail

/// The element count of `dims` (any range of integers), checked: a negative
/// dimension or a product past max_bytes is `Error` naming `where` and the shape.
template <class Error = invalid_argument, class Dims>
std::size_t checked_elements(const Dims& dims, std::string_view where) {
  // The product of the non-zero extents, what an array's strides multiply: it
  // must fit even when a zero extent makes the shape empty, so no consumer sees
  // (0, 2^62, 2^62), in whatever order. Without a zero it is the count.
  std::size_t strides = 1;
  bool overflow = false, empty = false;
  for (auto d : dims) {
    if constexpr (std::is_signed_v<decltype(d)>) {
      if (d < 0) detail::throw_size<Error>(where, "negative dimension in shape " + detail::dims_text(dims));
    }
    const auto u = static_cast<std::uint64_t>(d);
    if (u == 0) empty = true;
    else overflow |= __builtin_mul_overflow(strides, u, &strides);
  }
  if (overflow || strides > max_bytes) detail::throw_size<Error>(where, "shape " + detail::dims_text(dims) + " has too many elements");
  return empty ? 0 : strides;
}

/// The byte size of `elements` values of `element_size` bytes, checked.
template <class Error = invalid_argument>
std::size_t checked_bytes(std::size_t elements, std::size_t element_size, std::string_view where) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(elements, element_size, &r) || r > max_bytes)
    detail::throw_size<Error>(where, std::to_string(elements) + " elements of " + std::to_string(element_size) +
                                         " bytes overflow the address space");
  return r;
}

/// The byte size of an array of shape `dims` and `element_size`-byte elements,
/// checked as checked_elements checks the count, and so that its byte strides
/// fit too (an empty shape included): what a reader allocates from a header.
template <class Error = invalid_argument, class Dims>
std::size_t checked_shape_bytes(const Dims& dims, std::size_t element_size, std::string_view where) {
  (void)checked_elements<Error>(dims, where);
  std::size_t bytes = 0;
  if (!detail::shape_bytes(dims, element_size, bytes))
    detail::throw_size<Error>(where, "shape " + detail::dims_text(dims) + " of " + std::to_string(element_size) +
                                         "-byte elements has too many bytes");
  return bytes;
}

/// A floating-point or integer value converted to a count, checked: NaN, negative
/// values and values past `limit` are `Error` naming `where` (`what` says which value).
template <class Error = invalid_argument, class V>
std::size_t checked_count(V v, std::string_view where, std::string_view what, std::size_t limit = max_bytes) {
  if constexpr (std::floating_point<V>) {
    if (!(v >= V(0)) || !(static_cast<long double>(v) <= static_cast<long double>(limit)))
      detail::throw_size<Error>(where, std::string(what) + " " + std::to_string(v) + " is not a valid size");
    return static_cast<std::size_t>(v);
  } else {
    if constexpr (std::is_signed_v<V>) {
      if (v < 0) detail::throw_size<Error>(where, std::string(what) + " " + std::to_string(v) + " is negative");
    }
    if (static_cast<std::uint64_t>(v) > limit)
      detail::throw_size<Error>(where, std::string(what) + " " + std::to_string(v) + " is too large");
    return static_cast<std::size_t>(v);
  }
}

}  // namespace sessionlib
