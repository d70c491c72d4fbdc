// The element types a graph carries, their TF names, and the run-time tag
// (`dtype`) the type-erased runtime dispatches on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "../fwd.hpp"
#include "error.hpp"

namespace sessionlib {

/// Run-time tag of an element type; names follow TF (`float32`, `int64`, ...,
/// `string`). Every dtype but `string` is a trivially copyable buffer; a
/// `string` array holds constructed `std::string`s (core/any_array.hpp).
enum class dtype : std::uint8_t { float32, float64, int32, int64, uint8, bool_, string };

namespace detail {
template <class T> struct dtype_of_impl {};
template <> struct dtype_of_impl<float> { static constexpr dtype value = dtype::float32; };
template <> struct dtype_of_impl<double> { static constexpr dtype value = dtype::float64; };
template <> struct dtype_of_impl<std::int32_t> { static constexpr dtype value = dtype::int32; };
template <> struct dtype_of_impl<std::int64_t> { static constexpr dtype value = dtype::int64; };
template <> struct dtype_of_impl<std::uint8_t> { static constexpr dtype value = dtype::uint8; };
template <> struct dtype_of_impl<bool> { static constexpr dtype value = dtype::bool_; };
template <> struct dtype_of_impl<std::string> { static constexpr dtype value = dtype::string; };
}  // namespace detail

/// An element type the graph can carry.
template <class T>
concept Element = requires { detail::dtype_of_impl<T>::value; };

/// The element types that gradients flow through.
template <class T>
concept Floating = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The string element type (TF's tf.string): bytes, fed and fetched as std::string.
template <class T>
concept StringElement = std::is_same_v<T, std::string>;

/// Numeric element types (arithmetic kernels take these, not bool nor string).
template <class T>
concept Numeric = Element<T> && !std::is_same_v<T, bool> && !StringElement<T>;

/// Element types held in trivially copyable buffers (every one but string):
/// the kernels that move bytes (memcpy, fusion blocks) take these.
template <class T>
concept TrivialElement = Element<T> && !StringElement<T>;

template <Element T> inline constexpr dtype dtype_of = detail::dtype_of_impl<T>::value;

/// TF's name of a dtype: "float32", "float64", "int32", "int64", "uint8", "bool", "string".
constexpr std::string_view dtype_name(dtype t) noexcept {
  switch (t) {
    case dtype::float32: return "float32";
    case dtype::float64: return "float64";
    case dtype::int32: return "int32";
    case dtype::int64: return "int64";
    case dtype::uint8: return "uint8";
    case dtype::bool_: return "bool";
    case dtype::string: return "string";
  }
  return "?";
}

/// The name TF's error messages use ("float" for float32, "double", ...).
constexpr std::string_view dtype_message_name(dtype t) noexcept {
  switch (t) {
    case dtype::float32: return "float";
    case dtype::float64: return "double";
    default: return dtype_name(t);
  }
}

/// Bytes per element; for `string`, the size of a `std::string` object (its
/// characters live elsewhere).
constexpr std::size_t dtype_size(dtype t) noexcept {
  switch (t) {
    case dtype::float32: case dtype::int32: return 4;
    case dtype::float64: case dtype::int64: return 8;
    case dtype::uint8: case dtype::bool_: return 1;
    case dtype::string: return sizeof(std::string);
  }
  return 0;
}

/// True for the dtypes held in trivially copyable buffers (all but `string`).
constexpr bool dtype_is_trivial(dtype t) noexcept { return t != dtype::string; }

namespace detail {
[[noreturn, gnu::cold]] inline void throw_string_not_visited() {
  throw unimplemented("this operation does not support tensors of dtype string");
}
}  // namespace detail

/// Calls `f.template operator()<T>()` with the C++ type of `t`, one of the
/// trivially copyable dtypes: a `string` array is refused with
/// `sl::unimplemented` (callers that handle strings test for them first).
template <class F>
decltype(auto) visit_dtype(dtype t, F&& f) {
  switch (t) {
    case dtype::string: detail::throw_string_not_visited();
    case dtype::float32: return f.template operator()<float>();
    case dtype::float64: return f.template operator()<double>();
    case dtype::int32: return f.template operator()<std::int32_t>();
    case dtype::int64: return f.template operator()<std::int64_t>();
    case dtype::uint8: return f.template operator()<std::uint8_t>();
    case dtype::bool_: break;
  }
  return f.template operator()<bool>();
}

}  // namespace sessionlib
