// Seeded random ops: random_normal, truncated_normal, random_uniform over a
// static shape. TF's seed rule: the graph seed (g.set_seed) and the op seed
// together fix the sequence; an op created without a seed gets the graph's next
// op seed, so a graph built the same way draws the same values in every session.
#pragma once

#include <cstdint>
#include <string>

#include "../config.hpp"
#include "../core/report.hpp"
#include "../graph/builder.hpp"
#include "../runtime/kernels/random.hpp"

namespace sessionlib {

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// A random node of dtype `type` and the static shape `rank` extents at
/// `extents` (random_node's work, one copy for all static shapes).
SESSIONLIB_INLINE node_id random_erased(Graph& g, const char* op, kernel_fn k, double p0, double p1, std::uint64_t seed,
                                        const std::string& name, dtype type, const std::ptrdiff_t* extents,
                                        std::size_t rank) {
  attributes a{.family = random_attrs{.a = p0, .b = p1, .seed = static_cast<std::int64_t>(g.seed()),
                                     .seed2 = static_cast<std::int64_t>(seed != 0 ? seed : g.next_op_seed())}};
  // The generator is keyed in each session by the node's id (kernel_context::self).
  return add_static_node(g, {.op = op, .name = name, .kernel = k, .attr = std::move(a), .stateful = true}, type, extents,
                         rank);
}
#else
SESSIONLIB_DECLARE node_id random_erased(Graph& g, const char* op, kernel_fn k, double p0, double p1, std::uint64_t seed,
                                         const std::string& name, dtype type, const std::ptrdiff_t* extents,
                                         std::size_t rank);
#endif

template <class T, class S>
Tensor<T, S> random_node(Graph& g, const char* op, kernel_fn k, double p0, double p1, std::uint64_t seed,
                         const std::string& name) {
  if constexpr (S::rank_dynamic() != 0) report::random_needs_static_shape<S>();  // S has a dyn dimension
  return Tensor<T, S>(&g, random_erased(g, op, k, p0, p1, seed, name, dtype_of<T>, S::extents.data(), S::extents.size()));
}
}  // namespace detail

/// Values drawn from N(mean, stddev^2) (tf.random.normal); S must be static.
template <Floating T, Shape S>
Tensor<T, S> random_normal(Graph& g, T mean = T(0), T stddev = T(1), std::uint64_t seed = 0,
                           const std::string& name = "") {
  return detail::random_node<T, S>(g, "RandomStandardNormal", kernels::random_normal_kernel<T>, mean, stddev, seed,
                                   name);
}
template <Floating T, Shape S>
Tensor<T, S> random_normal(T mean = T(0), T stddev = T(1), std::uint64_t seed = 0, const std::string& name = "") {
  return random_normal<T, S>(get_default_graph(), mean, stddev, seed, name);
}

/// N(mean, stddev^2) with values beyond two stddevs redrawn (tf.random.truncated_normal).
template <Floating T, Shape S>
Tensor<T, S> truncated_normal(Graph& g, T mean = T(0), T stddev = T(1), std::uint64_t seed = 0,
                              const std::string& name = "") {
  return detail::random_node<T, S>(g, "TruncatedNormal", kernels::truncated_normal_kernel<T>, mean, stddev, seed,
                                   name);
}
template <Floating T, Shape S>
Tensor<T, S> truncated_normal(T mean = T(0), T stddev = T(1), std::uint64_t seed = 0, const std::string& name = "") {
  return truncated_normal<T, S>(get_default_graph(), mean, stddev, seed, name);
}

/// Uniform values in [minval, maxval) (tf.random.uniform); integer T needs minval < maxval.
template <Numeric T, Shape S>
  requires(!std::is_same_v<T, std::uint8_t>)
Tensor<T, S> random_uniform(Graph& g, T minval = T(0), T maxval = T(1), std::uint64_t seed = 0,
                            const std::string& name = "") {
  return detail::random_node<T, S>(g, "RandomUniform", kernels::random_uniform_kernel<T>, static_cast<double>(minval),
                                   static_cast<double>(maxval), seed, name);
}
template <Numeric T, Shape S>
  requires(!std::is_same_v<T, std::uint8_t>)
Tensor<T, S> random_uniform(T minval = T(0), T maxval = T(1), std::uint64_t seed = 0, const std::string& name = "") {
  return random_uniform<T, S>(get_default_graph(), minval, maxval, seed, name);
}

}  // namespace sessionlib
