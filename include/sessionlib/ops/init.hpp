// Initializers (tf.initializers.X is sl::init::X): values a Variable starts
// from. Each is a small value of element type T; `build<S>(g, name)` adds the
// node that yields the initial value of a static shape S: a constant for zeros,
// ones and constant, a seeded random op for the random ones, so each session
// draws the same initial values.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "../core/report.hpp"
#include "constant.hpp"
#include "random.hpp"

namespace sessionlib::init {

/// Marks initializer types (the Initializer concept below).
struct initializer_tag {};

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// A Const node of dtype `type` (trivially copyable) and the static shape
/// `rank` extents at `extents`, every element the dtype_size(type) bytes at
/// `value`: one copy for every dtype and static shape.
SESSIONLIB_INLINE node_id filled_erased(Graph& g, dtype type, const void* value, const std::string& name,
                                        const std::ptrdiff_t* extents, std::size_t rank) {
  dims d(extents, extents + rank);
  any_array v(type, d);
  const std::size_t size = dtype_size(type);
  auto* p = static_cast<unsigned char*>(v.raw());
  for (std::size_t i = 0; i < d.elements(); ++i) std::memcpy(p + i * size, value, size);
  return sessionlib::detail::constant_erased(g, std::move(v), name, type, extents, rank);
}
#else
SESSIONLIB_DECLARE node_id filled_erased(Graph& g, dtype type, const void* value, const std::string& name,
                                         const std::ptrdiff_t* extents, std::size_t rank);
#endif

/// A Const node of the static shape `rank` extents at `extents`, every element
/// `value`: one copy per dtype for all static shapes.
template <class T>
node_id filled_node(Graph& g, T value, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) {
  if constexpr (std::is_trivially_copyable_v<T>) {
    return filled_erased(g, dtype_of<T>, &value, name, extents, rank);
  } else {
    dims d(extents, extents + rank);
    any_array v(dtype_of<T>, d);
    T* p = v.data<T>();
    for (std::size_t i = 0; i < d.elements(); ++i) p[i] = value;
    return sessionlib::detail::constant_erased(g, std::move(v), name, dtype_of<T>, extents, rank);
  }
}
template <class T, class S>
Tensor<T, S> filled(Graph& g, T value, const std::string& name) {
  if constexpr (S::rank_dynamic() != 0) report::random_needs_static_shape<S>();  // S has a dyn dimension
  return Tensor<T, S>(&g, filled_node<T>(g, value, name, S::extents.data(), S::extents.size()));
}

/// TF's fans of the static shape of `rank` extents at `e` (fans<S> at run time).
constexpr std::pair<double, double> fans(const std::ptrdiff_t* e, std::size_t r) {
  if (r == 0) return {1.0, 1.0};
  if (r == 1) return {double(e[0]), double(e[0])};
  double receptive = 1;
  for (std::size_t i = 0; i + 2 < r; ++i) receptive *= double(e[i]);
  return {double(e[r - 2]) * receptive, double(e[r - 1]) * receptive};
}

/// TF's fans: rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 -> (rows, cols);
/// higher ranks multiply the leading (receptive field) dimensions into both.
template <class S>
constexpr std::pair<double, double> fans() {
  constexpr auto e = S::extents;
  constexpr std::size_t r = S::rank();
  if constexpr (r == 0) return {1.0, 1.0};
  else if constexpr (r == 1) return {double(e[0]), double(e[0])};
  else {
    double receptive = 1;
    for (std::size_t i = 0; i + 2 < r; ++i) receptive *= double(e[i]);
    return {double(e[r - 2]) * receptive, double(e[r - 1]) * receptive};
  }
}
}  // namespace detail

/// All zeros (tf.zeros_initializer).
template <Element T>
struct zeros : initializer_tag {
  using value_type = T;
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const { return detail::filled<T, S>(g, T(0), name); }
  /// build's node for the static shape of `rank` extents at `extents`: what
  /// Variable calls, one copy per dtype for every shape.
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    return detail::filled_node<T>(g, T(0), name, extents, rank);
  }
};

/// All ones (tf.ones_initializer).
template <Element T>
struct ones : initializer_tag {
  using value_type = T;
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const { return detail::filled<T, S>(g, T(1), name); }
  /// build's node for the static shape of `rank` extents at `extents`: what
  /// Variable calls, one copy per dtype for every shape.
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    return detail::filled_node<T>(g, T(1), name, extents, rank);
  }
};

/// Every element `value` (tf.constant_initializer).
template <Element T>
struct constant : initializer_tag {
  using value_type = T;
  T value{};
  constexpr explicit constant(T v = T(0)) : value(v) {}
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const { return detail::filled<T, S>(g, value, name); }
  /// build's node for the static shape of `rank` extents at `extents`: what
  /// Variable calls, one copy per dtype for every shape.
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    return detail::filled_node<T>(g, value, name, extents, rank);
  }
};

/// N(mean, stddev^2) (tf.random_normal_initializer).
template <Floating T>
struct random_normal : initializer_tag {
  using value_type = T;
  T mean, stddev;
  std::uint64_t seed;
  constexpr explicit random_normal(T mean_ = T(0), T stddev_ = T(0.05), std::uint64_t seed_ = 0)
      : mean(mean_), stddev(stddev_), seed(seed_) {}
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const {
    return sessionlib::random_normal<T, S>(g, mean, stddev, seed, name);
  }
  /// build's node for the static shape of `rank` extents at `extents`: what
  /// Variable calls, one copy per dtype for every shape.
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    return sessionlib::detail::random_erased(g, "RandomStandardNormal", kernels::random_normal_kernel<T>, mean, stddev,
                                             seed, name, dtype_of<T>, extents, rank);
  }
};

/// Truncated N(mean, stddev^2) (tf.truncated_normal_initializer).
template <Floating T>
struct truncated_normal : initializer_tag {
  using value_type = T;
  T mean, stddev;
  std::uint64_t seed;
  constexpr explicit truncated_normal(T mean_ = T(0), T stddev_ = T(0.05), std::uint64_t seed_ = 0)
      : mean(mean_), stddev(stddev_), seed(seed_) {}
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const {
    return sessionlib::truncated_normal<T, S>(g, mean, stddev, seed, name);
  }
  /// build's node for the static shape of `rank` extents at `extents`: what
  /// Variable calls, one copy per dtype for every shape.
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    return sessionlib::detail::random_erased(g, "TruncatedNormal", kernels::truncated_normal_kernel<T>, mean, stddev, seed,
                                             name, dtype_of<T>, extents, rank);
  }
};

/// Uniform in [minval, maxval) (tf.random_uniform_initializer).
template <Floating T>
struct random_uniform : initializer_tag {
  using value_type = T;
  T minval, maxval;
  std::uint64_t seed;
  constexpr explicit random_uniform(T minval_ = T(-0.05), T maxval_ = T(0.05), std::uint64_t seed_ = 0)
      : minval(minval_), maxval(maxval_), seed(seed_) {}
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const {
    return sessionlib::random_uniform<T, S>(g, minval, maxval, seed, name);
  }
  /// build's node for the static shape of `rank` extents at `extents`: what
  /// Variable calls, one copy per dtype for every shape.
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    return sessionlib::detail::random_erased(g, "RandomUniform", kernels::random_uniform_kernel<T>, minval, maxval, seed,
                                             name, dtype_of<T>, extents, rank);
  }
};

/// Glorot/Xavier uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (tf.glorot_uniform_initializer).
template <Floating T>
struct glorot_uniform : initializer_tag {
  using value_type = T;
  std::uint64_t seed;
  constexpr explicit glorot_uniform(std::uint64_t seed_ = 0) : seed(seed_) {}
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const {
    const auto [in, out] = detail::fans<S>();
    const T limit = static_cast<T>(std::sqrt(6.0 / (in + out)));
    return sessionlib::random_uniform<T, S>(g, -limit, limit, seed, name);
  }
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    const auto [in, out] = detail::fans(extents, rank);
    const T limit = static_cast<T>(std::sqrt(6.0 / (in + out)));
    return sessionlib::detail::random_erased(g, "RandomUniform", kernels::random_uniform_kernel<T>, -limit, limit,
                                             seed, name, dtype_of<T>, extents, rank);
  }
};

/// Glorot/Xavier normal: truncated N(0, s^2), s = sqrt(2 / (fan_in + fan_out)) / 0.8796...
/// (TF's correction for the truncation) (tf.glorot_normal_initializer).
template <Floating T>
struct glorot_normal : initializer_tag {
  using value_type = T;
  std::uint64_t seed;
  constexpr explicit glorot_normal(std::uint64_t seed_ = 0) : seed(seed_) {}
  template <Shape S> Tensor<T, S> build(Graph& g, const std::string& name) const {
    const auto [in, out] = detail::fans<S>();
    const T stddev = static_cast<T>(std::sqrt(2.0 / (in + out)) / .87962566103423978);
    return sessionlib::truncated_normal<T, S>(g, T(0), stddev, seed, name);
  }
  node_id build_node(Graph& g, const std::string& name, const std::ptrdiff_t* extents, std::size_t rank) const {
    const auto [in, out] = detail::fans(extents, rank);
    const T stddev = static_cast<T>(std::sqrt(2.0 / (in + out)) / .87962566103423978);
    return sessionlib::detail::random_erased(g, "TruncatedNormal", kernels::truncated_normal_kernel<T>, T(0), stddev,
                                             seed, name, dtype_of<T>, extents, rank);
  }
};

/// An initializer of element type T (sl::init::zeros<float>(), glorot_uniform<float>(7), ...).
template <class I>
concept Initializer = std::is_base_of_v<initializer_tag, I> && Element<typename I::value_type>;

}  // namespace sessionlib::init
